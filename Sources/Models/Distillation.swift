import Foundation

/// Learning without Forgetting's distillation term (Li & Hoiem; TiC-CLIP's LwF baseline): the KL divergence
/// from a frozen teacher's tempered distributions to the student's, scaled by T² so its gradient keeps its size
/// across temperatures (Hinton et al.), averaged over rows.
///
///     q = softmax(z / T) per row,   loss = weight · T² · (1/R) Σ_rows KL(q_teacher ‖ q_student)
///     d loss / d z_student = weight · T / R · (q_student − q_teacher)
public enum Distillation {
    /// The teacher's side of one batch: its logits (rows, columns) and the term's settings. A model given a
    /// target adds the term to its next `forward` and its gradient to the `backward` after it.
    public struct Target {
        /// CLIP: the teacher's (B,B) image→text logits, exp(logit_scale)·image·textᵀ; both directions are
        /// distilled, the text→image one from the transpose. LM: the teacher's (B·T, V) next-token
        /// probabilities, which is what a GPTModel keeps after its forward.
        public var values: [Float]
        public var temperature: Float
        public var weight: Float

        public init(values: [Float], temperature: Float, weight: Float) {
            self.values = values; self.temperature = temperature; self.weight = weight
        }
    }

    /// out (C) = softmax(logits (C) / T). Returns nothing; a row of one value is 1.
    static func temperedSoftmax(_ out: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, count: Int,
                                stride: Int = 1, temperature: Float) {
        var m = -Float.infinity
        for j in 0..<count { m = max(m, logits[j * stride]) }
        var sum: Double = 0
        for j in 0..<count {
            let e = Foundation.exp((logits[j * stride] - m) / temperature)
            out[j] = e
            sum += Double(e)
        }
        let inv = Float(1 / sum)
        for j in 0..<count { out[j] *= inv }
    }

    /// out (C) = softmax(log(p) / T) from probabilities p (C): the tempered distribution of the logits that
    /// gave p, for a model that kept probabilities rather than logits. A zero probability stays zero.
    static func temper(_ out: UnsafeMutablePointer<Float>, probabilities p: UnsafePointer<Float>, count: Int,
                       temperature: Float) {
        if temperature == 1 {
            out.update(from: p, count: count)
            return
        }
        var sum: Double = 0
        for j in 0..<count {
            let e = p[j] > 0 ? Foundation.pow(p[j], 1 / temperature) : 0
            out[j] = e
            sum += Double(e)
        }
        let inv = sum > 0 ? Float(1 / sum) : 0
        for j in 0..<count { out[j] *= inv }
    }

    /// KL(teacher ‖ student) of one row of tempered distributions (C), in nats. Teacher zeros contribute 0.
    static func rowKL(teacher: UnsafePointer<Float>, student: UnsafePointer<Float>, count: Int) -> Double {
        var kl: Double = 0
        for j in 0..<count where teacher[j] > 0 {
            kl += Double(teacher[j]) * (Foundation.log(Double(teacher[j])) - Foundation.log(max(Double(student[j]), 1e-30)))
        }
        return kl
    }

    /// The loss over `rows` rows (C each) of tempered student and teacher distributions, those with
    /// `include(row)` only: weight·T²·mean KL. Returns the loss and the rows counted.
    static func loss(student: UnsafePointer<Float>, teacher: UnsafePointer<Float>, rows: Int, columns: Int,
                     temperature: Float, weight: Float, include: (Int) -> Bool = { _ in true }) -> (Float, Int) {
        var total: Double = 0, counted = 0
        for r in 0..<rows where include(r) {
            total += rowKL(teacher: teacher + r * columns, student: student + r * columns, count: columns)
            counted += 1
        }
        guard counted > 0 else { return (0, 0) }
        return (Float(Double(weight * temperature * temperature) * total / Double(counted)), counted)
    }

    /// dLogits (R,C) += scale · (student − teacher) for rows with `include(row)`, where scale is
    /// weight·T/counted; `transposed` adds row r's gradient into column r instead (CLIP's text→image side).
    static func addGradient(_ dLogits: UnsafeMutablePointer<Float>, student: UnsafePointer<Float>,
                            teacher: UnsafePointer<Float>, rows: Int, columns: Int, scale: Float,
                            transposed: Bool = false, include: (Int) -> Bool = { _ in true }) {
        for r in 0..<rows where include(r) {
            let s = student + r * columns, t = teacher + r * columns
            if transposed {
                for j in 0..<columns { dLogits[j * rows + r] += scale * (s[j] - t[j]) }
            } else {
                let d = dLogits + r * columns
                for j in 0..<columns { d[j] += scale * (s[j] - t[j]) }
            }
        }
    }
}
