import Models

/// What the step trainer needs of a model: flat parameters and gradients under a named layout, and a
/// backward pass for the last forward. CLIP and GPT differ only in their forward, which the trainer is given.
protocol TrainableModel: AnyObject {
    var layout: ParameterLayout { get }
    var parameters: UnsafeMutableBufferPointer<Float> { get }
    var gradients: UnsafeMutableBufferPointer<Float> { get }
    func zeroGradients()
    func backward()
    /// LwF's target for the next forward (DESIGN §4).
    var distillation: Distillation.Target? { get set }
    /// What this model, as a teacher, hands to a student after its forward: CLIP's logits, the LM's
    /// next-token probabilities.
    func teacherValues() -> [Float]
}

extension CLIPModel: TrainableModel {
    func teacherValues() -> [Float] { lastLogits() }
}

extension GPTModel: TrainableModel {
    func teacherValues() -> [Float] { lastProbabilities() }
}

extension TrainableModel {
    /// The weights as checkpoint tensors, viewed in place.
    var parameterTensors: [CheckpointTensorView] {
        layout.entries.map {
            CheckpointTensorView(name: $0.name, shape: $0.shape,
                                 values: UnsafeBufferPointer(rebasing: parameters[$0.offset..<($0.offset + $0.count)]))
        }
    }

    /// Copies weights from checkpoint tensors of the same names and shapes.
    /// - Throws: `CheckpointError` when a tensor is missing or has another shape; nothing is changed then.
    func loadParameters(_ tensors: [String: CheckpointTensor]) throws {
        for e in layout.entries {
            guard let t = tensors[e.name] else { throw CheckpointError.missingTensor(name: e.name) }
            guard t.shape == e.shape else {
                throw CheckpointError.tensorShapeMismatch(name: e.name, expected: e.shape, found: t.shape)
            }
        }
        for e in layout.entries {
            _ = tensors[e.name]!.values.withUnsafeBufferPointer {
                UnsafeMutableBufferPointer(rebasing: parameters[e.offset..<(e.offset + e.count)]).initialize(fromContentsOf: $0)
            }
        }
    }
}
