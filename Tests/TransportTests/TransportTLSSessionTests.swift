import CMbedTLS
import Fixed
import Platform
import XCTest
@testable import Transport

/// The rules of the saved-session table (TLSSessions.swift) without a
/// server: which entry a session goes to, and when saved sessions are
/// dropped. Resumption itself, with real servers (Unbound, and a server
/// that declines every session), is in Tests/Integration/tests_dot.py.
final class TransportTLSSessionTests: XCTestCase {
    func server(_ n: UInt8) -> Address { Address(bytes: [127, 0, 0, n], port: 853)! }

    /// Stores a fake saved session as `saveSession` would (bytes, entry).
    func store(_ transport: Transport, _ server: Address, profile: Int32, peerName: TLSPeerName? = nil, atMs: Int64,
               datesChecked: Bool = true) -> Int {
        let i = transport.tlsSessions.place(server, profile, peerName)
        transport.tlsSessions.buffer(i).initializeMemory(as: UInt8.self, repeating: 0xA5)
        transport.tlsSessions.entries![i] = TLSSessionEntry(isUsed: true, server: server, profile: profile, peerName: peerName,
                                                            savedAtMs: atMs, byteCount: 100, datesChecked: datesChecked)
        return i
    }

    func testOneEntryPerServerAndProfileOldestGivesWay() throws {
        var limits = TransportLimits()
        limits.maxTLSConnections = 1
        let transport = try Transport(limits: limits)
        let table = transport.tlsSessions
        XCTAssertEqual(table.count, TransportLimits.tlsSessionsPerConnection)
        XCTAssertTrue(limits.footprint.contains { $0.label == TransportLimits.tlsSessionsLabel && $0.count == table.count })
        let first = store(transport, server(1), profile: 0, atMs: 10)
        XCTAssertEqual(store(transport, server(1), profile: 0, atMs: 20), first, "the same server and profile: its entry again")
        let other = store(transport, server(1), profile: 1, atMs: 30)
        XCTAssertNotEqual(other, first, "another profile never shares a session")
        XCTAssertNil(table.find(server(1), 2, nil))
        _ = store(transport, server(2), profile: 0, atMs: 40)
        _ = store(transport, server(3), profile: 0, atMs: 50)
        XCTAssertEqual(table.usedCount, 4)
        // Full: the session saved longest ago (server 1, profile 0, at 20) goes.
        let fifth = store(transport, server(4), profile: 0, atMs: 60)
        XCTAssertEqual(fifth, first)
        XCTAssertNil(table.find(server(1), 0, nil))
        XCTAssertEqual(table.find(server(1), 1, nil), other)
    }

    /// One address reached by two NS names under one strict profile: a
    /// resumed session skips the certificate, so ns1's session must never
    /// be offered to a connection that has to prove it is ns2.
    func testSessionsAreKeptPerPeerName() throws {
        var limits = TransportLimits()
        limits.maxTLSConnections = 1
        let transport = try Transport(limits: limits)
        let ns1 = [UInt8]([3]) + Array("ns1".utf8) + [4] + Array("test".utf8) + [0]
        let ns2 = [UInt8]([3]) + Array("ns2".utf8) + [4] + Array("test".utf8) + [0]
        let name1 = try XCTUnwrap(ns1.withUnsafeBytes { TLSPeerName(wire: $0) })
        let name2 = try XCTUnwrap(ns2.withUnsafeBytes { TLSPeerName(wire: $0) })
        let first = store(transport, server(1), profile: 5, peerName: name1, atMs: 10)
        XCTAssertNil(transport.tlsSessions.find(server(1), 5, name2), "another NS name: no session")
        XCTAssertNil(transport.tlsSessions.find(server(1), 5, nil), "no name: no session")
        XCTAssertEqual(transport.tlsSessions.find(server(1), 5, name1), first)
        let second = store(transport, server(1), profile: 5, peerName: name2, atMs: 20)
        XCTAssertNotEqual(second, first, "each name keeps its own session")
    }

    func testDroppedSessionsAreZeroed() throws {
        var limits = TransportLimits()
        limits.maxTLSConnections = 1
        let transport = try Transport(limits: limits)
        let i = store(transport, server(1), profile: 0, atMs: 0)
        transport.tlsSessions.drop(i)
        XCTAssertNil(transport.tlsSessions.find(server(1), 0, nil))
        XCTAssertTrue(transport.tlsSessions.buffer(i).allSatisfy { $0 == 0 }, "no ticket or master secret left behind")
    }

    /// A profile whose peer check changes (a reload with another name or
    /// pin) loses its sessions; the same check again keeps them.
    func testAnotherPeerCheckNeverResumesAnOldSession() throws {
        var limits = TransportLimits()
        limits.maxTLSConnections = 1
        let transport = try Transport(limits: limits)
        try transport.startTLS(caFile: nil)
        let pinA = [UInt8](repeating: 1, count: 32), pinB = [UInt8](repeating: 2, count: 32)
        _ = transport.registerTLSProfile(at: 0, name: Array("dot.test".utf8), verifyName: false, pinsSHA256: [pinA], label: "upstream.0")
        _ = transport.registerTLSProfile(at: 1, name: nil, verifyName: false, pinsSHA256: [], label: "auth")
        _ = store(transport, server(1), profile: 0, atMs: 0)
        _ = store(transport, server(1), profile: 1, atMs: 0)
        _ = transport.registerTLSProfile(at: 0, name: Array("dot.test".utf8), verifyName: false, pinsSHA256: [pinA], label: "upstream.0")
        XCTAssertNotNil(transport.tlsSessions.find(server(1), 0, nil), "the same check: kept")
        _ = transport.registerTLSProfile(at: 0, name: Array("dot.test".utf8), verifyName: false, pinsSHA256: [pinB], label: "upstream.0")
        XCTAssertNil(transport.tlsSessions.find(server(1), 0, nil), "another pin: dropped")
        _ = store(transport, server(1), profile: 0, atMs: 0)
        _ = transport.registerTLSProfile(at: 0, name: Array("other.test".utf8), verifyName: false, pinsSHA256: [pinB], label: "upstream.0")
        XCTAssertNil(transport.tlsSessions.find(server(1), 0, nil), "another name: dropped")
        XCTAssertNotNil(transport.tlsSessions.find(server(1), 1, nil), "other profiles keep theirs")
    }

    /// DESIGN.md §2.8: a session saved while certificate dates were not
    /// checked is not resumed once the clock is trusted.
    func testSessionsFromAnUntrustedClockGoWhenItIsTrusted() throws {
        var limits = TransportLimits()
        limits.maxTLSConnections = 1
        let transport = try Transport(limits: limits)
        try transport.startTLS(caFile: nil)
        defer { transport.setCertificateDatesTrusted(true) }
        transport.setCertificateDatesTrusted(false)
        _ = store(transport, server(1), profile: 0, atMs: 0, datesChecked: false)
        _ = store(transport, server(2), profile: 0, atMs: 0, datesChecked: true)
        transport.setCertificateDatesTrusted(false)
        XCTAssertNotNil(transport.tlsSessions.find(server(1), 0, nil), "still untrusted: kept")
        transport.setCertificateDatesTrusted(true)
        XCTAssertNil(transport.tlsSessions.find(server(1), 0, nil))
        XCTAssertNotNil(transport.tlsSessions.find(server(2), 0, nil))
    }

    /// Bytes that are no saved session are refused by the shim, never
    /// handed to a handshake (a slot that is not open refuses anything).
    func testGarbageIsNeverOffered() throws {
        var limits = TransportLimits()
        limits.maxTLSConnections = 1
        let transport = try Transport(limits: limits)   // the C side's arena, alive for the test
        try transport.startTLS(caFile: nil)
        var fingerprint = [UInt8](repeating: 0, count: 32)
        let garbage = [UInt8](repeating: 0x5A, count: 200)
        XCTAssertEqual(sprig_tls_session_offer(0, garbage, garbage.count, &fingerprint), -1)
        var needed = 0
        XCTAssertEqual(sprig_tls_session_save(0, nil, 0, &needed), -2)
        XCTAssertEqual(transport.tlsConnectionsInUse, 0)
    }
}
