import Models

/// One language-model training batch: `rows` rows of `context` input tokens and their next-token targets.
struct LMBatch: Equatable {
    /// Inputs (rows, context).
    var tokens: [Int32]
    /// Targets (rows, context): each input's next token; -1 where the stream ended (padding, no loss).
    var targets: [Int32]
    /// Rows in the batch: the batch size, or fewer in the step's last batch.
    var rows: Int
}

/// Concatenates documents (each followed by the end token) into one token stream and cuts it into
/// disjoint rows of context + 1 tokens: a row's first `context` tokens are the inputs, its last `context`
/// the targets. The stream's last, partial row is padded (inputs with the end token, targets with -1).
struct LMBatchAssembler: BatchAssembler {
    let tokenizer: BPETokenizer
    let context: Int
    let batchSize: Int
    /// Rows still to pass over without copying them (the batches before a resume cursor). Documents are
    /// still tokenized, since their lengths decide where rows begin.
    private var skipRows: Int
    /// Tokens not yet cut into a row; always fewer than context + 1 between calls.
    private var stream: [Int32] = []
    private var tokens: [Int32] = []
    private var targets: [Int32] = []
    private var rows = 0

    init(tokenizer: BPETokenizer, context: Int, batchSize: Int, skipBatches: Int) {
        precondition(context >= 1 && batchSize > 0, "LM batches need a context and a batch size")
        self.tokenizer = tokenizer; self.context = context; self.batchSize = batchSize
        skipRows = skipBatches * batchSize
    }

    mutating func add(_ sample: LoaderSample, emit: (LMBatch) throws -> Void) throws {
        stream.append(contentsOf: tokenizer.encode(sample.text))
        stream.append(tokenizer.endToken)
        let width = context + 1
        var start = 0
        while stream.count - start >= width {
            try cut(stream[start..<start + width], emit: emit)
            start += width
        }
        stream.removeFirst(start)
    }

    mutating func finish(emit: (LMBatch) throws -> Void) throws {
        // A lone leftover token has nothing to predict.
        if stream.count >= 2 {
            let real = stream.count
            stream.append(contentsOf: repeatElement(tokenizer.endToken, count: context + 1 - real))
            try cut(stream[...], emit: emit, targetsEnd: real - 1)
            stream.removeAll()
        }
        if rows > 0 { try emit(takeBatch()) }
    }

    /// Adds one row of context + 1 tokens; targets from position `targetsEnd` on are padding.
    private mutating func cut(_ row: ArraySlice<Int32>, emit: (LMBatch) throws -> Void, targetsEnd: Int? = nil) throws {
        if skipRows > 0 {
            skipRows -= 1
            return
        }
        let first = row.startIndex, real = targetsEnd ?? context
        tokens.append(contentsOf: row[first..<first + context])
        targets.append(contentsOf: row[first + 1..<first + 1 + real])
        targets.append(contentsOf: repeatElement(-1, count: context - real))
        rows += 1
        if rows == batchSize { try emit(takeBatch()) }
    }

    private mutating func takeBatch() -> LMBatch {
        let batch = LMBatch(tokens: tokens, targets: targets, rows: rows)
        tokens.removeAll(keepingCapacity: true)
        targets.removeAll(keepingCapacity: true)
        rows = 0
        return batch
    }
}
