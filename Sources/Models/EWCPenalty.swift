import Foundation

/// Elastic weight consolidation (Kirkpatrick et al.), online form (Schwarz et al.): a diagonal Fisher F and
/// anchor weights θ* from the previous steps, and the penalty λ/2·Σ F·(θ−θ*)² on the flat parameter buffer.
public enum EWCPenalty {
    /// The penalty λ/2·Σ Fᵢ(θᵢ−θ*ᵢ)² over `count` parameters.
    public static func forward(parameters: UnsafePointer<Float>, anchor: UnsafePointer<Float>,
                               fisher: UnsafePointer<Float>, count: Int, lambda: Float) -> Float {
        var sum: Double = 0
        for i in 0..<count {
            let d = Double(parameters[i] - anchor[i])
            sum += Double(fisher[i]) * d * d
        }
        return Float(0.5 * Double(lambda) * sum)
    }

    /// gradients (N) += λ·F·(θ−θ*), the penalty's gradient.
    public static func backward(gradients: UnsafeMutablePointer<Float>, parameters: UnsafePointer<Float>,
                                anchor: UnsafePointer<Float>, fisher: UnsafePointer<Float>, count: Int, lambda: Float) {
        for i in 0..<count { gradients[i] += lambda * fisher[i] * (parameters[i] - anchor[i]) }
    }

    /// fisher (N) += scale·g², one batch's contribution to the empirical diagonal Fisher (scale = 1/batches).
    public static func accumulateFisher(_ fisher: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                                        count: Int, scale: Float) {
        for i in 0..<count { fisher[i] += scale * gradients[i] * gradients[i] }
    }
}
