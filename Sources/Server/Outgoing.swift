import Fixed
import Platform
import Resolver

/// Outgoing queries: one fresh UDP socket per query on a random source
/// port, connected to the server so the kernel drops datagrams from any
/// other source; TCP (for truncated answers) through a small pool of
/// 64 KiB buffers.
extension ServerSockets {
    func address(_ server: ServerAddress) -> Address {
        var a = Address()
        a.raw.family = server.isIPv6 ? 6 : 4
        a.raw.port = server.port
        withUnsafeMutableBytes(of: &a.raw.bytes) { b in
            for i in 0..<16 { b[i] = server.byte(i) }
        }
        return a
    }

    func openOutgoing(_ ref: QueryRef, to server: ServerAddress, overTCP: Bool,
                      _ message: UnsafeRawBufferPointer) -> Bool {
        let index = Int(ref.slot)
        closeOutgoing(index)
        let slot = outgoing + index
        slot.pointee.ref = ref
        let target = address(server)
        var fd: Int32 = -1
        do throws(Errno) {
            if overTCP {
                guard let buffer = tcpBuffers.acquire() else {
                    stats.outgoingNoTCPBuffer += 1
                    return false
                }
                slot.pointee.tcpBuffer = buffer
                fd = try Socket.tcp(ipv6: server.isIPv6)
                let bytes = outgoingTCPBuffer(buffer)
                bytes[0] = UInt8(truncatingIfNeeded: message.count >> 8)
                bytes[1] = UInt8(truncatingIfNeeded: message.count)
                (bytes.baseAddress! + 2).copyMemory(from: message.baseAddress!, byteCount: message.count)
                slot.pointee.tcpDone = 0
                slot.pointee.tcpTotal = message.count + 2
                slot.pointee.state = .tcpConnecting
                do throws(Errno) { try Socket.connect(fd, target) } catch {
                    if error.kind != .inProgress { throw error }
                }
                try epoll.add(fd, .writable, token: Token(.outgoing, index, generation: slot.pointee.generation).raw)
            } else {
                fd = try Socket.udp(ipv6: server.isIPv6)
                var any = Address()
                any.raw.family = server.isIPv6 ? 6 : 4
                _ = try Socket.bindRandomPort(fd, any, attempts: ServerLimits.randomPortAttempts)
                try Socket.connect(fd, target)
                _ = try Socket.write(fd, message)
                slot.pointee.state = .udp
                try epoll.add(fd, .readable, token: Token(.outgoing, index, generation: slot.pointee.generation).raw)
            }
        } catch {
            if fd >= 0 { Socket.close(fd) }
            if slot.pointee.tcpBuffer >= 0 { tcpBuffers.release(slot.pointee.tcpBuffer); slot.pointee.tcpBuffer = -1 }
            slot.pointee.state = .idle
            stats.outgoingNoSocket += 1
            return false
        }
        slot.pointee.fd = fd
        slot.pointee.server = server
        return true
    }

    /// The resolver's query carried by outgoing socket `index`.
    func outgoingRef(_ index: Int) -> QueryRef { outgoing[index].ref }

    func closeOutgoing(_ index: Int) {
        let slot = outgoing + index
        if slot.pointee.fd >= 0 {
            epoll.remove(slot.pointee.fd)
            Socket.close(slot.pointee.fd)
            slot.pointee.fd = -1
        }
        if slot.pointee.tcpBuffer >= 0 {
            tcpBuffers.release(slot.pointee.tcpBuffer)
            slot.pointee.tcpBuffer = -1
        }
        slot.pointee.state = .idle
        slot.pointee.generation &+= 1
    }

    func outgoingTCPBuffer(_ buffer: Int) -> UnsafeMutableRawBufferPointer {
        let size = 2 + ServerLimits.messageByteCountMax
        return UnsafeMutableRawBufferPointer(rebasing: tcpBufferBytes[(buffer * size)..<((buffer + 1) * size)])
    }

    /// What readiness on an outgoing socket produced.
    enum OutgoingEvent {
        case nothing
        case response(UnsafeRawBufferPointer)
        case failed
    }

    /// Advances outgoing socket `index` after a readiness event.
    func outgoingReady(_ index: Int, _ ready: Readiness) -> OutgoingEvent {
        let slot = outgoing + index
        switch slot.pointee.state {
        case .idle:
            return .nothing
        case .udp:
            var from = Address()
            do throws(Errno) {
                let n = try Socket.receive(slot.pointee.fd, into: receiveBuffer, from: &from)
                if n > receiveBuffer.count { return .nothing }   // cannot happen: buffer is 64 KiB
                return .response(UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<n]))
            } catch {
                return error.kind == .again ? .nothing : .failed
            }
        case .tcpConnecting, .tcpWriting:
            if Socket.pendingError(slot.pointee.fd) != nil { return .failed }
            slot.pointee.state = .tcpWriting
            let bytes = outgoingTCPBuffer(slot.pointee.tcpBuffer)
            do throws(Errno) {
                let pending = UnsafeRawBufferPointer(rebasing: bytes[slot.pointee.tcpDone..<slot.pointee.tcpTotal])
                slot.pointee.tcpDone += try Socket.write(slot.pointee.fd, pending)
            } catch {
                return error.kind == .again ? .nothing : .failed
            }
            if slot.pointee.tcpDone < slot.pointee.tcpTotal { return .nothing }
            slot.pointee.state = .tcpReading
            slot.pointee.tcpDone = 0
            slot.pointee.tcpTotal = 2
            try? epoll.modify(slot.pointee.fd, .readable, token: Token(.outgoing, index, generation: slot.pointee.generation).raw)
            return .nothing
        case .tcpReading:
            return readTCPResponse(index)
        }
    }

    private func readTCPResponse(_ index: Int) -> OutgoingEvent {
        let slot = outgoing + index
        let bytes = outgoingTCPBuffer(slot.pointee.tcpBuffer)
        while slot.pointee.tcpDone < slot.pointee.tcpTotal {
            let room = UnsafeMutableRawBufferPointer(rebasing: bytes[slot.pointee.tcpDone..<slot.pointee.tcpTotal])
            let n: Int
            do throws(Errno) { n = try Socket.read(slot.pointee.fd, into: room) } catch {
                return error.kind == .again ? .nothing : .failed
            }
            if n == 0 { return .failed }   // closed before a whole message
            slot.pointee.tcpDone += n
            if slot.pointee.tcpDone == 2 && slot.pointee.tcpTotal == 2 {
                let length = Int(bytes[0]) << 8 | Int(bytes[1])
                if length < 12 { return .failed }
                slot.pointee.tcpTotal = 2 + length
            }
        }
        return .response(UnsafeRawBufferPointer(rebasing: bytes[2..<slot.pointee.tcpTotal]))
    }
}
