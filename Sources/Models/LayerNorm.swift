/// Layer normalisation over the last axis with a gain and a bias, eps 1e-5 as torch.nn.LayerNorm.
enum LayerNorm {
    static let epsilon: Float = 1e-5

    /// out (N,C) = (input − mean)·rstd·weight + bias; mean (N) and rstd (N) are saved for backward.
    static func forward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                        rstd: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, rows: Int, channels: Int) {
        KernelProfile.measure("LayerNorm.forward") {
            let c = channels
            Parallel.chunks(rows, grain: max(1, 4096 / c)) { range in
                for n in range {
                    normalizeRow(n, out: out, mean: mean, rstd: rstd, input: input, weight: weight, bias: bias,
                                 channels: c)
                }
            }
        }
    }

    /// The residual add and the LayerNorm after it in one pass over the rows: sum (N,C) = a + b + addBias (C),
    /// then out (N,C), mean (N), rstd (N) = LayerNorm(sum) as `forward`. The same bits as `Residual.forward`
    /// then `forward`, without reading the sum back from memory: each row is normalised while in cache.
    static func forward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                        rstd: UnsafeMutablePointer<Float>, sum: UnsafeMutablePointer<Float>,
                        a: UnsafePointer<Float>, b: UnsafePointer<Float>, addBias: UnsafePointer<Float>?,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, rows: Int, channels: Int) {
        KernelProfile.measure("Residual+LayerNorm.forward") {
            let c = channels
            Parallel.chunks(rows, grain: max(1, 4096 / c)) { range in
                for n in range {
                    Residual.addRow(n, out: sum, a: a, b: b, bias: addBias, columns: c)
                    normalizeRow(n, out: out, mean: mean, rstd: rstd, input: sum, weight: weight, bias: bias,
                                 channels: c)
                }
            }
        }
    }

    @inline(__always)
    private static func normalizeRow(_ n: Int, out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                     rstd: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                                     weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, channels c: Int) {
        let x = input + n * c, y = out + n * c
        let m = rowSum(x, c) / Float(c)
        var v = Lanes.Vector(repeating: 0), tail: Float = 0
        var i = 0
        while i + Lanes.width <= c {
            let d = Lanes.load(x + i) - m
            v += d * d
            i += Lanes.width
        }
        while i < c { let d = x[i] - m; tail += d * d; i += 1 }
        let s = 1 / (((v.sum() + tail) / Float(c)) + epsilon).squareRoot()
        i = 0
        while i + Lanes.width <= c {
            Lanes.store((Lanes.load(x + i) - m) * s * Lanes.load(weight + i) + Lanes.load(bias + i), y + i)
            i += Lanes.width
        }
        while i < c { y[i] = (x[i] - m) * s * weight[i] + bias[i]; i += 1 }
        mean[n] = m
        rstd[n] = s
    }

    /// dInput (N,C) += ∂L/∂input; dWeight (C), dBias (C) += their gradients, from dOut (N,C) and the saved stats.
    static func backward(dInput: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                         dBias: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                         input: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                         weight: UnsafePointer<Float>, rows: Int, channels: Int) {
        KernelProfile.measure("LayerNorm.backward") {
            let c = channels
            Parallel.chunks(rows, grain: max(1, 4096 / c)) { range in
                for n in range {
                    let x = input + n * c, dy = dOut + n * c, dx = dInput + n * c
                    let m = mean[n], s = rstd[n]
                    var sumD = Lanes.Vector(repeating: 0), sumDN = Lanes.Vector(repeating: 0)
                    var tailD: Float = 0, tailDN: Float = 0
                    var i = 0
                    while i + Lanes.width <= c {
                        let dn = Lanes.load(weight + i) * Lanes.load(dy + i)
                        sumD += dn
                        sumDN += dn * (Lanes.load(x + i) - m) * s
                        i += Lanes.width
                    }
                    while i < c {
                        let dn = weight[i] * dy[i]
                        tailD += dn; tailDN += dn * (x[i] - m) * s; i += 1
                    }
                    let meanD = (sumD.sum() + tailD) / Float(c), meanDN = (sumDN.sum() + tailDN) / Float(c)
                    i = 0
                    while i + Lanes.width <= c {
                        let norm = (Lanes.load(x + i) - m) * s
                        let dn = Lanes.load(weight + i) * Lanes.load(dy + i)
                        Lanes.store(Lanes.load(dx + i) + (dn - meanD - norm * meanDN) * s, dx + i)
                        i += Lanes.width
                    }
                    while i < c {
                        let norm = (x[i] - m) * s
                        dx[i] += (weight[i] * dy[i] - meanD - norm * meanDN) * s; i += 1
                    }
                }
            }
            // Gains and biases sum over rows, added row by row in order; workers own column ranges.
            Parallel.chunks(c, grain: max(Lanes.width, c / Parallel.workers)) { range in
                let width = range.count, start = range.lowerBound
                let dw = dWeight + start, db = dBias + start
                for n in 0..<rows {
                    let x = input + n * c + start, dy = dOut + n * c + start
                    let m = mean[n], s = rstd[n]
                    var i = 0
                    while i + Lanes.width <= width {
                        let g = Lanes.load(dy + i)
                        Lanes.store(Lanes.load(dw + i) + g * ((Lanes.load(x + i) - m) * s), dw + i)
                        Lanes.store(Lanes.load(db + i) + g, db + i)
                        i += Lanes.width
                    }
                    while i < width {
                        dw[i] += dy[i] * ((x[i] - m) * s)
                        db[i] += dy[i]
                        i += 1
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func rowSum(_ x: UnsafePointer<Float>, _ c: Int) -> Float {
        var v = Lanes.Vector(repeating: 0), tail: Float = 0
        var i = 0
        while i + Lanes.width <= c { v += Lanes.load(x + i); i += Lanes.width }
        while i < c { tail += x[i]; i += 1 }
        return v.sum() + tail
    }
}
