import Dispatch
import Foundation

/// Image–text retrieval scores over N pairs where image i matches text i, named as open_clip names them.
///
/// Rank of the true match = 1 + the number of other candidates whose similarity is strictly greater, so an
/// exact tie is resolved in favour of the true match. (open_clip's argsort breaks ties arbitrarily; with
/// float embeddings exact ties are rare and the difference is at most the tied candidates.)
public struct RetrievalScores: Codable, Equatable {
    /// Pairs evaluated.
    public var count: Int
    public var imageToTextR1: Double
    public var imageToTextR5: Double
    public var imageToTextR10: Double
    public var imageToTextMeanRank: Double
    public var imageToTextMedianRank: Double
    public var textToImageR1: Double
    public var textToImageR5: Double
    public var textToImageR10: Double
    public var textToImageMeanRank: Double
    public var textToImageMedianRank: Double
    /// ½(image→text R@1 + text→image R@1), DataComp's retrieval headline.
    public var meanRecallAt1: Double

    /// Summarises 1-based ranks of the true matches. R@k is the fraction with rank ≤ k, the mean rank is the
    /// mean, the median rank is open_clip's floor(median(rank − 1)) + 1.
    public init(imageToTextRanks: [Int32], textToImageRanks: [Int32]) {
        precondition(imageToTextRanks.count == textToImageRanks.count, "one rank per pair in each direction")
        count = imageToTextRanks.count
        let i2t = RetrievalScores.summary(imageToTextRanks), t2i = RetrievalScores.summary(textToImageRanks)
        (imageToTextR1, imageToTextR5, imageToTextR10) = (i2t.r1, i2t.r5, i2t.r10)
        (imageToTextMeanRank, imageToTextMedianRank) = (i2t.mean, i2t.median)
        (textToImageR1, textToImageR5, textToImageR10) = (t2i.r1, t2i.r5, t2i.r10)
        (textToImageMeanRank, textToImageMedianRank) = (t2i.mean, t2i.median)
        meanRecallAt1 = (imageToTextR1 + textToImageR1) / 2
    }

    /// Retrieval scores from two embedding matrices (row i of each is pair i; normally L2-normalised, so the
    /// dot product is the cosine similarity).
    ///
    /// Similarities come from `BLAS.sgemm` one tile at a time (128 image rows × 1024 texts, 512 KiB, so it
    /// stays in cache), and each tile is scanned once for both directions: row counts give image→text
    /// ranks, column counts give text→image ranks. The N×N matrix never exists and is never transposed.
    /// Workers take interleaved row blocks, each calling single-threaded sgemm (OpenBLAS's thread count is
    /// set to 1 for the duration and restored); the counts are integers, so the result does not depend on
    /// the number of workers.
    /// - Parameters:
    ///   - imageEmbeddings: (N, D) row-major.
    ///   - textEmbeddings: (N, D) row-major.
    ///   - count: N, at least 1.
    ///   - dimension: D.
    public static func compute(imageEmbeddings: UnsafeBufferPointer<Float>, textEmbeddings: UnsafeBufferPointer<Float>,
                               count: Int, dimension: Int) -> RetrievalScores {
        let r = ranks(imageEmbeddings: imageEmbeddings, textEmbeddings: textEmbeddings,
                      count: count, dimension: dimension)
        return RetrievalScores(imageToTextRanks: r.imageToText, textToImageRanks: r.textToImage)
    }

    /// The scores as open_clip's metric dictionary: "image_to_text_R@1", "image_to_text_R@5",
    /// "image_to_text_R@10", "image_to_text_mean_rank", "image_to_text_median_rank", the same for
    /// "text_to_image_", and "mean_recall@1".
    public var asDictionary: [String: Double] {
        ["image_to_text_R@1": imageToTextR1, "image_to_text_R@5": imageToTextR5,
         "image_to_text_R@10": imageToTextR10, "image_to_text_mean_rank": imageToTextMeanRank,
         "image_to_text_median_rank": imageToTextMedianRank,
         "text_to_image_R@1": textToImageR1, "text_to_image_R@5": textToImageR5,
         "text_to_image_R@10": textToImageR10, "text_to_image_mean_rank": textToImageMeanRank,
         "text_to_image_median_rank": textToImageMedianRank,
         "mean_recall@1": meanRecallAt1]
    }

    /// The similarity tile one worker holds at a time: (rows, columns), never more than 128 × 1024.
    static func tileShape(count: Int, tileRows: Int = 128, tileColumns: Int = 1024) -> (rows: Int, columns: Int) {
        (max(1, min(tileRows, count)), max(1, min(tileColumns, count)))
    }

    /// 1-based ranks of the true match for every image (among texts) and every text (among images).
    static func ranks(imageEmbeddings: UnsafeBufferPointer<Float>, textEmbeddings: UnsafeBufferPointer<Float>,
                      count n: Int, dimension d: Int, tileRows: Int = 128, tileColumns: Int = 1024)
        -> (imageToText: [Int32], textToImage: [Int32]) {
        precondition(n > 0 && d > 0, "need at least one pair and one dimension")
        precondition(imageEmbeddings.count >= n * d && textEmbeddings.count >= n * d, "embeddings must be (N, D)")
        let (rows, columns) = tileShape(count: n, tileRows: tileRows, tileColumns: tileColumns)
        let rowBlocks = (n + rows - 1) / rows
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, rowBlocks))
        let tileFloats = rows * max(rows, columns)
        let tiles = UnsafeMutablePointer<Float>.allocate(capacity: workers * tileFloats)
        let diagonal = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let rowBetter = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        rowBetter.initialize(repeating: 0, count: n)
        let columnBetter = UnsafeMutablePointer<Int32>.allocate(capacity: workers * n)
        columnBetter.initialize(repeating: 0, count: workers * n)
        defer {
            tiles.deallocate()
            diagonal.deallocate()
            rowBetter.deallocate()
            columnBetter.deallocate()
        }
        let images = imageEmbeddings.baseAddress!, texts = textEmbeddings.baseAddress!
        let savedThreads = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = savedThreads }

        // The true pairs' scores, from sgemm on diagonal tiles so they come from the same kernel as every
        // other score.
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let tile = tiles + worker * tileFloats
            for block in stride(from: worker, to: rowBlocks, by: workers) {
                let start = block * rows, r = min(rows, n - start)
                BLAS.sgemm(transB: true, m: r, n: r, k: d, a: images + start * d, lda: d,
                           b: texts + start * d, ldb: d, c: tile, ldc: r)
                for i in 0..<r { diagonal[start + i] = tile[i * r + i] }
            }
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let tile = tiles + worker * tileFloats, better = columnBetter + worker * n
            for block in stride(from: worker, to: rowBlocks, by: workers) {
                let rowStart = block * rows, r = min(rows, n - rowStart)
                for columnStart in stride(from: 0, to: n, by: columns) {
                    let c = min(columns, n - columnStart)
                    BLAS.sgemm(transB: true, m: r, n: c, k: d, a: images + rowStart * d, lda: d,
                               b: texts + columnStart * d, ldb: d, c: tile, ldc: c)
                    for i in 0..<r {
                        let g = rowStart + i
                        rowBetter[g] += countBetter(scores: tile + i * c, count: c, rowScore: diagonal[g],
                                                    columnScores: diagonal + columnStart,
                                                    columnBetter: better + columnStart)
                        // The true pair is not its own competitor, whatever rounding did to its score.
                        if g >= columnStart && g < columnStart + c && tile[i * c + g - columnStart] > diagonal[g] {
                            rowBetter[g] -= 1
                            better[g] -= 1
                        }
                    }
                }
            }
        }
        var imageToText = [Int32](repeating: 1, count: n), textToImage = [Int32](repeating: 1, count: n)
        for j in 0..<n {
            imageToText[j] += rowBetter[j]
            for worker in 0..<workers { textToImage[j] += columnBetter[worker * n + j] }
        }
        return (imageToText, textToImage)
    }

    /// One similarity row: returns how many entries beat `rowScore`, and adds 1 to `columnBetter[j]` for each
    /// entry that beats `columnScores[j]`.
    @inline(__always)
    private static func countBetter(scores: UnsafePointer<Float>, count n: Int, rowScore: Float,
                                    columnScores: UnsafePointer<Float>,
                                    columnBetter: UnsafeMutablePointer<Int32>) -> Int32 {
        let s = UnsafeRawPointer(scores), c = UnsafeRawPointer(columnScores)
        let out = UnsafeMutableRawPointer(columnBetter)
        let threshold = SIMD16<Float>(repeating: rowScore)
        let zero = SIMD16<Int32>(repeating: 0)
        var rowCount = zero
        var j = 0
        while j + 16 <= n {
            let v = s.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
            let columnThreshold = c.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
            rowCount &+= zero.replacing(with: 1, where: v .> threshold)
            let counts = out.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Int32>.self)
                &+ zero.replacing(with: 1, where: v .> columnThreshold)
            out.storeBytes(of: counts, toByteOffset: j * 4, as: SIMD16<Int32>.self)
            j += 16
        }
        var total = rowCount.wrappedSum()
        while j < n {
            let v = scores[j]
            if v > rowScore { total += 1 }
            if v > columnScores[j] { columnBetter[j] += 1 }
            j += 1
        }
        return total
    }

    private static func summary(_ ranks: [Int32])
        -> (r1: Double, r5: Double, r10: Double, mean: Double, median: Double) {
        guard !ranks.isEmpty else { return (0, 0, 0, 0, 0) }
        let n = Double(ranks.count)
        let sorted = ranks.sorted()
        func recall(_ k: Int32) -> Double { Double(ranks.lazy.filter { $0 <= k }.count) / n }
        let mean = ranks.reduce(0.0) { $0 + Double($1) } / n
        let mid = sorted.count / 2
        let medianZeroBased = sorted.count % 2 == 1 ? Double(sorted[mid] - 1)
            : (Double(sorted[mid - 1] - 1) + Double(sorted[mid] - 1)) / 2
        return (recall(1), recall(5), recall(10), mean, medianZeroBased.rounded(.down) + 1)
    }
}
