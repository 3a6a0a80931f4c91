import Config
import DNSWire
import Platform

/// Which client addresses get answers (config `list allow`; its default,
/// `IPPrefix.householdDefaults` in Config, admits only loopback, RFC 1918,
/// CGNAT, ULA and link-local sources: an open resolver on the WAN is a bug).
/// Everyone else gets REFUSED. Filled at start-up from parsed prefixes.
public struct AccessList {
    /// Most prefixes the list holds (config `list allow`); checked per query.
    public static let prefixCountMax = 64

    struct Prefix {
        var ipv6: Bool
        var bytes: (UInt64, UInt64)   // address in network order, as two words
        var length: Int
    }

    private var prefixes: [Prefix] = []   // filled at start-up, read-only after

    public init() {}

    /// The config's `list allow` prefixes (the config refuses more than
    /// `prefixCountMax`).
    public init(allow prefixes: [IPPrefix]) {
        for prefix in prefixes {
            guard let address = Address(bytes: prefix.address.bytes, port: 0) else { continue }
            let added = add(address: address, length: prefix.length)
            precondition(added, "config accepted more allow prefixes than AccessList holds")
        }
    }

    public var count: Int { prefixes.count }

    /// Adds `address/length`; false when the list is full or the length
    /// does not fit the family.
    public mutating func add(address: Address, length: Int) -> Bool {
        guard prefixes.count < AccessList.prefixCountMax,
              length >= 0, length <= (address.isIPv6 ? 128 : 32) else { return false }
        prefixes.append(Prefix(ipv6: address.isIPv6, bytes: AccessList.words(address), length: length))
        return true
    }

    /// True when `address` falls in one of the prefixes. IPv4-mapped IPv6
    /// sources (::ffff:a.b.c.d) are checked as IPv4.
    public func allows(_ address: Address) -> Bool {
        var ipv6 = address.isIPv6
        var words = AccessList.words(address)
        if ipv6 && words.0 == 0 && (words.1 >> 32) == 0xFFFF {
            ipv6 = false
            words = ((words.1 & 0xFFFF_FFFF) << 32, 0)
        }
        // By index: an unoptimised build's array iterator allocates, one
        // heap block per refused query (tests_operator.py counts them).
        for i in 0..<prefixes.count where prefixes[i].ipv6 == ipv6 {
            if AccessList.matches(words, prefixes[i].bytes, length: prefixes[i].length) { return true }
        }
        return false
    }

    static func matches(_ a: (UInt64, UInt64), _ b: (UInt64, UInt64), length: Int) -> Bool {
        if length == 0 { return true }
        if length <= 64 {
            let mask: UInt64 = length == 64 ? ~0 : ~(~UInt64(0) >> UInt64(length))
            return (a.0 & mask) == (b.0 & mask)
        }
        if a.0 != b.0 { return false }
        let rest = length - 64
        let mask: UInt64 = rest == 64 ? ~0 : ~(~UInt64(0) >> UInt64(rest))
        return (a.1 & mask) == (b.1 & mask)
    }

    /// The address as two big-endian words (IPv4 in the top 32 bits).
    static func words(_ address: Address) -> (UInt64, UInt64) {
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<8 { hi = hi << 8 | UInt64(address.isIPv4 && i >= 4 ? 0 : address.byte(i)) }
        if address.isIPv6 { for i in 8..<16 { lo = lo << 8 | UInt64(address.byte(i)) } }
        return (hi, lo)
    }
}
