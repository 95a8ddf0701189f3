import Foundation

/// Reads the documents of a labelled-text file: a `.jsonl` file holds one JSON object per line with a string
/// "text" field (DCLM's and most crawl dumps' layout); any other file holds one document per line. Blank
/// lines are skipped in both.
enum TextDocumentFile {
    /// The documents of `path`, in file order.
    /// - Throws: `CurationError` naming the file, and for a bad line its number and byte offset:
    ///   `.unreadable`, `.empty`, `.invalidUTF8`, `.badJSONLine`.
    static func read(_ path: String) throws -> [String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw CurationError.unreadable(path: path, reason: reason)
        }
        let isJSONL = path.hasSuffix(".jsonl")
        var documents: [String] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0, line = 0
            while start < bytes.count {
                line += 1
                var end = start
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                var body = UnsafeBufferPointer(rebasing: bytes[start..<end])
                if body.last == 0x0D { body = UnsafeBufferPointer(rebasing: body.dropLast()) }
                if !body.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                    documents.append(try document(body, path: path, line: line, offset: start, jsonl: isJSONL))
                }
                start = end + 1
            }
        }
        guard !documents.isEmpty else { throw CurationError.empty(path: path) }
        return documents
    }

    private struct Record: Decodable { var text: String }

    private static func document(_ body: UnsafeBufferPointer<UInt8>, path: String, line: Int, offset: Int,
                                 jsonl: Bool) throws -> String {
        guard let text = String(validating: body, as: UTF8.self) else {
            throw CurationError.invalidUTF8(path: path, line: line, byteOffset: offset)
        }
        guard jsonl else { return text }
        do {
            return try JSONDecoder().decode(Record.self, from: Data(body)).text
        } catch DecodingError.keyNotFound {
            throw CurationError.badJSONLine(path: path, line: line, byteOffset: offset, reason: "no \"text\" field")
        } catch DecodingError.typeMismatch {
            throw CurationError.badJSONLine(path: path, line: line, byteOffset: offset,
                                            reason: "not an object, or \"text\" is not a string")
        } catch {
            throw CurationError.badJSONLine(path: path, line: line, byteOffset: offset, reason: "not valid JSON")
        }
    }
}
