import Foundation

/// Softmax cross-entropy over a vocabulary, fused so the probabilities are computed once and kept for backward.
enum CrossEntropy {
    /// losses (N) per row (0 where the target is `ignoreIndex`), probabilities (N,V), which may be `logits`
    /// itself, from logits (N,V) and targets (N). Returns the mean loss over rows with a valid target (0 if none).
    @discardableResult
    static func forward(losses: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>,
                        logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows: Int, vocabulary: Int,
                        ignoreIndex: Int32) -> Float {
        return KernelProfile.measure("CrossEntropy.forward") {
            let v = vocabulary
            Parallel.chunks(rows, grain: max(1, 16384 / v)) { range in
                for n in range {
                    let target = targets[n]
                    let x = logits + n * v
                    let logit = target == ignoreIndex ? 0 : x[Int(target)]
                    let (m, s) = Softmax.row(probabilities + n * v, x, count: v, valid: v)
                    losses[n] = target == ignoreIndex ? 0 : Foundation.log(s) + m - logit
                }
            }
            var total: Double = 0, valid = 0
            for n in 0..<rows where targets[n] != ignoreIndex {
                total += Double(losses[n])
                valid += 1
            }
            return valid == 0 ? 0 : Float(total / Double(valid))
        }
    }

    /// dLogits (N,V) += (probabilities − onehot(target)) / validRows for rows whose target is not `ignoreIndex`,
    /// the gradient of the mean loss. With `accumulate` false, dLogits is overwritten instead (ignored rows get
    /// zeros) and may be `probabilities` itself, which saves a buffer the size of the logits.
    static func backward(dLogits: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>,
                         targets: UnsafePointer<Int32>, rows: Int, vocabulary: Int, ignoreIndex: Int32,
                         accumulate: Bool = true) {
        KernelProfile.measure("CrossEntropy.backward") {
            let v = vocabulary
            var valid = 0
            for n in 0..<rows where targets[n] != ignoreIndex { valid += 1 }
            let scale = valid == 0 ? 0 : 1 / Float(valid)
            Parallel.chunks(rows, grain: max(1, 16384 / v)) { range in
                for n in range {
                    let p = probabilities + n * v, dx = dLogits + n * v
                    guard targets[n] != ignoreIndex else {
                        if !accumulate { dx.update(repeating: 0, count: v) }
                        continue
                    }
                    var i = 0
                    while i < v {
                        let w = v - i
                        let g = Lanes.load(p + i, w) * scale
                        Lanes.store(accumulate ? Lanes.load(dx + i, w) + g : g, dx + i, w)
                        i += Lanes.width
                    }
                    dx[Int(targets[n])] -= scale
                }
            }
        }
    }
}
