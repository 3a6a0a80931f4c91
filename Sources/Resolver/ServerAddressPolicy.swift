import Fixed

/// Which authoritative server addresses iterative resolution may query.
/// Owns the loopback rule (Unbound's `do-not-query-localhost`, DESIGN.md §6):
/// no public zone is served from the router itself, so a referral, a cached
/// address or a root hint pointing at loopback or at an unspecified address
/// is a broken or poisoned delegation, and following it would aim the
/// resolver at the router's own services. Refused unless the config says
/// otherwise (`option query_loopback '1'`, for test beds on 127.0.0.0/8).
/// Never: applies to forwarding upstreams — a forwarder to a local Unbound
/// on 127.0.0.1 is normal, and the operator named that address.
extension ServerAddress {
    /// 127.0.0.0/8 (RFC 1122 §3.2.1.3 (g)), 0.0.0.0/8 ("this host on this
    /// network", RFC 1122 §3.2.1.3 (a)/(b): a source, never a destination;
    /// Linux delivers a packet sent to 0.0.0.0 to the host itself), ::1 and
    /// :: (RFC 4291 §2.5.2, §2.5.3), and the IPv4-mapped forms of the IPv4
    /// ones (::ffff:0:0/96, RFC 4291 §2.5.5.2), which reach the same host.
    public var isLoopbackOrUnspecified: Bool {
        if !isIPv6 { return ServerAddress.isLoopbackOrUnspecifiedIPv4(firstByte: byte(0)) }
        guard high == 0 else { return false }
        if low == 0 || low == 1 { return true }                        // :: and ::1
        guard low >> 32 == ServerAddress.ipv4MappedMarker else { return false }
        return ServerAddress.isLoopbackOrUnspecifiedIPv4(firstByte: byte(12))   // ::ffff:a.b.c.d
    }

    /// Bits 32–63 of an IPv4-mapped address's low half (`::ffff:a.b.c.d`).
    static let ipv4MappedMarker: UInt64 = 0xFFFF

    static func isLoopbackOrUnspecifiedIPv4(firstByte: UInt8) -> Bool {
        firstByte == 127 || firstByte == 0
    }
}

extension ResolverCore {
    /// Adds `address` to task `index`'s servers, unless the loopback rule
    /// refuses it (counted: `resolver.loopback_refused`). Every address a
    /// task may query — glue, cached A/AAAA of NS names, root hints — goes
    /// through here.
    mutating func addServer(_ index: Int, _ address: ServerAddress) {
        if !outgoing.pointer(index).pointee.iteration.servers.add(address, allowingLoopback: settings.queryLoopback) {
            stats.loopbackRefused += 1
        }
    }
}

extension ServerSet {
    /// Adds `a` unless it is loopback or unspecified and that is not
    /// allowed; false when refused. (For closures that cannot reach the
    /// engine; they count the refusals into `loopbackRefused` themselves.)
    mutating func add(_ a: ServerAddress, allowingLoopback: Bool) -> Bool {
        if !allowingLoopback && a.isLoopbackOrUnspecified { return false }
        add(a)
        return true
    }
}
