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
            XCTAssertEqual((error as? Errno)?.kind, .tooBig)
        }
        do {
            _ = try File.readAll(path + ".missing", limit: 4)
            XCTFail("expected noEntry")
        } catch {
            XCTAssertEqual((error as? Errno)?.kind, .noEntry)
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
}
