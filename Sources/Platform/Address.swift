import CPlatform

/// An IPv4 or IPv6 transport address (address + port), stored in the
/// shim's fixed layout so it crosses into C by pointer without conversion.
public struct Address: Equatable {
    public var raw: sp_addr

    public init() { raw = sp_addr() }
    public init(raw: sp_addr) { self.raw = raw }

    /// Parses a numeric IPv4 or IPv6 address (no port, no brackets).
    public init?(numeric text: String, port: UInt16 = 0) {
        var value = sp_addr()
        let rc = text.withCString { sp_parse_addr($0, &value) }
        if rc != 0 { return nil }
        value.port = port
        raw = value
    }

    /// From 4 (IPv4) or 16 (IPv6) address bytes in network order.
    public init?(bytes: [UInt8], port: UInt16) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        var value = sp_addr()
        value.family = bytes.count == 4 ? UInt8(SP_AF_INET4) : UInt8(SP_AF_INET6)
        value.port = port
        withUnsafeMutableBytes(of: &value.bytes) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        raw = value
    }

    public var isIPv6: Bool { raw.family == UInt8(SP_AF_INET6) }
    /// 0.0.0.0 or ::, as a listen address: every local address.
    public var isWildcard: Bool {
        (isIPv4 || isIPv6) && (0..<byteCount).allSatisfy { byte($0) == 0 }
    }
    public var isIPv4: Bool { raw.family == UInt8(SP_AF_INET4) }
    public var port: UInt16 {
        get { raw.port }
        set { raw.port = newValue }
    }

    /// Byte `index` of the address in network order (0..<4 or 0..<16).
    public func byte(_ index: Int) -> UInt8 {
        precondition(index >= 0 && index < 16)
        return withUnsafeBytes(of: raw.bytes) { $0[index] }
    }

    /// Address bytes: 4 for IPv4, 16 for IPv6.
    public var byteCount: Int { isIPv4 ? 4 : 16 }

    /// Numeric presentation without the port.
    public var text: String {
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &buffer) { bytes in
            let chars = bytes.baseAddress!.assumingMemoryBound(to: CChar.self)
            let n = withUnsafePointer(to: raw) { sp_format_addr($0, chars, bytes.count) }
            if n < 0 { return "?" }
            return String(cString: chars)
        }
    }

    /// Writes the numeric presentation (no port) into `out`; the byte
    /// count written, 0 when it does not fit. Allocates nothing (log lines
    /// on a query path, `QueryLog`).
    public func format(into out: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = out.baseAddress, out.count > 1 else { return 0 }
        let n = withUnsafePointer(to: raw) {
            sp_format_addr($0, base.assumingMemoryBound(to: CChar.self), out.count)
        }
        return n < 0 ? 0 : Int(n)
    }

    /// `a.b.c.d:port` or `[v6]:port`.
    public var textWithPort: String {
        isIPv6 ? "[\(text)]:\(port)" : "\(text):\(port)"
    }

    public static func == (a: Address, b: Address) -> Bool {
        if a.raw.family != b.raw.family || a.raw.port != b.raw.port { return false }
        for i in 0..<a.byteCount where a.byte(i) != b.byte(i) { return false }
        return true
    }
}
