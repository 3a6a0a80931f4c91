/// Base64 (RFC 4648 §4) for DNSKEY keys and TLS pins.
enum Base64 {
    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x41...0x5A: return c - 0x41
        case 0x61...0x7A: return c - 0x61 + 26
        case 0x30...0x39: return c - 0x30 + 52
        case 0x2B: return 62
        case 0x2F: return 63
        default: return nil
        }
    }

    /// Strict: length a multiple of 4, padding only at the end, unused
    /// bits zero.
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        if text.isEmpty || text.count % 4 != 0 { return nil }
        var padding = 0
        if text[text.count - 1] == 0x3D { padding += 1 }
        if text[text.count - 2] == 0x3D { padding += 1 }
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        for (i, c) in text.enumerated() {
            var v: UInt8 = 0
            if i >= text.count - padding {
                guard c == 0x3D else { return nil }
            } else {
                guard let d = value(c) else { return nil }
                v = d
            }
            accumulator = accumulator << 6 | UInt32(v)
            if i % 4 == 3 {
                out.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                out.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                out.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
            }
        }
        // unused bits of the last group must be zero (canonical form)
        let last = Array(text.suffix(4))
        if padding == 1, let v = value(last[2]), v & 0x03 != 0 { return nil }
        if padding == 2, let v = value(last[1]), v & 0x0F != 0 { return nil }
        out.removeLast(padding)
        return out
    }

    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(group >> 18 & 63)])
            out.append(alphabet[Int(group >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(group >> 6 & 63)] : 0x3D)
            out.append(i + 2 < bytes.count ? alphabet[Int(group & 63)] : 0x3D)
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Hex for DS digests.
enum Hex {
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        if text.isEmpty || text.count % 2 != 0 { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < text.count {
            guard let hi = Bytes.hexValue(text[i]), let lo = Bytes.hexValue(text[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        for b in bytes {
            let upper = { (v: UInt8) -> UInt8 in v < 10 ? 0x30 + v : 0x41 + v - 10 }
            out.append(upper(b >> 4))
            out.append(upper(b & 0x0F))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
