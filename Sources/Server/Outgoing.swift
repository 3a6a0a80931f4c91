import Platform
import Resolver
import Transport

/// The core's outgoing queries, carried by Transport. Outgoing query `i`
/// of the core travels as Transport's tag `i`; its handle is kept here
/// until the core releases it (or sends it again), so each send is ended by
/// exactly one cancel. Transport's events go back to the core by the same
/// number (`EventLoop.deliverTransportEvents`).
extension ServerSockets {
    static func address(_ server: ServerAddress) -> Address {
        var a = Address()
        a.raw.family = server.isIPv6 ? 6 : 4
        a.raw.port = server.port
        withUnsafeMutableBytes(of: &a.raw.bytes) { b in
            for i in 0..<16 { b[i] = server.byte(i) }
        }
        return a
    }

    /// False when Transport refused (it counts why); the core then counts
    /// a failure and tries elsewhere.
    func sendOutgoing(_ index: Int, to server: ServerAddress, overTCP: Bool,
                      _ message: UnsafeRawBufferPointer) -> Bool {
        releaseOutgoing(index)   // a re-send (TC → TCP) ends the previous one
        do throws(SendRefusal) {
            outgoingHandles[index] = try transport.send(tag: UInt64(index), to: ServerSockets.address(server),
                                                        over: overTCP ? .tcp : .udp, message,
                                                        nowMs: Clock.monotonicMs())
            return true
        } catch {
            return false
        }
    }

    func releaseOutgoing(_ index: Int) {
        guard let handle = outgoingHandles[index] else { return }
        outgoingHandles[index] = nil
        transport.cancel(handle, nowMs: Clock.monotonicMs())
    }
}

/// The resolver's view of the sockets.
struct ServerIO: ResolverIO {
    let sockets: ServerSockets

    mutating func answer(client: Int, _ message: UnsafeRawBufferPointer) {
        sockets.deliver(client: client, message)
    }

    mutating func send(outgoing: Int, to server: ServerAddress, overTCP: Bool,
                       _ message: UnsafeRawBufferPointer) -> Bool {
        sockets.sendOutgoing(outgoing, to: server, overTCP: overTCP, message)
    }

    mutating func release(outgoing: Int) {
        sockets.releaseOutgoing(outgoing)
    }

    mutating func random() -> UInt64 { sockets.nextRandom() }
}
