// Splits zone-file text into tokens (RFC 1035 §5.1): whitespace separates,
// parentheses group lines (treated as whitespace), ";" starts a comment,
// "..." is one token. Escapes are kept raw: each field decodes its own.
// Presentation only (allocates).

struct Token: Equatable {
    var bytes: [UInt8]
    var quoted: Bool
}

enum Tokenizer {
    static func tokens(_ text: [UInt8]) throws(PresentationError) -> [Token] {
        var out: [Token] = []
        var current: [UInt8] = []
        var inToken = false
        var i = 0
        func finish() {
            if inToken { out.append(Token(bytes: current, quoted: false)) }
            current = []
            inToken = false
        }
        while i < text.count {
            let byte = text[i]
            switch byte {
            case 0x5C:  // backslash: keep it and the next byte
                guard i + 1 < text.count else { throw .badEscape }
                current.append(byte)
                current.append(text[i + 1])
                inToken = true
                i += 2
                continue
            case 0x22:  // quoted string
                finish()
                var quoted: [UInt8] = []
                i += 1
                while i < text.count && text[i] != 0x22 {
                    if text[i] == 0x5C {
                        guard i + 1 < text.count else { throw .badEscape }
                        quoted.append(text[i])
                        i += 1
                    }
                    quoted.append(text[i])
                    i += 1
                }
                guard i < text.count else { throw .badCharacterString }
                out.append(Token(bytes: quoted, quoted: true))
            case 0x3B:  // comment to end of line
                finish()
                while i < text.count && text[i] != 0x0A { i += 1 }
            case 0x20, 0x09, 0x0A, 0x0D, 0x28, 0x29:
                finish()
            default:
                current.append(byte)
                inToken = true
            }
            i += 1
        }
        finish()
        return out
    }
}

/// <character-string> (RFC 1035 §3.3, §5.1) encoding and decoding.
enum CharacterString {
    /// Decodes "\DDD" and "\X" escapes of a token.
    static func decode(_ raw: [UInt8]) throws(PresentationError) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < raw.count {
            if raw[i] == 0x5C {
                let (value, used) = try Name.unescape(raw, at: i)
                out.append(value)
                i += used
            } else {
                out.append(raw[i])
                i += 1
            }
        }
        return out
    }

    /// Quoted text with `"` and `\` escaped and non-printables as \DDD.
    static func quoted(_ bytes: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = [0x22]
        for byte in bytes {
            switch byte {
            case 0x22, 0x5C:
                out.append(0x5C)
                out.append(byte)
            case 0x20...0x7E:
                out.append(byte)
            default:
                out.append(0x5C)
                out.append(0x30 + byte / 100)
                out.append(0x30 + byte / 10 % 10)
                out.append(0x30 + byte % 10)
            }
        }
        out.append(0x22)
        return Text.string(out)
    }
}
