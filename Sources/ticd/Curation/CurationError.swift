import Foundation

/// Why a labelled text file or a text classifier model could not be read; each case names the file and
/// where in it the problem is.
enum CurationError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The file holds no document (no non-blank line).
    case empty(path: String)
    /// A line is not valid UTF-8.
    case invalidUTF8(path: String, line: Int, byteOffset: Int)
    /// A .jsonl line is not a JSON object with a string "text" field.
    case badJSONLine(path: String, line: Int, byteOffset: Int, reason: String)
    /// The checkpoint file is sound but holds something other than a text classifier.
    case notATextClassifier(path: String, kind: String)
    /// The model's header or tensors do not fit together.
    case malformedModel(path: String, reason: String)

    var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .empty(let path):
            return "\(path): no documents (the file is empty or all its lines are blank)"
        case .invalidUTF8(let path, let line, let offset):
            return "\(path):\(line): not valid UTF-8 (line starts at byte \(offset))"
        case .badJSONLine(let path, let line, let offset, let reason):
            return "\(path):\(line): \(reason) (line starts at byte \(offset)); "
                + "a .jsonl file needs one JSON object with a string \"text\" field per line"
        case .notATextClassifier(let path, let kind):
            return "\(path): a ticd checkpoint of kind \"\(kind)\", not a text classifier; "
                + "pass a model written by `ticd filter train-text`"
        case .malformedModel(let path, let reason):
            return "\(path): malformed text classifier: \(reason); retrain it with `ticd filter train-text`"
        }
    }
}
