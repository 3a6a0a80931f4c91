import Config
import DNSWire
import Fixed
import Platform
import Transport

/// The server's pool sizes and bounds, set from the config: what each pool
/// costs is its row in `MemoryPlan` (MemoryPlan.swift), where every pool of
/// the daemon is listed. After start-up nothing on a query path allocates:
/// a full pool gives a defined answer and a counter.
public struct ServerLimits {
    /// Client requests in flight (config `max_clients`).
    public var maxClients = 256
    /// Concurrent TCP client connections (config `max_tcp_clients`).
    public var maxTCPClients = 64
    /// Idle TCP client connections close after this (config `tcp_idle_timeout_ms`).
    public var tcpIdleTimeoutMs: Int64 = 10_000
    /// Outgoing queries in flight (config `max_outgoing`).
    public var maxOutgoing = 512
    /// Outgoing TCP connections (TC retries, `transport 'tcp'` upstreams,
    /// later DoT), one per server at a time (RFC 7766 §6.2.2): each holds a
    /// full 64 KiB response buffer, so few are kept. Reused, pipelined and
    /// idle-closed by Transport (its limits: `TransportLimits`). Config
    /// `max_outgoing_tcp` (set by `memory`).
    public var maxOutgoingTCP = 8
    /// Bytes of the buffer hosts and lease files are read into, one file at
    /// a time (LocalFiles): 0 when none is configured. A larger file is
    /// refused with a log line, never half read.
    public var localFileByteCountMax = 0

    /// Bytes per configured name (`local_names_max`) in the file buffer: a
    /// dnsmasq lease line is ~80 bytes, a hosts line ~40.
    public static let localFileByteCountPerName = 128

    /// DNS-over-TLS connections (config `max_tls_connections`, at most
    /// `maxOutgoingTCP`): 0 unless some upstream uses transport 'tls', so a
    /// config without TLS reserves no mbedTLS memory.
    public var maxTLSConnections = 0
    /// mbedTLS memory for the CA bundle: from the bundle's size when some
    /// TLS upstream checks a `tls_name`; 0 otherwise.
    public var tlsCAByteCount = 0

    /// Largest query a client may send; real queries are < 300 bytes, and a
    /// bound keeps per-connection buffers small.
    public static let clientQueryByteCountMax = 1_232
    /// UDP datagrams read per listener per wake-up, so one busy socket
    /// cannot starve the others.
    public static let datagramsPerWakeMax = 64
    /// Datagrams taken per recvmmsg and answers sent per sendmmsg: under
    /// load one system call carries many packets (NSD and Knot do the same).
    public static let udpBatchCount = 32
    /// Largest UDP answer queued for a batched send (EDNS payload cap,
    /// DNS flag day 2020); a larger one is sent on its own.
    public static let udpBatchAnswerByteCountMax = 1_232
    /// Bytes of pending responses per TCP client (pipelining); a client that
    /// lets more pile up is too slow and is disconnected.
    public static let tcpWriteBufferByteCount = 16_384
    /// Largest DNS message (RFC 1035 §4.2.2 TCP length prefix).
    public static let messageByteCountMax = 65_535
    /// Listening addresses (config `list listen`).
    public static let listenerCountMax = 16
    /// TCP accept backlog per listener.
    public static let tcpBacklog: Int32 = 64
    /// Longest the loop sleeps without a timer, so clock-driven work
    /// (stats, reload checks) still runs on an idle router.
    public static let idleWaitMsMax: Int64 = 1_000

    public init() {}

    /// The pool sizes the config sets; the rest are the bounds above.
    public init(config: SprigConfig) {
        maxClients = config.maxClients
        maxTCPClients = config.maxTCPClients
        tcpIdleTimeoutMs = Int64(config.tcpIdleTimeoutMs)
        maxOutgoing = config.maxOutgoing
        maxOutgoingTCP = config.maxOutgoingTCP
        if !config.hostsFiles.isEmpty || !config.leaseFiles.isEmpty {
            localFileByteCountMax = config.localNamesMax * ServerLimits.localFileByteCountPerName
        }
        let tls = config.upstreams.filter { $0.transport == .tls }
        if !tls.isEmpty || UpstreamTLS.authOpportunistic(config) {
            maxTLSConnections = min(config.maxTLSConnections, maxOutgoingTCP)
            if tls.contains(where: { $0.tlsName != nil }) {
                let size = File.byteCount(UpstreamTLS.caFilePath(config)) ?? 0
                tlsCAByteCount = TransportLimits.caByteCount(fileByteCount: size)
            }
        }
    }

    /// Transport's pools: one query slot per outgoing query of the core,
    /// `maxOutgoingTCP` connections; the rest are Transport's defaults.
    public var transport: TransportLimits {
        var t = TransportLimits()
        t.maxOutgoing = maxOutgoing
        t.maxOutgoingTCP = maxOutgoingTCP
        t.maxTLSConnections = maxTLSConnections
        t.tlsCAByteCount = tlsCAByteCount
        return t
    }
}
