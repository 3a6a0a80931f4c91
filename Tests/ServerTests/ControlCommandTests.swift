import XCTest
import DNSWire
@testable import Resolver
@testable import Server

extension ControlParseError: Equatable {
    public static func == (a: ControlParseError, b: ControlParseError) -> Bool { a.message == b.message }
}

/// Issue 17 item 7: the control socket's command lines (anything a local
/// client sends) and which cache owners a flush removes.
final class ControlCommandTests: XCTestCase {
    func parse(_ text: String) -> Result<ControlCommand, ControlParseError> { ControlCommand.parse(Array(text.utf8)) }

    func testCommandsAndTheirArguments() throws {
        XCTAssertEqual(parse("stats"), .success(.stats))
        XCTAssertEqual(parse("dump-cache\r"), .success(.dumpCache(nil)))
        XCTAssertEqual(parse("dump-cache lan"), .success(.dumpCache(try Name(parsing: "lan"))))
        XCTAssertEqual(parse("flush"), .success(.flush(nil)))
        XCTAssertEqual(parse("flush  Example.ORG."), .success(.flush(try Name(parsing: "example.org"))))
        XCTAssertEqual(parse("leases now"), .failure(ControlParseError("leases takes no argument")))
        XCTAssertEqual(parse("flush a b"), .failure(ControlParseError("too many arguments")))
        XCTAssertEqual(parse("flush a..b"), .failure(ControlParseError("flush: not a domain name")))
        XCTAssertEqual(parse(String(repeating: "a", count: 64) + ".org"), .failure(ControlParseError("unknown command")))
        XCTAssertEqual(parse("flush " + String(repeating: "a", count: 64)), .failure(ControlParseError("flush: not a domain name")))
        XCTAssertEqual(parse(""), .failure(ControlParseError("empty command")))
        XCTAssertEqual(ControlCommand.parse([0xFF, 0x00, 0x01]), .failure(ControlParseError("unknown command")))
    }

    /// #17 item 7, #20 item 6: root, the socket's owner, and the members of
    /// control_group (primary gid or supplementary), nobody else; the
    /// supplementary groups are asked for only when the rest did not decide.
    func testAccessIsRootTheOwnerOrTheControlGroup() {
        var asked = 0
        func member(_ answer: Bool) -> (UInt32) -> Bool { { gid in asked += 1; XCTAssertEqual(gid, 4242); return answer } }
        let rootOnly = ControlAccess(ownerUid: 0)
        XCTAssertTrue(rootOnly.allows(uid: 0, gid: 0, inSupplementaryGroup: member(true)))
        XCTAssertFalse(rootOnly.allows(uid: 1000, gid: 4242, inSupplementaryGroup: { _ in XCTFail("no group set"); return true }))
        XCTAssertEqual(rootOnly.refusal("flush"), "error: flush needs root (the control socket's owner)\n")
        let group = ControlAccess(ownerUid: 0, groupName: "sprigops", groupID: 4242)
        XCTAssertTrue(group.allows(uid: 0, gid: 0, inSupplementaryGroup: member(false)))
        XCTAssertTrue(group.allows(uid: 1000, gid: 4242, inSupplementaryGroup: member(false)))
        XCTAssertEqual(asked, 0)
        XCTAssertTrue(group.allows(uid: 1000, gid: 100, inSupplementaryGroup: member(true)))
        XCTAssertFalse(group.allows(uid: 1000, gid: 100, inSupplementaryGroup: member(false)))
        XCTAssertEqual(asked, 2)
        XCTAssertEqual(group.refusal("stats"), "error: stats needs root or a member of group 'sprigops' (control_group)\n")
        // sprigd started as an unprivileged user: that user is the owner.
        XCTAssertTrue(ControlAccess(ownerUid: 65534).allows(uid: 65534, gid: 65534, inSupplementaryGroup: member(false)))
    }

    func testFlushMatchesTheNameAndNamesBelowItAtLabelBoundaries() throws {
        let suffix = try Name(parsing: "example.org").wireBytes
        func below(_ text: String) throws -> Bool {
            try Name(parsing: text).wireBytes.withUnsafeBytes { CacheOperatorText.owner($0, isAtOrBelow: suffix) }
        }
        XCTAssertTrue(try below("example.org"))
        XCTAssertTrue(try below("www.example.org"))
        XCTAssertTrue(try below("a.b.c.example.org"))
        XCTAssertFalse(try below("badexample.org"))   // not at a label boundary
        XCTAssertFalse(try below("org"))
        XCTAssertFalse(try below("example.org.evil"))
        let root = try Name(parsing: ".").wireBytes
        XCTAssertTrue(try Name(parsing: "anything.example").wireBytes.withUnsafeBytes {
            CacheOperatorText.owner($0, isAtOrBelow: root)
        })
    }
}
