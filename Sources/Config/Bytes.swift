/// Byte helpers: config text is handled as bytes so that matching never
/// needs Unicode tables (absent from some Embedded targets).
enum Bytes {
    static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0B || c == 0x0C
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    static func isLetter(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    static func isAlphanumeric(_ c: UInt8) -> Bool { isDigit(c) || isLetter(c) }

    static func isPrintableASCII(_ c: UInt8) -> Bool { c >= 0x20 && c < 0x7F }

    static func lowercased(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c + 0x20 : c }

    /// Exact comparison with a literal, without allocating.
    static func equals(_ bytes: [UInt8], _ literal: StaticString) -> Bool {
        if bytes.count != literal.utf8CodeUnitCount { return false }
        let start = literal.utf8Start
        for i in 0..<bytes.count where bytes[i] != start[i] { return false }
        return true
    }

    /// ASCII case-insensitive comparison with a lowercase literal.
    static func equalsIgnoringCase(_ bytes: [UInt8], _ literal: StaticString) -> Bool {
        if bytes.count != literal.utf8CodeUnitCount { return false }
        let start = literal.utf8Start
        for i in 0..<bytes.count where lowercased(bytes[i]) != start[i] { return false }
        return true
    }

    static func string(_ literal: StaticString) -> String {
        String(decoding: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount),
               as: UTF8.self)
    }

    /// Printable form for messages: non-printable bytes as `\xNN`, long
    /// values shortened so one bad line cannot flood the output.
    static func display(_ bytes: [UInt8], limit: Int = 80) -> String {
        var out: [UInt8] = []
        for (i, c) in bytes.enumerated() {
            if i >= limit {
                out.append(contentsOf: Array("...".utf8))
                break
            }
            if isPrintableASCII(c) && c != 0x5C {
                out.append(c)
            } else {
                out.append(contentsOf: [0x5C, 0x78, hexDigit(c >> 4), hexDigit(c & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x61 + v - 10 }

    /// Splits at runs of spaces and tabs.
    static func fields(_ bytes: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var current: [UInt8] = []
        for c in bytes {
            if isSpace(c) {
                if !current.isEmpty { out.append(current); current = [] }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
