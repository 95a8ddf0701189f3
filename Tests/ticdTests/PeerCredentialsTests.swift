import Glibc
import XCTest
@testable import ticd

final class PeerCredentialsTests: XCTestCase {
    private let daemonUID: uid_t = 1000
    private let operators: gid_t = 4242

    func testReadsAreOpenToAnyPeer() {
        let stranger = PeerCredentials(pid: 1, uid: 2000, gid: 2000)
        XCTAssertTrue(stranger.isAuthorized(forWrite: false, daemonUID: daemonUID, allowedGroup: nil) { _ in [] })
    }

    func testWritesFromAForeignUIDAreRefused() {
        let stranger = PeerCredentials(pid: 1, uid: 2000, gid: 2000)
        XCTAssertFalse(stranger.isAuthorized(forWrite: true, daemonUID: daemonUID, allowedGroup: nil) { _ in [] })
        XCTAssertFalse(stranger.isAuthorized(forWrite: true, daemonUID: daemonUID, allowedGroup: operators) { _ in [7] })
    }

    func testWritesFromTheDaemonUIDAndRootAreAllowed() {
        XCTAssertTrue(PeerCredentials(pid: 1, uid: daemonUID, gid: 5)
            .isAuthorized(forWrite: true, daemonUID: daemonUID, allowedGroup: nil) { _ in [] })
        XCTAssertTrue(PeerCredentials(pid: 1, uid: 0, gid: 0)
            .isAuthorized(forWrite: true, daemonUID: daemonUID, allowedGroup: nil) { _ in [] })
    }

    func testWritesFromTheAllowedGroupAreAllowedByPrimaryOrSupplementaryGroup() {
        XCTAssertTrue(PeerCredentials(pid: 1, uid: 2000, gid: operators)
            .isAuthorized(forWrite: true, daemonUID: daemonUID, allowedGroup: operators) { _ in [] })
        XCTAssertTrue(PeerCredentials(pid: 77, uid: 2000, gid: 2000)
            .isAuthorized(forWrite: true, daemonUID: daemonUID, allowedGroup: operators) { $0 == 77 ? [10, operators] : [] })
    }

    func testSupplementaryGroupsOfThisProcessMatchGetgroups() {
        var groups = [gid_t](repeating: 0, count: 256)
        let count = getgroups(Int32(groups.count), &groups)
        XCTAssertGreaterThanOrEqual(count, 0)
        XCTAssertEqual(Set(PeerCredentials.supplementaryGroups(of: getpid())), Set(groups.prefix(Int(count))))
    }
}
