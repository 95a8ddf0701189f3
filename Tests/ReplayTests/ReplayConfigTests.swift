import XCTest
import Timeline
@testable import Replay

final class ReplayConfigTests: XCTestCase {
    func testConfigDecodesSnakeCaseKeys() throws {
        let json = #"{"policy":"cumulative-exp","alpha":"1/t","buffer_size":800,"samples_per_step":1000,"seed":3}"#
        let config = try JSONDecoder().decode(ReplayConfig.self, from: Data(json.utf8))
        XCTAssertEqual(config, ReplayConfig(policy: .cumulativeExp, alpha: .inverseT, bufferSize: 800,
                                            samplesPerStep: 1_000, seed: 3))
    }

    func testAlphaDecodesANumberPoolAndOneOverT() throws {
        let alphas = try JSONDecoder().decode([Alpha].self, from: Data(#"[0.5, "pool", "1/t", 1]"#.utf8))
        XCTAssertEqual(alphas, [.fixed(0.5), .pool, .inverseT, .fixed(1)])
    }

    func testAlphaEncodesAsItsConfigValue() throws {
        let data = try JSONEncoder().encode([Alpha.fixed(0.5), .pool, .inverseT])
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"[0.5,"pool","1\/t"]"#)
    }

    func testAlphaOutsideZeroToOneIsAnError() {
        XCTAssertThrowsError(try JSONDecoder().decode([Alpha].self, from: Data("[1.5]".utf8))) { error in
            XCTAssertTrue("\(error)".contains("1.5"), "\(error)")
        }
    }

    func testUnknownAlphaIsAnErrorNamingIt() {
        XCTAssertThrowsError(try JSONDecoder().decode([Alpha].self, from: Data(#"["half"]"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("half"), "\(error)")
        }
    }

    func testNegativeBufferIsABadConfig() {
        let config = ReplayConfig(policy: .reservoir, alpha: .pool, bufferSize: -1, samplesPerStep: 10, seed: 0)
        XCTAssertThrowsError(try config.validate()) { error in
            XCTAssertEqual(error as? ReplayError, .badConfig(key: "buffer_size", reason: "must not be negative, not -1"))
        }
    }

    func testPolicyNamesMatchTiC() {
        XCTAssertEqual(ReplayPolicyName.allCases.map(\.rawValue),
                       ["sequential", "cumulative-all", "cumulative-exp", "cumulative-equal", "reservoir", "restart",
                        "oracle"])
    }
}
