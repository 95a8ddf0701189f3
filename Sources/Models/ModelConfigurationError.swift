/// A model configuration that cannot be built, naming the offending field.
public struct ModelConfigurationError: Error, CustomStringConvertible, Equatable {
    /// The JSON key at fault, e.g. "patch_size".
    public let field: String
    /// What is wrong with it.
    public let reason: String

    public var description: String { "invalid model configuration: \(field): \(reason)" }
}
