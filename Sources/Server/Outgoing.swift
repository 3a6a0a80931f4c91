import DNSWire
import Platform
import Resolver
import Transport

/// The core's outgoing queries, carried by Transport. The core's query
/// (`QueryRef`: task slot and send serial) travels as Transport's tag; its
/// handle is kept here, by slot, until the core cancels it (or sends on the
/// slot again), so each send is ended by exactly one cancel. Transport's
/// events go back to the core with the same QueryRef
/// (`EventLoop.deliverTransportEvents`).
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

    /// A QueryRef as Transport's tag, and back.
    static func tag(_ ref: QueryRef) -> UInt64 { UInt64(UInt32(bitPattern: ref.slot)) << 32 | UInt64(ref.serial) }
    static func ref(_ tag: UInt64) -> QueryRef {
        QueryRef(slot: Int32(bitPattern: UInt32(truncatingIfNeeded: tag >> 32)), serial: UInt32(truncatingIfNeeded: tag))
    }

    /// False when Transport refused (it counts why); the server reports it
    /// to the core as a `.failed` event, and the core tries elsewhere.
    func sendOutgoing(_ ref: QueryRef, to server: ServerAddress, over kind: TransportKind,
                      _ message: UnsafeRawBufferPointer) -> Bool {
        let over: TransportProtocol
        switch kind {
        case .udp: over = .udp
        case .tcp: over = .tcp
        case .tls(let profile): over = .tls(TLSProfile(index: profile))
        case .tlsNamed(let profile, let name):
            // A name that is no host name has no certificate to match: the
            // send fails (the core tries the zone's next server), never plain.
            guard let peer = name.withUnsafeBytes({ TLSPeerName(wire: $0) }) else { return false }
            over = .tlsNamed(TLSProfile(index: profile), peer)
        case .tlsDANE(let profile, let name, let dane):
            guard let peer = name.withUnsafeBytes({ TLSPeerName(wire: $0) }),
                  let records = dane.withUnsafeBytes({ TLSDANE(packed: $0) }) else { return false }
            over = .tlsDANE(TLSProfile(index: profile), peer, records)
        }
        let index = Int(ref.slot)
        releaseOutgoing(index)   // a re-send (TC → TCP) ends the previous one
        do throws(SendRefusal) {
            outgoingHandles[index] = try transport.send(tag: ServerSockets.tag(ref), to: ServerSockets.address(server),
                                                        over: over, message,
                                                        nowMs: Clock.monotonicMs())
            return true
        } catch {
            return false
        }
    }

    /// Transport's reason as the core's (the EDE text of a strict server).
    static func cause(_ why: TransportFailure) -> SendFailureCause {
        switch why {
        case .tlsCertificate: return .tlsCertificate
        case .tlsPinMismatch: return .tlsPin
        case .tlsDANEMismatch: return .tlsDANE
        case .tlsVersion: return .tlsVersion
        case .tlsHandshake, .tlsHandshakeTimeout, .tlsProtocol, .tlsNoMemory: return .tlsHandshake
        case .refused, .unreachable, .reset, .socketError: return .connection
        case .closedMidAnswer, .oversizeFrame, .malformedFrame, .tlsAnswerTimeout: return .unspecified
        }
    }

    /// RFC 9539: a TLS handshake with an authoritative server, no query;
    /// its outcome comes back tagged with the server's Do53 port. False
    /// when no handshake was started (no event will come).
    func probeTLS(_ server: ServerAddress, tlsPort: UInt16) -> Bool {
        var target = server
        target.port = tlsPort
        return transport.probeTLS(to: ServerSockets.address(target), profile: TLSProfile(index: ResolverCore.authTLSProfile),
                               tag: UInt64(server.port), nowMs: Clock.monotonicMs())
    }

    /// Transport's address as the core's, with `port`.
    static func serverAddress(_ a: Address, port: UInt16) -> ServerAddress? {
        let bytes = withUnsafeBytes(of: a.raw.bytes) { b in Array(b.prefix(a.raw.family == 6 ? 16 : 4)) }
        return ServerAddress(bytes: bytes, port: port)
    }

    func releaseOutgoing(_ index: Int) {
        guard let handle = outgoingHandles[index] else { return }
        outgoingHandles[index] = nil
        transport.cancel(handle, nowMs: Clock.monotonicMs())
    }
}
