/// A banded LSH index of MinHash signatures: which earlier documents share all rows of some band with a new one.
///
/// Like datasketch's `MinHashLSH`, it keeps one table per band from band key to documents; unlike it, a band
/// key is a 64-bit hash of the band's `rows` values rather than their bytes, and documents are numbered 0, 1, …
/// in insertion order. Per document it stores one key and one link per band and nothing else (not the
/// signature): each table maps a key to the latest document with it, and the links chain each document to
/// the previous one with the same key in the same band.
struct MinHashLSHIndex {
    let bands: LSHBands
    /// Per band: band key → the latest document inserted with it.
    private var latest: [[UInt64: Int32]]
    /// At document·bands + band: the previous document with the same key in that band, or −1.
    private var previous: [Int32] = []

    init(bands: LSHBands) {
        self.bands = bands
        latest = Array(repeating: [:], count: bands.bands)
    }

    /// Documents inserted so far.
    var count: Int { previous.count / bands.bands }

    /// The key of `band` in `signature`: a hash of its `rows` values.
    func bandKey(_ signature: UnsafeBufferPointer<UInt64>, band: Int) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        for i in (band * bands.rows)..<((band + 1) * bands.rows) {
            h = mix64(h ^ signature[i]) &+ 0x1319_8A2E_0370_7344
        }
        return h
    }

    /// The documents that share at least one band with `signature`, ascending and without repeats;
    /// datasketch's `MinHashLSH.query`.
    func candidates(of signature: UnsafeBufferPointer<UInt64>) -> [Int] {
        precondition(signature.count >= bands.bands * bands.rows, "signature shorter than bands × rows")
        var found: [Int] = []
        for band in 0..<bands.bands {
            var doc = latest[band][bandKey(signature, band: band)] ?? -1
            while doc >= 0 {
                found.append(Int(doc))
                doc = previous[Int(doc) * bands.bands + band]
            }
        }
        guard found.count > 1 else { return found }
        found.sort()
        var unique = 1
        for i in 1..<found.count where found[i] != found[unique - 1] {
            found[unique] = found[i]
            unique += 1
        }
        found.removeLast(found.count - unique)
        return found
    }

    /// Adds `signature` as the next document and returns its number.
    mutating func insert(_ signature: UnsafeBufferPointer<UInt64>) -> Int {
        precondition(signature.count >= bands.bands * bands.rows, "signature shorter than bands × rows")
        let doc = count
        precondition(doc < Int(Int32.max), "MinHashLSHIndex holds at most 2^31 − 1 documents")
        for band in 0..<bands.bands {
            let key = bandKey(signature, band: band)
            previous.append(latest[band].updateValue(Int32(doc), forKey: key) ?? -1)
        }
        return doc
    }
}
