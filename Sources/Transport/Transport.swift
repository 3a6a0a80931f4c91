// Transport: outgoing DNS queries over UDP and TCP, in fixed pools.
//
// Owns: the sockets that carry queries to servers and what comes back.
// UDP: one fresh socket per query on a random source port, connected to
// the server so the kernel drops datagrams from anyone else (RFC 5452 §9.2:
// port randomisation against spoofing). TCP (RFC 7766): one connection per
// server address, reused by every query to it (§6.2.1, §6.2.2), queries
// pipelined (§6.2.1.1), answers matched out of order by ID and question
// (§7), idle connections closed (§6.2.3), a fixed pool of connections with
// bounded buffers, and a defined refusal with a counter when it is full.
// Its own epoll instance: the caller's loop watches `fd` and calls `poll`.
//
// Never: chooses servers, retries, times queries out (the caller cancels),
// parses DNS beyond the header ID and the question (to match TCP answers),
// reads config or a clock (time is the `nowMs` parameter), or allocates
// after init. It does not import the Resolver: it speaks addresses, an
// opaque tag per query and bytes.
//
// Contract: every successful `send` is ended by exactly one `cancel` of its
// handle, answered or not; events for a tag may come until then and never
// after. A `.failure` means the query will get no answer on that socket.
//
// Worked example (a truncated answer retried over TCP):
//   let h = try transport.send(tag: 7, to: server, over: .tcp, query, nowMs: t)
//   loop: epoll says transport.fd is readable → transport.poll()
//   while let e = transport.nextEvent(nowMs: t2) { e == .response(tag: 7, bytes) → the core }
//   transport.cancel(h, nowMs: t3)   // the connection stays open for the next query
import Fixed
import Platform

/// How a query travels.
public enum TransportProtocol: Equatable, Sendable {
    case udp
    case tcp
    /// DNS over TLS (RFC 7858) with the peer checked as the profile says
    /// (`registerTLSProfile`); never falls back to plain DNS.
    case tls(TLSProfile)
    /// DNS over TLS whose certificate must chain to the CA bundle and match
    /// this name (a profile of `registerPeerNamedTLSProfile`), sent as SNI.
    case tlsNamed(TLSProfile, TLSPeerName)
    /// DNS over TLS authenticated by DANE alone (a secure TLSA's records);
    /// the name goes out as SNI and is matched for DANE-TA.
    case tlsDANE(TLSProfile, TLSPeerName, TLSDANE)
}

/// One query sent: what `cancel` takes.
public struct TransportHandle: Equatable, Sendable {
    let index: Int32
    let generation: UInt32
}

/// Why a send was refused at once (nothing was sent; the caller tries
/// elsewhere). Each is counted in `TransportStats`.
public enum SendRefusal: Error, Equatable, Sendable {
    /// Every query slot is busy: the caller sends more than `maxOutgoing`.
    case noQuerySlot
    /// Shorter than a DNS header, or a TCP query over `queryByteCountMax`.
    case queryTooLarge
    /// socket, bind, connect or the first write failed.
    case noSocket
    /// No free TCP connection slot, and none idle to close for room.
    case connectionPoolFull
    /// The server's connection already carries `queriesPerConnectionMax`.
    case pipelineFull
    /// TLS asked for, and every TLS slot is busy (or none was reserved,
    /// or the profile is unknown): nothing is sent in plain instead.
    case noTLSSlot
}

/// Why a sent query will get no answer.
public enum TransportFailure: Hashable, Sendable {
    /// ICMP port unreachable (UDP), or the server refused the connection.
    case refused
    /// The connection could not be set up otherwise (no route, timeout).
    case unreachable
    /// The connection was reset, or broke while a query was written.
    case reset
    /// The server closed the connection before this query's answer.
    case closedMidAnswer
    /// A TCP frame longer than `responseByteCountMax`.
    case oversizeFrame
    /// A TCP frame shorter than a DNS header.
    case malformedFrame
    /// Any other socket error.
    case socketError
    /// TLS: the certificate did not verify against the CA bundle and the
    /// name (RFC 8310 §8.1), including dates.
    case tlsCertificate
    /// TLS: the certificate's SPKI is not the pinned one (RFC 7858 §4.2).
    case tlsPinMismatch
    /// TLS: the certificate matches no record of the server's secure TLSA
    /// (DANE, RFC 7671; TLSPeerName.swift).
    case tlsDANEMismatch
    /// TLS: the handshake failed otherwise (an alert, no common version or
    /// cipher suite, the peer closed).
    case tlsHandshake
    /// TLS: the peer settled on TLS 1.2 where the profile requires TLS 1.3
    /// (strict on a build whose mbedTLS has TLS 1.3; seed 004 requirement 11).
    case tlsVersion
    /// TLS: connect and handshake took longer than `tlsHandshakeTimeoutMs`.
    case tlsHandshakeTimeout
    /// TLS: a bad record after the handshake (garbage, a record larger
    /// than the buffer, a failed MAC).
    case tlsProtocol
    /// TLS: the connection's mbedTLS memory ran out.
    case tlsNoMemory
    /// TLS: queries waited `tlsAnswerTimeoutMs` without a byte from the
    /// server: the connection is given up, so the next query opens a new one.
    case tlsAnswerTimeout
}

/// What happened to a query. The bytes of a response stay valid until the
/// next `poll` or `nextEvent`; `send` and `cancel` never touch them.
public enum TransportEvent {
    case response(tag: UInt64, UnsafeRawBufferPointer)
    case failure(tag: UInt64, TransportFailure)
    /// The handshake of a `probeTLS` connection ended (RFC 9539 probing):
    /// its tag, the server, and whether it succeeded.
    case tlsProbe(tag: UInt64, server: Address, succeeded: Bool)
}

/// How a connection ended (each way has its own counter).
enum ConnectionEnd: Equatable {
    case idle, forRoom, byServer
    case failed(TransportFailure)
}

/// One query in flight and what carries it.
struct OutgoingQuery {
    enum Carrier: Equatable {
        case none
        case udp(fd: Int32)
        case tcp(connection: Int32, cell: Int32)
        /// Answered or failed on TCP: nothing more will come; waits for cancel.
        case done
    }
    var tag: UInt64 = 0
    var generation: UInt32 = 0
    var carrier = Carrier.none
}

/// A readiness token of Transport's own epoll: which socket, of which
/// generation, so an event for a socket closed in the same batch is ignored.
struct SocketToken: Equatable {
    var isTCP: Bool
    var index: Int
    var generation: UInt32

    var raw: UInt64 {
        (isTCP ? 1 << 63 : 0) | UInt64(generation & 0x7FFF_FFFF) << 32 | UInt64(UInt32(index))
    }

    init(isTCP: Bool, index: Int, generation: UInt32) {
        self.isTCP = isTCP
        self.index = index
        self.generation = generation & 0x7FFF_FFFF
    }

    init(raw: UInt64) {
        isTCP = raw >> 63 == 1
        generation = UInt32((raw >> 32) & 0x7FFF_FFFF)
        index = Int(UInt32(truncatingIfNeeded: raw))
    }
}

public final class Transport {
    public let limits: TransportLimits
    public internal(set) var stats = TransportStats()
    let epoll: Epoll
    var queries: SlotPool<OutgoingQuery>
    let connections: UnsafeMutablePointer<TCPConnection>
    let cells: UnsafeMutablePointer<QueryCell>
    let readBytes: UnsafeMutableRawBufferPointer
    let cellBytes: UnsafeMutableRawBufferPointer
    /// Where every response is handed out from (one at a time).
    let responseBuffer: UnsafeMutableRawBufferPointer
    var idleTimers: TimerHeap
    /// Connections with failures to hand out, found outside `poll`
    /// (a write that broke in `send`): each at most once.
    let attention: UnsafeMutablePointer<Int32>
    var attentionCount = 0
    /// The kernel's readiness list from the last `poll`, and the next to handle.
    let batch: UnsafeMutableBufferPointer<EpollEvent>
    var batchCount = 0
    var batchNext = 0
    /// The connection whose frames or failures `nextEvent` is handing out.
    var current: (connection: Int, generation: UInt32)?
    public private(set) var connectionsInUse = 0
    public private(set) var connectionsHighWater = 0
    /// TLS deadlines, by connection: connect + handshake, then, while
    /// queries wait, the next byte from the server (`tlsAnswerTimeoutMs`).
    var tlsDeadlines: TimerHeap
    /// The `nowMs` of the latest call that gave one (for deadlines armed
    /// deep in the read path; Transport still reads no clock).
    var lastNowMs: Int64 = 0
    /// Which connection holds each TLS slot (-1: free); nil without TLS.
    let tlsSlotOwners: UnsafeMutablePointer<Int32>?
    /// The blocks mbedTLS allocates from (CMbedTLS arena); empty without TLS.
    let tlsShared: UnsafeMutableRawBufferPointer
    let tlsConnections: UnsafeMutableRawBufferPointer
    /// The peer checks TLS connections use (`registerTLSProfile`).
    var tlsProfiles: [TLSProfileEntry] = []
    public internal(set) var tlsIsStarted = false
    /// Most mbedTLS memory one connection has used (bytes).
    var tlsMemoryHighWater = 0
    /// Saved sessions to resume, one per server and profile (TLSSessions.swift).
    var tlsSessions: TLSSessionTable
    /// Most TLS slots held at once.
    var tlsSlotsHighWater = 0
    /// Largest session saved (bytes), against `tlsSessionByteCount`.
    var tlsSessionBytesHighWater = 0

    /// Keeps every carving above alive as long as the transport.
    let arena: Arena

    /// Carves every pool from `arena`, in the order of `limits.footprint`.
    /// Traps on limits no pool can be built with (a programmer error: the
    /// Server derives them from checked config).
    public init(limits: TransportLimits, arena: Arena) throws(Errno) {
        precondition(limits.isValid, "transport limits out of range")
        self.limits = limits
        self.arena = arena
        epoll = try Epoll()
        queries = SlotPool(capacity: limits.maxOutgoing, initial: OutgoingQuery(), arena: arena,
                           label: TransportLimits.queriesLabel)
        let connectionsLabel = TransportLimits.connectionsLabel
        connections = arena.reserve(TCPConnection.self, count: limits.maxOutgoingTCP, label: connectionsLabel).baseAddress!
        connections.initialize(repeating: TCPConnection(), count: limits.maxOutgoingTCP)
        readBytes = arena.reserveBytes(limits.maxOutgoingTCP * limits.readBufferByteCount, label: connectionsLabel,
                                       count: limits.maxOutgoingTCP)
        idleTimers = TimerHeap(capacity: limits.maxOutgoingTCP, arena: arena, label: connectionsLabel)
        tlsDeadlines = TimerHeap(capacity: limits.maxOutgoingTCP, arena: arena, label: connectionsLabel)
        attention = arena.reserve(Int32.self, count: limits.maxOutgoingTCP, label: connectionsLabel).baseAddress!
        attention.initialize(repeating: -1, count: limits.maxOutgoingTCP)
        cells = arena.reserve(QueryCell.self, count: limits.cellCount, label: TransportLimits.cellsLabel).baseAddress!
        cells.initialize(repeating: QueryCell(), count: limits.cellCount)
        cellBytes = arena.reserveBytes(limits.cellCount * TransportLimits.cellByteCount, label: TransportLimits.cellsLabel,
                                       count: limits.cellCount)
        responseBuffer = arena.reserveBytes(TransportLimits.datagramByteCountMax, label: TransportLimits.responseLabel)
        // Filled by the kernel before each read.
        batch = arena.reserve(EpollEvent.self, count: Epoll.batchCapacity, label: TransportLimits.responseLabel, rowCount: 1)
        (tlsShared, tlsConnections, tlsSlotOwners) = Transport.carveTLS(limits, arena: arena)
        tlsSessions = TLSSessionTable(limits, arena: arena)
    }

    deinit {
        for i in 0..<limits.maxOutgoing where queries.isInUse(i) {
            if case .udp(let fd) = queries[i].carrier { Socket.close(fd) }
        }
        for i in 0..<limits.maxOutgoingTCP where connections[i].fd >= 0 { closeSocket(i) }
    }

    /// The descriptor the caller's event loop watches (readable: call `poll`).
    public var fd: Int32 { epoll.fd }

    /// Queries in flight (sent, not yet cancelled).
    public var queriesInFlight: Int { queries.usedCount }

    // MARK: sending and cancelling

    /// Sends `query` to `server` and returns the handle `cancel` takes.
    /// Events for this query carry `tag`. Refusals are counted.
    public func send(tag: UInt64, to server: Address, over transport: TransportProtocol,
                     _ query: UnsafeRawBufferPointer, nowMs: Int64) throws(SendRefusal) -> TransportHandle {
        do throws(SendRefusal) {
            guard query.count >= TransportLimits.headerByteCount else { throw .queryTooLarge }
            lastNowMs = nowMs
            guard let index = queries.acquire() else { throw .noQuerySlot }
            let slot = queries.pointer(index)
            slot.pointee.tag = tag
            slot.pointee.carrier = .none
            do throws(SendRefusal) {
                switch transport {
                case .udp: slot.pointee.carrier = .udp(fd: try openUDP(index, to: server, query))
                case .tcp: try queueTCP(index, to: server, tlsProfile: -1, query, nowMs: nowMs)
                case .tls(let profile): try queueTCP(index, to: server, tlsProfile: profile.index, query, nowMs: nowMs)
                case .tlsNamed(let profile, let name):
                    try queueTCP(index, to: server, tlsProfile: profile.index, peerName: name, query, nowMs: nowMs)
                case .tlsDANE(let profile, let name, let dane):
                    try queueTCP(index, to: server, tlsProfile: profile.index, peerName: name, dane: dane, query, nowMs: nowMs)
                }
            } catch {
                slot.pointee.generation &+= 1
                queries.release(index)
                throw error
            }
            return TransportHandle(index: Int32(index), generation: slot.pointee.generation)
        } catch {
            stats.countRefusal(error)
            throw error
        }
    }

    /// Ends a query: closes its UDP socket, or takes it off its connection
    /// (which stays open for others). No event for its tag comes after.
    /// A handle already cancelled is ignored.
    public func cancel(_ handle: TransportHandle, nowMs: Int64) {
        let index = Int(handle.index)
        guard queries.isInUse(index), queries[index].generation == handle.generation else { return }
        let slot = queries.pointer(index)
        switch slot.pointee.carrier {
        case .udp(let fd):
            epoll.remove(fd)
            Socket.close(fd)
        case .tcp(let connection, let cell):
            detachCell(Int(cell), of: Int(connection), nowMs: nowMs)
        case .none, .done:
            break
        }
        slot.pointee.carrier = .none
        slot.pointee.generation &+= 1
        queries.release(index)
    }

    // MARK: events

    /// Takes the kernel's list of ready sockets; `nextEvent` handles them.
    public func poll() {
        batchNext = 0
        batchCount = (try? epoll.wait(into: batch, timeoutMs: 0)) ?? 0
    }

    /// The next response or failure, or nil when everything `poll` found
    /// (and every failure found in `send`) has been handed out. Reads each
    /// ready socket once; level-triggered readiness brings the rest back.
    public func nextEvent(nowMs: Int64) -> TransportEvent? {
        lastNowMs = nowMs
        while true {
            if let c = current {
                if connections[c.connection].generation == c.generation,
                   let event = nextConnectionEvent(c.connection, nowMs: nowMs) { return event }
                current = nil
            }
            if attentionCount > 0 {
                attentionCount -= 1
                let connection = Int(attention[attentionCount])
                connections[connection].inAttention = false
                current = (connection, connections[connection].generation)
                continue
            }
            guard batchNext < batchCount else { return nil }
            let ready = batch[batchNext]
            batchNext += 1
            let token = SocketToken(raw: ready.token)
            let readiness = Readiness(rawValue: ready.events)
            if token.isTCP {
                if tcpReady(token, readiness, nowMs: nowMs) { current = (token.index, connections[token.index].generation) }
            } else if let event = udpReady(token) {
                return event
            }
        }
    }

    /// Closes connections idle for `idleTimeoutMs` (RFC 7766 §6.2.3).
    public func expire(nowMs: Int64) {
        while let connection = idleTimers.popExpired(nowMs: nowMs) {
            guard connections[connection].isIdle else { continue }
            // A connect that never finished while its queries timed out.
            close(connection, connections[connection].state == .connecting ? .failed(.unreachable) : .idle)
        }
        expireHandshakes(nowMs: nowMs)
    }

    /// The next idle-close or handshake deadline, for the caller's epoll timeout.
    public var nextDeadlineMs: Int64? {
        guard let h = tlsDeadlines.nextDeadlineMs else { return idleTimers.nextDeadlineMs }
        guard let i = idleTimers.nextDeadlineMs else { return h }
        return min(h, i)
    }

    /// TCP connections to `server` open or opening (tests and stats).
    public func connectionCount(to server: Address) -> Int {
        var n = 0
        for i in 0..<limits.maxOutgoingTCP where connections[i].isUsable && connections[i].server == server { n += 1 }
        return n
    }

    func noteConnectionAcquired() {
        connectionsInUse += 1
        if connectionsInUse > connectionsHighWater { connectionsHighWater = connectionsInUse }
    }

    func noteConnectionReleased() { connectionsInUse -= 1 }
}
