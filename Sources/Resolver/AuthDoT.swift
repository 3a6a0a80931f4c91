import DNSWire
import Fixed

/// Opportunistic DNS over TLS to authoritative servers (RFC 9539): what the
/// core remembers about each server address, and the transport it picks.
///
/// One fixed record per server address (RFC 9539 §4.1's state), in a
/// 4-way set-associative table (a new server evicts the set's least
/// recently used record), so it never grows:
///  - `lastSuccessMs`: the last DoT answer or successful probe;
///  - `lastFailureMs`: the last failed probe, DoT query or DoT timeout;
///  - `probingSinceMs`: a probe in flight;
///  - queries sent over each transport (`sprig stats`).
/// Parameters (RFC 9539 §4.1's defaults, kept): damping 1 day (after a
/// failure, no new probe for a day: a server without DoT costs one failed
/// connection a day, not one per query); persistence 3 days (a server that
/// succeeded within 3 days, with no failure since, is asked over DoT);
/// timeout 4 s (the probe's handshake deadline in Transport,
/// `tlsHandshakeTimeoutMs`).
///
/// Never: delays a query. A probe is a TLS handshake of its own next to the
/// Do53 query (the `.probeTLS` action); only a server with a recent success
/// gets a query over DoT, and when that fails the task falls back to Do53
/// (the failure is remembered, so the retry goes out in plain).
///
/// One probe handshake at a time, across all servers (`probing`):
/// a handshake's ECDHE and certificate checks run on the one event-loop
/// thread, so several finishing together hold every answer behind them
/// (tens of milliseconds each on a MIPS router). A server met while another
/// probe is under way is marked as waiting and probed when that one ends,
/// oldest first (`nextProbe`); it keeps Do53 meanwhile.
///
/// Example: first query to 192.0.2.7 → Do53 + probe; probe succeeds →
/// the next query to 192.0.2.7 (any zone it serves) goes over DoT on the
/// probe's connection; a later DoT timeout → Do53, no probe for a day.
struct AuthDoTTable: ~Copyable {
    /// Servers remembered when opportunistic DoT is on: 256 records of
    /// ~100 bytes; one 4-way set when it is off.
    static let entryCountWhenOn = 256
    let entryCount: Int
    static let ways = 4
    /// RFC 9539 §4.1 damping and persistence.
    static let dampingMs: Int64 = 86_400_000
    static let persistenceMs: Int64 = 3 * 86_400_000
    /// A probe with no result after this (an event lost, a refused send)
    /// no longer blocks the next one. Well above the 4 s handshake deadline.
    static let probeForgottenMs: Int64 = 30_000
    /// RFC 7858 §3.1: DoT's port.
    static let dotPort: UInt16 = 853

    struct Entry {
        var server = ServerAddress(isIPv6: false, high: 0, low: 0, port: 0)
        var used = false
        var lastUsedMs: Int64 = 0
        var lastSuccessMs: Int64? = nil
        var lastFailureMs: Int64? = nil
        var probingSinceMs: Int64? = nil
        /// Due a probe, waiting for the one under way to end.
        var probeWaitingSinceMs: Int64? = nil
        var tlsQueries = 0
        var plainQueries = 0
        var probes = 0
        var failures = 0

        /// RFC 9539 §4.2: DoT while a success is within persistence and
        /// no failure came after it.
        func usesTLS(nowMs: Int64) -> Bool {
            guard let s = lastSuccessMs, nowMs - s < AuthDoTTable.persistenceMs else { return false }
            if let f = lastFailureMs, f >= s { return false }
            return true
        }

        func mayProbe(nowMs: Int64) -> Bool {
            if let p = probingSinceMs, nowMs - p < AuthDoTTable.probeForgottenMs { return false }
            if let f = lastFailureMs, nowMs - f < AuthDoTTable.dampingMs { return false }
            return true
        }
    }

    /// How the next query to a server travels.
    enum Choice: Equatable {
        case tls
        case plain(probe: Bool)
    }

    private let entries: UnsafeMutablePointer<Entry>
    private let arena: Arena
    /// The one probe in flight, over all servers (header): its server and
    /// start.
    private var probing: (server: ServerAddress, sinceMs: Int64)? = nil

    init(isOn: Bool, arena: Arena) {
        self.arena = arena
        entryCount = AuthDoTTable.entryCount(isOn: isOn)
        entries = arena.reserve(Entry.self, count: entryCount, label: AuthDoTTable.label).baseAddress!
        entries.initialize(repeating: Entry(), count: entryCount)
    }

    static func entryCount(isOn: Bool) -> Int { isOn ? entryCountWhenOn : ways }

    static let label = "authoritative DoT state (RFC 9539)"

    static func footprint(isOn: Bool) -> Arena.Row {
        let n = entryCount(isOn: isOn)
        return Arena.Row(label, count: n, byteCount: Arena.carvingByteCount(of: Entry.self, count: n))
    }

    private func setStart(_ server: ServerAddress) -> Int {
        var h = server.high ^ (server.low &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(server.port) << 16)
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 31
        return Int(h % UInt64(entryCount / AuthDoTTable.ways)) * AuthDoTTable.ways
    }

    private func entry(_ server: ServerAddress, nowMs: Int64) -> UnsafeMutablePointer<Entry> {
        let start = setStart(server)
        var victim = start
        for i in start..<(start + AuthDoTTable.ways) {
            if entries[i].used && entries[i].server == server {
                entries[i].lastUsedMs = nowMs
                return entries + i
            }
            if !entries[i].used || entries[i].lastUsedMs < entries[victim].lastUsedMs { victim = i }
        }
        entries[victim] = Entry()
        entries[victim].used = true
        entries[victim].server = server
        entries[victim].lastUsedMs = nowMs
        return entries + victim
    }

    func state(_ server: ServerAddress) -> Entry? {
        let start = setStart(server)
        for i in start..<(start + AuthDoTTable.ways) where entries[i].used && entries[i].server == server { return entries[i] }
        return nil
    }

    /// The transport for a query to `server` now; a probe to start is
    /// marked as started (the caller emits it).
    mutating func choose(_ server: ServerAddress, nowMs: Int64) -> Choice {
        let e = entry(server, nowMs: nowMs)
        if e.pointee.usesTLS(nowMs: nowMs) {
            e.pointee.tlsQueries += 1
            return .tls
        }
        e.pointee.plainQueries += 1
        guard e.pointee.mayProbe(nowMs: nowMs) else { return .plain(probe: false) }
        if probeInFlight(nowMs: nowMs) {
            if e.pointee.probeWaitingSinceMs == nil { e.pointee.probeWaitingSinceMs = nowMs }
            return .plain(probe: false)
        }
        startProbe(e, nowMs: nowMs)
        return .plain(probe: true)
    }

    private mutating func startProbe(_ e: UnsafeMutablePointer<Entry>, nowMs: Int64) {
        e.pointee.probingSinceMs = nowMs
        e.pointee.probeWaitingSinceMs = nil
        e.pointee.probes += 1
        probing = (e.pointee.server, nowMs)
    }

    /// When no probe is under way, the server that has waited longest for
    /// one, marked as started (the caller emits it). Called when a probe
    /// ends; one scan of the table per probe.
    mutating func nextProbe(nowMs: Int64) -> ServerAddress? {
        guard !probeInFlight(nowMs: nowMs) else { return nil }
        var oldest: Int? = nil
        for i in 0..<entryCount where entries[i].used {
            guard let waiting = entries[i].probeWaitingSinceMs else { continue }
            guard entries[i].mayProbe(nowMs: nowMs), !entries[i].usesTLS(nowMs: nowMs) else {
                entries[i].probeWaitingSinceMs = nil   // damped, or upgraded by a DELEG signal
                continue
            }
            if let o = oldest, entries[o].probeWaitingSinceMs! <= waiting { continue }
            oldest = i
        }
        guard let i = oldest else { return nil }
        startProbe(entries + i, nowMs: nowMs)
        return entries[i].server
    }

    /// Another probe's handshake is under way (one lost for
    /// `probeForgottenMs` no longer counts).
    func probeInFlight(nowMs: Int64) -> Bool {
        guard let p = probing else { return false }
        return nowMs - p.sinceMs < AuthDoTTable.probeForgottenMs
    }

    /// A probe's handshake ended (RFC 9539 §4.3: success or failure).
    mutating func recordProbe(_ server: ServerAddress, succeeded: Bool, nowMs: Int64) {
        let e = entry(server, nowMs: nowMs)
        e.pointee.probingSinceMs = nil
        if probing?.server == server { probing = nil }
        if succeeded { e.pointee.lastSuccessMs = nowMs } else { recordFailure(server, nowMs: nowMs) }
    }

    /// The transport started no handshake for a probe (no TLS slot free),
    /// or the action ring had no room for it: nothing is learnt about the
    /// server, and a later query may probe again, this server or another
    /// (none is started now: the slots are likely still taken).
    mutating func forgetProbe(_ server: ServerAddress, nowMs: Int64) {
        let e = entry(server, nowMs: nowMs)
        e.pointee.probingSinceMs = nil
        if e.pointee.probes > 0 { e.pointee.probes -= 1 }
        if probing?.server == server { probing = nil }
    }

    /// The parent signalled DoT for `server` (a DELEG record's transport
    /// key, DelegInfo.transportSignalKey): it is asked over DoT from the
    /// next query on, as after a successful probe (RFC 9539 §4.3), unless a
    /// DoT failure is still damping it. A wrong or forged signal costs one
    /// failed connection, then Do53 and damping as for any failure: it can
    /// upgrade, never downgrade. True when the state changed.
    func recordParentSignal(_ server: ServerAddress, nowMs: Int64) -> Bool {
        let e = entry(server, nowMs: nowMs)
        if e.pointee.usesTLS(nowMs: nowMs) { return false }
        if let f = e.pointee.lastFailureMs, nowMs - f < AuthDoTTable.dampingMs { return false }
        e.pointee.lastSuccessMs = nowMs
        return true
    }

    /// An answer over DoT: persistence starts again.
    func recordSuccess(_ server: ServerAddress, nowMs: Int64) {
        entry(server, nowMs: nowMs).pointee.lastSuccessMs = nowMs
    }

    /// A failed probe, DoT query or DoT timeout: Do53 from now on, and no
    /// probe for `dampingMs`.
    func recordFailure(_ server: ServerAddress, nowMs: Int64) {
        let e = entry(server, nowMs: nowMs)
        e.pointee.lastFailureMs = nowMs
        e.pointee.failures += 1
    }

    /// Per-server summary for `sprig stats`: address, state (0 unknown,
    /// 1 probing, 2 over DoT, 3 failed and damped), queries per transport.
    func lines(nowMs: Int64) -> [(String, Int)] {
        var lines: [(String, Int)] = []
        var servers = 0, overTLS = 0, damped = 0, probes = 0, failures = 0
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ServerAddress.textByteCountMax) { text in
            for i in 0..<entryCount where entries[i].used {
                let e = entries[i]
                servers += 1
                probes += e.probes
                failures += e.failures
                let state: Int
                if e.usesTLS(nowMs: nowMs) { state = 2; overTLS += 1 }
                else if let f = e.lastFailureMs, nowMs - f < AuthDoTTable.dampingMs { state = 3; damped += 1 }
                else if e.probingSinceMs != nil || e.probeWaitingSinceMs != nil { state = 1 }
                else { state = 0 }
                let n = e.server.writeText(into: UnsafeMutableRawBufferPointer(text))
                let name = "auth_dot.server." + String(decoding: UnsafeBufferPointer(rebasing: text[0..<n]), as: UTF8.self)
                lines.append((name + ".state", state))
                lines.append((name + ".tls_queries", e.tlsQueries))
                lines.append((name + ".plain_queries", e.plainQueries))
            }
        }
        return [("auth_dot.servers", servers), ("auth_dot.over_tls", overTLS), ("auth_dot.damped", damped),
                ("auth_dot.probes", probes), ("auth_dot.failures", failures)] + lines
    }
}

extension ResolverCore {
    /// The TLS profile the server registers for authoritative servers:
    /// opportunistic, no authentication (RFC 9539 §3: encryption against
    /// passive observers only), one past the upstreams' profiles.
    public static let authTLSProfile: Int32 = 8

    /// A DoT query of task `index` failed or timed out: the failure is
    /// remembered (Do53 for that server from now on, no probe for a day:
    /// RFC 9539 §4.2) and the same question goes to the same server over
    /// Do53 at once, as if DoT had never been tried. False when the task
    /// was not asking over DoT (the caller goes on as for any failure).
    mutating func fallBackFromAuthDoT(_ index: Int, nowMs: Int64) -> Bool {
        guard case .asking(let asked) = outgoing[index].state, asked.upstream == nil,
              asked.tlsProfile == ResolverCore.authTLSProfile else { return false }
        authDoT.recordFailure(asked.server, nowMs: nowMs)
        stats.authDoTFallbacks += 1
        return sendIterative(index, to: Destination(server: asked.server, upstream: nil), nowMs: nowMs)
    }

    /// `sprig stats` lines of the RFC 9539 table (none when it is off).
    public func authDoTLines(nowMs: Int64) -> [(String, Int)] {
        settings.opportunisticDoT ? authDoT.lines(nowMs: nowMs) : []
    }
}

extension ResolverCore {
    /// A strict DoT query failed or timed out: never Do53 (RFC 8310 §5,
    /// strict privacy fails closed). The task's reason names the server
    /// and why; the caller then tries the zone's other servers (each under
    /// its own policy).
    mutating func noteStrictFailure(_ index: Int, _ why: StrictDoTFailure, nowMs: Int64) {
        guard case .asking(let asked) = outgoing[index].state, asked.upstream == nil,
              asked.tlsProfile > ResolverCore.authTLSProfile else { return }
        noteStrictFailure(index, server: asked.server, why, nowMs: nowMs)
    }

    mutating func noteStrictFailure(_ index: Int, server: ServerAddress, _ why: StrictDoTFailure, nowMs: Int64) {
        stats.strictDoTFailures += 1
        guard outgoing[index].iteration.failureEDE == nil else { return }   // the first reason is the one given
        // The name it was (or would have been) authenticated by, for the text.
        var serial: UInt32 = 0
        if why != .noNSName, let name = nsName(serving: server, zone: outgoing[index].iteration.zone, nowMs: nowMs) {
            serial = strictFailureNames.remember(name)
        }
        noteFailure(index, .networkError, detail: .strictDoT(server, why, name: serial))
    }

    /// A DELEG record signalled DoT for `server` (DelegInfo.signalsDoT):
    /// remembered in the RFC 9539 table when opportunistic DoT is on; the
    /// policy for the zone still decides (off: plain; strict: its own
    /// authentication, which a signal never replaces).
    mutating func noteParentDoTSignal(_ server: ServerAddress, nowMs: Int64) {
        guard settings.opportunisticDoT, authDoT.recordParentSignal(server, nowMs: nowMs) else { return }
        stats.delegDoTSignals += 1
    }

    /// A DoT query to an upstream (forward mode, `transport 'tls'`) failed:
    /// the SERVFAIL that follows when no upstream answers says which
    /// upstream and why (EDE 23, RFC 8914 §4.24); the first reason noted
    /// is the one given. The core moves on to the next upstream as for any
    /// failure, never to plain DNS.
    mutating func noteUpstreamDoTFailure(_ index: Int, _ why: StrictDoTFailure) {
        guard case .asking(let asked) = outgoing[index].state, let upstream = asked.upstream,
              asked.tlsProfile >= 0 else { return }
        stats.upstreamDoTFailures += 1
        noteFailure(index, .networkError, detail: .upstreamDoT(asked.server, upstream: upstream, why))
    }
}
