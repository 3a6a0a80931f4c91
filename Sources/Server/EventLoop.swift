// Server: the event loop's glue. One thread, one epoll, non-blocking
// sockets, fixed pools (DESIGN.md §2.2). Reads client queries from UDP and
// TCP listeners, applies the client ACL, hands queries to the resolver and
// carries out the actions it appends to its ring (`ResolverActions.swift`).
// Never: parses or builds DNS beyond handing bytes to the resolver (and
// finding a query's COOKIE option, ClientCookies.swift), or allocates on a
// query path.
import DNSWire
import Fixed
import Platform
import Resolver
import Transport
import Validator

/// Why `EventLoop.run` returned.
public enum LoopExit: Equatable {
    case terminate
    case reload
}

public final class EventLoop {
    let sockets: ServerSockets
    /// Internal: callers outside Server use the methods below, so no
    /// accessor coroutine (which may allocate in Embedded builds) exists.
    var resolver: ResolverCore
    let signals: SignalQueue
    /// Sends that failed while the ring was carried out (ResolverActions.swift).
    var failedSends: FailedSendQueue
    /// A probe the transport did not start, to report to the core after
    /// the ring (ResolverActions.swift).
    var probeNotStarted: ServerAddress? = nil
    let events: UnsafeMutableBufferPointer<EpollEvent>
    var control: ControlChannel?
    /// Timer-driven work besides queries, by concern (`Housekeeping.swift`).
    var priming = PrimingKeeper()
    var anchors = AnchorKeeper()
    var clock = ClockKeeper()
    /// DNS cookies for clients, and their secrets' rotation (`CookieKeeper.swift`).
    var clientCookies = ClientCookies(secrets: CookieSecrets(current: CookieSecrets.checkKey, previous: nil,
                                                             client: CookieSecrets.checkKey, createdSeconds: 0),
                                      enabled: false)
    var cookieKeeper = CookieKeeper()
    var localFiles: LocalFiles
    /// Router clock (DESIGN.md §2.8): a file whose appearance means NTP has
    /// synced (config `clock_marker_file`), and where the last known-good
    /// time is kept in flash (`state_dir`/clock.floor).
    public var clockMarkerPath: String? {
        get { clock.markerPath }
        set { clock.markerPath = newValue }
    }
    public var clockFloorPath: String? {
        get { clock.floorPath }
        set { clock.floorPath = newValue }
    }
    /// RFC 5011 trust-anchor state in flash (`state_dir`/anchors.state).
    public var anchorStatePath: String? {
        get { anchors.statePath }
        set { anchors.statePath = newValue }
    }
    /// Learned in-tree hints in flash (`state_dir`/hints.learned).
    public var learnedHintsPath: String? {
        get { anchors.learnedHintsPath }
        set { anchors.learnedHintsPath = newValue }
    }

    /// Text for `sprig stats`, supplied by the daemon (includes config-level info).
    public var extraStats: () -> [(String, Int)] = { [] }

    /// The memory every pool of the daemon was carved from (`MemoryPlan`).
    public let arena: Arena

    /// Carves the server's pools from `arena` (the cache's and the core's
    /// were carved before), in the order of `footprint(limits)`.
    public init(limits: ServerLimits, acl: AccessList, resolver: consuming ResolverCore, arena: Arena) throws(Errno) {
        self.arena = arena
        sockets = try ServerSockets(limits: limits, acl: acl, arena: arena)
        self.resolver = resolver
        signals = try SignalQueue()
        failedSends = FailedSendQueue(capacity: limits.maxOutgoing, arena: arena)
        events = arena.reserve(EpollEvent.self, count: Epoll.batchCapacity, label: EventLoop.eventsLabel, rowCount: 1)
        localFiles = LocalFiles(limits: limits, arena: arena)
        try sockets.epoll.add(signals.fd, .readable, token: Token(.signal, 0).raw)
        try sockets.epoll.add(sockets.transport.fd, .readable, token: Token(.outgoing, 0).raw)
    }

    static let eventsLabel = "event loop ready batch"

    /// The plan's rows for the server: what `init` carves, in order.
    public static func footprint(_ limits: ServerLimits) -> [Arena.Row] {
        ServerSockets.footprint(limits)
            + [FailedSendQueue.footprint(capacity: limits.maxOutgoing),
               Arena.Row(eventsLabel, count: 1, byteCount: Arena.carvingByteCount(of: EpollEvent.self, count: Epoll.batchCapacity))]
            + LocalFiles.footprint(limits)
    }

    public var stats: ServerStats { sockets.stats }

    /// Listens (UDP and TCP) on `address`.
    public func listen(on address: Address) throws(Errno) {
        try sockets.listen(on: address)
    }

    /// Opens the control socket for `sprig stats` and the operator's
    /// commands: root's, mode 0600, or root:`group` 0660 (`control_group`,
    /// its gid resolved at start). Throws, leaving no socket, when it
    /// cannot be made exactly so.
    public func openControl(path: String, group: (name: String, id: UInt32)? = nil) throws(Errno) {
        let fd = try Socket.unixListen(path: path, groupID: group?.id)
        do throws(Errno) {
            try sockets.epoll.add(fd, .readable, token: Token(.controlListener, 0).raw)
        } catch {
            Socket.close(fd)
            File.remove(path)
            throw error
        }
        let access = ControlAccess(ownerUid: Process.effectiveUid, groupName: group?.name, groupID: group?.id)
        control = ControlChannel(listener: fd, path: path, access: access)
    }

    /// Replaces the forwarding upstreams (SIGHUP reload).
    public func setUpstreams(_ list: [Upstream]) { resolver.setUpstreams(list) }

    /// Replaces the negative trust anchors (SIGHUP reload); how many were taken.
    public func setNegativeTrustAnchors(_ names: [Name]) -> Int { resolver.setNegativeTrustAnchors(names) }

    /// The hosts and lease files the names table is filled from (start-up
    /// and SIGHUP); they are read at the next housekeeping tick.
    public func setLocalFiles(hosts: [String], leases: [String]) {
        localFiles.configure(hostsFiles: hosts, leaseFiles: leases)
    }

    /// Loads `list block_file` again (SIGHUP): false when refused (the
    /// old list keeps serving; the log says why).
    @discardableResult
    public func reloadBlockList(_ paths: [String]) -> Bool { BlockFiles.load(paths, into: &resolver) }

    /// Replaces the client ACL (SIGHUP reload).
    public func setAccessList(_ acl: AccessList) { sockets.acl = acl }

    /// Starts root priming (iterative mode; a no-op when forwarding).
    public func prime() {
        refillEntropy()
        resolver.prime(nowMs: Clock.monotonicMs())
        carryOutActions()
        resolver.startAnchorMaintenance(nowMs: Clock.monotonicMs())
    }

    /// Runs until SIGTERM/SIGINT (`.terminate`) or SIGHUP (`.reload`).
    /// The one loop that never ends on its own.
    public func run() throws(Errno) -> LoopExit {
        while true {
            let nowMs = Clock.monotonicMs()
            // Signature dates are judged by wall time; an NTP step after
            // boot must be seen at once (clock_gettime is a vDSO call).
            resolver.setWallClock(realtimeSeconds: Clock.realtimeSeconds(), nowMs: nowMs)
            sockets.transport.setCertificateDatesTrusted(resolver.isClockTrusted)
            // Two-argument min only: the variadic one builds an array (an
            // allocation on every pass of the loop).
            let waitMs = min(min(sockets.tcpTimers.waitMs(nowMs: nowMs, capMs: ServerLimits.idleWaitMsMax),
                                 waitUntil(resolver.nextDeadlineMs, nowMs: nowMs)),
                             min(waitUntil(sockets.transport.nextDeadlineMs, nowMs: nowMs),
                                 waitUntil(housekeepingDueMs, nowMs: nowMs)))
            let n = try sockets.epoll.wait(into: events, timeoutMs: waitMs)
            for i in 0..<n {
                guard let token = Token(raw: events[i].token) else { continue }
                let ready = Readiness(rawValue: events[i].events)
                if let exit = dispatch(token, ready) { return exit }
            }
            let after = Clock.monotonicMs()
            expireTimers(nowMs: after)
            housekeeping(nowMs: after)
            deliverTransportEvents(poll: false)   // failures Transport found while sending
        }
    }

    func waitUntil(_ deadline: Int64?, nowMs: Int64) -> Int32 {
        guard let d = deadline else { return Int32(ServerLimits.idleWaitMsMax) }
        return Int32(max(0, min(d - nowMs, ServerLimits.idleWaitMsMax)))
    }

    func dispatch(_ token: Token, _ ready: Readiness) -> LoopExit? {
        switch token.kind {
        case .signal:
            return handleSignals()
        case .udpListener:
            readDatagrams(listener: token.index)
        case .tcpListener:
            sockets.acceptTCP(listener: token.index, nowMs: Clock.monotonicMs())
        case .tcpClient:
            guard sockets.tcpClients.isInUse(token.index),
                  sockets.tcpClients[token.index].generation & 0xFF_FFFF == token.generation else { return nil }
            if ready.contains(.writable) { sockets.flushTCP(token.index) }
            if ready.contains(.readable) || ready.contains(.hangUp) || ready.contains(.error) {
                readTCP(token.index)
            }
        case .outgoing:
            deliverTransportEvents(poll: true)
        case .controlListener:
            control?.accept(epoll: sockets.epoll, nowMs: Clock.monotonicMs())
        case .controlClient:
            if let command = control?.readable(epoll: sockets.epoll) {
                let reply = controlReply(command)
                control?.finish(reply, epoll: sockets.epoll)
            }
        }
        return nil
    }

    func handleSignals() -> LoopExit? {
        while let signal = signals.next() {
            switch signal {
            case .terminate, .interrupt:
                housekeeping(nowMs: Clock.monotonicMs(), isShutdown: true)
                sockets.queryLog.writeSummaries(nowMs: Clock.monotonicMs(), all: true)
                return .terminate
            case .hangUp: return .reload
            case .user1:
                for (name, value) in statsLines() { Log.notice("stats \(name)=\(value)") }
            case .user2: break
            }
        }
        return nil
    }

    // MARK: clients

    func readDatagrams(listener: Int) {
        let fd = sockets.udpListeners[listener]
        let rounds = ServerLimits.datagramsPerWakeMax / ServerLimits.udpBatchCount
        for _ in 0..<max(rounds, 1) {
            guard let n = try? Socket.receiveBatch(fd, sockets.rxBatch, count: ServerLimits.udpBatchCount),
                  n > 0 else { return }
            sockets.batching = true
            for i in 0..<n { handleDatagram(listener: listener, sockets.rxBatch[i]) }
            sockets.batching = false
            sockets.flushUDP()
            if n < ServerLimits.udpBatchCount { return }
        }
    }

    func handleDatagram(listener: Int, _ d: Datagram) {
        sockets.stats.udpQueries += 1
        let n = Int(d.len)
        if n > ServerLimits.clientQueryByteCountMax {
            sockets.stats.droppedOversize += 1   // no real query is this large
            sockets.queryLog.note(.oversize, client: d.address, nowMs: Clock.monotonicMs())
            return
        }
        let from = d.address
        let query = UnsafeRawBufferPointer(start: d.buf, count: n)
        if !sockets.acl.allows(from) {
            sockets.stats.refusedByACL += 1
            sockets.queryLog.note(.refusedACL, client: from, nowMs: Clock.monotonicMs())
            replyDirect(query, rcode: .refused, listener: listener, to: from, from: d.localAddress)
            return
        }
        let slot = ClientSlot(overTCP: false, listener: Int32(listener), address: from, local: d.localAddress)
        guard let client = sockets.acquireClient() else {
            if answerWithoutSlot(slot, transport: .udp, query, from: from) == nil {
                replyDirect(query, rcode: .serverFailure, listener: listener, to: from, from: d.localAddress)
            }
            return
        }
        sockets.clients[client] = slot
        handOver(client: client, transport: .udp, query, from: from)
    }

    /// Every client slot is waiting on the network: the query is answered
    /// now if it needs no resolution (the cache, a local answer), through
    /// the spare slot. nil when it would need resolution: the caller
    /// answers SERVFAIL, and the drop is counted (`drop.no_client_slot`).
    /// Cached names stay answered under a flood of new ones (issue 20 item 3).
    func answerWithoutSlot(_ slot: ClientSlot, transport: ClientTransport, _ query: UnsafeRawBufferPointer,
                           from: Address) -> QueryOutcome? {
        guard let client = sockets.acquireClient(overflow: true) else {
            sockets.stats.droppedNoClientSlot += 1
            sockets.queryLog.note(.noClientSlot, client: from, nowMs: Clock.monotonicMs())
            return nil
        }
        sockets.clients[client] = slot
        let cookie = clientCookies.cookie(for: query, from: from, nowSeconds: Clock.realtimeSeconds())
        let outcome = resolver.queryWithoutResolution(client: client, transport: transport, query, cookie: cookie,
                                                      nowMs: Clock.monotonicMs())
        carryOutActions()   // delivers the answer, which releases the slot
        if outcome != .answered && sockets.clients.isInUse(client) { sockets.clients.release(client) }
        if outcome == nil {
            sockets.stats.droppedNoClientSlot += 1
            sockets.queryLog.note(.noClientSlot, client: from, nowMs: Clock.monotonicMs())
        }
        if outcome == .answered { sockets.stats.answeredWithoutSlot += 1 }
        return outcome
    }

    /// Answers without involving the resolver (ACL refusal, no free slot).
    func replyDirect(_ query: UnsafeRawBufferPointer, rcode: ShortAnswer, listener: Int, to: Address, from local: Address) {
        guard let n = ResolverCore.shortAnswer(to: query, rcode, into: sockets.sendBuffer) else { return }
        sockets.sendUDP(sockets.udpListeners[listener], UnsafeRawBufferPointer(rebasing: sockets.sendBuffer[0..<n]), to: to,
                         from: local)
    }

    @discardableResult
    func handOver(client: Int, transport: ClientTransport, _ query: UnsafeRawBufferPointer, from: Address) -> QueryOutcome {
        let cookie = clientCookies.cookie(for: query, from: from, nowSeconds: Clock.realtimeSeconds())
        let outcome = feed(.query(client: client, transport: transport, message: query, cookie: cookie),
                           nowMs: Clock.monotonicMs())
        if outcome == .dropped { sockets.clients.release(client) }
        return outcome
    }

    func readTCP(_ index: Int) {
        let generation = sockets.tcpClients[index].generation
        let buffer = sockets.tcpReadBuffer(index)
        let conn = sockets.tcpClients.pointer(index)
        let nowMs = Clock.monotonicMs()
        sockets.tcpTimers.arm(index, atMs: nowMs + sockets.limits.tcpIdleTimeoutMs)
        conn.pointee.lastActiveMs = nowMs
        let room = UnsafeMutableRawBufferPointer(rebasing: buffer[conn.pointee.readCount...])
        let n: Int
        do throws(Errno) { n = try Socket.read(conn.pointee.fd, into: room) } catch {
            if error.kind != .again { sockets.closeTCP(index) }
            return
        }
        if n == 0 { sockets.closeTCP(index); return }
        conn.pointee.readCount += n
        // Pipelining (RFC 7766 §6.2.1): every complete frame is a query.
        while sockets.tcpClients.isInUse(index) && sockets.tcpClients[index].generation == generation {
            let have = conn.pointee.readCount
            if have < 2 { return }
            let length = Int(buffer[0]) << 8 | Int(buffer[1])
            if length < 12 || length > ServerLimits.clientQueryByteCountMax {
                sockets.stats.droppedOversize += 1
                sockets.queryLog.note(.oversize, client: conn.pointee.peer, nowMs: nowMs)
                sockets.closeTCP(index)
                return
            }
            if have < 2 + length { return }
            sockets.stats.tcpQueries += 1
            dispatchTCPFrame(index, generation: generation, UnsafeRawBufferPointer(rebasing: buffer[2..<(2 + length)]))
            if !(sockets.tcpClients.isInUse(index) && sockets.tcpClients[index].generation == generation) { return }
            let rest = have - 2 - length
            if rest > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + 2 + length, byteCount: rest) }
            conn.pointee.readCount = rest
        }
    }

    func dispatchTCPFrame(_ index: Int, generation: UInt32, _ query: UnsafeRawBufferPointer) {
        let slot = ClientSlot(overTCP: true, connection: Int32(index), generation: generation)
        guard let client = sockets.acquireClient() else {
            sockets.tcpClients.pointer(index).pointee.pendingQueries += 1   // deliver() takes it back
            let outcome = answerWithoutSlot(slot, transport: .tcp, query, from: sockets.tcpClients[index].peer)
            if outcome == .answered { return }
            sockets.tcpClients.pointer(index).pointee.pendingQueries -= 1
            if outcome == .dropped { return }
            if let n = ResolverCore.shortAnswer(to: query, .serverFailure, into: sockets.receiveBuffer) {
                sockets.queueTCP(index, UnsafeRawBufferPointer(rebasing: sockets.receiveBuffer[0..<n]))
            }
            return
        }
        sockets.clients[client] = slot
        sockets.tcpClients.pointer(index).pointee.pendingQueries += 1
        if handOver(client: client, transport: .tcp, query, from: sockets.tcpClients[index].peer) == .dropped {
            sockets.tcpClients.pointer(index).pointee.pendingQueries -= 1   // no answer will come: idle again
        }
    }

    // MARK: outgoing and timers

    /// Hands what Transport found to the core: a query's response, or its
    /// failure (the query is released first: the core then sends it
    /// elsewhere). `poll`: take the sockets' readiness first.
    func deliverTransportEvents(poll: Bool) {
        if poll { sockets.transport.poll() }
        while let event = sockets.transport.nextEvent(nowMs: Clock.monotonicMs()) {
            switch event {
            case .response(let tag, let bytes):
                let ref = ServerSockets.ref(tag)
                let mismatched = resolver.stats.mismatchedResponses
                feed(.response(ref, message: bytes), nowMs: Clock.monotonicMs())
                if resolver.stats.mismatchedResponses > mismatched, let server = resolver.serverAsked(ref) {
                    sockets.queryLog.note(.upstreamMismatch, client: ServerSockets.address(server),
                                          nowMs: Clock.monotonicMs())
                }
            case .failure(let tag, let why):
                let ref = ServerSockets.ref(tag)
                sockets.releaseOutgoing(Int(ref.slot))
                feed(.failed(ref, cause: ServerSockets.cause(why)), nowMs: Clock.monotonicMs())
            case .tlsProbe(let tag, let server, let succeeded):
                // The tag is the server's Do53 port (Outgoing.swift, probeTLS).
                guard let address = ServerSockets.serverAddress(server, port: UInt16(truncatingIfNeeded: tag)) else { continue }
                feed(.tlsProbe(server: address, succeeded: succeeded), nowMs: Clock.monotonicMs())
            }
        }
    }

    // MARK: housekeeping

    /// NTP says it synced (`sprig clock-synced`); see `ClockKeeper.noteSynced`.
    public func noteClockSynced(byCommand: Bool = false) {
        var effects = SystemHousekeeping()
        clock.noteSynced(wallSeconds: Clock.realtimeSeconds(), byCommand: byCommand, engine: &resolver, effects: &effects)
    }

    /// Logs the router clock's decision if it changed since last logged;
    /// true when it logged. At start-up, after syncs, and every clock tick.
    @discardableResult
    public func logClockDecision() -> Bool {
        var effects = SystemHousekeeping()
        return clock.logDecision(wallSeconds: Clock.realtimeSeconds(), engine: resolver, effects: &effects)
    }

    /// The earliest due time of the housekeeping parts.
    var housekeepingDueMs: Int64 {
        min(min(min(priming.dueMs, anchors.dueMs), min(clock.dueMs, cookieKeeper.dueMs)),
            localFiles.sources.isEmpty ? Int64.max : localFiles.dueMs)
    }

    /// Ticks each part that is due, in a fixed order (priming, anchors,
    /// clock); at shutdown only the flash write-backs run.
    func housekeeping(nowMs: Int64, isShutdown: Bool = false) {
        control?.expire(epoll: sockets.epoll, nowMs: nowMs)
        sockets.queryLog.writeSummaries(nowMs: nowMs)
        var effects = SystemHousekeeping()
        refillEntropy()
        if !isShutdown { priming.tick(nowMs: nowMs, engine: &resolver) }
        anchors.tick(nowMs: nowMs, isShutdown: isShutdown, engine: &resolver, effects: &effects)
        carryOutActions()
        clock.tick(nowMs: nowMs, wallSeconds: Clock.realtimeSeconds(), isShutdown: isShutdown,
                   engine: &resolver, effects: &effects)
        if !isShutdown {
            cookieKeeper.tick(nowMs: nowMs, wallSeconds: Clock.realtimeSeconds(), cookies: &clientCookies,
                              engine: &resolver, effects: &effects)
        }
        if !isShutdown { localFiles.tick(nowMs: nowMs, wallSeconds: Clock.realtimeSeconds(), engine: &resolver) }
    }

    func expireTimers(nowMs: Int64) {
        feed(.timers, nowMs: nowMs)
        sockets.transport.expire(nowMs: nowMs)
        while let index = sockets.tcpTimers.popExpired(nowMs: nowMs) {
            let conn = sockets.tcpClients[index]
            if conn.pendingQueries > 0 || conn.writeEnd > conn.writeStart {
                sockets.tcpTimers.arm(index, atMs: nowMs + sockets.limits.tcpIdleTimeoutMs)
            } else {
                sockets.stats.tcpIdleClosed += 1
                sockets.closeTCP(index)
            }
        }
    }

    // MARK: statistics

    public func statsLines() -> [(String, Int)] {
        var lines = sockets.stats.lines
        lines.append(("pool.clients.in_use", sockets.clients.usedCount))
        lines.append(("pool.clients.high_water", sockets.clients.highWater))
        lines.append(("pool.clients.capacity", sockets.clients.capacity))
        lines.append(("pool.tcp_clients.in_use", sockets.tcpClients.usedCount))
        lines.append(("pool.tcp_clients.high_water", sockets.tcpClients.highWater))
        lines.append(("pool.outgoing.in_use", sockets.transport.queriesInFlight))
        lines.append(("pool.outgoing_tcp.in_use", sockets.transport.connectionsInUse))
        lines.append(("pool.outgoing_tcp.high_water", sockets.transport.connectionsHighWater))
        lines.append(("pool.outgoing_tcp.capacity", sockets.transport.limits.maxOutgoingTCP))
        lines += sockets.transport.stats.lines
        lines += sockets.transport.tlsLines
        lines += resolver.statsLines()
        lines += clientCookies.stats.lines
        lines.append(("cookies.secret_rotations", cookieKeeper.rotations))
        lines += resolver.authDoTLines(nowMs: Clock.monotonicMs())
        lines.append(("clock.trusted", resolver.isClockTrusted ? 1 : 0))
        // Reservations after start-up (release builds serve and count them;
        // debug builds trap): 0 on a healthy daemon.
        lines.append(("arena.bytes", arena.byteCount))
        lines.append(("arena.used_bytes", arena.usedByteCount))
        lines.append(("arena.late_reservations", arena.lateReservationCount))
        lines.append(("arena.late_bytes", arena.lateByteCount))
        lines.append(("local_names.count", resolver.localNameCount))
        lines.append(("local_names.capacity", resolver.localNameCapacity))
        lines += localFiles.statsLines
        lines += sockets.queryLog.limiter.statsLines
        lines += extraStats()
        return lines
    }
}
