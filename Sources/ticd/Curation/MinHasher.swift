import Dispatch
import Models

/// MinHash signatures of texts' word shingles: `numPerm` universal hashes π_i(x) = (a_i·x + b_i) mod p over the
/// Mersenne prime p = 2^61 − 1, and the minimum of each over a document's shingle hashes.
///
/// This is datasketch's `MinHash` conceptually: its legacy scheme draws a_i ∈ [1, p) and b_i ∈ [0, p) and
/// hashes shingles with SHA-1's first 32 bits, then keeps 32 bits of each permuted value. Here the shingle hash
/// is 64 bits (reduced mod p), the product is exact in 128 bits, and values keep all 61 bits, so two
/// signatures agree by chance less often. The coefficients come from SplitMix64 seeded with `seed`, so the
/// same seed gives the same signatures on every machine, but not datasketch's numbers.
struct MinHasher {
    static let mersennePrime: UInt64 = (1 << 61) - 1

    let numPerm: Int
    let shingles: WordShingles
    let seed: UInt64
    private let a: [UInt64]
    private let b: [UInt64]

    /// - Throws: `MinHashError` when `numPerm` or `ngram` is below 1.
    init(numPerm: Int = 128, ngram: Int = 5, seed: UInt64 = 1) throws {
        guard numPerm >= 1 else { throw MinHashError.invalidPermutationCount(numPerm) }
        shingles = try WordShingles(n: ngram)
        self.numPerm = numPerm
        self.seed = seed
        var rng = SplitMix64RNG(seed: seed)
        var a: [UInt64] = [], b: [UInt64] = []
        for _ in 0..<numPerm {
            a.append(1 + Self.below(Self.mersennePrime - 1, &rng))
            b.append(Self.below(Self.mersennePrime, &rng))
        }
        self.a = a
        self.b = b
    }

    /// The signature of `text`, `numPerm` values; all `UInt64.max` when the text has no words (as datasketch's
    /// empty MinHash is all its maximum, so empty texts are duplicates of each other).
    func signature(of text: String) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: numPerm)
        var scratch = Scratch(hasher: self)
        defer { scratch.deallocate() }
        out.withUnsafeMutableBufferPointer { signature(of: text, into: $0.baseAddress!, scratch: &scratch) }
        return out
    }

    /// The signatures of `texts`, row i at [i·numPerm, (i+1)·numPerm), computed on up to `threads` threads.
    func signatures(of texts: [String], threads: Int = 1) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: texts.count * numPerm)
        let workers = max(1, min(threads, texts.count))
        out.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            // Interleaved chunks of 16 documents keep the workers' loads even when lengths vary.
            let chunk = 16, chunks = (texts.count + chunk - 1) / chunk
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var scratch = Scratch(hasher: self)
                defer { scratch.deallocate() }
                for c in stride(from: worker, to: chunks, by: workers) {
                    for i in (c * chunk)..<min(texts.count, (c + 1) * chunk) {
                        signature(of: texts[i], into: base + i * numPerm, scratch: &scratch)
                    }
                }
            }
        }
        return out
    }

    /// The fraction of positions where two signatures agree: an unbiased estimate of the Jaccard similarity of
    /// the two shingle sets, with standard deviation √(J(1−J)/numPerm).
    static func estimatedJaccard(_ x: UnsafeBufferPointer<UInt64>, _ y: UnsafeBufferPointer<UInt64>) -> Double {
        precondition(x.count == y.count && !x.isEmpty, "signatures of different lengths")
        var equal = 0
        for i in 0..<x.count where x[i] == y[i] { equal += 1 }
        return Double(equal) / Double(x.count)
    }

    /// Reusable buffers of one thread: the shingle hashes of the current text and the word ring.
    struct Scratch {
        var hashes: UnsafeMutablePointer<UInt64>
        var capacity: Int
        let ring: UnsafeMutablePointer<UInt64>

        init(hasher: MinHasher) {
            capacity = 1024
            hashes = .allocate(capacity: capacity)
            ring = .allocate(capacity: hasher.shingles.n)
        }

        mutating func deallocate() {
            hashes.deallocate()
            ring.deallocate()
        }
    }

    /// Writes the signature of `text` to `out` (`numPerm` values).
    func signature(of text: String, into out: UnsafeMutablePointer<UInt64>, scratch: inout Scratch) {
        // withUTF8 is mutating because a bridged string is made native first; native strings are not copied.
        var text = text
        text.withUTF8 { signature(of: $0, into: out, scratch: &scratch) }
    }

    /// Writes the signature of the UTF-8 `bytes` to `out` (`numPerm` values).
    func signature(of bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt64>,
                   scratch: inout Scratch) {
        var count = 0
        shingles.forEachHash(in: bytes, ring: scratch.ring) { h in
            if count == scratch.capacity {
                let grown = UnsafeMutablePointer<UInt64>.allocate(capacity: scratch.capacity * 2)
                grown.update(from: scratch.hashes, count: count)
                scratch.hashes.deallocate()
                scratch.hashes = grown
                scratch.capacity *= 2
            }
            scratch.hashes[count] = Self.reduce(h)
            count += 1
        }
        guard count > 0 else {
            out.update(repeating: .max, count: numPerm)
            return
        }
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                // Shingles innermost, four permutations at a time: their coefficients and running minima stay in
                // registers, each shingle hash is loaded once for four, and the four min chains are independent,
                // so the multiplier, not the compare-and-select latency, sets the pace.
                let hashes = scratch.hashes
                var i = 0
                while i + 4 <= numPerm {
                    let (a0, a1, a2, a3) = (a[i], a[i + 1], a[i + 2], a[i + 3])
                    let (b0, b1, b2, b3) = (b[i], b[i + 1], b[i + 2], b[i + 3])
                    var (m0, m1, m2, m3) = (UInt64.max, UInt64.max, UInt64.max, UInt64.max)
                    for s in 0..<count {
                        let x = hashes[s]
                        m0 = min(m0, Self.affine(a0, x, b0))
                        m1 = min(m1, Self.affine(a1, x, b1))
                        m2 = min(m2, Self.affine(a2, x, b2))
                        m3 = min(m3, Self.affine(a3, x, b3))
                    }
                    (out[i], out[i + 1], out[i + 2], out[i + 3]) = (m0, m1, m2, m3)
                    i += 4
                }
                for i in i..<numPerm {
                    var least = UInt64.max
                    for s in 0..<count { least = min(least, Self.affine(a[i], hashes[s], b[i])) }
                    out[i] = least
                }
            }
        }
    }

    /// (a·x + b) mod p for a, x, b < p, with the 122-bit product folded twice by 2^61 ≡ 1 (mod p).
    @inline(__always)
    static func affine(_ a: UInt64, _ x: UInt64, _ b: UInt64) -> UInt64 {
        let p = mersennePrime
        let product = a.multipliedFullWidth(by: x)
        let folded = (product.low & p) &+ ((product.low >> 61) | (product.high << 3)) &+ b
        return reduce(folded)
    }

    /// x mod p for any 64-bit x: folded once by 2^61 ≡ 1 (mod p), then one conditional subtraction.
    @inline(__always)
    static func reduce(_ x: UInt64) -> UInt64 {
        let p = mersennePrime
        let y = (x & p) &+ (x >> 61)
        return y >= p ? y &- p : y
    }

    /// A value in 0..<bound; the modulo bias is 8 in 2^64 for bounds near 2^61.
    private static func below(_ bound: UInt64, _ rng: inout SplitMix64RNG) -> UInt64 {
        rng.next() % bound
    }
}
