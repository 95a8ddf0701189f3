import Foundation
import Models

/// Saves and loads text classifiers as ticd checkpoint files (`CheckpointFile`: magic "TICDCKPT", format
/// version, JSON header, 64-byte-aligned float32 tensors, CRC-32 and size trailer).
///
/// The JSON header is `{"kind": "text-classifier", "kind_version": 1, "hyperparameters": {...}}`; the
/// tensors are "embeddings" (buckets, dim), "output.weight" (dim) and "output.bias" (1).
enum TextClassifierFile {
    static let kind = "text-classifier"
    static let kindVersion = 1

    struct Header: Codable, Equatable {
        var kind: String
        var kindVersion: Int
        var hyperparameters: TextClassifierHyperparameters

        enum CodingKeys: String, CodingKey {
            case kind, kindVersion = "kind_version", hyperparameters
        }
    }

    /// Writes `model` to `path` durably (temporary file, fsync, rename).
    /// - Throws: `CheckpointError.io` naming the failed system call.
    static func write(_ model: TextClassifier, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let header = try encoder.encode(Header(kind: kind, kindVersion: kindVersion,
                                               hyperparameters: model.hyperparameters))
        let hp = model.hyperparameters
        try CheckpointFile.write(to: path, header: header, tensors: [
            CheckpointTensor(name: "embeddings", shape: [hp.buckets, hp.dim], values: model.embeddings),
            CheckpointTensor(name: "output.weight", shape: [hp.dim], values: model.outputWeight),
            CheckpointTensor(name: "output.bias", shape: [1], values: [model.outputBias]),
        ])
    }

    /// Reads a model written by `write`, after the checkpoint's own magic, size, checksum and version checks.
    /// - Throws: `CheckpointError` for a missing, truncated or damaged file; `CurationError.notATextClassifier`
    ///   for another kind of checkpoint; `CurationError.malformedModel` when header and tensors disagree.
    static func read(from path: String) throws -> TextClassifier {
        let (headerBytes, tensors) = try CheckpointFile.read(from: path)
        struct Kind: Decodable { var kind: String? }
        let found = (try? JSONDecoder().decode(Kind.self, from: headerBytes))?.kind ?? "(none)"
        guard found == kind else { throw CurationError.notATextClassifier(path: path, kind: found) }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: headerBytes)
        } catch {
            throw CurationError.malformedModel(path: path, reason: "header does not decode: \(error)")
        }
        guard header.kindVersion == kindVersion else {
            throw CurationError.malformedModel(path: path, reason: "kind_version \(header.kindVersion), this ticd reads \(kindVersion)")
        }
        let hp = header.hyperparameters
        guard hp.buckets >= 2, hp.buckets & (hp.buckets - 1) == 0, hp.dim >= 1 else {
            throw CurationError.malformedModel(path: path, reason: "buckets \(hp.buckets) is not a power of two ≥ 2 or dim \(hp.dim) < 1")
        }
        func tensor(_ name: String, shape: [Int]) throws -> [Float] {
            guard let t = tensors[name] else { throw CurationError.malformedModel(path: path, reason: "no tensor \(name)") }
            guard t.shape == shape else {
                throw CurationError.malformedModel(path: path, reason: "tensor \(name) has shape \(t.shape), the header implies \(shape)")
            }
            return t.values
        }
        return TextClassifier(hyperparameters: hp,
                              embeddings: try tensor("embeddings", shape: [hp.buckets, hp.dim]),
                              outputWeight: try tensor("output.weight", shape: [hp.dim]),
                              outputBias: try tensor("output.bias", shape: [1])[0])
    }
}
