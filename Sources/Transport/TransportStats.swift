/// Counters Transport keeps; `sprig stats` prints them under `transport.`.
/// Every way a TCP connection ends has its own counter, and so has every
/// refused send.
public struct TransportStats: Equatable, Sendable {
    public var udpQueries = 0
    public var tcpQueries = 0
    /// TCP queries sent on a connection that was already open or opening
    /// (RFC 7766 §6.2.1 reuse): `tcpQueries − tcpReused` connections were opened.
    public var tcpReused = 0
    public var tcpOpened = 0
    /// IDs rewritten on the wire because the query's ID was in flight on
    /// the same connection already (restored in the answer).
    public var tcpIDsRewritten = 0
    /// TCP answers that matched no query in flight (a cancelled query's
    /// late answer, or a wrong ID or question): dropped.
    public var tcpUnmatchedAnswers = 0
    /// TLS connections opened, handshakes finished (and the version), TLS
    /// queries sent on a connection already open or opening.
    public var tlsOpened = 0
    public var tlsHandshakes = 0
    public var tlsVersion12 = 0
    public var tlsVersion13 = 0
    public var tlsReused = 0
    /// TLS connections opened by `probeTLS` (RFC 9539).
    public var tlsProbes = 0
    /// TLS session resumption (TLSSessions.swift): sessions offered on a
    /// new connection, handshakes the server resumed, offers it declined
    /// (a full handshake instead), sessions saved, sessions too large for
    /// an entry, saved ones too old or from an untrusted-clock time,
    /// unloadable ones, and ones dropped after a handshake that failed.
    public var tlsSessionsOffered = 0
    public var tlsResumed = 0
    public var tlsResumptionsDeclined = 0
    public var tlsSessionsSaved = 0
    public var tlsSessionsTooLarge = 0
    public var tlsSessionsExpired = 0
    public var tlsSessionsUnloadable = 0
    public var tlsSessionsDroppedAfterFailure = 0
    /// Connections whose mbedTLS region was not empty after mbedTLS freed
    /// everything (a library leak; the region is reset anyway).
    public var tlsMemoryLeftAtClose = 0

    // Refused sends.
    public var refusedNoQuerySlot = 0
    public var refusedQueryTooLarge = 0
    public var refusedNoSocket = 0
    public var refusedConnectionPoolFull = 0
    public var refusedPipelineFull = 0
    public var refusedNoTLSSlot = 0

    // How connections ended.
    public var closedIdle = 0
    public var closedForRoom = 0
    public var closedByServer = 0
    public var closedMidAnswer = 0
    public var closedReset = 0
    public var closedRefused = 0
    public var closedUnreachable = 0
    public var closedOversizeFrame = 0
    public var closedMalformedFrame = 0
    public var closedSocketError = 0
    public var closedTLSCertificate = 0
    public var closedTLSPinMismatch = 0
    public var closedTLSDANEMismatch = 0
    public var closedTLSVersion = 0
    public var closedTLSHandshake = 0
    public var closedTLSHandshakeTimeout = 0
    public var closedTLSProtocol = 0
    public var closedTLSNoMemory = 0
    public var closedTLSAnswerTimeout = 0

    public init() {}

    /// Connections that ended, all ways together.
    public var tcpClosed: Int {
        closedIdle + closedForRoom + closedByServer + closedMidAnswer + closedReset + closedRefused
            + closedUnreachable + closedOversizeFrame + closedMalformedFrame + closedSocketError
            + closedTLSCertificate + closedTLSPinMismatch + closedTLSDANEMismatch + closedTLSVersion + closedTLSHandshake + closedTLSHandshakeTimeout
            + closedTLSProtocol + closedTLSNoMemory + closedTLSAnswerTimeout
    }

    mutating func countEnd(_ end: ConnectionEnd) {
        switch end {
        case .idle: closedIdle += 1
        case .forRoom: closedForRoom += 1
        case .byServer: closedByServer += 1
        case .failed(let why):
            switch why {
            case .closedMidAnswer: closedMidAnswer += 1
            case .reset: closedReset += 1
            case .refused: closedRefused += 1
            case .unreachable: closedUnreachable += 1
            case .oversizeFrame: closedOversizeFrame += 1
            case .malformedFrame: closedMalformedFrame += 1
            case .socketError: closedSocketError += 1
            case .tlsCertificate: closedTLSCertificate += 1
            case .tlsPinMismatch: closedTLSPinMismatch += 1
            case .tlsDANEMismatch: closedTLSDANEMismatch += 1
            case .tlsVersion: closedTLSVersion += 1
            case .tlsHandshake: closedTLSHandshake += 1
            case .tlsHandshakeTimeout: closedTLSHandshakeTimeout += 1
            case .tlsProtocol: closedTLSProtocol += 1
            case .tlsNoMemory: closedTLSNoMemory += 1
            case .tlsAnswerTimeout: closedTLSAnswerTimeout += 1
            }
        }
    }

    mutating func countRefusal(_ why: SendRefusal) {
        switch why {
        case .noQuerySlot: refusedNoQuerySlot += 1
        case .queryTooLarge: refusedQueryTooLarge += 1
        case .noSocket: refusedNoSocket += 1
        case .connectionPoolFull: refusedConnectionPoolFull += 1
        case .pipelineFull: refusedPipelineFull += 1
        case .noTLSSlot: refusedNoTLSSlot += 1
        }
    }

    public var lines: [(String, Int)] {
        [("transport.udp.queries", udpQueries), ("transport.tcp.queries", tcpQueries),
         ("transport.tcp.reused", tcpReused), ("transport.tcp.opened", tcpOpened),
         ("transport.tcp.ids_rewritten", tcpIDsRewritten), ("transport.tcp.unmatched_answers", tcpUnmatchedAnswers),
         ("transport.refused.no_query_slot", refusedNoQuerySlot),
         ("transport.refused.query_too_large", refusedQueryTooLarge),
         ("transport.refused.no_socket", refusedNoSocket),
         ("transport.refused.tcp_pool_full", refusedConnectionPoolFull),
         ("transport.refused.tcp_pipeline_full", refusedPipelineFull),
         ("transport.tcp.closed.idle", closedIdle), ("transport.tcp.closed.for_room", closedForRoom),
         ("transport.tcp.closed.by_server", closedByServer), ("transport.tcp.closed.mid_answer", closedMidAnswer),
         ("transport.tcp.closed.reset", closedReset), ("transport.tcp.closed.refused", closedRefused),
         ("transport.tcp.closed.unreachable", closedUnreachable),
         ("transport.tcp.closed.oversize_frame", closedOversizeFrame),
         ("transport.tcp.closed.malformed_frame", closedMalformedFrame),
         ("transport.tcp.closed.socket_error", closedSocketError),
         ("transport.refused.no_tls_slot", refusedNoTLSSlot),
         ("transport.tls.opened", tlsOpened), ("transport.tls.handshakes", tlsHandshakes),
         ("transport.tls.version12", tlsVersion12), ("transport.tls.version13", tlsVersion13),
         ("transport.tls.reused", tlsReused), ("transport.tls.probes", tlsProbes), ("transport.tls.memory_left_at_close", tlsMemoryLeftAtClose),
         ("transport.tls.sessions.offered", tlsSessionsOffered), ("transport.tls.resumed", tlsResumed),
         ("transport.tls.resumptions_declined", tlsResumptionsDeclined),
         ("transport.tls.sessions.saved", tlsSessionsSaved), ("transport.tls.sessions.too_large", tlsSessionsTooLarge),
         ("transport.tls.sessions.expired", tlsSessionsExpired),
         ("transport.tls.sessions.unloadable", tlsSessionsUnloadable),
         ("transport.tls.sessions.dropped_after_failure", tlsSessionsDroppedAfterFailure),
         ("transport.tls.closed.certificate", closedTLSCertificate),
         ("transport.tls.closed.pin_mismatch", closedTLSPinMismatch),
         ("transport.tls.closed.dane_mismatch", closedTLSDANEMismatch),
         ("transport.tls.closed.version_below_1_3", closedTLSVersion),
         ("transport.tls.closed.handshake", closedTLSHandshake),
         ("transport.tls.closed.handshake_timeout", closedTLSHandshakeTimeout),
         ("transport.tls.closed.protocol", closedTLSProtocol),
         ("transport.tls.closed.no_memory", closedTLSNoMemory),
         ("transport.tls.closed.answer_timeout", closedTLSAnswerTimeout)]
    }
}

/// One counter per way a connection ends (`ConnectionEnd`), for a TLS
/// profile's lines (`upstream.N.tls.closed.<way>`); the names are those of
/// `transport.tcp.closed.*` and `transport.tls.closed.*`.
public struct ConnectionEndCounts: Equatable, Sendable {
    var counts = InlineArray<19, Int>(repeating: 0)

    static let names: [String] = ["idle", "for_room", "by_server", "mid_answer", "reset", "refused", "unreachable",
                                  "oversize_frame", "malformed_frame", "socket_error", "certificate", "pin_mismatch",
                                  "handshake", "handshake_timeout", "protocol", "no_memory", "answer_timeout",
                                  "dane_mismatch", "version_below_1_3"]

    public init() {}

    static func index(_ end: ConnectionEnd) -> Int {
        switch end {
        case .idle: return 0
        case .forRoom: return 1
        case .byServer: return 2
        case .failed(let why):
            switch why {
            case .closedMidAnswer: return 3
            case .reset: return 4
            case .refused: return 5
            case .unreachable: return 6
            case .oversizeFrame: return 7
            case .malformedFrame: return 8
            case .socketError: return 9
            case .tlsCertificate: return 10
            case .tlsPinMismatch: return 11
            case .tlsHandshake: return 12
            case .tlsHandshakeTimeout: return 13
            case .tlsProtocol: return 14
            case .tlsNoMemory: return 15
            case .tlsAnswerTimeout: return 16
            case .tlsDANEMismatch: return 17
            case .tlsVersion: return 18
            }
        }
    }

    mutating func count(_ end: ConnectionEnd) { counts[ConnectionEndCounts.index(end)] += 1 }

    func lines(prefix: String) -> [(String, Int)] {
        var out: [(String, Int)] = []
        for i in 0..<ConnectionEndCounts.names.count { out.append((prefix + ConnectionEndCounts.names[i], counts[i])) }
        return out
    }

    public static func == (a: ConnectionEndCounts, b: ConnectionEndCounts) -> Bool {
        for i in 0..<ConnectionEndCounts.names.count where a.counts[i] != b.counts[i] { return false }
        return true
    }
}
