/// A stack of pre-LN transformer blocks, x += attn(ln_1(x)); x += mlp(ln_2(x)), shared by CLIP's two towers
/// and GPT. Parameters are offsets into the model's flat buffer, so the same offsets address gradients.
struct Transformer {
    /// How one block's tensors are called under a prefix such as "transformer.resblocks.3.".
    struct Names {
        let ln1, qkvWeight, qkvBias, projectionWeight, projectionBias, ln2, fc, fcProjection: String

        /// open_clip's ResidualAttentionBlock over torch.nn.MultiheadAttention.
        static let openCLIP = Names(ln1: "ln_1", qkvWeight: "attn.in_proj_weight", qkvBias: "attn.in_proj_bias",
                                    projectionWeight: "attn.out_proj.weight", projectionBias: "attn.out_proj.bias",
                                    ln2: "ln_2", fc: "mlp.c_fc", fcProjection: "mlp.c_proj")
        /// GPT-2's block as nanoGPT names it.
        static let gpt = Names(ln1: "ln_1", qkvWeight: "attn.c_attn.weight", qkvBias: "attn.c_attn.bias",
                               projectionWeight: "attn.c_proj.weight", projectionBias: "attn.c_proj.bias",
                               ln2: "ln_2", fc: "mlp.c_fc", fcProjection: "mlp.c_proj")
    }

    private struct Block {
        let ln1Weight, ln1Bias, qkvWeight, qkvBias, projectionWeight, projectionBias: Int
        let ln2Weight, ln2Bias, fcWeight, fcBias, fcProjectionWeight, fcProjectionBias: Int
    }

    /// Every activation of the stack for one (batch, tokens); residual[l] is block l's input, residual[layers]
    /// the stack's output.
    struct Activations {
        /// False when laid out for inference: blocks share buffers and GELU keeps no slope.
        var training: Bool
        var residual: [UnsafeMutablePointer<Float>] = []
        var ln1: [UnsafeMutablePointer<Float>] = [], ln1Mean: [UnsafeMutablePointer<Float>] = []
        var ln1Rstd: [UnsafeMutablePointer<Float>] = [], qkv: [UnsafeMutablePointer<Float>] = []
        var att: [UnsafeMutablePointer<Float>] = [], attY: [UnsafeMutablePointer<Float>] = []
        var residual2: [UnsafeMutablePointer<Float>] = [], ln2: [UnsafeMutablePointer<Float>] = []
        var ln2Mean: [UnsafeMutablePointer<Float>] = [], ln2Rstd: [UnsafeMutablePointer<Float>] = []
        var fcGelu: [UnsafeMutablePointer<Float>] = [], fcSlope: [UnsafeMutablePointer<Float>] = []
        /// A branch's output before it joins the stream, and the MLP's input to GELU: backward needs neither
        /// (GELU saves its slope), so one buffer each serves every block.
        var branch: UnsafeMutablePointer<Float>, fc: UnsafeMutablePointer<Float>
    }

    /// Backward's working gradients, overwritten per block; one set can serve several stacks.
    /// `dResidual` carries the stream's gradient: the stack's output gradient in, its input gradient out.
    struct Scratch {
        let dResidual, dLn, dQKV, dAttY, dAtt, dFc, dFcGelu: UnsafeMutablePointer<Float>

        /// Sized for the largest of `stacks` at its (batch, tokens).
        init(_ carver: inout ActivationCache.Carver, _ stacks: [(Transformer, batch: Int, tokens: Int)]) {
            var rowsC = 0, rowsF = 0, att = 0
            for (s, b, t) in stacks {
                rowsC = max(rowsC, b * t * s.width)
                rowsF = max(rowsF, b * t * s.hidden)
                att = max(att, b * s.heads * t * t)
            }
            dResidual = carver.take(rowsC)
            dLn = carver.take(rowsC)
            dQKV = carver.take(3 * rowsC)
            dAttY = carver.take(rowsC)
            dAtt = carver.take(att)
            dFc = carver.take(rowsF)
            dFcGelu = carver.take(rowsF)
        }
    }

    let layers, width, heads, hidden: Int
    let causal: Bool
    private let blocks: [Block]

    /// The tensors of `layers` blocks under `prefix` + "<l>.", in order, with open_clip's decay rule.
    static func tensors(prefix: String, names: Names, layers: Int, width: Int, hidden: Int)
        -> [(name: String, shape: [Int], decay: Bool)] {
        var list: [(name: String, shape: [Int], decay: Bool)] = []
        for l in 0..<layers {
            let p = "\(prefix)\(l)."
            list += [
                (p + names.ln1 + ".weight", [width], false), (p + names.ln1 + ".bias", [width], false),
                (p + names.qkvWeight, [3 * width, width], true), (p + names.qkvBias, [3 * width], false),
                (p + names.projectionWeight, [width, width], true), (p + names.projectionBias, [width], false),
                (p + names.ln2 + ".weight", [width], false), (p + names.ln2 + ".bias", [width], false),
                (p + names.fc + ".weight", [hidden, width], true), (p + names.fc + ".bias", [hidden], false),
                (p + names.fcProjection + ".weight", [width, hidden], true),
                (p + names.fcProjection + ".bias", [width], false),
            ]
        }
        return list
    }

    init(layout: ParameterLayout, prefix: String, names: Names, layers: Int, width: Int, heads: Int, hidden: Int,
         causal: Bool) {
        self.layers = layers
        self.width = width
        self.heads = heads
        self.hidden = hidden
        self.causal = causal
        blocks = (0..<layers).map { l in
            let p = "\(prefix)\(l)."
            return Block(ln1Weight: layout.offset(p + names.ln1 + ".weight"),
                         ln1Bias: layout.offset(p + names.ln1 + ".bias"),
                         qkvWeight: layout.offset(p + names.qkvWeight), qkvBias: layout.offset(p + names.qkvBias),
                         projectionWeight: layout.offset(p + names.projectionWeight),
                         projectionBias: layout.offset(p + names.projectionBias),
                         ln2Weight: layout.offset(p + names.ln2 + ".weight"),
                         ln2Bias: layout.offset(p + names.ln2 + ".bias"),
                         fcWeight: layout.offset(p + names.fc + ".weight"),
                         fcBias: layout.offset(p + names.fc + ".bias"),
                         fcProjectionWeight: layout.offset(p + names.fcProjection + ".weight"),
                         fcProjectionBias: layout.offset(p + names.fcProjection + ".bias"))
        }
    }

    /// Carves this stack's activations for (batch, tokens) out of the cache. Without `training`, nothing is kept
    /// for backward, so every block shares one set of buffers (the stream is updated in place).
    func activations(_ carver: inout ActivationCache.Carver, batch: Int, tokens: Int,
                     training: Bool = true) -> Activations {
        let n = batch * tokens, c = width
        var a = Activations(training: training, branch: carver.take(n * c), fc: carver.take(n * hidden))
        a.residual.append(carver.take(n * c))
        for l in 0..<layers {
            if !training && l > 0 {
                a.ln1.append(a.ln1[0]); a.ln1Mean.append(a.ln1Mean[0]); a.ln1Rstd.append(a.ln1Rstd[0])
                a.qkv.append(a.qkv[0]); a.att.append(a.att[0]); a.attY.append(a.attY[0])
                a.residual2.append(a.residual2[0]); a.ln2.append(a.ln2[0]); a.ln2Mean.append(a.ln2Mean[0])
                a.ln2Rstd.append(a.ln2Rstd[0]); a.fcGelu.append(a.fcGelu[0])
                a.residual.append(a.residual[0])
                continue
            }
            a.ln1.append(carver.take(n * c)); a.ln1Mean.append(carver.take(n)); a.ln1Rstd.append(carver.take(n))
            a.qkv.append(carver.take(3 * n * c)); a.att.append(carver.take(batch * heads * tokens * tokens))
            a.attY.append(carver.take(n * c)); a.residual2.append(carver.take(n * c))
            a.ln2.append(carver.take(n * c)); a.ln2Mean.append(carver.take(n)); a.ln2Rstd.append(carver.take(n))
            a.fcGelu.append(carver.take(n * hidden))
            if training { a.fcSlope.append(carver.take(n * hidden)) }
            a.residual.append(training ? carver.take(n * c) : a.residual[0])
        }
        return a
    }

    /// Runs every block from `a.residual[0]` (B,T,C) to `a.residual[layers]`. The biases of the attention
    /// output, c_fc and c_proj are added by the residual add and GELU that follow their matmuls; each residual
    /// add but the last is fused with the LayerNorm that reads its sum.
    func forward(parameters p: UnsafePointer<Float>, _ a: Activations, batch: Int, tokens: Int) {
        let n = batch * tokens, c = width, f = hidden
        if layers > 0 {
            LayerNorm.forward(out: a.ln1[0], mean: a.ln1Mean[0], rstd: a.ln1Rstd[0], input: a.residual[0],
                              weight: p + blocks[0].ln1Weight, bias: p + blocks[0].ln1Bias, rows: n, channels: c)
        }
        for l in 0..<layers {
            let w = blocks[l]
            Linear.forward(out: a.qkv[l], input: a.ln1[l], weight: p + w.qkvWeight, bias: p + w.qkvBias,
                           rows: n, inputChannels: c, outputChannels: 3 * c)
            Attention.forward(out: a.attY[l], att: a.att[l], qkv: a.qkv[l], batch: batch, tokens: tokens,
                              channels: c, heads: heads, causal: causal, keep: a.training)
            Linear.forward(out: a.branch, input: a.attY[l], weight: p + w.projectionWeight, bias: nil,
                           rows: n, inputChannels: c, outputChannels: c)
            LayerNorm.forward(out: a.ln2[l], mean: a.ln2Mean[l], rstd: a.ln2Rstd[l], sum: a.residual2[l],
                              a: a.residual[l], b: a.branch, addBias: p + w.projectionBias,
                              weight: p + w.ln2Weight, bias: p + w.ln2Bias, rows: n, channels: c)
            Linear.forward(out: a.fc, input: a.ln2[l], weight: p + w.fcWeight, bias: nil,
                           rows: n, inputChannels: c, outputChannels: f)
            GELU.forward(out: a.fcGelu[l], slope: a.training ? a.fcSlope[l] : nil, input: a.fc, bias: p + w.fcBias,
                         rows: n, columns: f)
            Linear.forward(out: a.branch, input: a.fcGelu[l], weight: p + w.fcProjectionWeight, bias: nil,
                           rows: n, inputChannels: f, outputChannels: c)
            if l + 1 < layers {
                let next = blocks[l + 1]
                LayerNorm.forward(out: a.ln1[l + 1], mean: a.ln1Mean[l + 1], rstd: a.ln1Rstd[l + 1],
                                  sum: a.residual[l + 1], a: a.residual2[l], b: a.branch,
                                  addBias: p + w.fcProjectionBias, weight: p + next.ln1Weight,
                                  bias: p + next.ln1Bias, rows: n, channels: c)
            } else {
                Residual.forward(out: a.residual[l + 1], a: a.residual2[l], b: a.branch,
                                 bias: p + w.fcProjectionBias, rows: n, columns: c)
            }
        }
    }

    /// Adds every block's parameter gradients into `g`, taking s.dResidual from d(residual[layers]) to
    /// d(residual[0]). A skip connection passes its gradient through unchanged, so the stream keeps one gradient
    /// buffer and each branch's backward adds into it. The other scratch buffers are each written once per
    /// block before being read, so those calls overwrite rather than add, and nothing is zeroed.
    func backward(gradients g: UnsafeMutablePointer<Float>, parameters p: UnsafePointer<Float>, _ a: Activations,
                  _ s: Scratch, batch: Int, tokens: Int) {
        let n = batch * tokens, c = width, f = hidden
        for l in (0..<layers).reversed() {
            let w = blocks[l]
            Linear.backward(dInput: s.dFcGelu, dWeight: g + w.fcProjectionWeight, dBias: g + w.fcProjectionBias,
                            dOut: s.dResidual, input: a.fcGelu[l], weight: p + w.fcProjectionWeight,
                            rows: n, inputChannels: f, outputChannels: c, accumulateInput: false)
            GELU.backward(dInput: s.dFc, dBias: g + w.fcBias, dOut: s.dFcGelu, slope: a.fcSlope[l], rows: n,
                          columns: f)
            Linear.backward(dInput: s.dLn, dWeight: g + w.fcWeight, dBias: nil, dOut: s.dFc,
                            input: a.ln2[l], weight: p + w.fcWeight, rows: n, inputChannels: c, outputChannels: f,
                            accumulateInput: false)
            LayerNorm.backward(dInput: s.dResidual, dWeight: g + w.ln2Weight, dBias: g + w.ln2Bias, dOut: s.dLn,
                               input: a.residual2[l], mean: a.ln2Mean[l], rstd: a.ln2Rstd[l],
                               weight: p + w.ln2Weight, rows: n, channels: c)
            Linear.backward(dInput: s.dAttY, dWeight: g + w.projectionWeight, dBias: g + w.projectionBias,
                            dOut: s.dResidual, input: a.attY[l], weight: p + w.projectionWeight,
                            rows: n, inputChannels: c, outputChannels: c, accumulateInput: false)
            Attention.backward(dQKV: s.dQKV, scratch: s.dAtt, dOut: s.dAttY, att: a.att[l], qkv: a.qkv[l],
                               batch: batch, tokens: tokens, channels: c, heads: heads, causal: causal,
                               accumulate: false)
            Linear.backward(dInput: s.dLn, dWeight: g + w.qkvWeight, dBias: g + w.qkvBias, dOut: s.dQKV,
                            input: a.ln1[l], weight: p + w.qkvWeight, rows: n, inputChannels: c,
                            outputChannels: 3 * c, accumulateInput: false)
            LayerNorm.backward(dInput: s.dResidual, dWeight: g + w.ln1Weight, dBias: g + w.ln1Bias, dOut: s.dLn,
                               input: a.residual[l], mean: a.ln1Mean[l], rstd: a.ln1Rstd[l],
                               weight: p + w.ln1Weight, rows: n, channels: c)
        }
    }

    /// Multiply-adds of one forward pass per sequence of `tokens`, times 2: every block's four matmuls
    /// (2·(4 + 2·hidden/width)·width² per token) and both attention matmuls computed in full (2·2·T²·width).
    func forwardFlops(tokens: Int) -> Double {
        let t = Double(tokens), c = Double(width), f = Double(hidden)
        return Double(layers) * (2 * t * (4 * c * c + 2 * c * f) + 4 * t * t * c)
    }
}
