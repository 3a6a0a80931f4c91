import CMbedTLS
import Fixed
import Platform

// TLS session resumption (RFC 7858 §3.4: DoT clients SHOULD resume;
// RFC 5077 tickets and RFC 5246 §7.4.1.2 session IDs, TLS 1.2).
//
// Owns: a fixed table of saved sessions, one per (server address, TLS
// profile, peer name), carved from the arena at start (`tlsSessionCount` entries of
// `tlsSessionByteCount` bytes, in `--print-footprint`); offering the saved
// session when a connection to that server with that profile opens; after
// the handshake, telling a resumed session from a full handshake (and
// counting both), and saving the session the server gave.
//
// Never: resumes across profiles or peer names (the key is server +
// profile + the NS name a strict connection must match, TLSPeerName.swift:
// a resumed session skips the certificate, so a session of ns1's name must
// not stand for ns2's at the same address; a profile whose name,
// verification or pins change on reload loses its sessions), resumes a
// connection that DANE authenticates (its TLSA check wants the certificate
// the server sends now), offers a session saved while certificate dates were not
// checked once they are (DESIGN.md §2.8), offers one older than
// `tlsSessionLifetimeMs`, or fails a connection over resumption: a server
// that does not resume gives a full handshake, and a handshake that fails
// after an offer drops that session so the next attempt is a full one.
//
// Example: first query to 192.0.2.53 with profile 0 → full handshake,
// session saved in entry k. The connection idles out. Next query → the
// new connection offers entry k; the server resumes (no certificate sent,
// one round trip less): `upstream.0.tls.resumed` + 1.

/// One saved session: whose it is and how many bytes of its buffer it uses.
struct TLSSessionEntry {
    var isUsed = false
    var server = Address()
    var profile: Int32 = -1
    /// The name the certificate was checked against, when the connection
    /// had one of its own (strict by CA and NS name).
    var peerName: TLSPeerName? = nil
    var savedAtMs: Int64 = 0
    var byteCount = 0
    /// Saved while certificate dates were checked (the clock was trusted).
    var datesChecked = true
}

/// What a TLS slot's connection offered (the entry, and the offered
/// session's fingerprint to compare after the handshake).
struct TLSSessionOffer {
    var entry: Int32 = -1
    var fingerprint: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
}

/// The table and the per-slot offers, carved once.
struct TLSSessionTable {
    let entries: UnsafeMutablePointer<TLSSessionEntry>?
    let bytes: UnsafeMutableRawBufferPointer
    let offers: UnsafeMutablePointer<TLSSessionOffer>?
    let count: Int
    /// Mirrors the C side's dates verdict (`setCertificateDatesTrusted`).
    var datesTrusted = true

    init(_ limits: TransportLimits, arena: Arena) {
        count = limits.maxTLSConnections > 0 ? limits.tlsSessionCount : 0
        guard count > 0 else {
            entries = nil
            bytes = UnsafeMutableRawBufferPointer(start: nil, count: 0)
            offers = nil
            return
        }
        let label = TransportLimits.tlsSessionsLabel
        let e = arena.reserve(TLSSessionEntry.self, count: count, label: label).baseAddress!
        e.initialize(repeating: TLSSessionEntry(), count: count)
        entries = e
        bytes = arena.reserveBytes(count * TransportLimits.tlsSessionByteCount, label: label, count: count)
        let o = arena.reserve(TLSSessionOffer.self, count: limits.maxTLSConnections, label: label, rowCount: count).baseAddress!
        o.initialize(repeating: TLSSessionOffer(), count: limits.maxTLSConnections)
        offers = o
    }

    func buffer(_ entry: Int) -> UnsafeMutableRawBufferPointer {
        let size = TransportLimits.tlsSessionByteCount
        return UnsafeMutableRawBufferPointer(rebasing: bytes[(entry * size)..<((entry + 1) * size)])
    }

    /// The entry for `server`, `profile` and `peerName`, if one is saved.
    func find(_ server: Address, _ profile: Int32, _ peerName: TLSPeerName?) -> Int? {
        guard let entries else { return nil }
        for i in 0..<count where entries[i].isUsed && entries[i].profile == profile && entries[i].server == server
            && entries[i].peerName == peerName {
            return i
        }
        return nil
    }

    /// Where a new session for `server` and `profile` goes: its old entry,
    /// a free one, else the one saved longest ago.
    func place(_ server: Address, _ profile: Int32, _ peerName: TLSPeerName?) -> Int {
        if let i = find(server, profile, peerName) { return i }
        var oldest = 0
        for i in 0..<count {
            if !entries![i].isUsed { return i }
            if entries![i].savedAtMs < entries![oldest].savedAtMs { oldest = i }
        }
        return oldest
    }

    /// Forgets entry `i` and zeroes its bytes (a ticket and a master secret).
    func drop(_ i: Int) {
        guard let entries, entries[i].isUsed else { return }
        entries[i] = TLSSessionEntry()
        buffer(i).initializeMemory(as: UInt8.self, repeating: 0)
    }

    var usedCount: Int {
        guard let entries else { return 0 }
        var n = 0
        for i in 0..<count where entries[i].isUsed { n += 1 }
        return n
    }
}

extension Transport {
    /// Offers the saved session for the connection's server and profile on
    /// its freshly opened TLS slot, before the handshake starts.
    func offerSession(on connection: Int, slot: Int, nowMs: Int64) {
        guard let offers = tlsSessions.offers else { return }
        offers[slot] = TLSSessionOffer()
        let c = connections[connection]
        // Saved sessions are TLS 1.2 ones, and offering one makes mbedTLS
        // 3.x propose TLS 1.2 alone (tls_session.h): never where 1.3 is required.
        guard c.dane == nil, !tlsProfiles[Int(c.tlsProfile)].requiresTLS13,
              let i = tlsSessions.find(c.server, c.tlsProfile, c.peerName) else { return }
        let entry = tlsSessions.entries![i]
        let tooOld = nowMs - entry.savedAtMs > limits.tlsSessionLifetimeMs
        guard !tooOld, entry.datesChecked || !tlsSessions.datesTrusted else {
            tlsSessions.drop(i)
            stats.tlsSessionsExpired += 1
            return
        }
        var fingerprint: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let saved = UnsafeRawBufferPointer(rebasing: tlsSessions.buffer(i)[0..<entry.byteCount])
        let rc = withUnsafeMutableBytes(of: &fingerprint) { f in
            sprig_tls_session_offer(Int32(slot), saved.baseAddress, saved.count, f.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard rc == 0 else {   // another library build's bytes, or refused: never offered again
            tlsSessions.drop(i)
            stats.tlsSessionsUnloadable += 1
            return
        }
        offers[slot] = TLSSessionOffer(entry: Int32(i), fingerprint: fingerprint)
        stats.tlsSessionsOffered += 1
    }

    /// After a handshake that passed every check: resumed or full (counted
    /// per profile), then the server's current session is saved.
    func noteSessionAfterHandshake(_ connection: Int, nowMs: Int64) {
        guard let offers = tlsSessions.offers else { return }
        let c = connections[connection]
        let slot = Int(c.tlsSlot)
        let profile = Int(c.tlsProfile)
        if offers[slot].entry >= 0 {
            var now: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            let rc = withUnsafeMutableBytes(of: &now) { f in
                sprig_tls_session_fingerprint(Int32(slot), f.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            let offered = offers[slot].fingerprint
            if rc == 0 && now == offered {
                stats.tlsResumed += 1
                tlsProfiles[profile].stats.resumed += 1
            } else {   // RFC 5077 §3.4 / RFC 5246 §7.4.1.2: the server chose a full handshake
                stats.tlsResumptionsDeclined += 1
                tlsProfiles[profile].stats.resumptionsDeclined += 1
            }
        }
        offers[slot] = TLSSessionOffer()
        saveSession(connection, nowMs: nowMs)
    }

    func saveSession(_ connection: Int, nowMs: Int64) {
        let c = connections[connection]
        guard c.dane == nil else { return }
        let i = tlsSessions.place(c.server, c.tlsProfile, c.peerName)
        tlsSessions.drop(i)
        var needed = 0
        let n = sprig_tls_session_save(c.tlsSlot, tlsSessions.buffer(i).baseAddress, TransportLimits.tlsSessionByteCount, &needed)
        if n == -1 { stats.tlsSessionsTooLarge += 1 }
        guard n > 0 else {
            tlsSessions.buffer(i).initializeMemory(as: UInt8.self, repeating: 0)
            return
        }
        tlsSessions.entries![i] = TLSSessionEntry(isUsed: true, server: c.server, profile: c.tlsProfile,
                                                  peerName: c.peerName, savedAtMs: nowMs,
                                                  byteCount: n, datesChecked: tlsSessions.datesTrusted)
        stats.tlsSessionsSaved += 1
        if n > tlsSessionBytesHighWater { tlsSessionBytesHighWater = n }
    }

    /// A TLS slot is ending. A handshake that failed after offering a
    /// session drops that session, so the next connection does a full
    /// handshake (a server that chokes on its own ticket costs one try).
    func endSessionOffer(_ connection: Int) {
        guard let offers = tlsSessions.offers else { return }
        let c = connections[connection]
        let slot = Int(c.tlsSlot)
        let entry = Int(offers[slot].entry)
        if entry >= 0 && c.state == .handshaking, let entries = tlsSessions.entries,
           entries[entry].server == c.server && entries[entry].profile == c.tlsProfile
           && entries[entry].peerName == c.peerName {
            tlsSessions.drop(entry)
            stats.tlsSessionsDroppedAfterFailure += 1
        }
        offers[slot] = TLSSessionOffer()
    }

    /// A profile's peer check changed (reload): its sessions go.
    func dropSessions(ofProfile profile: Int32) {
        guard let entries = tlsSessions.entries else { return }
        for i in 0..<tlsSessions.count where entries[i].isUsed && entries[i].profile == profile { tlsSessions.drop(i) }
    }

    /// The clock became trusted: sessions whose certificate dates were not
    /// checked are not resumed (their certificate may have expired).
    func noteSessionDatesTrusted(_ trusted: Bool) {
        defer { tlsSessions.datesTrusted = trusted }
        guard trusted, !tlsSessions.datesTrusted, let entries = tlsSessions.entries else { return }
        for i in 0..<tlsSessions.count where entries[i].isUsed && !entries[i].datesChecked { tlsSessions.drop(i) }
    }

    /// Session-table figures for `sprig stats`.
    var tlsSessionLines: [(String, Int)] {
        [("transport.tls.sessions.capacity", tlsSessions.count),
         ("transport.tls.sessions.in_use", tlsSessions.usedCount),
         ("transport.tls.sessions.bytes_per_entry", tlsSessions.count > 0 ? TransportLimits.tlsSessionByteCount : 0),
         ("transport.tls.sessions.bytes_high_water", tlsSessionBytesHighWater)]
    }
}
