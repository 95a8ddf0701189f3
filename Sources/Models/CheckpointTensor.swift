/// A named float32 tensor as stored in a checkpoint file (open_clip-style names, row-major shape).
public struct CheckpointTensor: Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// A named float32 tensor that stays where it is (a view into a flat parameter or optimizer buffer), so
/// writing a checkpoint copies nothing. The memory must stay valid until the write returns.
public struct CheckpointTensorView {
    public var name: String
    public var shape: [Int]
    public var values: UnsafeBufferPointer<Float>

    public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}
