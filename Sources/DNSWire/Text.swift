// ASCII text helpers for presentation form: numbers, hex, base64, base32hex,
// addresses, TTLs and RRSIG times. Presentation only (allocates); never on
// the wire path. Works on UTF-8 bytes, not Characters (no Unicode tables).

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

    // MARK: hex

    static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return string(out)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    static func unhex(_ text: [UInt8]) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < text.count {
            guard let high = hexValue(text[i]), let low = hexValue(text[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    // MARK: base64 (RFC 4648 §4)

    static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func base64(_ bytes: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let remaining = bytes.count - i
            let b0 = UInt32(bytes[i])
            let b1 = remaining > 1 ? UInt32(bytes[i + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[i + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            out.append(base64Alphabet[Int(group >> 18 & 63)])
            out.append(base64Alphabet[Int(group >> 12 & 63)])
            out.append(remaining > 1 ? base64Alphabet[Int(group >> 6 & 63)] : 0x3D)
            out.append(remaining > 2 ? base64Alphabet[Int(group & 63)] : 0x3D)
            i += 3
        }
        return string(out)
    }

    static func base64Value(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x41...0x5A: return UInt32(byte - 0x41)
        case 0x61...0x7A: return UInt32(byte - 0x61 + 26)
        case 0x30...0x39: return UInt32(byte - 0x30 + 52)
        case 0x2B: return 62
        case 0x2F: return 63
        default: return nil
        }
    }

    static func unbase64(_ text: [UInt8]) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < text.count {
            var group: UInt32 = 0
            var padding = 0
            for j in 0..<4 {
                let byte = text[i + j]
                if byte == 0x3D {
                    guard j >= 2, i + 4 == text.count else { return nil }
                    padding += 1
                    group <<= 6
                } else {
                    guard padding == 0, let value = base64Value(byte) else { return nil }
                    group = group << 6 | value
                }
            }
            out.append(UInt8(group >> 16 & 0xFF))
            if padding < 2 { out.append(UInt8(group >> 8 & 0xFF)) }
            if padding < 1 { out.append(UInt8(group & 0xFF)) }
            i += 4
        }
        return out
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

    // MARK: addresses

    static func ipv4(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        for part in text.split(separator: 0x2E, omittingEmptySubsequences: false) {
            guard part.count <= 3, let value = decimal(Array(part), max: 255) else { return nil }
            out.append(UInt8(value))
        }
        return out.count == 4 ? out : nil
    }

    static func ipv4Text(_ bytes: UnsafeRawBufferPointer) -> String {
        var parts: [String] = []
        for byte in bytes { parts.append(String(byte)) }
        return parts.joined(separator: ".")
    }

    static func ipv6(_ text: [UInt8]) -> [UInt8]? {
        // Split on "::" at most once; an embedded IPv4 tail is allowed.
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var seenGap = false
        var groups = text.split(separator: 0x3A, omittingEmptySubsequences: false).map { Array($0) }
        guard groups.count >= 3 || !groups.contains([]) else { return nil }
        if groups.first == [], groups.count > 1, groups[1] == [] { groups.removeFirst() }
        if groups.last == [], groups.count > 1, groups[groups.count - 2] == [] { groups.removeLast() }
        for (index, group) in groups.enumerated() {
            if group.isEmpty {
                guard !seenGap else { return nil }
                seenGap = true
                continue
            }
            if index == groups.count - 1, group.contains(0x2E) {
                guard let v4 = ipv4(group) else { return nil }
                let words = [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                if seenGap { tail += words } else { head += words }
                continue
            }
            guard group.count <= 4 else { return nil }
            var value: UInt16 = 0
            for byte in group {
                guard let digit = hexValue(byte) else { return nil }
                value = value << 4 | UInt16(digit)
            }
            if seenGap { tail.append(value) } else { head.append(value) }
        }
        let total = head.count + tail.count
        guard seenGap ? total < 8 : total == 8 else { return nil }
        let words = head + Array(repeating: 0, count: 8 - total) + tail
        var out: [UInt8] = []
        for word in words { out.append(UInt8(word >> 8)); out.append(UInt8(word & 0xFF)) }
        return out
    }

    /// RFC 5952 text: lowercase, longest run (≥ 2) of zero groups as "::".
    static func ipv6Text(_ bytes: UnsafeRawBufferPointer) -> String {
        var words: [UInt16] = []
        for i in 0..<8 { words.append(UInt16(bytes[2 * i]) << 8 | UInt16(bytes[2 * i + 1])) }
        var bestStart = -1
        var bestLength = 1
        var i = 0
        while i < 8 {
            var j = i
            while j < 8 && words[j] == 0 { j += 1 }
            if j - i > bestLength { bestStart = i; bestLength = j - i }
            i = j == i ? i + 1 : j
        }
        func hexWord(_ w: UInt16) -> String {
            let digits = Array("0123456789abcdef".utf8)
            var out: [UInt8] = []
            var started = false
            for shift in stride(from: 12, through: 0, by: -4) {
                let d = Int(w >> UInt16(shift) & 0xF)
                if d != 0 || started || shift == 0 { out.append(digits[d]); started = true }
            }
            return string(out)
        }
        if bestStart < 0 { return words.map(hexWord).joined(separator: ":") }
        let head = words[0..<bestStart].map(hexWord).joined(separator: ":")
        let tail = words[(bestStart + bestLength)...].map(hexWord).joined(separator: ":")
        return head + "::" + tail
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
