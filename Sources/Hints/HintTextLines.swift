// Splits zone-file-like text into logical lines: comments (";" outside
// quotes) removed, blank lines skipped, "( ... )" joined across lines as
// RFC 1035 §5.1 allows. Start-up only (allocates).

import DNSWire

struct HintTextLine: Equatable {
    /// 1-based number of the physical line the record starts on.
    var number: Int
    var bytes: [UInt8]
}

enum HintTextLines {
    static func lines(_ text: [UInt8]) throws(HintTextError) -> [HintTextLine] {
        var out: [HintTextLine] = []
        var pending: [UInt8] = []
        var pendingStart = 0
        var depth = 0
        var number = 0
        var start = 0
        while start < text.count {  // one physical line per pass
            number += 1
            guard number <= HintLimits.textLineCountMax else { throw HintTextError(line: 0, .tooManyLines) }
            var end = start
            while end < text.count && text[end] != 0x0A { end += 1 }
            let content = stripComment(text[start..<end], depth: &depth)
            start = end + 1
            if pending.isEmpty && isBlank(content) && depth == 0 { continue }
            if pending.isEmpty { pendingStart = number } else { pending.append(0x20) }
            pending += content
            if depth == 0 {
                if !isBlank(pending) { out.append(HintTextLine(number: pendingStart, bytes: pending)) }
                pending = []
            }
        }
        guard depth == 0 else { throw HintTextError(line: pendingStart, .unbalancedParentheses) }
        return out
    }

    /// The line without its comment; counts parentheses outside quotes.
    static func stripComment(_ line: ArraySlice<UInt8>, depth: inout Int) -> [UInt8] {
        var out: [UInt8] = []
        var quoted = false
        var escaped = false
        for byte in line {
            if escaped { escaped = false; out.append(byte); continue }
            if byte == 0x5C { escaped = true; out.append(byte); continue }
            if byte == 0x22 { quoted.toggle() }
            if !quoted {
                if byte == 0x3B { break }
                if byte == 0x28 { depth += 1 }
                if byte == 0x29 && depth > 0 { depth -= 1 }
            }
            out.append(byte == 0x0D ? 0x20 : byte)
        }
        return out
    }

    static func isBlank(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    /// True for lines starting with a blank: the owner is the previous one.
    static func continuesOwner(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first else { return false }
        return first == 0x20 || first == 0x09
    }

    /// "$TTL" (ignored) returns true; any other directive is an error.
    static func isDirective(_ line: HintTextLine) throws(HintTextError) -> Bool {
        guard line.bytes.first == 0x24 else { return false }  // "$"
        let ttl: [UInt8] = [0x24, 0x54, 0x54, 0x4C]
        let head = line.bytes.prefix(4).map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        guard head == ttl else { throw HintTextError(line: line.number, .unsupportedDirective) }
        return true
    }

    /// Parses one record line; a leading blank reuses `previousOwner`.
    static func record(_ line: HintTextLine, previousOwner: Name?) throws(HintTextError) -> TextRecord {
        var bytes = line.bytes
        if continuesOwner(bytes), let previousOwner { bytes = Array(previousOwner.text.utf8) + bytes }
        let record: TextRecord
        do throws(PresentationError) {
            record = try TextRecord(parsing: String(decoding: bytes, as: UTF8.self), origin: .root)
        } catch {
            throw HintTextError(line: line.number, .record(error))
        }
        guard record.rrClass == .in else { throw HintTextError(line: line.number, .notClassIN) }
        return record
    }
}
