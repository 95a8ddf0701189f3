// swift-tools-version:6.0
// ticd — a time-continual trainer daemon. No Swift package dependencies: only the toolchain and
// system C libraries (sqlite3, zstd, openblas, jpeg, png, zlib) from Debian's -dev packages.
import PackageDescription

/// Release builds of the numeric code drop overflow and bounds checks in the hot loops; debug keeps them.
let numericFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

/// The models' SIMD16<Float> kernels compile to four SSE instructions per operation on the x86-64 baseline; with
/// AVX2 and FMA (every Intel core since Haswell, 2013, every AMD Zen) they take two, which speeds up softmax,
/// GELU and LayerNorm (docs/benchmarks.md). A release build of Models therefore needs such a CPU.
#if arch(x86_64)
let vectorFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))]
#else
let vectorFlags: [SwiftSetting] = []
#endif

let package = Package(
    name: "ticd",
    products: [
        .executable(name: "ticd", targets: ["ticd"]),
        .library(name: "Timeline", targets: ["Timeline"]),
        .library(name: "Replay", targets: ["Replay"]),
        .library(name: "Models", targets: ["Models"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        .target(name: "Timeline", dependencies: ["CSQLite", "CZstd", "CZlib", "CJPEG", "CPNG"],
                swiftSettings: numericFlags),
        .target(name: "Replay", dependencies: ["Timeline"]),
        .target(name: "Models", dependencies: ["COpenBLAS"], swiftSettings: numericFlags + vectorFlags),
        .executableTarget(name: "ticd", dependencies: ["Timeline", "Replay", "Models"],
                          swiftSettings: numericFlags),

        // The fuzzers' shared mutator and run loop (`make fuzz`), on the models' seeded generator; no XCTest.
        .target(name: "FuzzSupport", dependencies: ["Models"], path: "Tests/FuzzSupport"),

        .testTarget(name: "TimelineTests", dependencies: ["Timeline", "FuzzSupport"]),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "Timeline"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models"]),
        .testTarget(name: "ticdTests", dependencies: ["ticd", "Timeline", "Replay", "Models", "FuzzSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
