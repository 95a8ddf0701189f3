import Foundation

/// Why a checkpoint could not be written or loaded; each case names the file and says what to do.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The file does not start with "TICDCKPT".
    case notACheckpoint(path: String)
    /// The file is shorter (or longer) than its header says: an interrupted copy or a partial write.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// The trailing CRC-32 does not match the bytes: the file was altered or damaged.
    case checksumMismatch(path: String, stored: UInt32, computed: UInt32)
    /// The file was written by a ticd with a different checkpoint format.
    case unknownVersion(path: String, found: UInt32, supported: UInt32)
    /// The checksum holds but the layout inside is inconsistent (a writer bug, not damage).
    case malformed(path: String, offset: Int, reason: String)
    /// The checkpoint's config differs from the run's config in these keys (dotted paths).
    case configMismatch(path: String, keys: [String])
    /// A tensor the caller needs is not in the checkpoint.
    case missingTensor(name: String)
    /// A tensor has a different shape than the model or optimizer expects.
    case tensorShapeMismatch(name: String, expected: [Int], found: [Int])
    /// A system call failed while writing or reading.
    case io(path: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .notACheckpoint(let path):
            return "\(path): not a ticd checkpoint (no TICDCKPT magic); check the path"
        case .truncated(let path, let expected, let actual):
            return "\(path): truncated checkpoint: header says \(expected) bytes, file has \(actual); "
                + "the write or copy was interrupted — use an earlier checkpoint"
        case .checksumMismatch(let path, let stored, let computed):
            return "\(path): checksum mismatch (stored \(hex(stored)), computed \(hex(computed))); "
                + "the file is damaged — use an earlier checkpoint"
        case .unknownVersion(let path, let found, let supported):
            return "\(path): checkpoint format version \(found), this ticd reads \(supported); "
                + "upgrade ticd or re-create the checkpoint"
        case .malformed(let path, let offset, let reason):
            return "\(path): malformed checkpoint at byte \(offset): \(reason); re-create the checkpoint"
        case .configMismatch(let path, let keys):
            return "\(path): checkpoint config differs from this run's config in "
                + keys.joined(separator: ", ") + "; start from a matching checkpoint or change the config"
        case .missingTensor(let name):
            return "checkpoint has no tensor \(name); it was written for a different model or optimizer"
        case .tensorShapeMismatch(let name, let expected, let found):
            return "checkpoint tensor \(name) has shape \(found), expected \(expected); "
                + "it was written for a different model size"
        case .io(let path, let operation, let errno):
            return "\(path): \(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        }
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: true) }
}
