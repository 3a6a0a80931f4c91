/// Counters the server keeps; `sprig stats` and SIGUSR1 print them.
public struct ServerStats {
    public var udpQueries = 0
    public var tcpQueries = 0
    public var refusedByACL = 0
    /// Requests dropped or answered SERVFAIL because a pool was full.
    public var droppedNoClientSlot = 0
    /// Answered from the cache (or locally) while every client slot was
    /// waiting on the network: the spare slot (`ServerSockets.acquireClient`).
    public var answeredWithoutSlot = 0
    public var droppedTCPFull = 0
    /// Idle TCP connections closed to take a new one (RFC 7766 §6.2.3).
    public var tcpClosedForRoom = 0
    public var droppedOversize = 0
    public var droppedTruncated = 0
    public var tcpSlowClientsClosed = 0
    public var tcpIdleClosed = 0
    public var sendErrors = 0
    public var reloads = 0
    public var reloadsRejected = 0

    public init() {}

    public var lines: [(String, Int)] {
        [("queries.udp", udpQueries), ("queries.tcp", tcpQueries),
         ("refused.acl", refusedByACL),
         ("drop.no_client_slot", droppedNoClientSlot), ("answers.without_client_slot", answeredWithoutSlot),
         ("drop.tcp_full", droppedTCPFull), ("tcp.closed_for_room", tcpClosedForRoom),
         ("drop.oversize", droppedOversize), ("drop.truncated_datagram", droppedTruncated),
         ("tcp.slow_client_closed", tcpSlowClientsClosed), ("tcp.idle_closed", tcpIdleClosed),
         ("send.errors", sendErrors),
         ("config.reloads", reloads), ("config.reloads_rejected", reloadsRejected)]
    }
}
