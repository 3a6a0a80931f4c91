/// The built-in local zones, by the RFC that names them.
enum SpecialUseZones {
    /// RFC 6761 §6.3.
    static let localhost = ["localhost."]
    /// RFC 6761 §6.4.
    static let invalid = ["invalid."]

    /// RFC 6303 §4 (the locally served zones registry), RFC 7793 (the
    /// shared address space 100.64.0.0/10, one zone per /16), and RFC 8375
    /// `home.arpa`. Unbound serves the same set by default.
    static func locallyServed() -> [String] {
        var zones = [
            "0.in-addr.arpa.",                 // §4.1: "this" network (RFC 1122)
            "10.in-addr.arpa.",                // §4.1: RFC 1918
            "168.192.in-addr.arpa.",
            "127.in-addr.arpa.",               // §4.2: loopback
            "254.169.in-addr.arpa.",           // §4.3: link-local
            "2.0.192.in-addr.arpa.",           // §4.4: documentation (TEST-NET-1..3)
            "100.51.198.in-addr.arpa.",
            "113.0.203.in-addr.arpa.",
            "255.255.255.255.in-addr.arpa.",   // §4.5: broadcast
            "d.f.ip6.arpa.",                   // §4.6: ULA fc00::/7 (fd00::/8 in use)
            "8.e.f.ip6.arpa.",                 // §4.7: link-local fe80::/10
            "9.e.f.ip6.arpa.",
            "a.e.f.ip6.arpa.",
            "b.e.f.ip6.arpa.",
            "8.b.d.0.1.0.0.2.ip6.arpa.",       // §4.8: documentation 2001:db8::/32
            "home.arpa.",                      // RFC 8375 §7
        ]
        for octet in 16...31 { zones.append("\(octet).172.in-addr.arpa.") }    // §4.1: 172.16/12
        for octet in 64...127 { zones.append("\(octet).100.in-addr.arpa.") }   // RFC 7793: 100.64/10
        zones.append(nibbles(count: 32, first: "0"))   // §4.6: :: unspecified
        zones.append(nibbles(count: 32, first: "1"))   // §4.6: ::1 loopback
        return zones
    }

    /// The reverse name of an address whose 32 nibbles are zero except the
    /// last one, `first` (`1.0.0…0.ip6.arpa.` for ::1).
    static func nibbles(count: Int, first: String) -> String {
        var text = first + "."
        for _ in 1..<count { text += "0." }
        return text + "ip6.arpa."
    }

    /// Names that have a PTR to `localhost.` inside their locally served
    /// zone (RFC 6761 §6.3 for the reverse of the loopback addresses).
    static let loopbackPTRs = ["1.0.0.127.in-addr.arpa.", nibbles(count: 32, first: "1")]
}
