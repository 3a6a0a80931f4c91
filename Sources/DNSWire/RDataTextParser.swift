// Parses one presentation field of RDATA into wire bytes (see RDataText).

enum RDataTextParser {
    static func take(_ tokens: [Token], _ next: inout Int) throws(PresentationError) -> Token {
        guard next < tokens.count else { throw .missingField }
        next += 1
        return tokens[next - 1]
    }

    static func appendU16(_ value: UInt16, _ out: inout [UInt8]) {
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }

    static func appendU32(_ value: UInt32, _ out: inout [UInt8]) {
        appendU16(UInt16(value >> 16), &out)
        appendU16(UInt16(value & 0xFFFF), &out)
    }

    static func number(_ token: Token, max: UInt64) throws(PresentationError) -> UInt64 {
        guard let value = Text.decimal(token.bytes, max: max) else { throw .badNumber }
        return value
    }

    /// All remaining tokens concatenated (hex and base64 may be split).
    static func rest(_ tokens: [Token], _ next: inout Int) -> [UInt8] {
        var out: [UInt8] = []
        while next < tokens.count { out += tokens[next].bytes; next += 1 }
        return out
    }

    static func parseField(_ field: RDataField, _ tokens: [Token], _ next: inout Int, _ origin: Name?,
                           _ out: inout [UInt8]) throws(PresentationError) {
        switch field {
        case .u8: out.append(UInt8(try number(take(tokens, &next), max: 0xFF)))
        case .u16: appendU16(UInt16(try number(take(tokens, &next), max: 0xFFFF)), &out)
        case .u32:
            let token = try take(tokens, &next)
            guard let value = Text.ttl(token.bytes) else { throw .badNumber }
            appendU32(value, &out)
        case .type:
            guard let type = RRType(mnemonic: Text.string(try take(tokens, &next).bytes)) else { throw .badType }
            appendU16(type.rawValue, &out)
        case .time:
            guard let value = Text.time(try take(tokens, &next).bytes) else { throw .badTime }
            appendU32(value, &out)
        case .ipv4:
            out += try address(.ipv4, take(tokens, &next).bytes)
        case .ipv6:
            out += try address(.ipv6, take(tokens, &next).bytes)
        case .compressibleName, .lowercasedName, .caseKeptName, .uncompressedName:
            let name = try Name(parsingBytes: try take(tokens, &next).bytes, origin: origin)
            out += name.wireBytes
        case .characterString:
            try appendCharacterString(try take(tokens, &next), &out)
        case .characterStrings:
            guard next < tokens.count else { throw .missingField }
            while next < tokens.count { try appendCharacterString(tokens[next], &out); next += 1 }
        case .hexSalt:
            let token = try take(tokens, &next)
            if token.bytes == [0x2D] { out.append(0); return }
            guard let bytes = Hex.decode(token.bytes), bytes.count <= 255 else { throw .badHex }
            out.append(UInt8(bytes.count))
            out += bytes
        case .base32Hash:
            guard let bytes = Text.unbase32Hex(try take(tokens, &next).bytes), !bytes.isEmpty, bytes.count <= 255
            else { throw .badBase32 }
            out.append(UInt8(bytes.count))
            out += bytes
        case .hexRest:
            guard let bytes = Hex.decode(rest(tokens, &next)) else { throw .badHex }
            out += bytes
        case .base64Rest:
            guard let bytes = Base64.decode(rest(tokens, &next)) else { throw .badBase64 }
            out += bytes
        case .typeBitmap:
            var types: [RRType] = []
            while next < tokens.count {
                guard let type = RRType(mnemonic: Text.string(tokens[next].bytes)) else { throw .badTypeBitmap }
                types.append(type)
                next += 1
            }
            out += TypeBitmap.make(types)
        case .svcParams, .delegParams:
            var params: [Token] = []
            while next < tokens.count { params.append(tokens[next]); next += 1 }
            out += try SVCParamsText.parse(params, deleg: field == .delegParams)
        }
    }

    /// An A or AAAA address in text; an address of the other family is an error.
    static func address(_ family: IPAddressFamily, _ text: [UInt8]) throws(PresentationError) -> [UInt8] {
        guard let address = IPAddress(text: text), address.family == family else { throw .badAddress }
        return address.bytes
    }

    static func appendCharacterString(_ token: Token, _ out: inout [UInt8]) throws(PresentationError) {
        let bytes = try CharacterString.decode(token.bytes)
        guard bytes.count <= 255 else { throw .badCharacterString }
        out.append(UInt8(bytes.count))
        out += bytes
    }
}
