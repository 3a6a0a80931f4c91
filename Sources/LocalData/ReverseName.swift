import DNSWire

/// The address a reverse name stands for: `d.c.b.a.in-addr.arpa.` (RFC
/// 1035 §3.5) or 32 nibble labels under `ip6.arpa.` (RFC 3596 §2.5). nil
/// for any other name, including partial ones (a zone, not an address).
enum ReverseName {
    static func address(_ name: Name) -> LocalAddress? {
        let labels = name.labelCount
        if labels == 6 && endsWith(name, "in-addr") { return ipv4(name) }
        if labels == 34 && endsWith(name, "ip6") { return ipv6(name) }
        return nil
    }

    /// Whether the second-to-last label is `label` and the last `arpa`.
    static func endsWith(_ name: Name, _ label: StaticString) -> Bool {
        let n = name.labelCount
        return labelEquals(name, n - 1, "arpa") && labelEquals(name, n - 2, label)
    }

    static func labelEquals(_ name: Name, _ index: Int, _ s: StaticString) -> Bool {
        let (offset, count) = name.label(index)
        guard count == s.utf8CodeUnitCount else { return false }
        for k in 0..<count where LocalZoneTable.lower(name[byte: offset + k]) != s.utf8Start[k] { return false }
        return true
    }

    /// Without allocating: this runs for every PTR query.
    static func ipv4(_ name: Name) -> LocalAddress? {
        var high: UInt64 = 0
        for i in 0..<4 {
            let (offset, count) = name.label(i)
            guard count >= 1 && count <= 3 else { return nil }
            var v = 0
            for k in 0..<count {
                let c = name[byte: offset + k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            // No leading zeros: "01" is not how an address is written.
            guard v <= 255, count == 1 || name[byte: offset] != 0x30 else { return nil }
            high |= UInt64(v) << UInt64(56 - 8 * (3 - i))
        }
        return LocalAddress(isIPv6: false, high: high, low: 0)
    }

    static func ipv6(_ name: Name) -> LocalAddress? {
        var address = LocalAddress(isIPv6: true, high: 0, low: 0)
        for i in 0..<32 {
            let (offset, count) = name.label(i)
            guard count == 1 else { return nil }
            let c = LocalZoneTable.lower(name[byte: offset])
            let v: UInt8
            if c >= 0x30 && c <= 0x39 { v = c - 0x30 } else if c >= 0x61 && c <= 0x66 { v = c - 0x61 + 10 } else { return nil }
            // Label 0 is the last nibble of the address (RFC 3596 §2.5).
            let shift = UInt64(4 * (i % 16))
            if i < 16 { address.low |= UInt64(v) << shift } else { address.high |= UInt64(v) << shift }
        }
        return address
    }
}
