import CMbedTLS
import Fixed
import Platform

/// DNS over TLS (RFC 7858) on Transport's TCP connections: the same pool,
/// frames, pipelining and idle close as TCP (RFC 7766, RFC 7858 §3.3-3.4),
/// with mbedTLS between the frames and the socket (Sources/CMbedTLS).
///
/// A TLS connection goes connecting → handshaking → open. The handshake
/// runs one non-blocking step per readiness of its socket, so it never
/// holds the loop; it must end within `tlsHandshakeTimeoutMs` of the open.
/// No query byte is written before the handshake and the peer check are
/// done: a failed check fails the queries queued on it, and they are never
/// sent in plain (RFC 8310 §5: strict privacy fails closed).
///
/// Memory: each TLS slot owns one region of the CMbedTLS arena; a
/// connection that exhausts it fails alone (`.tlsNoMemory`).
public struct TLSProfile: Equatable, Sendable {
    public let index: Int32
    public init(index: Int32) { self.index = index }
}

/// How a TLS profile checks its peer, and what happened under it.
struct TLSProfileEntry {
    /// The name as a C string (NUL-terminated), sent as SNI; nil: no SNI.
    var name: [CChar]? = nil
    /// The certificate must chain to the CA bundle and match `name`.
    var verifyName = false
    /// SHA-256s of SubjectPublicKeyInfos, one of which must match (RFC 7858 §4.2).
    var pinsSHA256: [[UInt8]] = []
    var label = ""
    /// Each connection's certificate must match its own name
    /// (`TLSPeerName`, `registerPeerNamedTLSProfile`), with the CA bundle.
    var verifiesPeerName = false
    /// The handshake must settle on TLS 1.3, else the connection fails
    /// before any query byte (`.tlsVersion`).
    var requiresTLS13 = false
    var isRegistered = false
    var stats = TLSProfileStats()
}

/// Per-profile counters (per upstream in `sprig stats`).
public struct TLSProfileStats: Equatable, Sendable {
    /// Handshakes finished (full or resumed) and, of those, resumed ones.
    public var handshakes = 0
    public var resumed = 0
    /// A saved session was offered and the server did a full handshake.
    public var resumptionsDeclined = 0
    /// Queries sent, and those sent on a connection already open or opening.
    public var queries = 0
    public var reused = 0
    /// Connections that ended failed (all kinds), and every way they ended.
    public var failures = 0
    public var ends = ConnectionEndCounts()
}

/// Why TLS could not be set up at start (sprigd refuses to start).
public enum TLSSetupError: Error, Equatable {
    /// No TLS connection was reserved (`max_tls_connections` 0).
    case noSlots
    /// The arena could not be cut (a sizing fault).
    case arena
    /// The CA bundle did not load, or its certificates overflowed the
    /// budget; the mbedTLS code for the log.
    case caBundle(Int)
    /// RNG or configuration set-up failed; the mbedTLS code.
    case setup(Int)
}

extension Transport {
    // MARK: start-up

    /// The TLS blocks `init` carves (empty without TLS connections).
    static func carveTLS(_ limits: TransportLimits, arena: Arena)
        -> (UnsafeMutableRawBufferPointer, UnsafeMutableRawBufferPointer, UnsafeMutablePointer<Int32>?) {
        guard limits.maxTLSConnections > 0 else {
            return (UnsafeMutableRawBufferPointer(start: nil, count: 0), UnsafeMutableRawBufferPointer(start: nil, count: 0), nil)
        }
        let shared = arena.reserveBytes(limits.tlsSharedByteCount, label: TransportLimits.tlsSharedLabel)
        let label = TransportLimits.tlsConnectionsLabel
        let connections = arena.reserveBytes(limits.maxTLSConnections * TransportLimits.tlsConnectionByteCount,
                                             label: label, count: limits.maxTLSConnections)
        let owners = arena.reserve(Int32.self, count: limits.maxTLSConnections, label: label, rowCount: 0).baseAddress!
        owners.initialize(repeating: -1, count: limits.maxTLSConnections)
        return (shared, connections, owners)
    }

    /// Sets mbedTLS up in its arena: RNG, configs and, when `caFile` is
    /// given (a path), the CA bundle. Once, before the first TLS send.
    public func startTLS(caFile: [UInt8]?) throws(TLSSetupError) {
        guard !tlsIsStarted else { return }
        guard limits.maxTLSConnections > 0 else { throw .noSlots }
        guard sprig_tls_arena_init(tlsShared.baseAddress, tlsShared.count, tlsConnections.baseAddress,
                                   TransportLimits.tlsConnectionByteCount, Int32(limits.maxTLSConnections)) == 0 else {
            throw .arena
        }
        var detail = 0
        let rc: Int32
        if let path = caFile {
            rc = (path + [0]).withUnsafeBufferPointer { p in
                p.withMemoryRebound(to: CChar.self) { sprig_tls_setup($0.baseAddress, &detail) }
            }
        } else {
            rc = sprig_tls_setup(nil, &detail)
        }
        guard rc == 0 else { throw caFile != nil && detail != -2 ? .caBundle(detail) : .setup(detail) }
        tlsIsStarted = true
    }

    /// Registers (or replaces, on reload) profile `index`: `name` (dotted,
    /// no final dot) is sent as SNI and, when `verifyName`, checked with the
    /// CA bundle; `pinSHA256` must match the SPKI. `label` prefixes its stats.
    /// `requiresTLS13`: only a TLS 1.3 handshake counts (strict, on a build
    /// that has TLS 1.3, `hasTLS13`; never asked of a build without it).
    public func registerTLSProfile(at index: Int, name: [UInt8]?, verifyName: Bool, pinsSHA256: [[UInt8]],
                                   requiresTLS13: Bool = false, label: String) -> TLSProfile {
        precondition(!requiresTLS13 || Transport.hasTLS13, "TLS 1.3 required on a build without it")
        precondition(index >= 0 && index < TransportLimits.tlsProfileCountMax, "TLS profile out of range")
        while tlsProfiles.count <= index { tlsProfiles.append(TLSProfileEntry()) }
        var entry = TLSProfileEntry()
        entry.name = name.map { $0.map { CChar(bitPattern: $0) } + [0] }
        entry.verifyName = verifyName && name != nil
        entry.pinsSHA256 = pinsSHA256
        entry.requiresTLS13 = requiresTLS13
        entry.label = label
        entry.isRegistered = true
        entry.stats = tlsProfiles[index].stats
        let old = tlsProfiles[index]
        if old.isRegistered && (old.name != entry.name || old.verifyName != entry.verifyName || old.pinsSHA256 != entry.pinsSHA256
                                || old.requiresTLS13 != entry.requiresTLS13) {
            dropSessions(ofProfile: Int32(index))   // never resumed under another peer check
        }
        tlsProfiles[index] = entry
        return TLSProfile(index: Int32(index))
    }

    /// DESIGN.md §2.8: certificate dates count only once the clock is
    /// trusted; until then chains, signatures, names and pins still do.
    public func setCertificateDatesTrusted(_ trusted: Bool) {
        sprig_tls_set_dates_trusted(trusted ? 1 : 0)
        noteSessionDatesTrusted(trusted)
    }

    func tlsProfileIsKnown(_ profile: Int32) -> Bool {
        tlsIsStarted && Int(profile) < tlsProfiles.count && tlsProfiles[Int(profile)].isRegistered
    }

    /// 1.3 when this build has it (mbedTLS ≥ 3); else 1.2 (Debian's 2.28).
    public static var hasTLS13: Bool { sprig_tls_has_tls13() != 0 }
    /// MBEDTLS_VERSION_NUMBER of the linked library, e.g. 0x021C0300.
    public static var mbedTLSVersion: UInt { UInt(sprig_tls_version_number()) }

    // MARK: slots

    func freeTLSSlot() -> Int? {
        guard let owners = tlsSlotOwners else { return nil }
        for i in 0..<limits.maxTLSConnections where owners[i] < 0 { return i }
        return nil
    }

    /// Closes the idle TLS connection idle longest, freeing its slot.
    func closeIdlestTLSForRoom() -> Int? {
        var idlest: Int? = nil
        for i in 0..<limits.maxOutgoingTCP where connections[i].isIdle && connections[i].tlsSlot >= 0 {
            if let j = idlest, connections[j].idleSinceMs <= connections[i].idleSinceMs { continue }
            idlest = i
        }
        guard let i = idlest else { return nil }
        let slot = Int(connections[i].tlsSlot)
        close(i, .forRoom)
        return slot
    }

    // MARK: a connection's TLS

    /// Starts the client on `connection` (its connect is under way; the
    /// first handshake step runs when the socket is writable).
    func openTLS(on connection: Int, slot: Int, nowMs: Int64) -> TransportFailure? {
        let c = connections + connection
        tlsSlotOwners![slot] = Int32(connection)
        c.pointee.tlsSlot = Int32(slot)
        stats.tlsOpened += 1
        tlsSlotsHighWater = max(tlsSlotsHighWater, tlsConnectionsInUse)
        tlsDeadlines.arm(connection, atMs: nowMs + limits.tlsHandshakeTimeoutMs)
        let profile = tlsProfiles[Int(c.pointee.tlsProfile)]
        let rc: Int32
        if profile.verifiesPeerName {
            rc = openPeerNamedTLS(on: connection, slot: slot)
        } else if let name = profile.name {
            rc = name.withUnsafeBufferPointer { sprig_tls_open(Int32(slot), c.pointee.fd, $0.baseAddress, profile.verifyName ? 1 : 0) }
        } else {
            rc = sprig_tls_open(Int32(slot), c.pointee.fd, nil, 0)
        }
        guard rc == 0 else { return Transport.failure(rc, handshaking: true) }
        offerSession(on: connection, slot: slot, nowMs: nowMs)
        return nil
    }

    /// Frees the connection's TLS slot (close_notify is tried first).
    func endTLS(_ connection: Int) {
        let c = connections + connection
        guard c.pointee.tlsSlot >= 0 else { return }
        let slot = Int(c.pointee.tlsSlot)
        endSessionOffer(connection)
        let highWater = Int(sprig_tls_region_high_water(Int32(slot)))
        if highWater > tlsMemoryHighWater { tlsMemoryHighWater = highWater }
        if sprig_tls_close(Int32(slot)) > 0 { stats.tlsMemoryLeftAtClose += 1 }
        tlsSlotOwners![slot] = -1
        c.pointee.tlsSlot = -1
    }

    /// One handshake step; when done, the pin check, then the queued
    /// queries go out. True when the connection has failures to hand out.
    func continueHandshake(_ connection: Int, nowMs: Int64) -> Bool {
        let c = connections + connection
        let rc = sprig_tls_handshake(c.pointee.tlsSlot)
        switch rc {
        case 0:
            break
        case SPRIG_TLS_WANT_READ:
            setWriteInterest(connection, false)
            return false
        case SPRIG_TLS_WANT_WRITE:
            setWriteInterest(connection, true)
            return false
        default:
            fail(connection, Transport.failure(rc, handshaking: true), discardInput: true)
            return true
        }
        // Seed 004 requirement 11: no downgrade to TLS 1.2 where 1.3 is required.
        if tlsProfiles[Int(c.pointee.tlsProfile)].requiresTLS13 && sprig_tls_negotiated_version(c.pointee.tlsSlot) != 13 {
            fail(connection, .tlsVersion, discardInput: true)
            return true
        }
        let pins = tlsProfiles[Int(c.pointee.tlsProfile)].pinsSHA256
        if !pins.isEmpty && !peerMatches(pins, connection) {
            fail(connection, .tlsPinMismatch, discardInput: true)
            return true
        }
        if let why = checkDANE(connection) {
            fail(connection, why, discardInput: true)
            return true
        }
        tlsDeadlines.cancel(connection)
        c.pointee.state = .open
        stats.tlsHandshakes += 1
        if sprig_tls_negotiated_version(c.pointee.tlsSlot) == 13 { stats.tlsVersion13 += 1 } else { stats.tlsVersion12 += 1 }
        tlsProfiles[Int(c.pointee.tlsProfile)].stats.handshakes += 1
        noteSessionAfterHandshake(connection, nowMs: nowMs)
        if let why = flush(connection) {
            fail(connection, why, discardInput: true)
            return true
        }
        if c.pointee.ownedCount > 0 { tlsDeadlines.arm(connection, atMs: nowMs + limits.tlsAnswerTimeoutMs) }
        if c.pointee.isProbe && !c.pointee.probeReported {
            c.pointee.probeOutcome = true
            noteMaybeIdle(connection, nowMs: nowMs)   // kept for the queries that follow, idle-closed if none come
            return true
        }
        return false
    }

    /// RFC 7858 §4.2: the SHA-256 of the certificate's SPKI equals the pin.
    func peerMatches(_ pins: [[UInt8]], _ connection: Int) -> Bool {
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &digest) { d in
            guard sprig_tls_peer_spki_sha256(connections[connection].tlsSlot,
                                             d.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 0 else { return false }
            var matched = false
            for pin in pins where pin.count == 32 {
                var difference: UInt8 = 0
                for i in 0..<32 { difference |= d[i] ^ pin[i] }
                if difference == 0 { matched = true }
            }
            return matched
        }
    }

    enum TLSWrite {
        case wrote(Int)
        case wait
        case failed(TransportFailure)
    }

    func tlsWrite(_ connection: Int, _ bytes: UnsafeRawBufferPointer) -> TLSWrite {
        let n = sprig_tls_write(connections[connection].tlsSlot, bytes.baseAddress, bytes.count)
        if n > 0 { return .wrote(n) }
        if n == SPRIG_TLS_WANT_WRITE || n == SPRIG_TLS_WANT_READ || n == 0 { return .wait }
        return .failed(Transport.failure(Int32(truncatingIfNeeded: n), handshaking: false))
    }

    /// One read of decrypted bytes into the connection's buffer.
    func tlsReadInput(_ connection: Int, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        let c = connections + connection
        guard c.pointee.state == .open else { return false }
        let room = UnsafeMutableRawBufferPointer(rebasing: buffer[c.pointee.readEnd...])
        let n = sprig_tls_read(c.pointee.tlsSlot, room.baseAddress, room.count)
        if n > 0 {
            c.pointee.readEnd += n
            // Progress: the answer deadline starts again while queries wait.
            if c.pointee.ownedCount > 0 { tlsDeadlines.arm(connection, atMs: lastNowMs + limits.tlsAnswerTimeoutMs) }
            return true
        }
        switch Int32(truncatingIfNeeded: n) {
        case SPRIG_TLS_WANT_READ, SPRIG_TLS_WANT_WRITE:
            return false
        case SPRIG_TLS_CLOSED:   // close_notify or end of stream (RFC 7858 §3.4)
            closeSocket(connection)
            c.pointee.state = .closing(.byServer)
            return true
        default:
            fail(connection, Transport.failure(Int32(truncatingIfNeeded: n), handshaking: false), discardInput: false)
            return true
        }
    }

    func tlsHasPending(_ connection: Int) -> Bool {
        let slot = connections[connection].tlsSlot
        return slot >= 0 && sprig_tls_pending(slot) > 0
    }

    /// TLS connections past a deadline: connect + handshake, or waiting
    /// queries with no byte from the server.
    func expireHandshakes(nowMs: Int64) {
        lastNowMs = nowMs
        while let connection = tlsDeadlines.popExpired(nowMs: nowMs) {
            let c = connections + connection
            guard c.pointee.isTLS else { continue }
            if c.pointee.state == .connecting || c.pointee.state == .handshaking {
                if c.pointee.ownedCount > 0 || (c.pointee.isProbe && !c.pointee.probeReported) {
                    fail(connection, .tlsHandshakeTimeout, discardInput: true)
                    requestAttention(connection)
                } else {
                    close(connection, .failed(.tlsHandshakeTimeout))
                }
            } else if c.pointee.state == .open && c.pointee.ownedCount > 0 {
                fail(connection, .tlsAnswerTimeout, discardInput: false)
                requestAttention(connection)
            }
        }
    }

    func noteTLSReuse(_ profile: Int32) {
        stats.tlsReused += 1
        if Int(profile) < tlsProfiles.count { tlsProfiles[Int(profile)].stats.reused += 1 }
    }

    func noteTLSQuery(_ profile: Int32) {
        if Int(profile) < tlsProfiles.count { tlsProfiles[Int(profile)].stats.queries += 1 }
    }

    /// Counts how a TLS connection ended against its profile.
    func noteTLSEnd(_ connection: Int, _ end: ConnectionEnd) {
        let profile = Int(connections[connection].tlsProfile)
        guard profile >= 0, profile < tlsProfiles.count else { return }
        tlsProfiles[profile].stats.ends.count(end)
        guard case .failed = end else { return }
        tlsProfiles[profile].stats.failures += 1
    }

    static func failure(_ rc: Int32, handshaking: Bool) -> TransportFailure {
        switch rc {
        case SPRIG_TLS_E_CERTIFICATE: return .tlsCertificate
        case SPRIG_TLS_E_MEMORY: return .tlsNoMemory
        case SPRIG_TLS_E_IO: return .reset
        case SPRIG_TLS_CLOSED: return handshaking ? .tlsHandshake : .closedMidAnswer
        case SPRIG_TLS_E_PROTOCOL: return .tlsProtocol
        default: return handshaking ? .tlsHandshake : .tlsProtocol
        }
    }

    /// Per-profile counters and mbedTLS memory figures, for `sprig stats`.
    public var tlsLines: [(String, Int)] {
        var lines: [(String, Int)] = [
            ("transport.tls.memory_per_connection", limits.maxTLSConnections > 0 ? TransportLimits.tlsConnectionByteCount : 0),
            ("transport.tls.memory_high_water", max(tlsMemoryHighWater, currentTLSHighWater)),
            ("transport.tls.shared_memory_in_use", tlsIsStarted ? Int(sprig_tls_region_in_use(-1)) : 0),
            ("transport.tls.ca_certificates", tlsIsStarted ? Int(sprig_tls_ca_count()) : 0),
            ("transport.tls.alloc_failures", Int(sprig_tls_alloc_failures())),
            ("transport.tls.dates_unchecked", Int(sprig_tls_dates_unchecked())),
            ("transport.tls.version13_available", Transport.hasTLS13 ? 1 : 0)]
        lines.append(("transport.tls.slots.in_use", tlsConnectionsInUse))
        lines.append(("transport.tls.slots.high_water", tlsSlotsHighWater))
        lines.append(("transport.tls.slots.capacity", limits.maxTLSConnections))
        lines += tlsSessionLines
        for p in tlsProfiles where p.isRegistered {
            lines.append((p.label + ".tls.handshakes", p.stats.handshakes))
            lines.append((p.label + ".tls.resumed", p.stats.resumed))
            lines.append((p.label + ".tls.resumptions_declined", p.stats.resumptionsDeclined))
            lines.append((p.label + ".tls.queries", p.stats.queries))
            lines.append((p.label + ".tls.reused", p.stats.reused))
            lines.append((p.label + ".tls.failures", p.stats.failures))
            lines += p.stats.ends.lines(prefix: p.label + ".tls.closed.")
        }
        return lines
    }

    var currentTLSHighWater: Int {
        guard tlsIsStarted else { return 0 }
        var most = 0
        for i in 0..<limits.maxTLSConnections { most = max(most, Int(sprig_tls_region_high_water(Int32(i)))) }
        return most
    }

    /// TLS connections open or opening (tests and stats).
    public var tlsConnectionsInUse: Int {
        guard let owners = tlsSlotOwners else { return 0 }
        var n = 0
        for i in 0..<limits.maxTLSConnections where owners[i] >= 0 { n += 1 }
        return n
    }
}

extension Transport {
    // MARK: probes (RFC 9539)

    /// Opens a TLS connection to `server` with `profile` and no query: its
    /// handshake's outcome comes back as `.tlsProbe(tag, server, …)`, and a
    /// successful connection stays open for the queries that follow (idle-
    /// closed otherwise). False when nothing was started (a connection of
    /// that profile to the server exists, or no slot is free): no event
    /// then. Nothing waits on a probe; it never delays a query.
    public func probeTLS(to server: Address, profile: TLSProfile, tag: UInt64, nowMs: Int64) -> Bool {
        lastNowMs = nowMs
        guard tlsProfileIsKnown(profile.index), usableConnection(to: server, tlsProfile: profile.index) == nil else {
            return false
        }
        var setupFailure: TransportFailure? = nil
        let connection: Int
        do throws(SendRefusal) {
            connection = try openConnection(to: server, tlsProfile: profile.index, nowMs: nowMs, setupFailure: &setupFailure)
        } catch {
            stats.countRefusal(error)
            return false
        }
        let c = connections + connection
        c.pointee.isProbe = true
        c.pointee.probeTag = tag
        stats.tlsProbes += 1
        if let why = setupFailure {
            fail(connection, why, discardInput: true)
            requestAttention(connection)
        }
        return true
    }

    /// A probe's success, once.
    func probeEvent(_ connection: Int) -> TransportEvent? {
        let c = connections + connection
        guard c.pointee.isProbe, !c.pointee.probeReported, let ok = c.pointee.probeOutcome else { return nil }
        c.pointee.probeReported = true
        return .tlsProbe(tag: c.pointee.probeTag, server: c.pointee.server, succeeded: ok)
    }
}
