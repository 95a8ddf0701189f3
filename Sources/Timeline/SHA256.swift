/// SHA-256 (FIPS 180-4), fed in pieces as bytes stream past, so a shard is hashed while it is read once.
///
/// Foundation on Linux has no SHA-256; this one is checked against the FIPS 180-4 test vectors. It is a value
/// type with no heap storage: copying it snapshots the hash of everything fed so far.
public struct SHA256 {
    private typealias Words = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

    private var state: Words = (0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
                                0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19)
    /// Bytes of an incomplete 64-byte block, waiting for the rest.
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    private var totalBytes: UInt64 = 0

    /// A hasher that has seen no bytes.
    public init() {}

    /// Feeds `bytes` into the hash.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var count = bytes.count
        totalBytes &+= UInt64(count)
        if pendingCount > 0 {
            let take = min(64 - pendingCount, count)
            let filled = pendingCount
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.advanced(by: filled).copyMemory(from: p, byteCount: take) }
            pendingCount += take; p += take; count -= take
            guard pendingCount == 64 else { return }
            var block = pending
            withUnsafeBytes(of: &block) { SHA256.compress(&state, $0.baseAddress!, blocks: 1) }
            pendingCount = 0
        }
        if count >= 64 {
            SHA256.compress(&state, p, blocks: count / 64)
            p += count & ~63; count &= 63
        }
        if count > 0 {
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.copyMemory(from: p, byteCount: count) }
            pendingCount = count
        }
    }

    /// Pads the message, returns the 32-byte digest and resets the hasher to its initial state.
    /// Copy the hasher first to keep feeding the same message afterwards.
    public mutating func finalize() -> [UInt8] {
        let bitLength = totalBytes &* 8
        // 0x80, then zeros up to 56 mod 64, then the big-endian bit length: one or two final blocks.
        var tail = [UInt8](repeating: 0, count: pendingCount < 56 ? 64 - pendingCount : 128 - pendingCount)
        tail[0] = 0x80
        for i in 0..<8 { tail[tail.count - 1 - i] = UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i))) }
        tail.withUnsafeBytes { update($0) }
        let words = state
        self = SHA256()
        var digest = [UInt8](repeating: 0, count: 32)
        withUnsafeBytes(of: words) { raw in
            for i in 0..<8 {
                let word = raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                for j in 0..<4 { digest[4 * i + j] = UInt8(truncatingIfNeeded: word >> (24 - 8 * UInt32(j))) }
            }
        }
        return digest
    }

    /// Lower-case hexadecimal text of a digest, as `sha256sum` prints it.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(digest.count * 2)
        for byte in digest {
            text.append(digits[Int(byte >> 4)]); text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The hex SHA-256 of `bytes` in one call.
    public static func hexDigest(of bytes: [UInt8]) -> String {
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update($0) }
        return hex(hasher.finalize())
    }

    /// Runs the compression function over `blocks` consecutive 64-byte blocks at `p`.
    ///
    /// All 64 rounds are written out with their constants (FIPS 180-4 §4.2.2) inline. Each round renames the
    /// working variables instead of shifting them, and the message schedule is a 16-word window in locals,
    /// updated in place from round 16 on, so a block touches no memory but its input.
    private static func compress(_ state: inout Words, _ p: UnsafeRawPointer, blocks: Int) {
        var block = p
        for _ in 0..<blocks {
            @inline(__always) func word(_ i: Int) -> UInt32 {
                UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            }
            var w0 = word(0), w1 = word(1), w2 = word(2), w3 = word(3)
            var w4 = word(4), w5 = word(5), w6 = word(6), w7 = word(7)
            var w8 = word(8), w9 = word(9), w10 = word(10), w11 = word(11)
            var w12 = word(12), w13 = word(13), w14 = word(14), w15 = word(15)
            var (a, b, c, d, e, f, g, h) = state
            round(a, b, c, &d, e, f, g, &h, 0x428a_2f98 &+ w0)
            round(h, a, b, &c, d, e, f, &g, 0x7137_4491 &+ w1)
            round(g, h, a, &b, c, d, e, &f, 0xb5c0_fbcf &+ w2)
            round(f, g, h, &a, b, c, d, &e, 0xe9b5_dba5 &+ w3)
            round(e, f, g, &h, a, b, c, &d, 0x3956_c25b &+ w4)
            round(d, e, f, &g, h, a, b, &c, 0x59f1_11f1 &+ w5)
            round(c, d, e, &f, g, h, a, &b, 0x923f_82a4 &+ w6)
            round(b, c, d, &e, f, g, h, &a, 0xab1c_5ed5 &+ w7)
            round(a, b, c, &d, e, f, g, &h, 0xd807_aa98 &+ w8)
            round(h, a, b, &c, d, e, f, &g, 0x1283_5b01 &+ w9)
            round(g, h, a, &b, c, d, e, &f, 0x2431_85be &+ w10)
            round(f, g, h, &a, b, c, d, &e, 0x550c_7dc3 &+ w11)
            round(e, f, g, &h, a, b, c, &d, 0x72be_5d74 &+ w12)
            round(d, e, f, &g, h, a, b, &c, 0x80de_b1fe &+ w13)
            round(c, d, e, &f, g, h, a, &b, 0x9bdc_06a7 &+ w14)
            round(b, c, d, &e, f, g, h, &a, 0xc19b_f174 &+ w15)
            round(a, b, c, &d, e, f, g, &h, 0xe49b_69c1 &+ schedule(&w0, w14, w9, w1))
            round(h, a, b, &c, d, e, f, &g, 0xefbe_4786 &+ schedule(&w1, w15, w10, w2))
            round(g, h, a, &b, c, d, e, &f, 0x0fc1_9dc6 &+ schedule(&w2, w0, w11, w3))
            round(f, g, h, &a, b, c, d, &e, 0x240c_a1cc &+ schedule(&w3, w1, w12, w4))
            round(e, f, g, &h, a, b, c, &d, 0x2de9_2c6f &+ schedule(&w4, w2, w13, w5))
            round(d, e, f, &g, h, a, b, &c, 0x4a74_84aa &+ schedule(&w5, w3, w14, w6))
            round(c, d, e, &f, g, h, a, &b, 0x5cb0_a9dc &+ schedule(&w6, w4, w15, w7))
            round(b, c, d, &e, f, g, h, &a, 0x76f9_88da &+ schedule(&w7, w5, w0, w8))
            round(a, b, c, &d, e, f, g, &h, 0x983e_5152 &+ schedule(&w8, w6, w1, w9))
            round(h, a, b, &c, d, e, f, &g, 0xa831_c66d &+ schedule(&w9, w7, w2, w10))
            round(g, h, a, &b, c, d, e, &f, 0xb003_27c8 &+ schedule(&w10, w8, w3, w11))
            round(f, g, h, &a, b, c, d, &e, 0xbf59_7fc7 &+ schedule(&w11, w9, w4, w12))
            round(e, f, g, &h, a, b, c, &d, 0xc6e0_0bf3 &+ schedule(&w12, w10, w5, w13))
            round(d, e, f, &g, h, a, b, &c, 0xd5a7_9147 &+ schedule(&w13, w11, w6, w14))
            round(c, d, e, &f, g, h, a, &b, 0x06ca_6351 &+ schedule(&w14, w12, w7, w15))
            round(b, c, d, &e, f, g, h, &a, 0x1429_2967 &+ schedule(&w15, w13, w8, w0))
            round(a, b, c, &d, e, f, g, &h, 0x27b7_0a85 &+ schedule(&w0, w14, w9, w1))
            round(h, a, b, &c, d, e, f, &g, 0x2e1b_2138 &+ schedule(&w1, w15, w10, w2))
            round(g, h, a, &b, c, d, e, &f, 0x4d2c_6dfc &+ schedule(&w2, w0, w11, w3))
            round(f, g, h, &a, b, c, d, &e, 0x5338_0d13 &+ schedule(&w3, w1, w12, w4))
            round(e, f, g, &h, a, b, c, &d, 0x650a_7354 &+ schedule(&w4, w2, w13, w5))
            round(d, e, f, &g, h, a, b, &c, 0x766a_0abb &+ schedule(&w5, w3, w14, w6))
            round(c, d, e, &f, g, h, a, &b, 0x81c2_c92e &+ schedule(&w6, w4, w15, w7))
            round(b, c, d, &e, f, g, h, &a, 0x9272_2c85 &+ schedule(&w7, w5, w0, w8))
            round(a, b, c, &d, e, f, g, &h, 0xa2bf_e8a1 &+ schedule(&w8, w6, w1, w9))
            round(h, a, b, &c, d, e, f, &g, 0xa81a_664b &+ schedule(&w9, w7, w2, w10))
            round(g, h, a, &b, c, d, e, &f, 0xc24b_8b70 &+ schedule(&w10, w8, w3, w11))
            round(f, g, h, &a, b, c, d, &e, 0xc76c_51a3 &+ schedule(&w11, w9, w4, w12))
            round(e, f, g, &h, a, b, c, &d, 0xd192_e819 &+ schedule(&w12, w10, w5, w13))
            round(d, e, f, &g, h, a, b, &c, 0xd699_0624 &+ schedule(&w13, w11, w6, w14))
            round(c, d, e, &f, g, h, a, &b, 0xf40e_3585 &+ schedule(&w14, w12, w7, w15))
            round(b, c, d, &e, f, g, h, &a, 0x106a_a070 &+ schedule(&w15, w13, w8, w0))
            round(a, b, c, &d, e, f, g, &h, 0x19a4_c116 &+ schedule(&w0, w14, w9, w1))
            round(h, a, b, &c, d, e, f, &g, 0x1e37_6c08 &+ schedule(&w1, w15, w10, w2))
            round(g, h, a, &b, c, d, e, &f, 0x2748_774c &+ schedule(&w2, w0, w11, w3))
            round(f, g, h, &a, b, c, d, &e, 0x34b0_bcb5 &+ schedule(&w3, w1, w12, w4))
            round(e, f, g, &h, a, b, c, &d, 0x391c_0cb3 &+ schedule(&w4, w2, w13, w5))
            round(d, e, f, &g, h, a, b, &c, 0x4ed8_aa4a &+ schedule(&w5, w3, w14, w6))
            round(c, d, e, &f, g, h, a, &b, 0x5b9c_ca4f &+ schedule(&w6, w4, w15, w7))
            round(b, c, d, &e, f, g, h, &a, 0x682e_6ff3 &+ schedule(&w7, w5, w0, w8))
            round(a, b, c, &d, e, f, g, &h, 0x748f_82ee &+ schedule(&w8, w6, w1, w9))
            round(h, a, b, &c, d, e, f, &g, 0x78a5_636f &+ schedule(&w9, w7, w2, w10))
            round(g, h, a, &b, c, d, e, &f, 0x84c8_7814 &+ schedule(&w10, w8, w3, w11))
            round(f, g, h, &a, b, c, d, &e, 0x8cc7_0208 &+ schedule(&w11, w9, w4, w12))
            round(e, f, g, &h, a, b, c, &d, 0x90be_fffa &+ schedule(&w12, w10, w5, w13))
            round(d, e, f, &g, h, a, b, &c, 0xa450_6ceb &+ schedule(&w13, w11, w6, w14))
            round(c, d, e, &f, g, h, a, &b, 0xbef9_a3f7 &+ schedule(&w14, w12, w7, w15))
            round(b, c, d, &e, f, g, h, &a, 0xc671_78f2 &+ schedule(&w15, w13, w8, w0))
            state.0 &+= a; state.1 &+= b; state.2 &+= c; state.3 &+= d
            state.4 &+= e; state.5 &+= f; state.6 &+= g; state.7 &+= h
            block += 64
        }
    }

    /// W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], stored over W[t-16] in the 16-word window.
    @inline(__always)
    private static func schedule(_ w16: inout UInt32, _ w2: UInt32, _ w7: UInt32, _ w15: UInt32) -> UInt32 {
        let s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10)
        let s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3)
        w16 = w16 &+ s1 &+ w7 &+ s0
        return w16
    }

    @inline(__always)
    private static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                              _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
        let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ (g ^ (e & (f ^ g))) &+ kw
        let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) | (c & (a | b)))
        d &+= t1
        h = t1 &+ t2
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
}
