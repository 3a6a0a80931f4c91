// One nameserver address (IPv4 or IPv6) as a plain value: 17 bytes, no heap,
// Equatable and Hashable for duplicate checks.

public enum HintAddressFamily: Equatable, Hashable, Sendable {
    case ipv4, ipv6

    /// Address bytes on the wire (A and AAAA RDATA).
    public var byteCount: Int { self == .ipv4 ? 4 : 16 }
}

public struct HintAddress: Equatable, Hashable, Sendable {
    public let family: HintAddressFamily
    /// Network-order bytes; IPv4 uses the last 4 bytes of `low`.
    @usableFromInline let high: UInt64
    @usableFromInline let low: UInt64

    /// From 4 (IPv4) or 16 (IPv6) network-order bytes.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self.init(family: .ipv4) { bytes[$0] }
        case 16: self.init(family: .ipv6) { bytes[$0] }
        default: return nil
        }
    }

    /// From `family.byteCount` bytes given by `byteAt` (caller checked bounds).
    init(family: HintAddressFamily, byteAt: (Int) -> UInt8) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<family.byteCount {
            let byte = UInt64(byteAt(i))
            if family == .ipv6 && i < 8 { high = high << 8 | byte } else { low = low << 8 | byte }
        }
        self.family = family
        self.high = high
        self.low = low
    }

    public var byteCount: Int { family.byteCount }

    /// Byte `index` in network order (index < byteCount).
    public subscript(byte index: Int) -> UInt8 {
        let count = byteCount
        precondition(index >= 0 && index < count, "address byte index out of range")
        if family == .ipv6 && index < 8 { return UInt8(truncatingIfNeeded: high >> UInt64(8 * (7 - index))) }
        let fromEnd = count - 1 - index
        return UInt8(truncatingIfNeeded: low >> UInt64(8 * fromEnd))
    }

    /// The bytes as an array (allocates: start-up, CLI and tests).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(byteCount)
        for i in 0..<byteCount { out.append(self[byte: i]) }
        return out
    }
}
