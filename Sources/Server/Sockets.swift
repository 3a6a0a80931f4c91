import Fixed
import Platform
import Resolver
import Transport

/// Where a client request came from and where its answer goes.
struct ClientSlot {
    var overTCP = false
    var listener: Int32 = -1          // UDP listener index
    var address = Address()           // UDP peer
    var local = Address()             // UDP: the address it asked (wildcard listeners), the answer's source
    var connection: Int32 = -1        // TCP connection index
    var generation: UInt32 = 0        // of that TCP connection
}

/// A TCP client connection with fixed read and write buffers.
struct TCPClient {
    var fd: Int32 = -1
    var generation: UInt32 = 0
    var readCount = 0                 // bytes buffered, incl. length prefixes
    var writeStart = 0                // pending response bytes [start, end)
    var writeEnd = 0
    var pendingQueries = 0            // handed to the resolver, not yet answered
    var wantsWrite = false
    var lastActiveMs: Int64 = 0       // accepted, or last read a query
    var peer = Address()              // the client (its server cookie is bound to it)

    /// Nothing in flight either way: closing it loses no query or answer.
    var isIdle: Bool { pendingQueries == 0 && readCount == 0 && writeEnd == writeStart }
}

/// Every socket and buffer of the daemon, reserved at start-up. Carries out
/// the resolver's actions (`ResolverActions.swift`): client sockets here,
/// outgoing queries through `Transport`.
final class ServerSockets {
    let limits: ServerLimits
    let epoll: Epoll
    var stats = ServerStats()
    var acl: AccessList

    var udpListeners: [Int32] = []    // fixed after start-up
    var tcpListeners: [Int32] = []
    var clients: SlotPool<ClientSlot>
    var tcpClients: SlotPool<TCPClient>
    let tcpRead: UnsafeMutableRawBufferPointer      // per connection: 2 + query max
    let tcpWrite: UnsafeMutableRawBufferPointer     // per connection: write buffer
    var tcpTimers: TimerHeap
    /// Outgoing queries (UDP and TCP to servers), and the handle of each
    /// of the core's outgoing queries in flight (`Outgoing.swift`).
    let transport: Transport
    let outgoingHandles: UnsafeMutablePointer<TransportHandle?>
    /// One receive and one send buffer: single thread, used one at a time.
    let receiveBuffer: UnsafeMutableRawBufferPointer
    let sendBuffer: UnsafeMutableRawBufferPointer
    /// Batched UDP: received datagrams, and answers queued while a batch is
    /// processed (with the socket each goes out of).
    let rxBatch: UnsafeMutablePointer<Datagram>
    let txBatch: UnsafeMutablePointer<Datagram>
    let txSocket: UnsafeMutablePointer<Int32>
    let batchBytes: UnsafeMutableRawBufferPointer
    var txCount = 0
    var batching = false
    /// Kernel randomness fetched in blocks, not one syscall per query ID.
    let randomBlock: UnsafeMutablePointer<UInt64>
    var randomLeft = 0
    static let randomBlockCount = 64
    /// Log lines that clients' and servers' events cause, rate-limited
    /// (`QueryLog.swift`).
    var queryLog: QueryLog

    /// Keeps every carving above alive as long as the sockets.
    let arena: Arena

    /// Carves every buffer and pool from `arena`, in the order of
    /// `footprint(limits)`; the Transport's are carved in between.
    init(limits: ServerLimits, acl: AccessList, arena: Arena) throws(Errno) {
        self.limits = limits
        self.acl = acl
        self.arena = arena
        epoll = try Epoll()
        clients = SlotPool(capacity: Self.clientSlotCount(limits), initial: ClientSlot(), arena: arena,
                           label: Self.clientsLabel)
        tcpClients = SlotPool(capacity: limits.maxTCPClients, initial: TCPClient(), arena: arena, label: Self.tcpLabel)
        tcpRead = arena.reserveBytes(limits.maxTCPClients * Self.tcpReadByteCount, label: Self.tcpLabel,
                                     count: limits.maxTCPClients)
        tcpWrite = arena.reserveBytes(limits.maxTCPClients * ServerLimits.tcpWriteBufferByteCount, label: Self.tcpLabel,
                                      count: limits.maxTCPClients)
        tcpTimers = TimerHeap(capacity: limits.maxTCPClients, arena: arena, label: Self.tcpLabel)
        transport = try Transport(limits: limits.transport, arena: arena)
        outgoingHandles = arena.reserve(TransportHandle?.self, count: limits.maxOutgoing, label: Self.handlesLabel).baseAddress!
        outgoingHandles.initialize(repeating: nil, count: limits.maxOutgoing)
        receiveBuffer = arena.reserveBytes(Self.packetByteCount, label: Self.packetLabel, count: 2)
        sendBuffer = arena.reserveBytes(Self.packetByteCount, label: Self.packetLabel, count: 2)
        randomBlock = arena.reserve(UInt64.self, count: ServerSockets.randomBlockCount, label: Self.packetLabel,
                                    rowCount: 2).baseAddress!
        let batch = ServerLimits.udpBatchCount
        batchBytes = arena.reserveBytes(batch * Self.batchDatagramByteCount, label: Self.batchLabel, count: 2 * batch)
        rxBatch = arena.reserve(Datagram.self, count: batch, label: Self.batchLabel, rowCount: 2 * batch).baseAddress!
        txBatch = arena.reserve(Datagram.self, count: batch, label: Self.batchLabel, rowCount: 2 * batch).baseAddress!
        txSocket = arena.reserve(Int32.self, count: batch, label: Self.batchLabel, rowCount: 2 * batch).baseAddress!
        txSocket.initialize(repeating: -1, count: batch)
        let rxSize = ServerLimits.clientQueryByteCountMax + 1
        let txSize = ServerLimits.udpBatchAnswerByteCountMax
        let base = batchBytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        for i in 0..<batch {
            rxBatch[i] = Datagram(buffer: base + i * rxSize, capacity: rxSize)
            txBatch[i] = Datagram(buffer: base + batch * rxSize + i * txSize, capacity: txSize)
        }
        queryLog = QueryLog(arena: arena)
    }

    deinit {
        for fd in udpListeners { Socket.close(fd) }
        for fd in tcpListeners { Socket.close(fd) }
        for i in 0..<limits.maxTCPClients where tcpClients.isInUse(i) { Socket.close(tcpClients[i].fd) }
    }

    static let clientsLabel = "client slots (max_clients, +1 spare for cached answers)"
    static let tcpLabel = "tcp client connections (max_tcp_clients)"
    static let handlesLabel = "outgoing handles (max_outgoing)"
    static let packetLabel = "packet buffers (receive, send)"
    static let batchLabel = "udp batches (recvmmsg, sendmmsg)"
    /// A TCP client's read buffer: a length prefix and the largest query.
    static let tcpReadByteCount = 2 + ServerLimits.clientQueryByteCountMax
    /// The largest message and its TCP length prefix.
    static let packetByteCount = ServerLimits.messageByteCountMax + 2
    /// One received datagram and one queued answer of a batch.
    static let batchDatagramByteCount = ServerLimits.clientQueryByteCountMax + 1 + ServerLimits.udpBatchAnswerByteCountMax

    /// `max_clients` slots for queries in flight, and one more that is
    /// never left in use: a query that arrives when all are taken borrows
    /// it to be answered from the cache at once, if it can be
    /// (`acquireClient(overflow:)`).
    static func clientSlotCount(_ limits: ServerLimits) -> Int { limits.maxClients + 1 }

    /// A client slot: one of the `max_clients` (nil when all are in use),
    /// or with `overflow` the spare one, for an answer given at once.
    func acquireClient(overflow: Bool = false) -> Int? {
        guard overflow || clients.usedCount < limits.maxClients else { return nil }
        return clients.acquire()
    }

    /// The plan's rows: what `init` carves, in order (Transport's between).
    static func footprint(_ limits: ServerLimits) -> [Arena.Row] {
        let batch = ServerLimits.udpBatchCount
        return [Arena.Row(clientsLabel, count: clientSlotCount(limits),
                          byteCount: SlotPool<ClientSlot>.byteCount(capacity: clientSlotCount(limits))),
                Arena.Row(tcpLabel, count: limits.maxTCPClients,
                          byteCount: SlotPool<TCPClient>.byteCount(capacity: limits.maxTCPClients)
                              + Arena.carvingByteCount(limits.maxTCPClients * tcpReadByteCount)
                              + Arena.carvingByteCount(limits.maxTCPClients * ServerLimits.tcpWriteBufferByteCount)
                              + TimerHeap.byteCount(capacity: limits.maxTCPClients))]
            + limits.transport.footprint
            + [Arena.Row(handlesLabel, count: limits.maxOutgoing,
                         byteCount: Arena.carvingByteCount(of: TransportHandle?.self, count: limits.maxOutgoing)),
               Arena.Row(packetLabel, count: 2,
                         byteCount: 2 * Arena.carvingByteCount(packetByteCount)
                             + Arena.carvingByteCount(of: UInt64.self, count: randomBlockCount)),
               Arena.Row(batchLabel, count: 2 * batch,
                         byteCount: Arena.carvingByteCount(batch * batchDatagramByteCount)
                             + 2 * Arena.carvingByteCount(of: Datagram.self, count: batch)
                             + Arena.carvingByteCount(of: Int32.self, count: batch)),
               QueryLog.footprint]
    }

    // MARK: batched UDP answers

    /// Sends a UDP answer: queued while a received batch is processed,
    /// otherwise at once.
    func sendUDP(_ fd: Int32, _ message: UnsafeRawBufferPointer, to address: Address, from local: Address) {
        if batching && txCount < ServerLimits.udpBatchCount && message.count <= ServerLimits.udpBatchAnswerByteCountMax {
            let d = txBatch + txCount
            UnsafeMutableRawBufferPointer(start: d.pointee.buf, count: message.count).copyMemory(from: message)
            d.pointee.len = UInt32(message.count)
            d.pointee.address = address
            d.pointee.localAddress = local
            txSocket[txCount] = fd
            txCount += 1
            return
        }
        do throws(Errno) { _ = try Socket.send(fd, message, to: address, from: local) } catch {
            stats.sendErrors += 1
            queryLog.note(.sendError, client: address, nowMs: Clock.monotonicMs())
        }
    }

    /// Sends the queued answers, one sendmmsg per run of the same socket.
    func flushUDP() {
        var start = 0
        while start < txCount {
            var end = start + 1
            while end < txCount && txSocket[end] == txSocket[start] { end += 1 }
            var sent = start
            for _ in 0..<2 where sent < end {   // a second try after a partial send
                guard let n = try? Socket.sendBatch(txSocket[start], txBatch + sent, count: end - sent) else { break }
                sent += n
            }
            stats.sendErrors += end - sent
            for i in sent..<end { queryLog.note(.sendError, client: txBatch[i].address, nowMs: Clock.monotonicMs()) }
            start = end
        }
        txCount = 0
    }

    // MARK: listeners

    /// Opens a UDP and a TCP listener on `address`.
    func listen(on address: Address) throws(Errno) {
        precondition(udpListeners.count < ServerLimits.listenerCountMax)
        let udp = try Socket.udp(ipv6: address.isIPv6)
        do throws(Errno) {
            try Socket.bind(udp, address)
            if address.isWildcard { try Socket.reportDestination(udp, ipv6: address.isIPv6) }
        } catch {
            Socket.close(udp)
            throw error
        }
        let tcp = try Socket.tcp(ipv6: address.isIPv6)
        do throws(Errno) {
            try Socket.bind(tcp, address)
            try Socket.listen(tcp, backlog: ServerLimits.tcpBacklog)
        } catch {
            Socket.close(udp)
            Socket.close(tcp)
            throw error
        }
        try epoll.add(udp, .readable, token: Token(.udpListener, udpListeners.count).raw)
        try epoll.add(tcp, .readable, token: Token(.tcpListener, tcpListeners.count).raw)
        udpListeners.append(udp)
        tcpListeners.append(tcp)
    }

    // MARK: randomness

    func nextRandom() -> UInt64 {
        if randomLeft == 0 {
            let bytes = UnsafeMutableRawBufferPointer(start: randomBlock, count: ServerSockets.randomBlockCount * 8)
            do throws(Errno) { try Random.fill(bytes) } catch {
                // getrandom does not fail once the pool is initialised;
                // if it ever does, mix the clock rather than stop answering.
                Log.error("getrandom failed: \(error.message)")
                for i in 0..<ServerSockets.randomBlockCount {
                    randomBlock[i] ^= UInt64(bitPattern: Clock.monotonicNs()) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(i)
                }
            }
            randomLeft = ServerSockets.randomBlockCount
        }
        randomLeft -= 1
        return randomBlock[randomLeft]
    }
}
