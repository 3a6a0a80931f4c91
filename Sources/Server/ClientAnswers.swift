import Fixed
import Platform
import Resolver

/// Delivering answers to clients over UDP and TCP.
extension ServerSockets {
    /// Sends `message` to client slot `client` and releases the slot.
    func deliver(client: Int, _ message: UnsafeRawBufferPointer) {
        let slot = clients[client]
        clients.release(client)
        if !slot.overTCP {
            sendUDP(udpListeners[Int(slot.listener)], message, to: slot.address, from: slot.local)
            return
        }
        let index = Int(slot.connection)
        guard tcpClients.isInUse(index), tcpClients[index].generation == slot.generation else {
            return   // the connection closed while the query was in flight
        }
        tcpClients.pointer(index).pointee.pendingQueries -= 1
        queueTCP(index, message)
    }

    /// Appends `[length][message]` to connection `index`'s output, writing
    /// straight to the socket when nothing is queued.
    func queueTCP(_ index: Int, _ message: UnsafeRawBufferPointer) {
        let conn = tcpClients.pointer(index)
        let total = message.count + 2
        let out = tcpWriteBuffer(index)
        if conn.pointee.writeEnd == 0 {
            // Common case: frame in the send buffer and write directly.
            sendBuffer[0] = UInt8(truncatingIfNeeded: message.count >> 8)
            sendBuffer[1] = UInt8(truncatingIfNeeded: message.count)
            UnsafeMutableRawBufferPointer(rebasing: sendBuffer[2..<total]).copyMemory(from: message)
            var written = 0
            do throws(Errno) {
                written = try Socket.write(conn.pointee.fd, UnsafeRawBufferPointer(rebasing: sendBuffer[0..<total]))
            } catch {
                if error.kind != .again { closeTCP(index); return }
            }
            if written == total { return }
            let rest = total - written
            guard rest <= out.count else { stats.tcpSlowClientsClosed += 1; closeTCP(index); return }
            out.baseAddress!.copyMemory(from: sendBuffer.baseAddress! + written, byteCount: rest)
            conn.pointee.writeStart = 0
            conn.pointee.writeEnd = rest
        } else {
            compactTCPWrite(index)
            guard conn.pointee.writeEnd + total <= out.count else {
                stats.tcpSlowClientsClosed += 1
                closeTCP(index)
                return
            }
            let end = conn.pointee.writeEnd
            out[end] = UInt8(truncatingIfNeeded: message.count >> 8)
            out[end + 1] = UInt8(truncatingIfNeeded: message.count)
            (out.baseAddress! + end + 2).copyMemory(from: message.baseAddress!, byteCount: message.count)
            conn.pointee.writeEnd = end + total
        }
        setTCPWriteInterest(index, true)
    }

    func tcpWriteBuffer(_ index: Int) -> UnsafeMutableRawBufferPointer {
        let size = ServerLimits.tcpWriteBufferByteCount
        return UnsafeMutableRawBufferPointer(rebasing: tcpWrite[(index * size)..<((index + 1) * size)])
    }

    func tcpReadBuffer(_ index: Int) -> UnsafeMutableRawBufferPointer {
        let size = ServerSockets.tcpReadByteCount
        return UnsafeMutableRawBufferPointer(rebasing: tcpRead[(index * size)..<((index + 1) * size)])
    }

    func compactTCPWrite(_ index: Int) {
        let conn = tcpClients.pointer(index)
        let start = conn.pointee.writeStart
        if start == 0 { return }
        let out = tcpWriteBuffer(index)
        let live = conn.pointee.writeEnd - start
        if live > 0 { out.baseAddress!.copyMemory(from: out.baseAddress! + start, byteCount: live) }
        conn.pointee.writeStart = 0
        conn.pointee.writeEnd = live
    }

    /// Flushes queued output when the socket is writable again.
    func flushTCP(_ index: Int) {
        let conn = tcpClients.pointer(index)
        let out = tcpWriteBuffer(index)
        while conn.pointee.writeStart < conn.pointee.writeEnd {
            let pending = UnsafeRawBufferPointer(rebasing: out[conn.pointee.writeStart..<conn.pointee.writeEnd])
            do throws(Errno) {
                conn.pointee.writeStart += try Socket.write(conn.pointee.fd, pending)
            } catch {
                if error.kind == .again { return }
                closeTCP(index)
                return
            }
        }
        conn.pointee.writeStart = 0
        conn.pointee.writeEnd = 0
        setTCPWriteInterest(index, false)
    }

    func setTCPWriteInterest(_ index: Int, _ on: Bool) {
        let conn = tcpClients.pointer(index)
        if conn.pointee.wantsWrite == on { return }
        conn.pointee.wantsWrite = on
        let interest: Readiness = on ? [.readable, .writable] : .readable
        try? epoll.modify(conn.pointee.fd, interest, token: Token(.tcpClient, index, generation: conn.pointee.generation).raw)
    }

    func closeTCP(_ index: Int) {
        guard tcpClients.isInUse(index) else { return }
        let conn = tcpClients.pointer(index)
        epoll.remove(conn.pointee.fd)
        Socket.close(conn.pointee.fd)
        conn.pointee.fd = -1
        conn.pointee.generation &+= 1   // in-flight answers for it are dropped
        tcpTimers.cancel(index)
        tcpClients.release(index)
    }

    /// Accepts pending connections; beyond the pool's size they are closed.
    func acceptTCP(listener: Int, nowMs: Int64) {
        for _ in 0..<ServerLimits.datagramsPerWakeMax {
            var peer = Address()
            let fd: Int32
            do throws(Errno) { fd = try Socket.accept(tcpListeners[listener], peer: &peer) } catch { return }
            guard acl.allows(peer) else {
                stats.refusedByACL += 1
                queryLog.note(.refusedACL, client: peer, nowMs: nowMs)
                Socket.close(fd)
                continue
            }
            guard let index = tcpClients.acquire() ?? makeRoomForTCP() else {
                stats.droppedTCPFull += 1
                queryLog.note(.tcpFull, client: peer, nowMs: nowMs)
                Socket.close(fd)
                continue
            }
            let conn = tcpClients.pointer(index)
            let generation = conn.pointee.generation
            conn.pointee = TCPClient()
            conn.pointee.fd = fd
            conn.pointee.generation = generation
            conn.pointee.peer = peer
            do throws(Errno) {
                try epoll.add(fd, .readable, token: Token(.tcpClient, index, generation: generation).raw)
            } catch {
                Socket.close(fd)
                tcpClients.release(index)
                continue
            }
            conn.pointee.lastActiveMs = nowMs
            tcpTimers.arm(index, atMs: nowMs + limits.tcpIdleTimeoutMs)
        }
    }

    /// RFC 7766 §6.2.3: under pressure, idle connections are closed first.
    /// With every TCP slot taken, the connection idle longest (nothing in
    /// flight, no partial query) is closed for the newcomer; if none is
    /// idle the newcomer is refused (`drop.tcp_full`). Without this, clients
    /// that open connections and never send held every slot until the idle
    /// timeout while real clients were reset.
    func makeRoomForTCP() -> Int? {
        var victim = -1
        for i in 0..<tcpClients.capacity where tcpClients.isInUse(i) && tcpClients[i].isIdle {
            if victim < 0 || tcpClients[i].lastActiveMs < tcpClients[victim].lastActiveMs { victim = i }
        }
        guard victim >= 0 else { return nil }
        stats.tcpClosedForRoom += 1
        closeTCP(victim)
        return tcpClients.acquire()
    }
}
