// Presentation form of names (RFC 1035 §5.1): "www.example.com.", with
// "\." and "\DDD" escapes. Allocates; CLI, config and tests only.

extension Name {
    /// Parses presentation text. A name without a trailing dot is relative
    /// and gets `origin` appended (absolute if no origin); "@" is the origin.
    public init(parsing text: String, origin: Name? = nil) throws(PresentationError) {
        try self.init(parsingBytes: Array(text.utf8), origin: origin)
    }

    init(parsingBytes text: [UInt8], origin: Name?) throws(PresentationError) {
        if text == [0x40] {  // "@"
            guard let origin else { throw .badName }
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
        while i < text.count {
            let byte = text[i]
            if byte == 0x5C {  // backslash
                let (value, used) = try Name.unescape(text, at: i)
                label.append(value)
                i += used
                continue
            }
            if byte == 0x2E {
                try flush(&name, &out, &label)
                if i == text.count - 1 { absolute = true }
                i += 1
                continue
            }
            label.append(byte)
            i += 1
        }
        if !label.isEmpty { try flush(&name, &out, &label) }
        name.storage[out] = 0
        name.length = UInt8(out + 1)
        if !absolute, let origin {
            do { name = try name.appending(origin) } catch { throw .nameTooLong }
        }
        self = name
    }

    /// Decodes "\DDD" or "\X" at `index`; returns the byte and characters used.
    static func unescape(_ text: [UInt8], at index: Int) throws(PresentationError) -> (UInt8, Int) {
        guard index + 1 < text.count else { throw .badEscape }
        let next = text[index + 1]
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

    /// Appends one label byte, escaped as zone files require.
    static func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case 0x2E, 0x5C, 0x22, 0x3B, 0x28, 0x29, 0x40, 0x24:  // . \ " ; ( ) @ $
            out.append(0x5C)
            out.append(byte)
        case 0x21...0x7E:
            out.append(byte)
        default:
            out.append(0x5C)
            out.append(0x30 + byte / 100)
            out.append(0x30 + byte / 10 % 10)
            out.append(0x30 + byte % 10)
        }
    }
}
