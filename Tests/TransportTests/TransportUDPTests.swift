import XCTest
import Platform
@testable import Transport

/// UDP: one socket per query on its own random source port, connected, so
/// only the server's datagrams arrive (RFC 5452 §9.2); ICMP port
/// unreachable is a failure; cancel closes the socket.
final class TransportUDPTests: XCTestCase {
    func testEachQueryHasItsOwnSourcePortAndGetsItsAnswer() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try UDPPeer()
        var handles: [TransportHandle] = []
        for i in 0..<4 {
            handles.append(try transport.send(tag: UInt64(10 + i), to: server.address, over: .udp,
                                              Wire.query(id: UInt16(100 + i), "q\(i).example")))
        }
        var sources: [Address] = []
        XCTAssertTrue(waitFor {
            while let (query, from) = server.receive().map({ ($0.0, $0.1) }) {
                sources.append(from)
                server.send(Wire.answer(to: query, mark: UInt8(Wire.id(query) - 100)), to: from)
            }
            return sources.count == 4
        })
        XCTAssertEqual(Set(sources.map { $0.port }).count, 4, "one source port per query")
        let seen = transport.events(4, nowMs: 0)
        XCTAssertEqual(seen.count, 4)
        for event in seen {
            guard case .response(let tag, let bytes) = event else { return XCTFail("\(event)") }
            XCTAssertEqual(Wire.mark(bytes), UInt8(tag - 10), "tag \(tag) got another query's answer")
        }
        XCTAssertEqual(transport.stats.udpQueries, 4)
        for h in handles { transport.cancel(h, nowMs: 0) }
        XCTAssertEqual(transport.queriesInFlight, 0)
    }

    func testADatagramFromAnotherSourceNeverArrives() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try UDPPeer()
        let intruder = try UDPPeer()
        let h = try transport.send(tag: 1, to: server.address, over: .udp, Wire.query(id: 7, "www.example"))
        var source: Address?
        XCTAssertTrue(waitFor {
            if let got = server.receive() { source = got.1 }
            return source != nil
        })
        intruder.send(Wire.answer(to: Wire.query(id: 7, "www.example"), mark: 66), to: source!)
        XCTAssertEqual(transport.events(1, nowMs: 0, timeoutMs: 200), [], "a connected socket drops other sources")
        transport.cancel(h, nowMs: 0)
    }

    func testPortUnreachableIsARefusedFailure() throws {
        let transport = try Transport(limits: TransportLimits())
        let nobody = loopback(port: try closedPort(tcp: false))
        let h = try transport.send(tag: 5, to: nobody, over: .udp, Wire.query(id: 1, "www.example"))
        XCTAssertEqual(transport.events(1, nowMs: 0), [.failure(tag: 5, .refused)])
        transport.cancel(h, nowMs: 0)
        XCTAssertEqual(transport.queriesInFlight, 0)
    }

    func testNoEventAfterCancelAndAStaleHandleIsIgnored() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try UDPPeer()
        let h = try transport.send(tag: 3, to: server.address, over: .udp, Wire.query(id: 9, "a.example"))
        var got: ([UInt8], Address)?
        XCTAssertTrue(waitFor { got = server.receive(); return got != nil })
        transport.cancel(h, nowMs: 0)
        server.send(Wire.answer(to: got!.0, mark: 1), to: got!.1)
        XCTAssertEqual(transport.events(1, nowMs: 0, timeoutMs: 200), [])
        // The slot is reused by the next send; the old handle must not end it.
        let h2 = try transport.send(tag: 4, to: server.address, over: .udp, Wire.query(id: 10, "b.example"))
        transport.cancel(h, nowMs: 0)
        XCTAssertEqual(transport.queriesInFlight, 1)
        transport.cancel(h2, nowMs: 0)
    }

    func testRefusalsAreDefinedAndCounted() throws {
        var limits = TransportLimits()
        limits.maxOutgoing = 1
        let transport = try Transport(limits: limits)
        let server = try UDPPeer()
        XCTAssertThrowsError(try transport.send(tag: 1, to: server.address, over: .udp, [1, 2, 3])) {
            XCTAssertEqual($0 as? SendRefusal, .queryTooLarge, "shorter than a header")
        }
        let h = try transport.send(tag: 1, to: server.address, over: .udp, Wire.query(id: 1, "a.example"))
        XCTAssertThrowsError(try transport.send(tag: 2, to: server.address, over: .udp, Wire.query(id: 2, "a.example"))) {
            XCTAssertEqual($0 as? SendRefusal, .noQuerySlot)
        }
        XCTAssertEqual(transport.stats.refusedQueryTooLarge, 1)
        XCTAssertEqual(transport.stats.refusedNoQuerySlot, 1)
        transport.cancel(h, nowMs: 0)
    }
}
