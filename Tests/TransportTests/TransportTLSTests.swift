import CMbedTLS
import Foundation
import Platform
import XCTest
@testable import Transport

/// The TLS arena (Sources/CMbedTLS) and TLS connections' limits, on
/// loopback. Handshakes with real servers (Unbound, with certificates the
/// test makes) are in Tests/Integration/tests_dot.py.
final class TransportTLSTests: XCTestCase {
    func testRegionsAreSeparateAndEmptyAgainAfterRelease() {
        let slotBytes = 4_096, sharedBytes = 4_096
        let shared = UnsafeMutableRawPointer.allocate(byteCount: sharedBytes, alignment: 64)
        let slots = UnsafeMutableRawPointer.allocate(byteCount: 2 * slotBytes, alignment: 64)
        defer { shared.deallocate(); slots.deallocate() }
        XCTAssertEqual(sprig_tls_arena_init(shared, sharedBytes, slots, slotBytes, 2), 0)
        // Slot 0 filled until it refuses: slot 1 is untouched by it.
        var taken: [UnsafeMutableRawPointer] = []
        for _ in 0..<1_000 {
            guard let p = sprig_tls_region_calloc(0, 1, 100) else { break }
            taken.append(p)
        }
        XCTAssertGreaterThan(taken.count, 10)
        XCTAssertLessThan(taken.count, 1_000, "a region is bounded")
        XCTAssertNil(sprig_tls_region_calloc(0, 1, 100))
        let other = sprig_tls_region_calloc(1, 1, 1_000)
        XCTAssertNotNil(other)
        XCTAssertEqual(sprig_tls_region_in_use(1), 1_024)
        // Freed blocks merge: after freeing everything one large block fits.
        for p in taken { XCTAssertEqual(sprig_tls_region_free(p), 1) }
        XCTAssertEqual(sprig_tls_region_in_use(0), 0)
        XCTAssertNotNil(sprig_tls_region_calloc(0, 1, slotBytes - 64))
        // Memory outside the arena is not the arena's.
        var local = 0
        XCTAssertEqual(withUnsafeMutablePointer(to: &local) { sprig_tls_region_free($0) }, 0)
        // Overflowing count * size is refused, never wrapped.
        XCTAssertNil(sprig_tls_region_calloc(1, Int.max / 2, 4))
        XCTAssertEqual(sprig_tls_close(0), 0, "not open: nothing to free")
    }

    func testTLSWithoutSlotsIsRefusedNotSentInPlain() throws {
        let transport = try Transport(limits: TransportLimits())
        let server = try TCPPeer()
        XCTAssertThrowsError(try transport.send(tag: 1, to: server.address, over: .tls(TLSProfile(index: 0)),
                                                Wire.query(id: 1, "a.example"), nowMs: 0)) { error in
            XCTAssertEqual(error as? SendRefusal, .noTLSSlot)
        }
        XCTAssertEqual(transport.stats.refusedNoTLSSlot, 1)
        XCTAssertEqual(transport.connectionCount(to: server.address), 0, "no connection at all")
    }

    /// A peer that accepts TCP and never answers the ClientHello: the
    /// connection fails at its handshake deadline, and no query byte was
    /// written in plain.
    func testStalledHandshakeFailsAtItsDeadline() throws {
        var limits = TransportLimits()
        limits.maxTLSConnections = 1
        let transport = try Transport(limits: limits)
        try transport.startTLS(caFile: nil)
        XCTAssertLessThanOrEqual(Int(sprig_tls_region_in_use(-1)), TransportLimits.tlsSharedBaseByteCount)
        print("tls shared in use: \(sprig_tls_region_in_use(-1))")
        let profile = transport.registerTLSProfile(at: 0, name: Array("dns.example".utf8), verifyName: false,
                                                   pinsSHA256: [[UInt8](repeating: 7, count: 32)], label: "upstream.0")
        let server = try TCPPeer()
        let h = try transport.send(tag: 9, to: server.address, over: .tls(profile), Wire.query(id: 9, "a.example"), nowMs: 0)
        XCTAssertEqual(server.accept(), 1)
        XCTAssertTrue(transport.drain(nowMs: 10).isEmpty)
        XCTAssertEqual(transport.tlsConnectionsInUse, 1)
        let c = server.connections[0]
        for _ in 0..<100 where c.input.isEmpty {
            XCTAssertTrue(server.queries(c).isEmpty, "no DNS frame in plain")
            usleep(1_000)
        }
        XCTAssertEqual(c.input.first, 0x16, "a TLS handshake record (ClientHello), not a DNS frame")
        transport.expire(nowMs: limits.tlsHandshakeTimeoutMs + 1)
        let seen = transport.drain(nowMs: limits.tlsHandshakeTimeoutMs + 1, waitMs: 0)
        XCTAssertEqual(seen.count, 1)
        if case .failure(let tag, let why)? = seen.first {
            XCTAssertEqual(tag, 9)
            XCTAssertEqual(why, .tlsHandshakeTimeout)
        } else { XCTFail("\(seen)") }
        transport.cancel(h, nowMs: limits.tlsHandshakeTimeoutMs + 2)
        XCTAssertEqual(transport.stats.closedTLSHandshakeTimeout, 1)
        XCTAssertEqual(transport.tlsConnectionsInUse, 0)
        XCTAssertEqual(sprig_tls_region_in_use(0), 0, "the slot's mbedTLS memory is free again")
    }
}
