// How `sprig ds-check` reaches each authoritative server: the config's
// `config auth_transport` sections chosen as sprigd chooses them
// (Resolver/AuthPolicy.swift: a section covers its domain and everything
// below; `list server` narrows it to NS names or addresses; the deepest
// domain wins, and at one domain a section with a server list), and a
// blocking DNS-over-TLS exchange (RFC 7858) on port 853.
//
//   off            plain DNS (DSCheckClient: UDP, TCP on truncation)
//   opportunistic  DoT when the server offers it, unauthenticated; plain
//                  DNS when it does not (RFC 9539 §4: a failure is not an
//                  error)
//   strict         DoT only, authenticated (RFC 8310 §5): by `list
//                  tls_pin` when the section has pins (RFC 7858 §4.2), else
//                  by the CA bundle (`tls_ca_file`) and the NS name the
//                  server was reached by (RFC 8310 §8.1). Any failure fails
//                  that server, with its reason; nothing goes out in plain.
//
// DANE: sprigd authenticates a strict server by a validated TLSA at
// _853._tcp.<ns name> when it has no pins; ds-check does not look TLSA up,
// so such a server must also pass the CA check here, or it fails (closed,
// with that reason). Certificate dates are checked against the system
// clock: the operator runs ds-check on a machine whose clock is set.
//
// An operator command run once, not the query path: it may allocate, and
// it blocks, every wait bounded (connect + handshake, then the answer).
// Never: sends a byte in plain to a strict server, or caches a session.
import CMbedTLS
import Config
import DNSWire
import Platform
import Transport

final class DSCheckTransport {
    enum Route: Equatable {
        case plain
        case opportunistic
        case strict(pins: [[UInt8]])
    }

    /// Connect plus handshake: RFC 9539 §4.1's 4 s probe timeout (sprigd's
    /// tlsHandshakeTimeoutMs too).
    static let handshakeTimeoutMs: Int64 = 4_000
    /// The answer after the query is written.
    static let answerTimeoutMs: Int64 = 5_000
    static let port: UInt16 = 853
    /// The one TLS slot ds-check uses (one exchange at a time).
    static let slot: Int32 = 0

    let sections: [AuthTransport]
    let caFile: String
    /// A strict section without pins authenticates by the CA bundle.
    let needsCA: Bool
    /// NS names by address, as the referrals on the way named them: the
    /// name a strict server is authenticated by (and sent as SNI).
    private var names: [(Address, Name)] = []
    /// Set up once, at the first DoT exchange; nil: not yet.
    private var setUp: Result<Void, FetchError>? = nil
    /// The mbedTLS arena (one slot), kept for the process.
    private var shared = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var slotMemory = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    init(config: SprigConfig) {
        sections = config.authTransports
        caFile = config.tlsCAFilePath?.string ?? SprigConfig.systemCABundle
        needsCA = sections.contains { $0.policy == .strict && $0.tlsPins.isEmpty }
    }

    /// Records that referrals named the servers at `addresses` `name`.
    func note(_ name: Name, at addresses: [Address]) {
        for a in addresses where !names.contains(where: { $0.0 == a && $0.1 == name }) {
            names.append((a, name))
        }
    }

    func nsName(of server: Address) -> Name? {
        names.last(where: { $0.0 == server })?.1
    }

    /// The transport for a query to `server` for `zone` (the zone whose
    /// servers `server` is one of).
    func route(zone: Name, server: Address) -> Route {
        let name = nsName(of: server)
        let ip = IPAddress(family: server.isIPv6 ? .ipv6 : .ipv4) { server.byte($0) }
        var best: AuthTransport? = nil
        for s in sections where zone.isSubdomain(of: s.domain) {
            if !s.servers.isEmpty {
                let listed = s.servers.contains { entry in
                    switch entry {
                    case .name(let n): return name.map { $0 == n.lowercased() } ?? false
                    case .address(let a): return a == ip
                    }
                }
                guard listed else { continue }
            }
            if let b = best {
                let deeper = s.domain.labelCount > b.domain.labelCount
                let narrower = s.domain.labelCount == b.domain.labelCount && !s.servers.isEmpty && b.servers.isEmpty
                guard deeper || narrower else { continue }
            }
            best = s
        }
        switch best?.policy {
        case .strict?: return .strict(pins: best!.tlsPins)
        case .opportunistic?: return .opportunistic
        default: return .plain
        }
    }

    /// What a query for `zone` to `server` says in its failure (strict).
    func describe(_ server: Address) -> String {
        nsName(of: server).map { "\($0.text) (\(server.text))" } ?? server.text
    }

    // MARK: DNS over TLS

    /// One query over a fresh TLS connection to `server` port 853;
    /// `pins`: the SPKI pins that authenticate it, or nil to authenticate
    /// by the CA bundle and `peerName`; `authenticate` false: encrypted only.
    func exchange(_ query: [UInt8], with server: Address, peerName: Name?, pins: [[UInt8]]?,
                  authenticate: Bool) throws(FetchError) -> [UInt8] {
        try startTLS()
        var address = server
        address.port = Self.port
        let fd: Int32
        do throws(Errno) { fd = try Socket.tcp(ipv6: address.isIPv6) } catch { throw .network("socket: \(error.message)") }
        defer { Socket.close(fd) }
        let deadline = Clock.monotonicMs() + Self.handshakeTimeoutMs
        do throws(Errno) { try Socket.connect(fd, address) } catch {
            guard error.kind == .inProgress else { throw .network("DoT connect to \(address.text): \(error.message)") }
        }
        guard (try? Socket.waitWritable(fd, timeoutMs: Self.left(deadline))) == true else {
            throw .network("DoT: no connection to \(address.text) within \(Self.handshakeTimeoutMs / 1000) s")
        }
        if let error = Socket.pendingError(fd) { throw .network("DoT connect to \(address.text): \(error.message)") }
        // SNI and the name the CA check matches: the NS name, no final dot.
        let sniText: [UInt8]? = peerName.map { name in
            var text = Array(name.text.utf8)
            if text.last == UInt8(ascii: "."), text.count > 1 { text.removeLast() }
            return text + [0]
        }
        let verifyName: Int32 = authenticate && pins == nil ? 1 : 0
        let opened: Int32
        if let sniText {
            opened = sniText.withUnsafeBufferPointer { p in
                p.withMemoryRebound(to: CChar.self) { sprig_tls_open(Self.slot, fd, $0.baseAddress, verifyName) }
            }
        } else {
            opened = sprig_tls_open(Self.slot, fd, nil, verifyName)
        }
        guard opened == 0 else { throw .network("DoT: TLS set-up failed (\(opened))") }
        defer { _ = sprig_tls_close(Self.slot) }
        while true {
            let rc = sprig_tls_handshake(Self.slot)
            if rc == 0 { break }
            try Self.wait(fd, rc, deadline, what: "handshake")
        }
        if let pins {
            var spki = [UInt8](repeating: 0, count: 32)
            guard sprig_tls_peer_spki_sha256(Self.slot, &spki) == 0, pins.contains(spki) else {
                throw .network("DoT: the certificate's key matches no tls_pin")
            }
        }
        var framed = [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query
        let answerDeadline = Clock.monotonicMs() + Self.answerTimeoutMs
        while !framed.isEmpty {
            let n = framed.withUnsafeBytes { sprig_tls_write(Self.slot, $0.baseAddress, $0.count) }
            if n > 0 { framed.removeFirst(Int(n)); continue }
            try Self.wait(fd, Int32(n), answerDeadline, what: "query")
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        // Bounded: each turn reads at least one byte, waits, or ends; the frame is ≤ 65,537 bytes.
        while received.count < 2 || received.count < 2 + (Int(received[0]) << 8 | Int(received[1])) {
            let n = chunk.withUnsafeMutableBytes { sprig_tls_read(Self.slot, $0.baseAddress, $0.count) }
            if n > 0 { received += chunk[0..<Int(n)]; continue }
            try Self.wait(fd, Int32(n), answerDeadline, what: "answer")
        }
        let length = Int(received[0]) << 8 | Int(received[1])
        return Array(received[2..<(2 + length)])
    }

    private static func left(_ deadline: Int64) -> Int32 {
        Int32(max(0, min(deadline - Clock.monotonicMs(), Int64(Int32.max))))
    }

    /// Waits for what a TLS call wants, or throws its failure.
    private static func wait(_ fd: Int32, _ rc: Int32, _ deadline: Int64, what: String) throws(FetchError) {
        let ready: Bool?
        switch rc {
        case SPRIG_TLS_WANT_READ: ready = try? Socket.waitReadable(fd, timeoutMs: left(deadline))
        case SPRIG_TLS_WANT_WRITE: ready = try? Socket.waitWritable(fd, timeoutMs: left(deadline))
        case SPRIG_TLS_E_CERTIFICATE: throw .network("DoT: the certificate does not verify (CA bundle and NS name)")
        case SPRIG_TLS_E_HANDSHAKE: throw .network("DoT: the TLS handshake failed")
        case SPRIG_TLS_CLOSED: throw .network("DoT: the server closed the connection during the \(what)")
        default: throw .network("DoT: TLS error \(rc) during the \(what)")
        }
        guard ready == true, Clock.monotonicMs() < deadline else { throw .network("DoT: timed out during the \(what)") }
    }

    /// mbedTLS in a one-slot arena, with the CA bundle when a strict
    /// section authenticates by name; once per run.
    private func startTLS() throws(FetchError) {
        if let setUp { return try setUp.get() }
        var limits = TransportLimits()
        limits.maxTLSConnections = 1
        if needsCA { limits.tlsCAByteCount = TransportLimits.caByteCount(fileByteCount: File.byteCount(caFile) ?? 0) }
        shared = .allocate(byteCount: limits.tlsSharedByteCount, alignment: 64)
        slotMemory = .allocate(byteCount: TransportLimits.tlsConnectionByteCount, alignment: 64)
        var result: Result<Void, FetchError> = .success(())
        if sprig_tls_arena_init(shared.baseAddress, shared.count, slotMemory.baseAddress, slotMemory.count, 1) != 0 {
            result = .failure(.network("DoT: TLS memory set-up failed"))
        } else {
            var detail = 0
            let rc: Int32 = needsCA
                ? (Array(caFile.utf8) + [0]).withUnsafeBufferPointer { p in
                    p.withMemoryRebound(to: CChar.self) { sprig_tls_setup($0.baseAddress, &detail) }
                }
                : sprig_tls_setup(nil, &detail)
            if rc != 0 {
                result = .failure(.network(needsCA ? "DoT: tls_ca_file \(caFile) cannot be loaded" : "DoT: TLS set-up failed"))
            }
            sprig_tls_set_dates_trusted(1)
        }
        setUp = result
        try result.get()
    }
}
