// The config's address values, on DNSWire's `IPAddress`: ACL prefixes
// (`list allow`) and listening sockets (`list listen`).

import DNSWire

/// An address prefix for the client ACL: `192.168.0.0/16`, `fc00::/7`, or
/// a bare address (a host prefix).
public struct IPPrefix: Equatable, Sendable {
    public let address: IPAddress
    public let length: Int

    public init?(address: IPAddress, length: Int) {
        let maxLength = address.family == .ipv4 ? 32 : 128
        if length < 0 || length > maxLength { return nil }
        if !IPPrefix.hostBitsAreZero(address.bytes, length) { return nil }
        self.address = address
        self.length = length
    }

    /// True when `candidate` lies inside this prefix.
    public func contains(_ candidate: IPAddress) -> Bool {
        if candidate.family != address.family { return false }
        var remaining = length
        for i in 0..<address.byteCount where remaining > 0 {
            let bits = min(remaining, 8)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if candidate[byte: i] & mask != address[byte: i] & mask { return false }
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
        address.family == .ipv6 ? "[\(address.text)]:\(port)" : "\(address.text):\(port)"
    }

    public static let defaultPort: UInt16 = 53
}
