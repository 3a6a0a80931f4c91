// Presentation form of names (RFC 1035 §5.1): "www.example.com.", with
// "\." and "\DDD" escapes. One parser and one writer, and they agree: a
// byte the writer escapes must be escaped in the text, so every name has
// the text the writer gives it. Allocates; CLI, config and tests only.

extension Name {
    /// Parses presentation text. A name without a trailing dot is relative
    /// and gets `origin` appended (absolute if no origin); "@" is the origin.
    public init(parsing text: String, origin: Name? = nil) throws(PresentationError) {
        try self.init(parsingBytes: Array(text.utf8), origin: origin)
    }

    /// As `init(parsing:origin:)`, from bytes that need not be UTF-8 (a
    /// config value): errors then name the byte that was refused.
    public init(parsingBytes text: [UInt8], origin: Name? = nil) throws(PresentationError) {
        if text == [0x40], let origin {  // "@"; without an origin '@' is refused below
            self = origin
            return
        }
        guard !text.isEmpty else { throw .badName }
        var name = Name()
        if text == [0x2E] { self = name; return }
        var out = 0
        var label: [UInt8] = []
        var absolute = false
        var i = 0
        func flush(_ name: inout Name, _ out: inout Int, _ label: inout [UInt8]) throws(PresentationError) {
            guard !label.isEmpty else { throw .badName }
            guard label.count <= Limits.labelByteCountMax else { throw .labelTooLong }
            guard out + label.count + 2 <= Limits.nameByteCountMax else { throw .nameTooLong }
            name.storage[out] = UInt8(label.count)
            for (k, byte) in label.enumerated() { name.storage[out + 1 + k] = byte }
            out += label.count + 1
            label.removeAll(keepingCapacity: true)
        }
        while i < text.count {   // each pass takes one byte or one escape
            let byte = text[i]
            if byte == 0x2E {
                try flush(&name, &out, &label)
                if i == text.count - 1 { absolute = true }
                i += 1
                continue
            }
            if byte == 0x5C {  // backslash
                let (value, used) = try Name.unescape(text, at: i)
                label.append(value)
                i += used
            } else {
                guard !Name.needsEscape(byte) else { throw .badCharacter(byte) }
                label.append(byte)
                i += 1
            }
            // Checked as the label grows, so the first problem is the one reported.
            guard label.count <= Limits.labelByteCountMax else { throw .labelTooLong }
        }
        if !label.isEmpty { try flush(&name, &out, &label) }
        name.storage[out] = 0
        name.length = UInt8(out + 1)
        if !absolute, let origin {
            do { name = try name.appending(origin) } catch { throw .nameTooLong }
        }
        self = name
    }

    /// Decodes "\DDD" or "\X" at `index`; returns the byte and characters
    /// used. X is printable ASCII: any other byte is written as \DDD.
    static func unescape(_ text: [UInt8], at index: Int) throws(PresentationError) -> (UInt8, Int) {
        guard index + 1 < text.count else { throw .badEscape }
        let next = text[index + 1]
        guard next >= 0x20 && next <= 0x7E else { throw .badEscape }
        guard next >= 0x30 && next <= 0x39 else { return (next, 2) }
        guard index + 3 < text.count,
              let value = Text.decimal(Array(text[(index + 1)...(index + 3)]), max: 255) else {
            throw .badEscape
        }
        return (UInt8(value), 4)
    }

    /// Presentation text, always absolute ("example.com.", root ".").
    public var text: String {
        if isRoot { return "." }
        var out: [UInt8] = []
        var offset = 0
        while offset < byteCount && storage[offset] != 0 {
            let length = Int(storage[offset])
            for i in 1...length { Name.appendEscaped(storage[offset + i], to: &out) }
            out.append(0x2E)
            offset += length + 1
        }
        return Text.string(out)
    }

    /// Presentation text without the final dot ("ns1.example"; the root
    /// is "."), escaped as `text` is, into `buffer`: its byte count, or
    /// nil when it does not fit. No allocation (EDE texts on the query path).
    public func writeText(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        if isRoot {
            guard buffer.count >= 1 else { return nil }
            buffer[0] = 0x2E
            return 1
        }
        var n = 0
        var fits = true
        func put(_ c: UInt8) {
            guard n < buffer.count else { fits = false; return }
            buffer[n] = c
            n += 1
        }
        var offset = 0
        while offset < byteCount && storage[offset] != 0 {
            let length = Int(storage[offset])
            if offset > 0 { put(0x2E) }
            for i in 1...length { Name.escape(storage[offset + i], put) }
            offset += length + 1
        }
        return fits ? n : nil
    }

    /// Appends one label byte, escaped as zone files require.
    static func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) {
        escape(byte) { out.append($0) }
    }

    /// One label byte as zone files write it: itself, `\X`, or `\DDD`.
    static func escape(_ byte: UInt8, _ emit: (UInt8) -> Void) {
        if !needsEscape(byte) {
            emit(byte)
        } else if byte >= 0x21 && byte <= 0x7E {
            emit(0x5C)
            emit(byte)
        } else {
            emit(0x5C)
            emit(0x30 + byte / 100)
            emit(0x30 + byte / 10 % 10)
            emit(0x30 + byte % 10)
        }
    }

    /// Label bytes the text form escapes: the zone-file specials
    /// `. \ " ; ( ) @ $` (RFC 1035 §5.1) and everything but printable,
    /// non-space ASCII (as `\DDD`).
    static func needsEscape(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x2E, 0x5C, 0x22, 0x3B, 0x28, 0x29, 0x40, 0x24: return true
        case 0x21...0x7E: return false
        default: return true
        }
    }
}

extension PresentationError {
    /// Why `text` is not a name, for a message ("'a..b' has an empty label").
    public func nameMessage(for text: [UInt8]) -> String {
        let shown = "'" + Text.display(text) + "'"
        switch self {
        case .badName: return text.isEmpty ? "empty domain name" : shown + " has an empty label"
        case .badCharacter(let byte): return shown + " is not a domain name (character " + Text.display([byte]) + ")"
        case .badEscape: return shown + " has a bad escape (use \\X or \\DDD)"
        case .labelTooLong: return shown + " has a label longer than \(Limits.labelByteCountMax) bytes"
        case .nameTooLong: return shown + " is longer than \(Limits.nameByteCountMax) bytes in wire form"
        default: return shown + " is not a domain name"
        }
    }
}
