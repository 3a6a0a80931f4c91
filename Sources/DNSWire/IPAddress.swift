// IPAddress: an IPv4 or IPv6 address as a plain value (17 bytes, no heap,
// Equatable and Hashable), with its one text form in each direction: parsed
// as inet_pton does (dotted quads without leading zeros, RFC 4291 §2.2 for
// IPv6, no zone index) and written as RFC 5952 §4 says. A and AAAA RDATA
// text, SVCB address hints, the hint tables and the config all use it.
//
// Never: holds a port (Platform's Address and Resolver's ServerAddress add
// one) or allocates, except for `bytes`, `text` and text parsing (start-up,
// CLI, config and tests).

public enum IPAddressFamily: Equatable, Hashable, Sendable {
    case ipv4, ipv6

    /// Address bytes on the wire (A and AAAA RDATA).
    public var byteCount: Int { self == .ipv4 ? 4 : 16 }
}

public struct IPAddress: Equatable, Hashable, Sendable {
    public let family: IPAddressFamily
    /// Network-order bytes; IPv4 uses the last 4 bytes of `low`.
    @usableFromInline let high: UInt64
    @usableFromInline let low: UInt64

    /// Longest text accepted: a full IPv6 address with an IPv4 tail
    /// (INET6_ADDRSTRLEN less the NUL).
    public static let textByteCountMax = 45

    /// From 4 (IPv4) or 16 (IPv6) network-order bytes.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self.init(family: .ipv4) { bytes[$0] }
        case 16: self.init(family: .ipv6) { bytes[$0] }
        default: return nil
        }
    }

    /// From A (4 bytes) or AAAA (16 bytes) RDATA; no allocation.
    public init?(rdata: UnsafeRawBufferPointer) {
        switch rdata.count {
        case 4: self.init(family: .ipv4) { rdata[$0] }
        case 16: self.init(family: .ipv6) { rdata[$0] }
        default: return nil
        }
    }

    /// From `family.byteCount` bytes given by `byteAt` (the caller checked bounds).
    public init(family: IPAddressFamily, byteAt: (Int) -> UInt8) {
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

// MARK: text

extension IPAddress {
    /// Parses `192.0.2.1` or `2001:db8::1` (no brackets, port or zone index).
    public init?(text: [UInt8]) {
        guard text.count <= IPAddress.textByteCountMax else { return nil }
        if let v4 = IPAddress.ipv4Bytes(text[...]) {
            self.init(family: .ipv4) { v4[$0] }
        } else if let v6 = IPAddress.ipv6Bytes(text) {
            self.init(family: .ipv6) { v6[$0] }
        } else {
            return nil
        }
    }

    public init?(_ text: String) { self.init(text: Array(text.utf8)) }

    /// Dotted quad; each part 0...255 without leading zeros (as inet_pton).
    static func ipv4Bytes(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        var value = 0
        var digits = 0
        for c in text {
            if c == 0x2E {
                if digits == 0 || out.count == 3 { return nil }
                out.append(UInt8(value))
                value = 0
                digits = 0
            } else if c >= 0x30 && c <= 0x39 {
                if digits > 0 && value == 0 { return nil }   // leading zero
                value = value * 10 + Int(c - 0x30)
                digits += 1
                if value > 255 { return nil }
            } else {
                return nil
            }
        }
        if digits == 0 || out.count != 3 { return nil }
        out.append(UInt8(value))
        return out
    }

    /// RFC 4291 §2.2 text forms, including `::` and a dotted IPv4 tail.
    static func ipv6Bytes(_ text: [UInt8]) -> [UInt8]? {
        if text.count < 2 { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        var index = 0
        if text[0] == 0x3A {   // leading "::"
            guard text[1] == 0x3A else { return nil }
            sawGap = true
            index = 2
            if index == text.count { return [UInt8](repeating: 0, count: 16) }
        }
        while index < text.count {   // one group per pass
            var end = index
            while end < text.count && text[end] != 0x3A { end += 1 }
            let part = text[index..<end]
            if part.contains(0x2E) {
                // IPv4 tail: must be last
                guard end == text.count, let v4 = ipv4Bytes(part) else { return nil }
                let groups = [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                if sawGap { tail += groups } else { head += groups }
                break
            }
            guard let group = hexGroup(part) else { return nil }
            if sawGap { tail.append(group) } else { head.append(group) }
            if end == text.count { break }
            // at a ':'
            if end + 1 < text.count && text[end + 1] == 0x3A {
                if sawGap { return nil }
                sawGap = true
                index = end + 2
                if index == text.count { break }
            } else {
                index = end + 1
                if index == text.count { return nil }   // trailing single ':'
            }
            if head.count + tail.count > 8 { return nil }
        }
        let total = head.count + tail.count
        if sawGap ? total > 7 : total != 8 { return nil }
        let groups = head + [UInt16](repeating: 0, count: 8 - total) + tail
        var out: [UInt8] = []
        for g in groups { out.append(UInt8(g >> 8)); out.append(UInt8(g & 0xFF)) }
        return out
    }

    static func hexGroup(_ part: ArraySlice<UInt8>) -> UInt16? {
        if part.isEmpty || part.count > 4 { return nil }
        var value: UInt16 = 0
        for c in part {
            guard let v = Hex.value(c) else { return nil }
            value = value << 4 | UInt16(v)
        }
        return value
    }

    /// Dotted quad, or RFC 5952 §4 IPv6: lowercase, no leading zeros, the
    /// first longest run of two or more zero groups as `::`.
    public var text: String {
        var out: [UInt8] = []
        if family == .ipv4 {
            for i in 0..<4 {
                if i > 0 { out.append(0x2E) }
                IPAddress.appendDecimal(self[byte: i], to: &out)
            }
            return String(decoding: out, as: UTF8.self)
        }
        var groups: [UInt16] = []
        for i in 0..<8 { groups.append(UInt16(self[byte: 2 * i]) << 8 | UInt16(self[byte: 2 * i + 1])) }
        var gapStart = -1
        var gapLength = 1   // RFC 5952 §4.2.2: a single zero group is not shortened
        var i = 0
        while i < 8 {   // each pass moves past one run or one group
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > gapLength { gapStart = i; gapLength = j - i }
            i = j == i ? i + 1 : j
        }
        i = 0
        while i < 8 {
            if i == gapStart {
                out += [0x3A, 0x3A]
                i += gapLength
                continue
            }
            if i > 0 && i != gapStart + gapLength { out.append(0x3A) }
            IPAddress.appendHex(groups[i], to: &out)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The text of A or AAAA RDATA (4 or 16 bytes; the caller checked).
    public static func text(rdata: UnsafeRawBufferPointer) -> String {
        IPAddress(rdata: rdata)?.text ?? ""
    }

    static func appendDecimal(_ value: UInt8, to out: inout [UInt8]) {
        if value >= 100 { out.append(0x30 + value / 100) }
        if value >= 10 { out.append(0x30 + value / 10 % 10) }
        out.append(0x30 + value % 10)
    }

    /// RFC 5952 §4.1 and §4.3: no leading zeros, lowercase.
    static func appendHex(_ value: UInt16, to out: inout [UInt8]) {
        var started = false
        for shift in stride(from: 12, through: 0, by: -4) {
            let digit = UInt8(truncatingIfNeeded: value >> UInt16(shift)) & 0x0F
            if digit != 0 || started || shift == 0 {
                out.append(digit < 10 ? 0x30 + digit : 0x61 + digit - 10)
                started = true
            }
        }
    }
}
