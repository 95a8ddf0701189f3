import Dispatch

/// Reads one shard to its last byte, validates every sample, and hands each usable one to a closure.
///
/// The same scanner serves ingest (which counts, splits and stores) and the training loader (which trains on
/// the samples that are not held out), so a sample is classified the same way at both ends. It hashes the
/// file while reading, so a shard is read once. Memory is bounded by the record cap, the tar member caps and
/// `decodeBatch` samples in flight, whatever the file size.
public final class ShardScanner {
    public let path: String
    public let format: ShardFormat
    public let options: ScanOptions
    /// The month named by the shard's path, used for samples that carry no time of their own.
    private let pathMonth: Month?

    public init(path: String, format: ShardFormat, options: ScanOptions) {
        self.path = path
        self.format = format
        self.options = options
        self.pathMonth = SampleTime.month(inPath: path)
    }

    /// Scans the whole shard.
    /// - Parameter body: called for each usable sample, in shard order.
    /// - Returns: the counts, problems and sha256 of the file.
    /// - Throws: `ShardError` when the shard as a whole is unreadable (truncated, corrupt, unsafe member,
    ///   empty); whatever `body` throws.
    @discardableResult
    public func scan(_ body: (ScannedSample) throws -> Void) throws -> ScanSummary {
        let file = try FileStream(path: path, hashing: true)
        guard file.size > 0 else { throw ShardError(.empty, path: path, offset: 0, detail: "the file is empty") }
        var summary = ScanSummary()
        summary.bytes = file.size
        var dedup = Deduplicator()
        let input = ReadAheadStream(file)
        switch format {
        case .tar:
            try scanTar(input, &summary, &dedup, body)
        case .jsonl:
            try scanLines(input, &summary, &dedup, body)
        case .jsonlZstd:
            try scanLines(ZstdDecompressStream(input, path: path), &summary, &dedup, body)
        case .jsonlGzip:
            try scanLines(GzipDecompressStream(input, path: path), &summary, &dedup, body)
        }
        // Whatever a format reader left unread, so the hash covers the file.
        try input.drain()
        summary.sha256 = input.sha256Hex() ?? ""
        return summary
    }

    // MARK: - Text shards

    private func scanLines(_ stream: ByteStream, _ summary: inout ScanSummary, _ dedup: inout Deduplicator,
                           _ body: (ScannedSample) throws -> Void) throws {
        let lines = LineReader(stream, path: path, maxLineBytes: options.maxRecordBytes)
        var lastBadJSONLine: Int?
        while let line = try lines.next() {
            let index = summary.samples
            summary.samples += 1
            switch line {
            case .tooLong(let number, let bytes):
                summary.record(SampleProblem(.recordTooLong, line: number,
                                             detail: "record of \(bytes) bytes is over the \(options.maxRecordBytes)-byte cap"))
            case .record(let bytes, let number):
                do {
                    let fields = try JSONRecordScanner.scan(bytes)
                    guard let text = fields.text, !text.isEmpty else {
                        throw SampleProblem(.noText, line: number, detail: "no string \"text\" field")
                    }
                    let month = try sampleMonth(fields, line: number, key: nil)
                    let content = Hash64.hash(text)
                    let key = fields.uid ?? fields.id ?? ShardScanner.contentKey(content)
                    try dedup.admit(key: key, content: content, line: number)
                    summary.usable += 1
                    try body(ScannedSample(index: index, key: key, month: month, text: text, image: nil,
                                           imageOffset: 0, imageLength: 0, imageExtension: nil, line: number,
                                           heldOut: options.isHeldOut(key: key)))
                } catch var problem as SampleProblem {
                    if problem.line == nil { problem.line = number }
                    if problem.kind == .badJSON { lastBadJSONLine = number }
                    summary.record(problem)
                }
            }
        }
        if let last = lines.unterminatedLine, last == lastBadJSONLine {
            throw ShardError(.truncated, path: path, line: last,
                             detail: "the last line is incomplete JSON with no newline after it: the file was cut short")
        }
    }

    // MARK: - Image-text shards

    /// A WebDataset sample on its way through validation; decoded in parallel batches.
    private struct Pending {
        var index: Int
        var key: String
        var caption = ""
        var fields = JSONFields()
        var image: TarMember?
        var imageExtension = ""
        var decoded: RGBImage?
        var problem: SampleProblem?
    }

    private static let imageExtensions = ["jpg", "jpeg", "png", "webp"]

    private func scanTar(_ file: ByteStream, _ summary: inout ScanSummary, _ dedup: inout Deduplicator,
                         _ body: (ScannedSample) throws -> Void) throws {
        let reader = WebDatasetReader(TarReader(file, path: path, limits: options.tarLimits))
        var batch: [Pending] = []
        batch.reserveCapacity(options.decodeBatch)
        while true {
            let next = try reader.next()
            if let sample = next {
                batch.append(prepare(sample, index: summary.samples))
                summary.samples += 1
            }
            if batch.count == options.decodeBatch || (next == nil && !batch.isEmpty) {
                decode(&batch)
                for pending in batch { try finish(pending, &summary, &dedup, body) }
                batch.removeAll(keepingCapacity: true)
            }
            if next == nil { break }
        }
        summary.skippedMembers = reader.skippedMembers
    }

    /// Picks the members of a sample and reads its caption and metadata; no image decoding yet.
    private func prepare(_ sample: WebDatasetSample, index: Int) -> Pending {
        var p = Pending(index: index, key: sample.key)
        if let json = sample.members["json"] {
            do {
                p.fields = try json.data.withUnsafeBytes { try JSONRecordScanner.scan($0) }
            } catch var problem as SampleProblem {
                problem.key = sample.key
                p.problem = problem
                return p
            } catch {
                p.problem = SampleProblem(.badJSON, key: sample.key, detail: "\(error)")
                return p
            }
        }
        if let txt = sample.members["txt"] {
            guard let text = String(validating: txt.data, as: UTF8.self) else {
                p.problem = SampleProblem(.noCaption, key: sample.key, detail: ".txt caption is not valid UTF-8")
                return p
            }
            p.caption = text.trimmingWhitespace()
        }
        if p.caption.isEmpty { p.caption = (p.fields.caption ?? p.fields.text ?? "").trimmingWhitespace() }
        for ext in ShardScanner.imageExtensions {
            if let member = sample.members[ext] { p.image = member; p.imageExtension = ext; break }
        }
        if p.image == nil {
            p.problem = SampleProblem(.missingImage, key: sample.key,
                                      detail: "no .jpg, .jpeg, .png or .webp member (has: \(sample.members.keys.sorted().joined(separator: ", ")))")
        } else if p.caption.isEmpty {
            p.problem = SampleProblem(.noCaption, key: sample.key, detail: "no .txt, json.caption or json.text")
        }
        return p
    }

    /// Decodes the batch's images on `decodeThreads` workers; each worker writes only its own slots.
    private func decode(_ batch: inout [Pending]) {
        guard options.decodeImages else { return }
        let limits = options.imageLimits, minSide = options.imageMinSide
        let workers = max(1, min(options.decodeThreads, batch.count))
        batch.withUnsafeMutableBufferPointer { slots in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var i = w
                while i < slots.count {
                    if slots[i].problem == nil, let member = slots[i].image {
                        do {
                            slots[i].decoded = try member.data.withUnsafeBytes {
                                try ImageDecoder.decode($0, extension: slots[i].imageExtension, limits: limits, minSide: minSide)
                            }
                        } catch var problem as SampleProblem {
                            problem.key = slots[i].key
                            slots[i].problem = problem
                        } catch {
                            slots[i].problem = SampleProblem(.badImage, key: slots[i].key, detail: "\(error)")
                        }
                    }
                    i += workers
                }
            }
        }
    }

    private func finish(_ p: Pending, _ summary: inout ScanSummary, _ dedup: inout Deduplicator,
                        _ body: (ScannedSample) throws -> Void) throws {
        do {
            if let problem = p.problem { throw problem }
            guard let member = p.image else { return }
            let month = try sampleMonth(p.fields, line: nil, key: p.key)
            let content = member.data.withUnsafeBytes { Hash64.hash($0, seed: Hash64.hash(p.caption)) }
            let key = p.fields.uid ?? ShardScanner.contentKey(content)
            try dedup.admit(tarKey: p.key)
            try dedup.admit(key: key, content: content, line: nil)
            summary.usable += 1
            try body(ScannedSample(index: p.index, key: key, month: month, text: p.caption, image: p.decoded,
                                   imageOffset: member.dataOffset, imageLength: Int64(member.size),
                                   imageExtension: p.imageExtension, line: nil,
                                   heldOut: options.isHeldOut(key: key)))
        } catch var problem as SampleProblem {
            if problem.key == nil { problem.key = p.key }
            summary.record(problem)
        }
    }

    // MARK: - Shared rules

    /// The sample's month: its own time fields first (DESIGN §2 order), else the shard path's month.
    private func sampleMonth(_ fields: JSONFields, line: Int?, key: String?) throws -> Month {
        if let month = try SampleTime.month(of: fields, window: options.window) { return month }
        guard let month = pathMonth else {
            throw SampleProblem(.noTimestamp, key: key, line: line,
                                detail: "no timestamp, WARC-Date, date or year field, and no YYYY-MM in the path")
        }
        guard options.window.contains(month) else {
            throw SampleProblem(.timestampOutOfRange, key: key, line: line,
                                detail: "the path's month \(month) is outside [\(options.window.earliest), now + 1 day]")
        }
        return month
    }

    static func contentKey(_ hash: UInt64) -> String {
        let hex = String(hash, radix: 16)
        return "h:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Within-shard dedup: a repeated split key, content hash or WebDataset key is a duplicate, whatever its
/// month, since a sample's first slice wins (TiC's "first seen" snapshot). Holds 64-bit hashes only, so
/// memory is a few bytes a sample whatever the sample size.
private struct Deduplicator {
    private var keys: Set<UInt64> = []
    private var contents: Set<UInt64> = []
    private var tarKeys: Set<UInt64> = []

    mutating func admit(key: String, content: UInt64, line: Int?) throws {
        guard keys.insert(Hash64.hash(key)).inserted else {
            throw SampleProblem(.duplicate, key: key, line: line, detail: "key seen earlier in the shard")
        }
        guard contents.insert(content).inserted else {
            throw SampleProblem(.duplicate, key: key, line: line, detail: "content seen earlier in the shard")
        }
    }

    mutating func admit(tarKey: String) throws {
        guard tarKeys.insert(Hash64.hash(tarKey)).inserted else {
            throw SampleProblem(.duplicate, key: tarKey, detail: "WebDataset key appears twice in the shard")
        }
    }
}

private extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
