import Fixed
import Platform

/// UDP: one fresh socket per query, bound to a random source port and
/// connected to the server, so the kernel delivers only the server's
/// datagrams (RFC 5452 §9.2: an attacker must guess ID and port).
extension Transport {
    /// Opens, binds, connects and writes; the socket's descriptor, or a refusal.
    func openUDP(_ index: Int, to server: Address, _ query: UnsafeRawBufferPointer) throws(SendRefusal) -> Int32 {
        var fd: Int32 = -1
        do throws(Errno) {
            fd = try Socket.udp(ipv6: server.isIPv6)
            var any = Address()
            any.raw.family = server.raw.family
            _ = try Socket.bindRandomPort(fd, any, attempts: TransportLimits.randomPortAttempts)
            try Socket.connect(fd, server)
            _ = try Socket.write(fd, query)
            let token = SocketToken(isTCP: false, index: index, generation: queries[index].generation)
            try epoll.add(fd, .readable, token: token.raw)
        } catch {
            if fd >= 0 { Socket.close(fd) }
            throw .noSocket
        }
        stats.udpQueries += 1
        return fd
    }

    /// One datagram for a ready UDP socket: a response, a failure (the
    /// socket is closed then: nothing more can come), or nothing (a stale
    /// token, or no datagram after all).
    func udpReady(_ token: SocketToken) -> TransportEvent? {
        guard queries.isInUse(token.index), queries[token.index].generation & 0x7FFF_FFFF == token.generation,
              case .udp(let fd) = queries[token.index].carrier else { return nil }
        let tag = queries[token.index].tag
        var from = Address()
        do throws(Errno) {
            let n = try Socket.receive(fd, into: responseBuffer, from: &from)
            guard n <= responseBuffer.count else { return nil }   // cannot happen: the buffer holds any datagram
            return .response(tag: tag, UnsafeRawBufferPointer(rebasing: responseBuffer[0..<n]))
        } catch {
            if error.kind == .again || error.kind == .interrupted { return nil }
            epoll.remove(fd)
            Socket.close(fd)
            queries.pointer(token.index).pointee.carrier = .done
            // A connected UDP socket reports the server's ICMP port unreachable.
            return .failure(tag: tag, error.kind == .connectionRefused ? .refused : .socketError)
        }
    }
}
