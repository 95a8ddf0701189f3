import Dispatch
import Foundation

/// AdamW hyper-parameters. `lr` is the peak learning rate a schedule scales; `step` takes the actual one.
public struct AdamWConfig: Codable, Equatable {
    public var lr: Float
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    public var weightDecay: Float

    public init(lr: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float) {
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }

    /// open_clip's defaults for CLIP: lr 5e-4, β = (0.9, 0.98), eps 1e-6, wd 0.2.
    public static let clip = AdamWConfig(lr: 5e-4, beta1: 0.9, beta2: 0.98, eps: 1e-6, weightDecay: 0.2)
    /// open_lm / TiC-LM's defaults for language models: lr 3e-3, β = (0.9, 0.95), eps 1e-8, wd 0.033.
    public static let lm = AdamWConfig(lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.033)
}

/// AdamW over one flat parameter buffer (torch.optim.AdamW's update, decoupled weight decay).
///
/// The moments `m` and `v` are flat buffers parallel to the parameters, so checkpointing them is two tensors.
/// The update is elementwise, so splitting it over threads cannot change the result.
public final class AdamW {
    /// Checkpoint tensor names of the first and second moments (torch's state names).
    public static let firstMomentName = "optimizer.exp_avg"
    public static let secondMomentName = "optimizer.exp_avg_sq"

    public let config: AdamWConfig
    public let parameterCount: Int
    /// Steps taken so far; bias correction uses it. Saved in checkpoint headers and restored with `restore`.
    public var t: Int = 0
    /// First moment (exp_avg), `parameterCount` floats.
    public let m: UnsafeMutableBufferPointer<Float>
    /// Second moment (exp_avg_sq), `parameterCount` floats.
    public let v: UnsafeMutableBufferPointer<Float>

    /// Elements per parallel work item; fixed, so gradient-norm partial sums never depend on the thread count.
    private static let chunk = 1 << 15

    /// A fresh optimizer with zero moments and t = 0.
    public init(parameterCount: Int, config: AdamWConfig) {
        self.config = config
        self.parameterCount = parameterCount
        m = .allocate(capacity: parameterCount)
        m.initialize(repeating: 0)
        v = .allocate(capacity: parameterCount)
        v.initialize(repeating: 0)
    }

    deinit {
        m.deallocate()
        v.deallocate()
    }

    /// One AdamW step: t += 1, then for every element p −= lr·wd·p (only inside `decayMask`),
    /// m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
    /// p −= (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + eps).
    /// - Parameters:
    ///   - parameters: `parameterCount` floats, updated in place.
    ///   - gradients: `parameterCount` floats.
    ///   - decayMask: element ranges that get weight decay; everything else (gains, biases, position and class
    ///     embeddings, the logit scale) gets none. Ranges may come in any order and may overlap.
    ///   - lr: this step's learning rate, usually `schedule(step)`.
    public func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                     decayMask: [Range<Int>], lr: Float) {
        t += 1
        let c = config
        let bias1 = 1 - pow(Double(c.beta1), Double(t))
        let bias2 = 1 - pow(Double(c.beta2), Double(t))
        let coefficients = UpdateCoefficients(
            decay: 1 - lr * c.weightDecay, beta1: c.beta1, beta2: c.beta2, eps: c.eps,
            stepSize: Float(Double(lr) / bias1), bias2Sqrt: Float(bias2.squareRoot()))
        guard let m = self.m.baseAddress, let v = self.v.baseAddress, parameterCount > 0 else { return }
        let segments = AdamW.segments(decayMask, count: parameterCount)
        let chunks = (parameterCount + AdamW.chunk - 1) / AdamW.chunk
        let count = parameterCount
        DispatchQueue.concurrentPerform(iterations: chunks) { index in
            let start = index * AdamW.chunk, end = min(start + AdamW.chunk, count)
            for segment in segments where segment.range.upperBound > start && segment.range.lowerBound < end {
                let lower = max(start, segment.range.lowerBound), upper = min(end, segment.range.upperBound)
                AdamW.update(p: parameters + lower, g: gradients + lower, m: m + lower, v: v + lower,
                             count: upper - lower, coefficients: coefficients, decays: segment.decays)
            }
        }
    }

    /// Scales the gradients so their global L2 norm is at most `maxNorm` (torch's clip_grad_norm_, which
    /// multiplies by maxNorm / (norm + 1e-6) when that is below 1).
    /// - Returns: the norm before clipping. Squares are summed in Double over fixed chunks, added in order,
    ///   so the value is the same for any thread count.
    @discardableResult
    public func clipGradientNorm(_ gradients: UnsafeMutablePointer<Float>, count: Int, maxNorm: Float) -> Float {
        AdamW.clipGradientNorm(gradients, count: count, maxNorm: maxNorm)
    }

    /// The same as the instance method, for gradients not tied to an optimizer.
    @discardableResult
    public static func clipGradientNorm(_ gradients: UnsafeMutablePointer<Float>, count: Int,
                                        maxNorm: Float) -> Float {
        let chunks = (count + chunk - 1) / chunk
        let partial = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(chunks, 1))
        defer { partial.deallocate() }
        DispatchQueue.concurrentPerform(iterations: chunks) { index in
            let start = index * chunk, end = min(start + chunk, count)
            partial[index] = sumOfSquares(gradients + start, count: end - start)
        }
        var total = 0.0
        for index in 0..<chunks { total += partial[index] }
        let norm = total.squareRoot()
        let coefficient = Float(Double(maxNorm) / (norm + 1e-6))
        if coefficient < 1 {
            DispatchQueue.concurrentPerform(iterations: chunks) { index in
                let start = index * chunk, end = min(start + chunk, count)
                scale(gradients + start, count: end - start, by: coefficient)
            }
        }
        return Float(norm)
    }

    /// The moments as checkpoint tensors, viewed in place (no copy); valid while this optimizer lives.
    /// The step counter `t` goes in the checkpoint's JSON header.
    public func stateTensors() -> [CheckpointTensorView] {
        [CheckpointTensorView(name: AdamW.firstMomentName, shape: [parameterCount], values: UnsafeBufferPointer(m)),
         CheckpointTensorView(name: AdamW.secondMomentName, shape: [parameterCount], values: UnsafeBufferPointer(v))]
    }

    /// Restores the moments and the step counter saved by `stateTensors` and `t`.
    /// - Throws: `CheckpointError.missingTensor` or `.tensorShapeMismatch` when the checkpoint's optimizer
    ///   state does not fit this optimizer; nothing is changed then.
    public func restore(t: Int, tensors: [String: CheckpointTensor]) throws {
        let names = [AdamW.firstMomentName, AdamW.secondMomentName]
        for name in names {
            guard let tensor = tensors[name] else { throw CheckpointError.missingTensor(name: name) }
            guard tensor.shape == [parameterCount], tensor.values.count == parameterCount else {
                throw CheckpointError.tensorShapeMismatch(name: name, expected: [parameterCount], found: tensor.shape)
            }
        }
        for (name, buffer) in zip(names, [m, v]) {
            _ = tensors[name]!.values.withUnsafeBufferPointer { buffer.initialize(fromContentsOf: $0) }
        }
        self.t = t
    }

    private struct UpdateCoefficients {
        var decay, beta1, beta2, eps, stepSize, bias2Sqrt: Float
    }

    private struct Segment {
        var range: Range<Int>
        var decays: Bool
    }

    /// Cuts 0..<count into sorted, disjoint runs that alternate between decayed and not.
    private static func segments(_ mask: [Range<Int>], count: Int) -> [Segment] {
        let sorted = mask.map { max(0, $0.lowerBound)..<min(count, max($0.upperBound, $0.lowerBound)) }
            .filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for range in sorted {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        var result: [Segment] = []
        var position = 0
        for range in merged {
            if range.lowerBound > position { result.append(Segment(range: position..<range.lowerBound, decays: false)) }
            result.append(Segment(range: range, decays: true))
            position = range.upperBound
        }
        if position < count { result.append(Segment(range: position..<count, decays: false)) }
        return result
    }

    @inline(__always)
    private static func update(p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>,
                               m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                               count: Int, coefficients c: UpdateCoefficients, decays: Bool) {
        let decay: Float = decays ? c.decay : 1
        let oneMinusBeta1 = 1 - c.beta1, oneMinusBeta2 = 1 - c.beta2
        var i = 0
        let rawP = UnsafeMutableRawPointer(p), rawG = UnsafeRawPointer(g)
        let rawM = UnsafeMutableRawPointer(m), rawV = UnsafeMutableRawPointer(v)
        while i + 16 <= count {
            let offset = i * 4
            let gi = rawG.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            var mi = rawM.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            var vi = rawV.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            var pi = rawP.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            pi *= decay
            mi += oneMinusBeta1 * (gi - mi)
            vi = c.beta2 * vi + oneMinusBeta2 * (gi * gi)
            pi -= c.stepSize * (mi / (vi.squareRoot() / c.bias2Sqrt + c.eps))
            rawM.storeBytes(of: mi, toByteOffset: offset, as: SIMD16<Float>.self)
            rawV.storeBytes(of: vi, toByteOffset: offset, as: SIMD16<Float>.self)
            rawP.storeBytes(of: pi, toByteOffset: offset, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            let gi = g[i]
            var pi = p[i] * decay
            m[i] += oneMinusBeta1 * (gi - m[i])
            v[i] = c.beta2 * v[i] + oneMinusBeta2 * (gi * gi)
            pi -= c.stepSize * (m[i] / (v[i].squareRoot() / c.bias2Sqrt + c.eps))
            p[i] = pi
            i += 1
        }
    }

    @inline(__always)
    private static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var low = SIMD8<Double>(), high = SIMD8<Double>()
        let raw = UnsafeRawPointer(x)
        var i = 0
        while i + 16 <= count {
            let xi = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            let a = SIMD8<Double>(xi.lowHalf), b = SIMD8<Double>(xi.highHalf)
            low += a * a
            high += b * b
            i += 16
        }
        var total = (low + high).sum()
        while i < count {
            total += Double(x[i]) * Double(x[i])
            i += 1
        }
        return total
    }

    @inline(__always)
    private static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        let raw = UnsafeMutableRawPointer(x)
        var i = 0
        while i + 16 <= count {
            let xi = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) * factor
            raw.storeBytes(of: xi, toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            x[i] *= factor
            i += 1
        }
    }
}
