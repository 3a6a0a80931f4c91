/// A numeric IPv4 or IPv6 address as network-order bytes (4 or 16), parsed
/// here rather than by libc so Config stays free of Platform.
public struct IPAddress: Equatable, Sendable {
    public enum Family: Equatable, Sendable { case v4, v6 }

    public let family: Family
    /// 4 bytes for IPv4, 16 for IPv6, network order.
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: family = .v4
        case 16: family = .v6
        default: return nil
        }
        self.bytes = bytes
    }

    /// Parses `192.0.2.1` or `2001:db8::1` (no brackets, port or zone).
    public init?(text: [UInt8]) {
        if let v4 = IPAddress.parseIPv4(text[...]) {
            family = .v4
            bytes = v4
        } else if let v6 = IPAddress.parseIPv6(text) {
            family = .v6
            bytes = v6
        } else {
            return nil
        }
    }

    public init?(_ text: String) { self.init(text: Array(text.utf8)) }

    /// Dotted quad; each part 0...255 without leading zeros (as inet_pton).
    static func parseIPv4(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        var value = 0
        var digits = 0
        for c in text {
            if c == 0x2E {
                if digits == 0 || out.count == 3 { return nil }
                out.append(UInt8(value))
                value = 0
                digits = 0
            } else if Bytes.isDigit(c) {
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
    static func parseIPv6(_ text: [UInt8]) -> [UInt8]? {
        if text.count < 2 || text.count > 45 { return nil }
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
                guard end == text.count, let v4 = parseIPv4(part) else { return nil }
                let groups = [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                if sawGap { tail += groups } else { head += groups }
                index = end
                break
            }
            guard let group = hexGroup(part) else { return nil }
            if sawGap { tail.append(group) } else { head.append(group) }
            if end == text.count { index = end; break }
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
            guard let v = Bytes.hexValue(c) else { return nil }
            value = value << 4 | UInt16(v)
        }
        return value
    }

    /// Presentation form: dotted quad, or RFC 5952 IPv6 (lowercase, the
    /// longest run of two or more zero groups as `::`).
    public var text: String {
        if family == .v4 { return "\(bytes[0]).\(bytes[1]).\(bytes[2]).\(bytes[3])" }
        var groups: [UInt16] = []
        for i in 0..<8 { groups.append(UInt16(bytes[2 * i]) << 8 | UInt16(bytes[2 * i + 1])) }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var out = ""
        var i = 0
        var afterGap = false
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLength
                afterGap = true
                continue
            }
            if i > 0 && !afterGap { out += ":" }
            afterGap = false
            out += hex(groups[i])
            i += 1
        }
        return out
    }

    private func hex(_ v: UInt16) -> String {
        var digits: [UInt8] = []
        var started = false
        for shift in stride(from: 12, through: 0, by: -4) {
            let d = UInt8((v >> UInt16(shift)) & 0xF)
            if d != 0 || started || shift == 0 {
                digits.append(Bytes.hexDigit(d))
                started = true
            }
        }
        return String(decoding: digits, as: UTF8.self)
    }
}

/// An address prefix for the client ACL: `192.168.0.0/16`, `fc00::/7`, or
/// a bare address (a host prefix).
public struct IPPrefix: Equatable, Sendable {
    public let address: IPAddress
    public let length: Int

    public init?(address: IPAddress, length: Int) {
        let maxLength = address.family == .v4 ? 32 : 128
        if length < 0 || length > maxLength { return nil }
        if !IPPrefix.hostBitsAreZero(address.bytes, length) { return nil }
        self.address = address
        self.length = length
    }

    /// True when `candidate` lies inside this prefix.
    public func contains(_ candidate: IPAddress) -> Bool {
        if candidate.family != address.family { return false }
        var remaining = length
        for i in 0..<address.bytes.count where remaining > 0 {
            let bits = min(remaining, 8)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if candidate.bytes[i] & mask != address.bytes[i] & mask { return false }
            remaining -= bits
        }
        return true
    }

    static func hostBitsAreZero(_ bytes: [UInt8], _ length: Int) -> Bool {
        for i in 0..<bytes.count {
            let keep = max(0, min(8, length - 8 * i))
            let hostMask = UInt8(truncatingIfNeeded: 0xFF >> keep)
            if keep < 8 && bytes[i] & hostMask != 0 { return false }
        }
        return true
    }

    public var text: String { "\(address.text)/\(length)" }

    /// Loopback, RFC 1918, CGNAT (RFC 6598), ULA (RFC 4193) and link-local:
    /// every address a household's devices use.
    public static let householdDefaults: [IPPrefix] = [
        "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
        "100.64.0.0/10", "fc00::/7", "169.254.0.0/16", "fe80::/10",
    ].compactMap { text in
        if case .success(let p) = ValueParser.prefix(Array(text.utf8)) { return p }
        return nil
    }
}

/// A socket to listen on: `192.0.2.1`, `192.0.2.1:5353`, `::1`, `[::1]:53`.
public struct ListenAddress: Equatable, Sendable {
    public let address: IPAddress
    public let port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var text: String {
        address.family == .v6 ? "[\(address.text)]:\(port)" : "\(address.text):\(port)"
    }

    public static let defaultPort: UInt16 = 53
}
