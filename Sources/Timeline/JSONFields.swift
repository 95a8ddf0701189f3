/// A JSON value kept for a time field, whose type decides how it is read (a unix number or a date string).
public enum JSONScalar: Equatable, Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    /// An array or an object: present, but never a usable time.
    case other
}

/// What ingest needs from one record: a jsonl line, or a WebDataset `.json` member.
///
/// Only top-level keys count, except `WARC-Date` and `WARC-Target-URI` under the top-level `metadata`
/// object (DCLM's shape). A repeated key takes its last value, as Python's `json` does. A string field
/// whose value is not a JSON string is nil, so ingest reports `no_text`/`no_caption` for it.
public struct JSONFields: Equatable, Sendable {
    public var text: String?
    public var caption: String?
    /// `url`, else `metadata."WARC-Target-URI"`.
    public var url: String?
    public var timestamp: JSONScalar?
    /// `metadata."WARC-Date"`.
    public var warcDate: JSONScalar?
    public var date: JSONScalar?
    public var year: JSONScalar?
    public var month: JSONScalar?
    public var uid: String?
    public var key: String?
    public var id: String?
    public var sha256: String?

    public init(text: String? = nil, caption: String? = nil, url: String? = nil,
                timestamp: JSONScalar? = nil, warcDate: JSONScalar? = nil, date: JSONScalar? = nil,
                year: JSONScalar? = nil, month: JSONScalar? = nil, uid: String? = nil,
                key: String? = nil, id: String? = nil, sha256: String? = nil) {
        self.text = text; self.caption = caption; self.url = url
        self.timestamp = timestamp; self.warcDate = warcDate; self.date = date
        self.year = year; self.month = month; self.uid = uid
        self.key = key; self.id = id; self.sha256 = sha256
    }
}
