// RDataText: zone-file presentation of RDATA, both directions, driven by
// RDataSchema. Unknown types use RFC 3597 §5 ("\# len hex"), which is also
// accepted for every known type. Presentation only (allocates).

public enum RDataText {
    /// Uncompressed wire RDATA (e.g. from `RData.copyCanonical`) → text.
    public static func format(type: RRType, rdata: [UInt8]) throws(PresentationError) -> String {
        let result = rdata.withUnsafeBytes { raw in
            Result { () throws(PresentationError) -> String in try format(type: type, rdata: raw) }
        }
        return try result.get()
    }

    public static func format(type: RRType, rdata: UnsafeRawBufferPointer) throws(PresentationError) -> String {
        guard RDataSchema.isKnown(type) else { return unknownForm(rdata) }
        do { try RData.validate(type: type, in: rdata, at: 0, length: rdata.count) } catch {
            throw .badWire(error)
        }
        var parts: [String] = []
        var position = 0
        var index = 0
        while let field = RDataSchema.field(type, index) {
            let (text, after) = formatField(field, rdata, position)
            if !text.isEmpty { parts.append(text) }
            position = after
            index += 1
        }
        return parts.joined(separator: " ")
    }

    /// RFC 3597 §5 generic form: "\# 4 C0000201".
    public static func unknownForm(_ rdata: UnsafeRawBufferPointer) -> String {
        rdata.isEmpty ? "\\# 0" : "\\# " + String(rdata.count) + " " + Hex.encode(rdata)
    }

    /// Formats one (validated) field; returns its text and the next offset.
    static func formatField(_ field: RDataField, _ rdata: UnsafeRawBufferPointer, _ position: Int) -> (String, Int) {
        let end = rdata.count
        func slice(_ a: Int, _ b: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: rdata[a..<b]) }
        switch field {
        case .u8: return (String(rdata[position]), position + 1)
        case .u16: return (String(loadU16(rdata, position)), position + 2)
        case .u32: return (String(loadU32(rdata, position)), position + 4)
        case .type: return (RRType(loadU16(rdata, position)).mnemonic, position + 2)
        case .time: return (Text.timeText(loadU32(rdata, position)), position + 4)
        case .ipv4: return (IPAddress.text(rdata: slice(position, position + 4)), position + 4)
        case .ipv6: return (IPAddress.text(rdata: slice(position, position + 16)), position + 16)
        case .compressibleName, .lowercasedName, .caseKeptName, .uncompressedName:
            guard let (name, after) = try? Name.read(from: rdata, at: position) else { return ("", end) }
            return (name.text, after)
        case .characterString:
            let length = Int(rdata[position])
            return (CharacterString.quoted(slice(position + 1, position + 1 + length)), position + 1 + length)
        case .characterStrings:
            var parts: [String] = []
            var p = position
            while p < end && parts.count < Limits.txtStringsMax {
                let length = Int(rdata[p])
                parts.append(CharacterString.quoted(slice(p + 1, p + 1 + length)))
                p += 1 + length
            }
            return (parts.joined(separator: " "), end)
        case .hexSalt:
            let length = Int(rdata[position])
            return (length == 0 ? "-" : Hex.encode(slice(position + 1, position + 1 + length)), position + 1 + length)
        case .base32Hash:
            let length = Int(rdata[position])
            return (Text.base32Hex(slice(position + 1, position + 1 + length)), position + 1 + length)
        case .hexRest: return (Hex.encode(slice(position, end)), end)
        case .base64Rest: return (Base64.encode(slice(position, end)), end)
        case .typeBitmap:
            return (TypeBitmap.types(rdata, position, end).map { $0.mnemonic }.joined(separator: " "), end)
        case .svcParams, .delegParams:
            return (SVCParamsText.format(slice(position, end), deleg: field == .delegParams), end)
        }
    }

    /// Presentation text → uncompressed wire RDATA. Relative names get
    /// `origin` appended.
    public static func parse(type: RRType, text: String, origin: Name? = nil) throws(PresentationError) -> [UInt8] {
        let tokens = try Tokenizer.tokens(Array(text.utf8))
        return try parse(type: type, tokens: tokens, origin: origin)
    }

    static func parse(type: RRType, tokens: [Token], origin: Name?) throws(PresentationError) -> [UInt8] {
        if let first = tokens.first, !first.quoted, first.bytes == [0x5C, 0x23] {
            return try parseUnknownForm(type: type, tokens: tokens)
        }
        guard RDataSchema.isKnown(type) else { throw .badUnknownRData }
        var out: [UInt8] = []
        var next = 0
        var index = 0
        while let field = RDataSchema.field(type, index) {
            try RDataTextParser.parseField(field, tokens, &next, origin, &out)
            index += 1
        }
        guard next == tokens.count else { throw .extraField }
        guard out.count <= 0xFFFF else { throw .rdataTooLong }
        try check(type: type, out)
        return out
    }

    static func parseUnknownForm(type: RRType, tokens: [Token]) throws(PresentationError) -> [UInt8] {
        guard tokens.count >= 2, let length = Text.decimal(tokens[1].bytes, max: 0xFFFF) else {
            throw .badUnknownRData
        }
        var hex: [UInt8] = []
        for token in tokens.dropFirst(2) { hex += token.bytes }
        guard let bytes = Hex.decode(hex), bytes.count == Int(length) else { throw .badUnknownRData }
        try check(type: type, bytes)
        return bytes
    }

    /// The wire result must satisfy the type's schema.
    static func check(type: RRType, _ bytes: [UInt8]) throws(PresentationError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) in try RData.validate(type: type, in: raw, at: 0, length: raw.count) }
        }
        do { try result.get() } catch { throw .badWire(error) }
    }
}
