import XCTest
@testable import Platform

final class PlatformTests: XCTestCase {
    func testAddressParsesAndFormats() {
        let v4 = Address(numeric: "127.0.0.1", port: 53)!
        XCTAssertTrue(v4.isIPv4)
        XCTAssertEqual(v4.text, "127.0.0.1")
        XCTAssertEqual(v4.textWithPort, "127.0.0.1:53")
        let v6 = Address(numeric: "::1", port: 5353)!
        XCTAssertTrue(v6.isIPv6)
        XCTAssertEqual(v6.textWithPort, "[::1]:5353")
        XCTAssertNil(Address(numeric: "300.1.1.1"))
        XCTAssertNil(Address(numeric: "example.com"))
    }

    func testUDPRoundTripOverLoopback() throws {
        let server = try Socket.udp(ipv6: false)
        defer { Socket.close(server) }
        try Socket.bind(server, Address(numeric: "127.0.0.1", port: 0)!)
        let bound = try Socket.localAddress(server)
        XCTAssertNotEqual(bound.port, 0)

        let client = try Socket.udp(ipv6: false)
        defer { Socket.close(client) }
        let payload: [UInt8] = [1, 2, 3, 4, 5]
        let sent = try payload.withUnsafeBytes { (b) throws in try Socket.send(client, b, to: bound) }
        XCTAssertEqual(sent, 5)

        let epoll = try Epoll()
        try epoll.add(server, .readable, token: 42)
        let events = UnsafeMutableBufferPointer<EpollEvent>.allocate(capacity: Epoll.batchCapacity)
        defer { events.deallocate() }
        let n = try epoll.wait(into: events, timeoutMs: 2000)
        XCTAssertEqual(n, 1)
        XCTAssertEqual(events[0].token, 42)

        var buffer = [UInt8](repeating: 0, count: 3)
        var from = Address()
        let got = try buffer.withUnsafeMutableBytes { (b) throws in try Socket.receive(server, into: b, from: &from) }
        XCTAssertEqual(got, 5, "receive reports the datagram's real length when truncated")
        XCTAssertEqual(buffer, [1, 2, 3])
        XCTAssertEqual(from.text, "127.0.0.1")
    }

    func testReceiveOnEmptySocketIsAgain() throws {
        let s = try Socket.udp(ipv6: false)
        defer { Socket.close(s) }
        try Socket.bind(s, Address(numeric: "127.0.0.1", port: 0)!)
        var buffer = [UInt8](repeating: 0, count: 16)
        var from = Address()
        do {
            _ = try buffer.withUnsafeMutableBytes { (b) throws in try Socket.receive(s, into: b, from: &from) }
            XCTFail("expected EAGAIN")
        } catch {
            XCTAssertEqual((error as? Errno)?.kind, .again)
        }
    }

    func testAtomicReplaceAndBoundedRead() throws {
        let path = NSTemporaryDirectory() + "sprig-platform-\(getpid())"
        defer { File.remove(path) }
        let data: [UInt8] = Array("hello flash".utf8)
        try data.withUnsafeBytes { (b) throws in try File.replace(path, with: b) }
        XCTAssertFalse(File.exists(path + ".tmp"))
        XCTAssertEqual(try File.readAll(path, limit: 64), data)
        do {
            _ = try File.readAll(path, limit: 4)
            XCTFail("expected tooBig")
        } catch {
            XCTAssertEqual(error.kind, .tooBig)
        }
        do {
            _ = try File.readAll(path + ".missing", limit: 4)
            XCTFail("expected noEntry")
        } catch {
            XCTAssertEqual(error.kind, .noEntry)
        }
    }

    func testRandomFillsAndDiffers() throws {
        let a = try Random.uint64()
        let b = try Random.uint64()
        XCTAssertNotEqual(a, b)
    }

    func testMonotonicClockAdvances() {
        let a = Clock.monotonicNs()
        let b = Clock.monotonicNs()
        XCTAssertGreaterThanOrEqual(b, a)
        XCTAssertGreaterThan(Clock.realtimeSeconds(), 1_600_000_000)
    }

    func testSignalQueueDeliversRaisedSignal() throws {
        let q = try SignalQueue()
        SignalQueue.raise(.user2)
        XCTAssertEqual(q.next(), .user2)
        XCTAssertNil(q.next())
    }

    /// The control socket is born with its final mode and group (0600, or
    /// 0660 and the given gid, checked before listen); the peer's uid and
    /// gid come back through SO_PEERCRED, and its supplementary groups
    /// through SO_PEERGROUPS (#17 item 7).
    func testControlSocketModeGroupAndPeerCredentials() throws {
        let path = NSTemporaryDirectory() + "sprig-control-\(getpid()).sock"
        defer { File.remove(path) }
        let plain = try Socket.unixListen(path: path)
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o600)
        Socket.close(plain)

        let gid = UInt32(getegid())
        let listener = try Socket.unixListen(path: path, groupID: gid)
        defer { Socket.close(listener) }
        XCTAssertEqual(lstat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o660)
        XCTAssertEqual(st.st_gid, gid)
        XCTAssertEqual(st.st_uid, geteuid())

        let client = try Socket.unixConnect(path: path)
        defer { Socket.close(client) }
        XCTAssertTrue(try Socket.waitReadable(listener, timeoutMs: 1000))
        var peer = Address()
        let server = try Socket.accept(listener, peer: &peer)
        defer { Socket.close(server) }
        let ids = try Socket.peerIDs(server)
        XCTAssertEqual(ids.uid, UInt32(getuid()))
        XCTAssertEqual(ids.gid, UInt32(getgid()))
        var groups = [gid_t](repeating: 0, count: 256)
        let n = Int(getgroups(Int32(groups.count), &groups))
        if n > 0 { XCTAssertTrue(try Socket.peerHasGroup(server, UInt32(groups[0]))) }
        XCTAssertFalse(try Socket.peerHasGroup(server, 4_000_000_000))

        // A gid the caller may not give it (not root, not a member):
        // refused, and no socket is left at the path.
        if geteuid() != 0 {
            XCTAssertThrowsError(try Socket.unixListen(path: path + "2", groupID: 4_000_000_000))
            XCTAssertFalse(File.exists(path + "2"))
        }
    }
}
