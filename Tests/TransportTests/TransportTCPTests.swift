import XCTest
import Platform
@testable import Transport

/// TCP per RFC 7766: one connection per server reused by every query to it
/// (§6.2.1, §6.2.2), pipelined queries (§6.2.1.1), answers matched out of
/// order by ID and question (§7), failures for every query on a connection
/// that could not be set up or closed mid-answer (§6.2.4), idle close
/// (§6.2.3), and a fixed pool with defined refusals. Real sockets on
/// loopback; idle time is virtual (`nowMs`).
final class TransportTCPTests: XCTestCase {
    /// Sends `count` queries over TCP to `server` (tag i, ID 0x100 + i, qname qi.example).
    func sendMany(_ transport: Transport, to server: TCPPeer, _ range: Range<Int>, nowMs: Int64 = 0) throws -> [TransportHandle] {
        try range.map { i in
            try transport.send(tag: UInt64(i), to: server.address, over: .tcp,
                               Wire.query(id: UInt16(0x100 + i), "q\(i).example"), nowMs: nowMs)
        }
    }

    /// Drives `transport` (connects, writes) until the server has `count`
    /// queries; no event may come out meanwhile.
    func receive(_ count: Int, at server: TCPPeer, via transport: Transport,
                 file: StaticString = #filePath, line: UInt = #line) -> [(TCPPeer.Connection, [UInt8])] {
        var got: [(TCPPeer.Connection, [UInt8])] = []
        _ = waitFor {
            XCTAssertEqual(transport.drain(nowMs: 0, waitMs: 1), [], file: file, line: line)
            server.accept()
            for c in server.connections { got += server.queries(c).map { (c, $0) } }
            return got.count >= count
        }
        XCTAssertEqual(got.count, count, "queries received", file: file, line: line)
        return got
    }

    func testManyQueriesToOneServerShareOneConnection() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try TCPPeer()
        var handles = try sendMany(transport, to: server, 0..<5)
        var got = receive(5, at: server, via: transport)
        for (c, q) in got { server.write(c, Wire.framed(Wire.answer(to: q, mark: UInt8(Wire.id(q) - 0x100)))) }
        var seen = transport.events(5, nowMs: 0)
        // Later queries, after the first answers: the same connection.
        handles += try sendMany(transport, to: server, 5..<10)
        got = receive(5, at: server, via: transport)
        for (c, q) in got { server.write(c, Wire.framed(Wire.answer(to: q, mark: UInt8(Wire.id(q) - 0x100)))) }
        seen += transport.events(5, nowMs: 0)
        XCTAssertEqual(server.connections.count, 1, "RFC 7766 §6.2.2: one connection per server")
        XCTAssertEqual(seen.count, 10)
        for event in seen {
            guard case .response(let tag, let bytes) = event else { return XCTFail("\(event)") }
            XCTAssertEqual(Wire.mark(bytes), UInt8(tag))
            XCTAssertEqual(Wire.id(bytes), UInt16(0x100 + Int(tag)))
        }
        XCTAssertEqual(transport.stats.tcpOpened, 1)
        XCTAssertEqual(transport.stats.tcpReused, 9)
        for h in handles { transport.cancel(h, nowMs: 0) }
        XCTAssertEqual(transport.connectionCount(to: server.address), 1, "kept open for the next query")
    }

    func testAnswersOutOfOrderGoToTheirQueries() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try TCPPeer()
        let handles = try sendMany(transport, to: server, 0..<6)
        let got = receive(6, at: server, via: transport)
        XCTAssertEqual(got.count, 6)
        // RFC 7766 §7: responses may come in any order; all in one write.
        var bytes: [UInt8] = []
        for (_, q) in got.reversed() { bytes += Wire.framed(Wire.answer(to: q, mark: UInt8(Wire.id(q) - 0x100))) }
        server.write(got[0].0, bytes)
        let seen = transport.events(6, nowMs: 0)
        XCTAssertEqual(seen.map { $0.tag }, [5, 4, 3, 2, 1, 0])
        for event in seen {
            guard case .response(let tag, let answer) = event else { return XCTFail("\(event)") }
            XCTAssertEqual(Wire.mark(answer), UInt8(tag))
        }
        for h in handles { transport.cancel(h, nowMs: 0) }
    }

    /// Two queries with the same ID on one connection: the second goes out
    /// under another ID, and each answer reaches its own query with the ID
    /// it was sent with.
    func testAnIDCollisionOnASharedConnectionDoesNotMisdeliver() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try TCPPeer()
        let a = try transport.send(tag: 1, to: server.address, over: .tcp, Wire.query(id: 0x4242, "same.example"))
        let b = try transport.send(tag: 2, to: server.address, over: .tcp, Wire.query(id: 0x4242, "same.example"))
        let got = receive(2, at: server, via: transport)
        XCTAssertEqual(got.count, 2)
        XCTAssertNotEqual(Wire.id(got[0].1), Wire.id(got[1].1), "two queries in flight with one ID on the wire")
        XCTAssertEqual(transport.stats.tcpIDsRewritten, 1)
        // Answer the second first; marks say which wire query each answers.
        server.write(got[1].0, Wire.framed(Wire.answer(to: got[1].1, mark: 2)) + Wire.framed(Wire.answer(to: got[0].1, mark: 1)))
        let seen = transport.events(2, nowMs: 0)
        XCTAssertEqual(seen.count, 2)
        for event in seen {
            guard case .response(let tag, let answer) = event else { return XCTFail("\(event)") }
            XCTAssertEqual(Wire.mark(answer), UInt8(tag))
            XCTAssertEqual(Wire.id(answer), 0x4242, "the caller's ID is restored")
        }
        transport.cancel(a, nowMs: 0)
        transport.cancel(b, nowMs: 0)
    }

    func testAnAnswerToAnotherQuestionIsNotDelivered() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try TCPPeer()
        let h = try transport.send(tag: 1, to: server.address, over: .tcp, Wire.query(id: 77, "asked.example"))
        let got = receive(1, at: server, via: transport)
        let wrong = Wire.answer(to: Wire.query(id: 77, "other.example"), mark: 9)
        let upper = Wire.answer(to: Wire.query(id: 77, "ASKED.Example"), mark: 1)
        server.write(got[0].0, Wire.framed(wrong) + Wire.framed(upper))
        let seen = transport.events(1, nowMs: 0)
        XCTAssertEqual(seen.count, 1)
        guard case .response(1, let answer) = seen.first else { return XCTFail("\(seen)") }
        XCTAssertEqual(Wire.mark(answer), 1, "matched case-insensitively (RFC 4343), the wrong question skipped")
        XCTAssertEqual(transport.stats.tcpUnmatchedAnswers, 1)
        transport.cancel(h, nowMs: 0)
    }

    func testAServerClosingMidAnswerFailsEveryQueryOnTheConnection() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try TCPPeer()
        let handles = try sendMany(transport, to: server, 0..<3)
        let got = receive(3, at: server, via: transport)
        let first = Wire.framed(Wire.answer(to: got[0].1, mark: 0))
        let second = Wire.framed(Wire.answer(to: got[1].1, mark: 1))
        server.write(got[0].0, first + Array(second[0..<10]))   // one answer and a half
        server.close(got[0].0)
        let seen = transport.events(3, nowMs: 0)
        XCTAssertEqual(seen.count, 3)
        XCTAssertEqual(seen.first?.tag, 0)
        XCTAssertEqual(Set(seen.dropFirst()), [.failure(tag: 1, .closedMidAnswer), .failure(tag: 2, .closedMidAnswer)])
        XCTAssertEqual(transport.stats.closedMidAnswer, 1)
        XCTAssertEqual(transport.connectionsInUse, 0)
        for h in handles { transport.cancel(h, nowMs: 0) }
        // The next query opens a new connection.
        let h = try transport.send(tag: 9, to: server.address, over: .tcp, Wire.query(id: 9, "again.example"))
        XCTAssertEqual(receive(1, at: server, via: transport).count, 1)
        XCTAssertEqual(server.connections.count, 2)
        transport.cancel(h, nowMs: 0)
    }

    func testAServerClosingAnIdleConnectionIsNoFailure() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try TCPPeer()
        let h = try transport.send(tag: 1, to: server.address, over: .tcp, Wire.query(id: 1, "a.example"))
        let got = receive(1, at: server, via: transport)
        server.write(got[0].0, Wire.framed(Wire.answer(to: got[0].1, mark: 1)))
        XCTAssertEqual(transport.events(1, nowMs: 0).count, 1)
        transport.cancel(h, nowMs: 0)
        server.close(got[0].0)
        XCTAssertTrue(waitFor({ transport.stats.closedByServer == 1 }, step: { _ = transport.drain(nowMs: 0) }))
        XCTAssertEqual(transport.stats.closedMidAnswer, 0)
        XCTAssertEqual(transport.connectionsInUse, 0)
    }

    /// A write that breaks inside `send` (the server closed, then reset):
    /// `send` still succeeds, and every query on the connection gets its
    /// failure from the next `nextEvent`, without waiting for readiness.
    func testAWriteThatBreaksInSendFailsTheConnectionsQueries() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try TCPPeer()
        let first = try transport.send(tag: 1, to: server.address, over: .tcp, Wire.query(id: 1, "a.example"))
        let got = receive(1, at: server, via: transport)
        server.write(got[0].0, Wire.framed(Wire.answer(to: got[0].1, mark: 1)))
        XCTAssertEqual(transport.events(1, nowMs: 0).map { $0.tag }, [1])
        transport.cancel(first, nowMs: 0)
        server.close(got[0].0)
        usleep(20_000)
        // No poll from here: the close is not seen before the writes.
        var handles: [TransportHandle] = []
        for tag in 2...4 where transport.connectionCount(to: server.address) == 1 {   // until it broke
            handles.append(try transport.send(tag: UInt64(tag), to: server.address, over: .tcp,
                                              Wire.query(id: UInt16(tag), "b\(tag).example")))
            usleep(20_000)   // the server's reset arrives
        }
        var seen: [Seen] = []
        while let event = transport.nextEvent(nowMs: 0) {
            if case .failure(let tag, let why) = event { seen.append(.failure(tag: tag, why)) }
        }
        XCTAssertEqual(Set(seen), Set((2..<(2 + handles.count)).map { Seen.failure(tag: UInt64($0), .reset) }))
        XCTAssertEqual(transport.stats.closedReset, 1)
        XCTAssertEqual(transport.connectionsInUse, 0)
        for h in handles { transport.cancel(h, nowMs: 0) }
    }

    func testARefusedConnectionFailsItsQueries() throws {
        let transport = try Transport(limits: TransportLimits())
        let nobody = loopback(port: try closedPort(tcp: true))
        let a = try transport.send(tag: 1, to: nobody, over: .tcp, Wire.query(id: 1, "a.example"))
        let b = try transport.send(tag: 2, to: nobody, over: .tcp, Wire.query(id: 2, "b.example"))
        let seen = transport.events(2, nowMs: 0)
        XCTAssertEqual(Set(seen), [.failure(tag: 1, .refused), .failure(tag: 2, .refused)])
        XCTAssertEqual(transport.stats.closedRefused, 1)
        XCTAssertEqual(transport.stats.tcpOpened, 1, "both waited on the one connection attempt")
        transport.cancel(a, nowMs: 0)
        transport.cancel(b, nowMs: 0)
    }

    func testOversizeAndMalformedFramesFailTheConnection() throws {
        var limits = TransportLimits()
        limits.responseByteCountMax = 512
        let transport = try Transport(limits: limits)
        for (length, why) in [(600, TransportFailure.oversizeFrame), (5, .malformedFrame)] {
            let server = try TCPPeer()
            let h = try transport.send(tag: 1, to: server.address, over: .tcp, Wire.query(id: 1, "a.example"))
            let got = receive(1, at: server, via: transport)
            server.write(got[0].0, [UInt8(length >> 8), UInt8(length & 0xFF)] + [UInt8](repeating: 0, count: length))
            XCTAssertEqual(transport.events(1, nowMs: 0), [.failure(tag: 1, why)])
            transport.cancel(h, nowMs: 0)
        }
        XCTAssertEqual(transport.stats.closedOversizeFrame, 1)
        XCTAssertEqual(transport.stats.closedMalformedFrame, 1)
        XCTAssertEqual(transport.connectionsInUse, 0)
    }

    func testAServerThatNeverAnswersLeavesOthersAlone() throws {
        let transport = try Transport(limits: TransportLimits())
        let silent = try TCPPeer()
        let good = try TCPPeer()
        let stuck = try transport.send(tag: 1, to: silent.address, over: .tcp, Wire.query(id: 1, "a.example"))
        XCTAssertEqual(receive(1, at: silent, via: transport).count, 1)
        let h = try transport.send(tag: 2, to: good.address, over: .tcp, Wire.query(id: 2, "b.example"))
        let got = receive(1, at: good, via: transport)
        good.write(got[0].0, Wire.framed(Wire.answer(to: got[0].1, mark: 2)))
        XCTAssertEqual(transport.events(1, nowMs: 0).map { $0.tag }, [2])
        transport.cancel(h, nowMs: 0)
        // The caller times the silent query out; its connection then idles out.
        transport.cancel(stuck, nowMs: 1_000)
        transport.expire(nowMs: 1_000 + limits().idleTimeoutMs)
        XCTAssertEqual(transport.stats.closedIdle, 2)
        XCTAssertEqual(transport.connectionsInUse, 0)
    }

    func limits() -> TransportLimits { TransportLimits() }

    /// RFC 7766 §6.2.3: idle connections close after `idleTimeoutMs` of
    /// (virtual) time without a query in flight, not before.
    func testAnIdleConnectionClosesAfterTheTimeoutOnly() throws {
        let transport = try Transport(limits: TransportLimits())
        let idle = TransportLimits().idleTimeoutMs
        let server = try TCPPeer()
        let h = try transport.send(tag: 1, to: server.address, over: .tcp, Wire.query(id: 1, "a.example"), nowMs: 0)
        let got = receive(1, at: server, via: transport)
        transport.expire(nowMs: 10 * idle)
        XCTAssertEqual(transport.connectionsInUse, 1, "a query in flight: never idle")
        server.write(got[0].0, Wire.framed(Wire.answer(to: got[0].1, mark: 1)))
        XCTAssertEqual(transport.events(1, nowMs: 100).count, 1)   // answered at t = 100
        transport.cancel(h, nowMs: 100)
        XCTAssertEqual(transport.nextDeadlineMs, 100 + idle)
        transport.expire(nowMs: 100 + idle - 1)
        XCTAssertEqual(transport.connectionsInUse, 1)
        // A query in between starts the idle time over.
        let h2 = try transport.send(tag: 2, to: server.address, over: .tcp, Wire.query(id: 2, "b.example"), nowMs: 200)
        XCTAssertNil(transport.nextDeadlineMs)
        transport.cancel(h2, nowMs: 300)
        transport.expire(nowMs: 100 + idle)
        XCTAssertEqual(transport.connectionsInUse, 1)
        transport.expire(nowMs: 300 + idle)
        XCTAssertEqual(transport.connectionsInUse, 0)
        XCTAssertEqual(transport.stats.closedIdle, 1)
        XCTAssertEqual(server.connections.count, 1)
    }

    func testThePipelineCapRefusesOneMoreQuery() throws {
        var limits = TransportLimits()
        limits.queriesPerConnectionMax = 2
        let transport = try Transport(limits: limits)
        let server = try TCPPeer()
        let handles = try sendMany(transport, to: server, 0..<2)
        XCTAssertThrowsError(try transport.send(tag: 3, to: server.address, over: .tcp, Wire.query(id: 3, "c.example"))) {
            XCTAssertEqual($0 as? SendRefusal, .pipelineFull)
        }
        XCTAssertEqual(transport.stats.refusedPipelineFull, 1)
        transport.cancel(handles[0], nowMs: 0)
        let h = try transport.send(tag: 3, to: server.address, over: .tcp, Wire.query(id: 3, "c.example"))
        XCTAssertEqual(transport.connectionCount(to: server.address), 1)
        transport.cancel(handles[1], nowMs: 0)
        transport.cancel(h, nowMs: 0)
    }

    /// The pool full: a busy connection is never closed for room (refused,
    /// counted); an idle one is, the one idle longest.
    func testAFullPoolRefusesOrClosesTheIdlestConnection() throws {
        var limits = TransportLimits()
        limits.maxOutgoingTCP = 2
        let transport = try Transport(limits: limits)
        let servers = try (0..<3).map { _ in try TCPPeer() }
        let a = try transport.send(tag: 1, to: servers[0].address, over: .tcp, Wire.query(id: 1, "a.example"), nowMs: 0)
        let b = try transport.send(tag: 2, to: servers[1].address, over: .tcp, Wire.query(id: 2, "b.example"), nowMs: 0)
        XCTAssertThrowsError(try transport.send(tag: 3, to: servers[2].address, over: .tcp, Wire.query(id: 3, "c.example"))) {
            XCTAssertEqual($0 as? SendRefusal, .connectionPoolFull)
        }
        XCTAssertEqual(transport.stats.refusedConnectionPoolFull, 1)
        transport.cancel(b, nowMs: 10)
        transport.cancel(a, nowMs: 20)
        let c = try transport.send(tag: 3, to: servers[2].address, over: .tcp, Wire.query(id: 3, "c.example"), nowMs: 30)
        XCTAssertEqual(transport.stats.closedForRoom, 1)
        XCTAssertEqual(transport.connectionCount(to: servers[1].address), 0, "idle longest: closed")
        XCTAssertEqual(transport.connectionCount(to: servers[0].address), 1)
        XCTAssertEqual(receive(1, at: servers[2], via: transport).count, 1)
        transport.cancel(c, nowMs: 40)
    }

    func testACancelledQuerysLateAnswerIsDropped() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try TCPPeer()
        let handles = try sendMany(transport, to: server, 0..<2)
        let got = receive(2, at: server, via: transport)
        transport.cancel(handles[0], nowMs: 0)
        server.write(got[0].0, Wire.framed(Wire.answer(to: got[0].1, mark: 0)) + Wire.framed(Wire.answer(to: got[1].1, mark: 1)))
        XCTAssertEqual(transport.events(1, nowMs: 0).map { $0.tag }, [1])
        XCTAssertEqual(transport.stats.tcpUnmatchedAnswers, 1)
        transport.cancel(handles[1], nowMs: 0)
    }

    func testTooLargeAQueryForTCPIsRefused() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try TCPPeer()
        let big = Wire.query(id: 1, "a.example", padTo: TransportLimits.queryByteCountMax + 1)
        XCTAssertThrowsError(try transport.send(tag: 1, to: server.address, over: .tcp, big)) {
            XCTAssertEqual($0 as? SendRefusal, .queryTooLarge)
        }
        let fits = Wire.query(id: 1, "a.example", padTo: TransportLimits.queryByteCountMax)
        let h = try transport.send(tag: 1, to: server.address, over: .tcp, fits)
        XCTAssertEqual(receive(1, at: server, via: transport).first?.1.count, TransportLimits.queryByteCountMax)
        transport.cancel(h, nowMs: 0)
    }
}
