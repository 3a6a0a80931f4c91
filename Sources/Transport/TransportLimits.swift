import Fixed
import Platform

/// Every pool Transport carves from the arena at start-up, with the reason
/// for each bound and what it costs. The Server sets the counts from the
/// config, under the same names; after `Transport.init` nothing here allocates.
public struct TransportLimits: Equatable, Sendable {
    /// Outgoing queries in flight at once, UDP and TCP together: one slot
    /// per outgoing query of the core (config `max_outgoing`), so a send
    /// never finds the pool full when the caller sized it so.
    public var maxOutgoing = 512
    /// TCP connections to servers at once. RFC 7766 §6.2.2: at most one
    /// per server, so this is how many servers can be asked over TCP at the
    /// same moment. Each holds a full-size read buffer, so few are kept.
    public var maxOutgoingTCP = 8
    /// Queries in flight on one connection (RFC 7766 §6.2.1.1 pipelining).
    /// Each costs a query cell of `2 + queryByteCountMax` bytes; 32 covers
    /// a burst of page loads through a `transport 'tcp'` upstream. One more
    /// is refused (`transport.tcp.pipeline_full`) rather than opening a
    /// second connection to the same server.
    public var queriesPerConnectionMax = 32
    /// A connection with no query in flight for this long is closed
    /// (RFC 7766 §6.2.3: clients close idle sessions). Long enough to carry
    /// one resolution's truncated answers, below the servers' own idle
    /// timeouts, so that the server rarely closes first.
    public var idleTimeoutMs: Int64 = 10_000
    /// Largest TCP response accepted, which sizes each connection's read
    /// buffer (RFC 1035 §4.2.2: the length prefix allows 65,535). A frame
    /// announcing more fails the connection as `.oversizeFrame`.
    public var responseByteCountMax = 65_535
    /// DNS-over-TLS connections at once (config `max_tls_connections`),
    /// each a TCP connection above that also holds `tlsConnectionByteCount`
    /// of mbedTLS memory; 0 when no upstream uses TLS (nothing reserved).
    public var maxTLSConnections = 0
    /// mbedTLS memory for the parsed CA bundle (`tls_ca_file`), sized by the
    /// Server from the file (`TransportLimits.caByteCount(fileByteCount:)`);
    /// 0 when no upstream verifies a name (pins only, or no TLS).
    public var tlsCAByteCount = 0
    /// A TLS connection whose connect and handshake have not finished this
    /// long after it was opened fails (`transport.tls.closed.handshake_timeout`):
    /// a peer that accepts TCP and stalls holds a slot no longer. 4 s is the
    /// probe timeout RFC 9539 §4.1 suggests for DoT to authoritatives too.
    public var tlsHandshakeTimeoutMs: Int64 = 4_000
    /// An open TLS connection whose waiting queries get no byte from the
    /// server for this long fails (`transport.tls.closed.answer_timeout`):
    /// a server that stops answering holds its slot no longer, and the next
    /// query opens a fresh connection. Above an upstream's slowest honest
    /// answer (a cold name it must resolve: a few seconds).
    public var tlsAnswerTimeoutMs: Int64 = 5_000
    /// Saved TLS sessions (TLSSessions.swift), one per server and profile:
    /// `tlsSessionsPerConnection` per TLS connection, so the forwarders
    /// and the authoritative servers a household's traffic rotates through
    /// keep theirs; the oldest goes first. 0 without TLS.
    public var tlsSessionCount: Int { maxTLSConnections * TransportLimits.tlsSessionsPerConnection }
    /// A saved session older than this is not offered (and dropped):
    /// OpenSSL's default session timeout and ticket lifetime hint for TLS
    /// 1.2 is 7,200 s, so servers would decline an older one anyway.
    public var tlsSessionLifetimeMs: Int64 = 7_200_000

    /// Largest query carried over TCP: a header (12), a question (at most
    /// 255 + 4) and an OPT record with a cookie and RFC 8467 block padding
    /// fit in 512. A larger one is refused (`.queryTooLarge`).
    public static let queryByteCountMax = 512
    /// Smallest DNS message: the header (RFC 1035 §4.1.1).
    public static let headerByteCount = 12
    /// Largest datagram received: the UDP payload maximum (65,535 − 8 − 20).
    public static let datagramByteCountMax = 65_535
    /// Random source-port draws before a UDP send fails (a port in use is
    /// drawn again; with 64,512 ports a few draws always suffice).
    public static let randomPortAttempts: Int32 = 8
    /// Random IDs drawn when a query's ID is already in flight on its
    /// connection, before the next free ID after the last draw is taken.
    public static let idDrawsMax = 4
    /// Reads of bytes mbedTLS already decrypted, per hand-out of a TLS
    /// connection's events (each fills the read buffer or empties them).
    static let tlsReadPassesMax = 64
    /// TLS profiles: one per configured upstream (`UpstreamTable.countMax`),
    /// one for authoritative servers (RFC 9539, opportunistic), and one per
    /// strict `auth_transport` domain (`strictDomainCountMax`).
    public static let tlsProfileCountMax = 9 + strictDomainCountMax
    /// Strict `auth_transport` domains carried out (more is refused).
    public static let strictDomainCountMax = 8

    /// mbedTLS memory of one TLS connection: the SSL context, two record
    /// buffers of 16 KiB + overhead each (MBEDTLS_SSL_IN/OUT_CONTENT_LEN in
    /// Debian's 2.28 build), the handshake state and the peer's chain.
    /// Measured high water on 2.28, TLS 1.2 with a P-256 chain of one:
    /// 45,376 bytes (`transport.tls.memory_high_water`); the rest is
    /// headroom for a longer or RSA chain. mbedTLS 3.6 with TLS 1.3 (`make
    /// test-tls13`), same chain: 56,832 (the TLS 1.3 handshake state and
    /// PSA's key schedule), so a build with TLS 1.3 gets 72 KiB, the same
    /// ~16 KiB of headroom. A connection that needs more fails alone
    /// (`transport.tls.closed.no_memory`).
    public static var tlsConnectionByteCount: Int { Transport.hasTLS13 ? 73_728 : 61_440 }
    /// Saved sessions per TLS connection slot (`tlsSessionCount`).
    public static let tlsSessionsPerConnection = 4
    /// Bytes of one saved session (mbedtls_ssl_session_save: ~130 bytes of
    /// fields, the server's end-entity certificate in DER, the RFC 5077
    /// ticket). Measured on 2.28 with the tests' P-256 certificate and
    /// Unbound's (OpenSSL) ticket: 677 bytes
    /// (`transport.tls.sessions.bytes_high_water`); a public resolver's
    /// 2,048-bit RSA certificate with many names is ~1.8 KB of DER. A
    /// session that needs more is not saved
    /// (`transport.tls.sessions.too_large`): the next handshake is full.
    public static let tlsSessionByteCount = 3_072
    /// mbedTLS memory shared by all connections besides the CA bundle: the
    /// entropy context (37,960 bytes in Debian's 2.28: 20 source slots and
    /// a SHA-512 accumulator), the DRBG, two client configs, the slot table.
    public static let tlsSharedBaseByteCount = 45_056
    /// Parsed CA certificates take about this many times their PEM file
    /// bytes (mbedTLS keeps the DER, a 616-byte x509_crt and one allocation
    /// per name component): measured 1.93 on Debian 12's bundle (139
    /// certificates, 213,848 bytes of PEM → 411,888 bytes, ~2,960 each),
    /// plus room for a bundle of another mix. Pin-only configs load no CA.
    public static let tlsCAPerFileByteFactorPercent = 215
    /// The CA budget for a bundle file of `fileByteCount` bytes.
    public static func caByteCount(fileByteCount: Int) -> Int {
        fileByteCount * tlsCAPerFileByteFactorPercent / 100 + 4_096
    }

    public init() {}

    /// Bytes of the TLS shared block: the arena's region table, the base, the CA budget.
    public var tlsSharedByteCount: Int {
        guard maxTLSConnections > 0 else { return 0 }
        let raw = 64 * (maxTLSConnections + 1) + TransportLimits.tlsSharedBaseByteCount + tlsCAByteCount
        return (raw + 63) & ~63
    }

    /// Bytes of one connection's read buffer (length prefix + largest frame).
    public var readBufferByteCount: Int { 2 + responseByteCountMax }
    /// Bytes of one query cell (length prefix + largest query).
    public static let cellByteCount = 2 + queryByteCountMax
    /// Query cells in all connections.
    public var cellCount: Int { maxOutgoingTCP * queriesPerConnectionMax }

    static let queriesLabel = "outgoing query slots (max_outgoing)"
    static let connectionsLabel = "outgoing tcp connections (read buffers)"
    static let cellsLabel = "outgoing tcp query cells (pipelining)"
    static let responseLabel = "outgoing response buffer, ready batch"
    static let tlsSharedLabel = "tls shared mbedTLS memory (configs, RNG, CA bundle)"
    static let tlsConnectionsLabel = "tls connections mbedTLS memory (max_tls_connections)"
    static let tlsSessionsLabel = "tls saved sessions (resumption, 4 per tls connection)"

    /// The plan's rows: what `Transport.init` carves, in order.
    public var footprint: [Arena.Row] {
        [Arena.Row(TransportLimits.queriesLabel, count: maxOutgoing,
                   byteCount: SlotPool<OutgoingQuery>.byteCount(capacity: maxOutgoing)),
         Arena.Row(TransportLimits.connectionsLabel, count: maxOutgoingTCP,
                   byteCount: Arena.carvingByteCount(of: TCPConnection.self, count: maxOutgoingTCP)
                       + Arena.carvingByteCount(maxOutgoingTCP * readBufferByteCount)
                       + 2 * TimerHeap.byteCount(capacity: maxOutgoingTCP)
                       + Arena.carvingByteCount(of: Int32.self, count: maxOutgoingTCP)),
         Arena.Row(TransportLimits.cellsLabel, count: cellCount,
                   byteCount: Arena.carvingByteCount(of: QueryCell.self, count: cellCount)
                       + Arena.carvingByteCount(cellCount * TransportLimits.cellByteCount)),
         Arena.Row(TransportLimits.responseLabel, count: 1,
                   byteCount: Arena.carvingByteCount(TransportLimits.datagramByteCountMax)
                       + Arena.carvingByteCount(of: EpollEvent.self, count: Epoll.batchCapacity))]
            + tlsFootprint
    }

    /// The TLS rows (none without TLS connections).
    var tlsFootprint: [Arena.Row] {
        guard maxTLSConnections > 0 else { return [] }
        return [Arena.Row(TransportLimits.tlsSharedLabel, count: 1, byteCount: Arena.carvingByteCount(tlsSharedByteCount)),
                Arena.Row(TransportLimits.tlsConnectionsLabel, count: maxTLSConnections,
                          byteCount: Arena.carvingByteCount(maxTLSConnections * TransportLimits.tlsConnectionByteCount)
                              + Arena.carvingByteCount(of: Int32.self, count: maxTLSConnections)),
                Arena.Row(TransportLimits.tlsSessionsLabel, count: tlsSessionCount,
                          byteCount: Arena.carvingByteCount(of: TLSSessionEntry.self, count: tlsSessionCount)
                              + Arena.carvingByteCount(tlsSessionCount * TransportLimits.tlsSessionByteCount)
                              + Arena.carvingByteCount(of: TLSSessionOffer.self, count: maxTLSConnections))]
    }

    /// Bytes `footprint` adds up to.
    public var byteCount: Int { Arena.byteCount(of: footprint) }

    /// Limits the pools can be built with (positive counts, a read buffer
    /// that holds at least a header).
    var isValid: Bool {
        maxOutgoing > 0 && maxOutgoingTCP > 0 && queriesPerConnectionMax > 0
            && queriesPerConnectionMax <= Int(UInt16.max) && idleTimeoutMs > 0
            && responseByteCountMax >= TransportLimits.headerByteCount && responseByteCountMax <= 65_535
            && maxTLSConnections >= 0 && maxTLSConnections <= maxOutgoingTCP && tlsCAByteCount >= 0
            && tlsHandshakeTimeoutMs > 0 && tlsAnswerTimeoutMs > 0 && tlsSessionLifetimeMs > 0
    }
}
