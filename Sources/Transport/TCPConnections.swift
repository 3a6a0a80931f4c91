import Fixed
import Platform

/// A TCP connection to one server (RFC 7766 §6.2.2: one per server), its
/// read buffer and `queriesPerConnectionMax` query cells.
struct TCPConnection {
    enum State: Equatable {
        case free
        case connecting
        /// TLS: connected, the handshake (and the pin check) still running.
        case handshaking
        case open
        /// The socket is closed; frames still buffered and then one failure
        /// per waiting query are handed out before the slot is free again.
        case closing(ConnectionEnd)
    }
    var state = State.free
    var fd: Int32 = -1
    var generation: UInt32 = 0
    var server = Address()
    /// Unread bytes are `[readStart, readEnd)` of the read buffer.
    var readStart = 0
    var readEnd = 0
    /// Cells holding a query: waited on, or cancelled while half written.
    var cellsInUse = 0
    /// Cells some query waits on.
    var ownedCount = 0
    /// The cell being written (-1: none) and how many of its bytes went out.
    var writingCell: Int32 = -1
    var writeOffset = 0
    var nextSequence: UInt32 = 0
    var wantsWrite = false
    var inAttention = false
    var idleSinceMs: Int64 = 0
    /// The TLS profile it was opened for (-1: plain TCP) and its TLS slot.
    var tlsProfile: Int32 = -1
    var tlsSlot: Int32 = -1
    /// Opened by `probeTLS`: its handshake's outcome is an event of its own.
    var isProbe = false
    var probeTag: UInt64 = 0
    /// The probe's outcome, known and not yet handed out.
    var probeOutcome: Bool? = nil
    var probeReported = false
    /// The name the certificate must match, for a profile that names its
    /// peer per connection (TLSPeerName.swift); nil otherwise.
    var peerName: TLSPeerName? = nil
    /// The records DANE checks the certificate against instead (nil: none).
    var dane: TLSDANE? = nil

    /// Takes new queries: connecting, handshaking or open.
    var isUsable: Bool { state == .connecting || state == .handshaking || state == .open }
    var isTLS: Bool { tlsProfile >= 0 }
    /// Usable with no query waiting: may be closed for idleness or for room.
    var isIdle: Bool { isUsable && ownedCount == 0 }
}

/// One query on a connection: its frame (length prefix + query, the ID
/// possibly rewritten) stays in the cell until answered, failed or
/// cancelled, so the answer's question is checked against it (RFC 7766 §7).
struct QueryCell {
    enum State: Equatable { case free, queued, written }
    var state = State.free
    /// The query slot waiting on it; -1: cancelled while being written
    /// (the rest of its bytes still go out, or the stream would break).
    var owner: Int32 = -1
    var wireID: UInt16 = 0
    var originalID: UInt16 = 0
    var frameByteCount = 0
    /// Send order among queued cells.
    var sequence: UInt32 = 0
}

extension Transport {
    // MARK: choosing a connection

    /// Puts query `index` on the server's connection, opening one if needed.
    /// `tlsProfile` -1: plain TCP; else the TLS profile the connection must use.
    func queueTCP(_ index: Int, to server: Address, tlsProfile: Int32, peerName: TLSPeerName? = nil,
                  dane: TLSDANE? = nil, _ query: UnsafeRawBufferPointer, nowMs: Int64) throws(SendRefusal) {
        guard query.count <= TransportLimits.queryByteCountMax else { throw .queryTooLarge }
        var setupFailure: TransportFailure? = nil
        let connection: Int
        if let c = usableConnection(to: server, tlsProfile: tlsProfile, peerName: peerName, dane: dane) {
            guard connections[c].cellsInUse < limits.queriesPerConnectionMax else { throw .pipelineFull }
            connection = c
            stats.tcpReused += 1
            if tlsProfile >= 0 { noteTLSReuse(tlsProfile) }
        } else {
            if tlsProfile >= 0 { guard tlsProfileIsKnown(tlsProfile) else { throw .noTLSSlot } }
            connection = try openConnection(to: server, tlsProfile: tlsProfile, peerName: peerName, dane: dane, nowMs: nowMs,
                                            setupFailure: &setupFailure)
        }
        let cell = place(query, for: index, on: connection)
        // The first query waiting on an open TLS connection starts its answer deadline.
        if connections[connection].isTLS && connections[connection].state == .open && connections[connection].ownedCount == 1 {
            tlsDeadlines.arm(connection, atMs: nowMs + limits.tlsAnswerTimeoutMs)
        }
        queries.pointer(index).pointee.carrier = .tcp(connection: Int32(connection), cell: Int32(cell))
        stats.tcpQueries += 1
        if tlsProfile >= 0 { noteTLSQuery(tlsProfile) }
        idleTimers.cancel(connection)
        if let why = setupFailure {
            fail(connection, why, discardInput: true)
            requestAttention(connection)
        } else if connections[connection].state == .open, let why = flush(connection) {
            fail(connection, why, discardInput: false)
            requestAttention(connection)
        }
    }

    /// A connection to `server` of the same kind: plain TCP, or TLS with
    /// the same profile (a TLS connection never carries a plain query).
    func usableConnection(to server: Address, tlsProfile: Int32, peerName: TLSPeerName? = nil,
                          dane: TLSDANE? = nil) -> Int? {
        for i in 0..<limits.maxOutgoingTCP
            where connections[i].isUsable && connections[i].server == server && connections[i].tlsProfile == tlsProfile
                && peerNameMatches(i, peerName) && connections[i].dane == dane {
            return i
        }
        return nil
    }

    /// A free slot, else the slot of the connection idle longest (closed
    /// for room), else a refusal. The connect runs in the background.
    func openConnection(to server: Address, tlsProfile: Int32, peerName: TLSPeerName? = nil, dane: TLSDANE? = nil,
                        nowMs: Int64,
                        setupFailure: inout TransportFailure?) throws(SendRefusal) -> Int {
        var tlsSlot: Int32 = -1
        if tlsProfile >= 0 {
            guard let slot = freeTLSSlot() ?? closeIdlestTLSForRoom() else { throw .noTLSSlot }
            tlsSlot = Int32(slot)
        }
        guard let connection = freeConnection() ?? closeIdlestForRoom() else { throw .connectionPoolFull }
        let fd: Int32
        do throws(Errno) { fd = try Socket.tcp(ipv6: server.isIPv6) } catch { throw .noSocket }
        try? Socket.setNoDelay(fd)   // best effort: without it, only slower
        let c = connections + connection
        let generation = c.pointee.generation
        c.pointee = TCPConnection()
        c.pointee.generation = generation
        c.pointee.fd = fd
        c.pointee.server = server
        c.pointee.state = .connecting
        c.pointee.idleSinceMs = nowMs
        noteConnectionAcquired()
        stats.tcpOpened += 1
        if tlsProfile >= 0 {
            c.pointee.tlsProfile = tlsProfile
            c.pointee.peerName = peerName
            c.pointee.dane = dane
            if let why = openTLS(on: connection, slot: Int(tlsSlot), nowMs: nowMs) {
                setupFailure = why
                return connection
            }
        }
        do throws(Errno) {
            try epoll.add(fd, .writable, token: token(connection))
        } catch {
            setupFailure = .socketError
            return connection
        }
        do throws(Errno) { try Socket.connect(fd, server) } catch {
            switch error.kind {
            case .inProgress: break
            case .connectionRefused: setupFailure = .refused
            default: setupFailure = .unreachable
            }
        }
        return connection
    }

    func freeConnection() -> Int? {
        for i in 0..<limits.maxOutgoingTCP where connections[i].state == .free { return i }
        return nil
    }

    /// Closes the connection idle longest, if any, and returns its slot.
    func closeIdlestForRoom() -> Int? {
        var idlest: Int? = nil
        for i in 0..<limits.maxOutgoingTCP where connections[i].isIdle {
            if let j = idlest, connections[j].idleSinceMs <= connections[i].idleSinceMs { continue }
            idlest = i
        }
        guard let i = idlest else { return nil }
        close(i, .forRoom)
        return i
    }

    func token(_ connection: Int) -> UInt64 {
        SocketToken(isTCP: true, index: connection, generation: connections[connection].generation).raw
    }

    // MARK: cells

    func cellFrame(_ cell: Int) -> UnsafeMutableRawBufferPointer {
        let size = TransportLimits.cellByteCount
        return UnsafeMutableRawBufferPointer(rebasing: cellBytes[(cell * size)..<((cell + 1) * size)])
    }

    /// Copies `query` into a free cell of `connection` as a frame, with an
    /// ID no other query in flight on it has (RFC 7766 §7 matches by ID).
    func place(_ query: UnsafeRawBufferPointer, for index: Int, on connection: Int) -> Int {
        let first = connection * limits.queriesPerConnectionMax
        var cell = first
        while cells[cell].state != .free { cell += 1 }   // one is free: the caller checked cellsInUse
        let original = UInt16(query[0]) << 8 | UInt16(query[1])
        let wireID = freeWireID(on: connection, preferring: original)
        let frame = cellFrame(cell)
        frame[0] = UInt8(truncatingIfNeeded: query.count >> 8)
        frame[1] = UInt8(truncatingIfNeeded: query.count)
        UnsafeMutableRawBufferPointer(rebasing: frame[2..<(2 + query.count)]).copyMemory(from: query)
        frame[2] = UInt8(wireID >> 8)
        frame[3] = UInt8(truncatingIfNeeded: wireID)
        let c = connections + connection
        cells[cell] = QueryCell(state: .queued, owner: Int32(index), wireID: wireID, originalID: original,
                                frameByteCount: 2 + query.count, sequence: c.pointee.nextSequence)
        c.pointee.nextSequence &+= 1
        c.pointee.cellsInUse += 1
        c.pointee.ownedCount += 1
        return cell
    }

    /// Frees a cell; an owner's query then waits on nothing.
    func freeCell(_ cell: Int, of connection: Int) {
        cells[cell].state = .free
        cells[cell].owner = -1
        connections[connection].cellsInUse -= 1
    }

    /// `cancel` of a TCP query: its cell is freed (or left to finish being
    /// written), and the connection starts its idle time when nothing waits.
    func detachCell(_ cell: Int, of connection: Int, nowMs: Int64) {
        let c = connections + connection
        c.pointee.ownedCount -= 1
        if c.pointee.writingCell == Int32(cell) {
            cells[cell].owner = -1
        } else {
            freeCell(cell, of: connection)
        }
        noteMaybeIdle(connection, nowMs: nowMs)
    }

    func noteMaybeIdle(_ connection: Int, nowMs: Int64) {
        guard connections[connection].isIdle else { return }
        if connections[connection].state == .open { tlsDeadlines.cancel(connection) }   // nothing waits for an answer
        connections[connection].idleSinceMs = nowMs
        idleTimers.arm(connection, atMs: nowMs + limits.idleTimeoutMs)
    }

    // MARK: ending

    /// Closes the socket at once; what is buffered and one failure per
    /// waiting query are handed out by `nextEvent`, then the slot is free.
    func fail(_ connection: Int, _ why: TransportFailure, discardInput: Bool) {
        let c = connections + connection
        guard c.pointee.isUsable else { return }
        closeSocket(connection)
        c.pointee.state = .closing(.failed(why))
        if discardInput {
            c.pointee.readStart = 0
            c.pointee.readEnd = 0
        }
    }

    func closeSocket(_ connection: Int) {
        let c = connections + connection
        endTLS(connection)   // close_notify goes out before the socket closes
        guard c.pointee.fd >= 0 else { return }
        epoll.remove(c.pointee.fd)
        Socket.close(c.pointee.fd)
        c.pointee.fd = -1
        idleTimers.cancel(connection)
        tlsDeadlines.cancel(connection)
    }

    /// Frees the slot, counting how the connection ended. Queries still
    /// waiting must have had their failure handed out already.
    func close(_ connection: Int, _ end: ConnectionEnd) {
        let c = connections + connection
        precondition(c.pointee.ownedCount == 0, "a connection closed under a waiting query")
        closeSocket(connection)
        for cell in (connection * limits.queriesPerConnectionMax)..<((connection + 1) * limits.queriesPerConnectionMax)
            where cells[cell].state != .free { freeCell(cell, of: connection) }
        noteTLSEnd(connection, end)
        let generation = c.pointee.generation &+ 1
        c.pointee = TCPConnection()
        c.pointee.generation = generation
        stats.countEnd(end)
        noteConnectionReleased()
    }

    func requestAttention(_ connection: Int) {
        guard !connections[connection].inAttention, attentionCount < limits.maxOutgoingTCP else { return }
        connections[connection].inAttention = true
        attention[attentionCount] = Int32(connection)
        attentionCount += 1
    }
}
