import Fixed
import Platform

/// The byte streams of TCP connections: writing queued queries in order,
/// reading frames (RFC 1035 §4.2.2: a two-byte length, then the message),
/// matching answers to queries out of order (RFC 7766 §7), and handing out
/// what a closed connection leaves behind.
extension Transport {
    // MARK: writing

    /// Writes queued cells in send order until done or the socket is full.
    /// The failure when the socket broke.
    func flush(_ connection: Int) -> TransportFailure? {
        let c = connections + connection
        while true {
            if c.pointee.writingCell < 0 {
                guard let next = oldestQueuedCell(connection) else {
                    setWriteInterest(connection, false)
                    return nil
                }
                c.pointee.writingCell = Int32(next)
                c.pointee.writeOffset = 0
            }
            let cell = Int(c.pointee.writingCell)
            let frame = cellFrame(cell)
            let pending = UnsafeRawBufferPointer(rebasing: frame[c.pointee.writeOffset..<cells[cell].frameByteCount])
            if c.pointee.isTLS {
                switch tlsWrite(connection, pending) {
                case .wrote(let n): c.pointee.writeOffset += n
                case .wait:
                    setWriteInterest(connection, true)
                    return nil
                case .failed(let why): return why
                }
            } else { do throws(Errno) {
                c.pointee.writeOffset += try Socket.write(c.pointee.fd, pending)
            } catch {
                if error.kind == .again || error.kind == .interrupted {
                    setWriteInterest(connection, true)
                    return nil
                }
                return error.kind == .connectionReset || error.kind == .brokenPipe ? .reset : .socketError
            } }
            if c.pointee.writeOffset < cells[cell].frameByteCount { continue }
            c.pointee.writingCell = -1
            if cells[cell].owner < 0 { freeCell(cell, of: connection) } else { cells[cell].state = .written }
        }
    }

    func oldestQueuedCell(_ connection: Int) -> Int? {
        let first = connection * limits.queriesPerConnectionMax
        var oldest: Int? = nil
        for cell in first..<(first + limits.queriesPerConnectionMax) where cells[cell].state == .queued {
            // Sequence numbers wrap: compare by distance from the oldest so far.
            if let o = oldest, Int32(bitPattern: cells[cell].sequence &- cells[o].sequence) >= 0 { continue }
            oldest = cell
        }
        return oldest
    }

    func setWriteInterest(_ connection: Int, _ on: Bool) {
        let c = connections + connection
        guard c.pointee.wantsWrite != on, c.pointee.fd >= 0 else { return }
        c.pointee.wantsWrite = on
        try? epoll.modify(c.pointee.fd, on ? [.readable, .writable] : .readable, token: token(connection))
    }

    // MARK: readiness

    /// Carries out readiness on a connection: the end of a connect, queued
    /// writes, one read. True when it has something to hand out.
    func tcpReady(_ token: SocketToken, _ ready: Readiness, nowMs: Int64) -> Bool {
        guard token.index < limits.maxOutgoingTCP else { return false }
        let c = connections + token.index
        guard c.pointee.isUsable, c.pointee.generation & 0x7FFF_FFFF == token.generation else { return false }
        if c.pointee.state == .connecting {
            // RFC 7766 §6.2.4: a failed set-up fails every query queued on it.
            if let error = Socket.pendingError(c.pointee.fd) {
                fail(token.index, error.kind == .connectionRefused ? .refused : .unreachable, discardInput: true)
                return true
            }
            guard ready.contains(.writable) else {
                // A hang-up with no error to read: the same, or it would be
                // reported again on every pass of the loop.
                guard ready.contains(.hangUp) || ready.contains(.error) else { return false }
                fail(token.index, .unreachable, discardInput: true)
                return true
            }
            if c.pointee.isTLS {
                c.pointee.state = .handshaking
                c.pointee.wantsWrite = true
                return continueHandshake(token.index, nowMs: nowMs)
            }
            c.pointee.state = .open
            c.pointee.wantsWrite = true   // the connect's interest; flush sets what it needs
            if let why = flush(token.index) {
                fail(token.index, why, discardInput: true)
                return true
            }
        } else if c.pointee.state == .handshaking {
            return continueHandshake(token.index, nowMs: nowMs)
        } else if ready.contains(.writable), let why = flush(token.index) {
            fail(token.index, why, discardInput: false)
            return true
        }
        guard ready.contains(.readable) || ready.contains(.hangUp) || ready.contains(.error) else { return false }
        return readInput(token.index)
    }

    func readBuffer(_ connection: Int) -> UnsafeMutableRawBufferPointer {
        let size = limits.readBufferByteCount
        return UnsafeMutableRawBufferPointer(rebasing: readBytes[(connection * size)..<((connection + 1) * size)])
    }

    /// One read into the connection's buffer. A close by the server or an
    /// error ends the connection (its frames are still handed out first).
    func readInput(_ connection: Int) -> Bool {
        let c = connections + connection
        let buffer = readBuffer(connection)
        if c.pointee.readStart > 0 {   // move the partial frame to the front
            let live = c.pointee.readEnd - c.pointee.readStart
            if live > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + c.pointee.readStart, byteCount: live) }
            c.pointee.readStart = 0
            c.pointee.readEnd = live
        }
        guard c.pointee.readEnd < buffer.count else { return true }   // a whole frame is buffered
        if c.pointee.isTLS { return tlsReadInput(connection, into: buffer) }
        let n: Int
        do throws(Errno) {
            n = try Socket.read(c.pointee.fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[c.pointee.readEnd...]))
        } catch {
            if error.kind == .again || error.kind == .interrupted { return false }
            fail(connection, error.kind == .connectionReset || error.kind == .brokenPipe ? .reset : .socketError,
                 discardInput: false)
            return true
        }
        if n == 0 {   // the server closed: mid-answer or not is known once the frames are out
            closeSocket(connection)
            c.pointee.state = .closing(.byServer)
            return true
        }
        c.pointee.readEnd += n
        return true
    }

    // MARK: handing out

    /// The next answer or failure of a connection, or nil when it has none.
    func nextConnectionEvent(_ connection: Int, nowMs: Int64) -> TransportEvent? {
        let c = connections + connection
        if let event = probeEvent(connection) { return event }
        // Bounded: each pass takes a frame, or decrypted bytes mbedTLS holds
        // that no socket readiness would announce again.
        for _ in 0..<TransportLimits.tlsReadPassesMax {
            while let frame = nextFrame(connection) {
                switch frame {
                case .bad(let why):
                    if c.pointee.isUsable { fail(connection, why, discardInput: true) } else { discardInput(connection, why) }
                case .message(let start, let length):
                    if let event = deliver(connection, start: start, length: length, nowMs: nowMs) { return event }
                }
            }
            guard c.pointee.isTLS, c.pointee.state == .open, tlsHasPending(connection) else { break }
            _ = readInput(connection)
        }
        guard case .closing(var end) = c.pointee.state else { return nil }
        // Queries still waiting, or half an answer: the server closed mid-answer.
        if end == .byServer && (c.pointee.ownedCount > 0 || c.pointee.readEnd > c.pointee.readStart) {
            end = .failed(.closedMidAnswer)
            c.pointee.state = .closing(end)
        }
        if case .failed = end, c.pointee.isProbe, !c.pointee.probeReported {
            c.pointee.probeReported = true
            return .tlsProbe(tag: c.pointee.probeTag, server: c.pointee.server, succeeded: false)
        }
        if case .failed(let why) = end, let cell = firstOwnedCell(connection) {
            let owner = Int(cells[cell].owner)
            freeCell(cell, of: connection)
            c.pointee.ownedCount -= 1
            if c.pointee.writingCell == Int32(cell) { c.pointee.writingCell = -1 }
            queries.pointer(owner).pointee.carrier = .done
            return .failure(tag: queries[owner].tag, why)
        }
        close(connection, end)
        return nil
    }

    /// A bad frame on a connection already closing: the rest is unreadable.
    func discardInput(_ connection: Int, _ why: TransportFailure) {
        let c = connections + connection
        c.pointee.readStart = 0
        c.pointee.readEnd = 0
        if case .closing(.byServer) = c.pointee.state { c.pointee.state = .closing(.failed(why)) }
    }

    enum Frame {
        case message(start: Int, length: Int)
        case bad(TransportFailure)
    }

    /// The next complete frame in the read buffer, or nil.
    func nextFrame(_ connection: Int) -> Frame? {
        let c = connections + connection
        let buffer = readBuffer(connection)
        let have = c.pointee.readEnd - c.pointee.readStart
        guard have >= 2 else { return nil }
        let length = Int(buffer[c.pointee.readStart]) << 8 | Int(buffer[c.pointee.readStart + 1])
        if length < TransportLimits.headerByteCount { return .bad(.malformedFrame) }
        if length > limits.responseByteCountMax { return .bad(.oversizeFrame) }
        guard have >= 2 + length else { return nil }
        let start = c.pointee.readStart + 2
        c.pointee.readStart += 2 + length
        if c.pointee.readStart == c.pointee.readEnd {
            c.pointee.readStart = 0
            c.pointee.readEnd = 0
        }
        return .message(start: start, length: length)
    }

    /// Hands out an answer if it matches a query waiting on the connection
    /// (RFC 7766 §7: same ID and, when the answer has one, same question).
    func deliver(_ connection: Int, start: Int, length: Int, nowMs: Int64) -> TransportEvent? {
        let message = UnsafeRawBufferPointer(rebasing: readBuffer(connection)[start..<(start + length)])
        let id = UInt16(message[0]) << 8 | UInt16(message[1])
        guard let cell = waitingCell(connection, wireID: id),
              QuestionMatch.sameQuestion(query: UnsafeRawBufferPointer(rebasing: cellFrame(cell)[2..<cells[cell].frameByteCount]),
                                         response: message) else {
            stats.tcpUnmatchedAnswers += 1
            return nil
        }
        let out = UnsafeMutableRawBufferPointer(rebasing: responseBuffer[0..<length])
        out.copyMemory(from: message)
        out[0] = UInt8(cells[cell].originalID >> 8)   // the ID the caller sent
        out[1] = UInt8(truncatingIfNeeded: cells[cell].originalID)
        let owner = Int(cells[cell].owner)
        freeCell(cell, of: connection)
        connections[connection].ownedCount -= 1
        queries.pointer(owner).pointee.carrier = .done
        noteMaybeIdle(connection, nowMs: nowMs)
        return .response(tag: queries[owner].tag, UnsafeRawBufferPointer(out))
    }

    /// The written cell some query waits on with this wire ID.
    func waitingCell(_ connection: Int, wireID: UInt16) -> Int? {
        let first = connection * limits.queriesPerConnectionMax
        for cell in first..<(first + limits.queriesPerConnectionMax)
            where cells[cell].state == .written && cells[cell].owner >= 0 && cells[cell].wireID == wireID { return cell }
        return nil
    }

    func firstOwnedCell(_ connection: Int) -> Int? {
        let first = connection * limits.queriesPerConnectionMax
        for cell in first..<(first + limits.queriesPerConnectionMax)
            where cells[cell].state != .free && cells[cell].owner >= 0 { return cell }
        return nil
    }

    // MARK: IDs

    /// `preferred` when no query on the connection has it on the wire;
    /// else a random free ID (the answer gets `preferred` back), so two
    /// queries in flight on one connection never share an ID.
    func freeWireID(on connection: Int, preferring preferred: UInt16) -> UInt16 {
        if !wireIDInUse(preferred, on: connection) { return preferred }
        stats.tcpIDsRewritten += 1
        var candidate = preferred
        for _ in 0..<TransportLimits.idDrawsMax {
            candidate = UInt16(truncatingIfNeeded: (try? Random.uint64()) ?? UInt64(candidate &+ 1))
            if !wireIDInUse(candidate, on: connection) { return candidate }
        }
        // At most queriesPerConnectionMax IDs are taken: a free one is near.
        while wireIDInUse(candidate, on: connection) { candidate &+= 1 }
        return candidate
    }

    func wireIDInUse(_ id: UInt16, on connection: Int) -> Bool {
        let first = connection * limits.queriesPerConnectionMax
        for cell in first..<(first + limits.queriesPerConnectionMax)
            where cells[cell].state != .free && cells[cell].wireID == id { return true }
        return false
    }
}

/// RFC 7766 §7: "If the response contains a question section, the client
/// MUST match the QNAME, QCLASS, and QTYPE fields." Names compare ASCII
/// case-insensitively (RFC 4343); 0x20 spelling is the caller's check.
enum QuestionMatch {
    static func sameQuestion(query: UnsafeRawBufferPointer, response: UnsafeRawBufferPointer) -> Bool {
        let header = TransportLimits.headerByteCount
        guard query.count > header, response.count >= header else { return false }
        let responseQuestions = Int(response[4]) << 8 | Int(response[5])
        if responseQuestions == 0 { return true }   // no question section: the ID alone matches
        var q = header, r = header
        // A name in the first question cannot be compressed (no earlier
        // name to point to): a pointer is no match. At most 255 bytes.
        while q < query.count && r < response.count && q - header <= 255 {
            let length = Int(query[q])
            guard length == Int(response[r]), length & 0xC0 == 0 else { return false }
            if length == 0 { break }
            guard q + 1 + length <= query.count, r + 1 + length <= response.count else { return false }
            for i in 1...length where lowercased(query[q + i]) != lowercased(response[r + i]) { return false }
            q += 1 + length
            r += 1 + length
        }
        guard q + 5 <= query.count, r + 5 <= response.count, query[q] == 0, response[r] == 0 else { return false }
        for i in 1...4 where query[q + i] != response[r + i] { return false }   // QTYPE, QCLASS
        return true
    }

    static func lowercased(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
}
