// ASCII text helpers for presentation form: numbers, base32hex, TTLs, RRSIG
// times and bytes shown in messages (hex and base64 are in Encodings.swift,
// addresses in IPAddress.swift). Presentation only (allocates); never on the
// wire path. Works on UTF-8 bytes, not Characters (no Unicode tables).

enum Text {
    static func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// ASCII uppercase, as bytes (byte comparisons need no Unicode tables).
    static func upper(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for byte in text.utf8 { out.append(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte) }
        return out
    }

    /// "TYPE65534" with prefix "TYPE" → 65534.
    static func numberAfterPrefix(_ prefix: String, in bytes: [UInt8]) -> UInt64? {
        let head = Array(prefix.utf8)
        guard bytes.count > head.count, Array(bytes[0..<head.count]) == head else { return nil }
        return decimal(Array(bytes[head.count...]), max: 0xFFFF_FFFF)
    }

    static func decimal(_ bytes: [UInt8], max: UInt64) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + UInt64(byte - 0x30)
            guard value <= max else { return nil }
        }
        return value
    }

    /// Bytes for a message: printable ASCII as is, other bytes and `\` as
    /// `\xNN`, and at most `limit` bytes, so one bad value cannot flood a log.
    static func display(_ bytes: [UInt8], limit: Int = 80) -> String {
        var out: [UInt8] = []
        for (i, byte) in bytes.enumerated() {
            if i >= limit {
                out += [0x2E, 0x2E, 0x2E]
                break
            }
            if byte >= 0x20 && byte < 0x7F && byte != 0x5C {
                out.append(byte)
            } else {
                let digits: [UInt8] = Array("0123456789abcdef".utf8)
                out += [0x5C, 0x78, digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            }
        }
        return string(out)
    }

    // MARK: base32hex without padding (RFC 4648 §7, RFC 5155 §3.3)

    static let base32Alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUV".utf8)

    static func base32Hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                out.append(base32Alphabet[Int(buffer >> UInt32(bits - 5) & 31)])
                bits -= 5
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { out.append(base32Alphabet[Int(buffer << UInt32(5 - bits) & 31)]) }
        return string(out)
    }

    static func unbase32Hex(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in text {
            let value: UInt32
            switch byte {
            case 0x30...0x39: value = UInt32(byte - 0x30)
            case 0x41...0x56: value = UInt32(byte - 0x41 + 10)
            case 0x61...0x76: value = UInt32(byte - 0x61 + 10)
            default: return nil
            }
            buffer = buffer << 5 | value
            bits += 5
            if bits >= 8 {
                out.append(UInt8(buffer >> UInt32(bits - 8) & 0xFF))
                bits -= 8
                buffer &= (1 << UInt32(bits)) - 1
            }
        }
        // Leftover bits must be zero padding shorter than one byte.
        guard bits < 5 || buffer == 0, buffer == 0 else { return nil }
        return out
    }

    // MARK: TTL ("3600", "1h30m", RFC 1035 master files as extended by BIND)

    static func ttl(_ text: [UInt8]) -> UInt32? {
        if let plain = decimal(text, max: 0xFFFF_FFFF) { return UInt32(plain) }
        var total: UInt64 = 0
        var current: [UInt8] = []
        for byte in text {
            let multiplier: UInt64
            switch byte | 0x20 {
            case 0x73: multiplier = 1          // s
            case 0x6D: multiplier = 60         // m
            case 0x68: multiplier = 3_600      // h
            case 0x64: multiplier = 86_400     // d
            case 0x77: multiplier = 604_800    // w
            default: current.append(byte); continue
            }
            guard let value = decimal(current, max: 0xFFFF_FFFF) else { return nil }
            total += value * multiplier
            guard total <= 0xFFFF_FFFF else { return nil }
            current = []
        }
        guard current.isEmpty, !text.isEmpty else { return nil }
        return UInt32(total)
    }

    // MARK: RRSIG time YYYYMMDDHHmmSS (RFC 4034 §3.2)

    static func time(_ text: [UInt8]) -> UInt32? {
        if text.count != 14 {
            guard let plain = decimal(text, max: 0xFFFF_FFFF) else { return nil }
            return UInt32(plain)
        }
        guard let year = decimal(Array(text[0..<4]), max: 9999),
              let month = decimal(Array(text[4..<6]), max: 12),
              let day = decimal(Array(text[6..<8]), max: 31),
              let hour = decimal(Array(text[8..<10]), max: 23),
              let minute = decimal(Array(text[10..<12]), max: 59),
              let second = decimal(Array(text[12..<14]), max: 60),
              year >= 1970, month >= 1, day >= 1 else { return nil }
        let days = daysFromCivil(Int64(year), Int64(month), Int64(day))
        let seconds = days * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
        // RFC 4034 §3.1.5: serial arithmetic modulo 2^32.
        return UInt32(truncatingIfNeeded: seconds)
    }

    static func timeText(_ value: UInt32) -> String {
        let seconds = Int64(value)
        let days = seconds / 86_400
        let rest = seconds % 86_400
        let (year, month, day) = civilFromDays(days)
        func pad(_ v: Int64, _ width: Int) -> String {
            var s = String(v)
            while s.utf8.count < width { s = "0" + s }
            return s
        }
        return pad(year, 4) + pad(month, 2) + pad(day, 2)
            + pad(rest / 3_600, 2) + pad(rest / 60 % 60, 2) + pad(rest % 60, 2)
    }

    // Howard Hinnant's civil-calendar algorithms.
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }
}
