/// SplitMix64's finalizer: every input bit affects every output bit. Words, shingles and band keys are hashed
/// with it.
@inline(__always)
func mix64(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
