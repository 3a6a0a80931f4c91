// Presentation form of SVCB/HTTPS SvcParams (RFC 9460 §2.1, Appendix A)
// and DELEG/DELEGPARAM key/values (draft-ietf-deleg). Allocates.

enum SVCParamsText {
    static let svcbKeyNames = ["mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint"]
    static let delegKeyNames = ["mandatory", "server-ipv4", "server-ipv6", "server-name", "include-delegparam"]

    static func keyName(_ key: UInt16, deleg: Bool) -> String {
        let names = deleg ? delegKeyNames : svcbKeyNames
        return Int(key) < names.count ? names[Int(key)] : "key" + String(key)
    }

    static func key(named text: [UInt8], deleg: Bool) throws(PresentationError) -> UInt16 {
        let names = deleg ? delegKeyNames : svcbKeyNames
        if let index = names.firstIndex(where: { $0.utf8.elementsEqual(text) }) { return UInt16(index) }
        guard let value = Text.numberAfterPrefix("key", in: text), value <= 0xFFFF else { throw .badSVCParam }
        return UInt16(value)
    }

    /// Kinds of value, by key.
    enum ValueKind { case keys, strings, empty, port, ipv4s, ipv6s, base64, names, opaque }

    static func kind(_ key: UInt16, deleg: Bool) -> ValueKind {
        if deleg {
            switch key {
            case 0: return .keys
            case 1: return .ipv4s
            case 2: return .ipv6s
            case 3, 4: return .names
            default: return .opaque
            }
        }
        switch key {
        case 0: return .keys
        case 1: return .strings
        case 2: return .empty
        case 3: return .port
        case 4: return .ipv4s
        case 5: return .base64
        case 6: return .ipv6s
        default: return .opaque
        }
    }

    // MARK: wire → text

    static func format(_ params: UnsafeRawBufferPointer, deleg: Bool) -> String {
        var parts: [String] = []
        var position = 0
        while position + 4 <= params.count {
            let key = loadU16(params, position)
            let length = Int(loadU16(params, position + 2))
            let value = UnsafeRawBufferPointer(rebasing: params[(position + 4)..<(position + 4 + length)])
            let name = keyName(key, deleg: deleg)
            let text = formatValue(value, kind(key, deleg: deleg), deleg: deleg)
            parts.append(text.isEmpty && length == 0 ? name : name + "=" + text)
            position += 4 + length
        }
        return parts.joined(separator: " ")
    }

    static func formatValue(_ value: UnsafeRawBufferPointer, _ kind: ValueKind, deleg: Bool) -> String {
        func chunks(_ size: Int) -> [UnsafeRawBufferPointer] {
            stride(from: 0, to: value.count, by: size).map { UnsafeRawBufferPointer(rebasing: value[$0..<($0 + size)]) }
        }
        switch kind {
        case .empty: return ""
        case .keys: return chunks(2).map { keyName(loadU16($0, 0), deleg: deleg) }.joined(separator: ",")
        case .port: return String(loadU16(value, 0))
        case .ipv4s: return chunks(4).map(IPAddress.text(rdata:)).joined(separator: ",")
        case .ipv6s: return chunks(16).map(IPAddress.text(rdata:)).joined(separator: ",")
        case .base64: return Base64.encode(value)
        case .opaque: return value.isEmpty ? "" : CharacterString.quoted(value)
        case .names:
            var names: [String] = []
            var position = 0
            while position < value.count, let (name, after) = try? Name.read(from: value, at: position, allowCompression: false) {
                names.append(name.text)
                position = after
            }
            return names.joined(separator: ",")
        case .strings:
            var joined: [UInt8] = []
            var position = 0
            while position < value.count {
                let length = Int(value[position])
                if !joined.isEmpty { joined.append(0x2C) }
                for byte in value[(position + 1)..<(position + 1 + length)] {
                    if byte == 0x2C || byte == 0x5C { joined.append(0x5C) }  // RFC 9460 A.1
                    joined.append(byte)
                }
                position += 1 + length
            }
            return joined.withUnsafeBytes { CharacterString.quoted($0) }
        }
    }

    // MARK: text → wire

    static func parse(_ tokens: [Token], deleg: Bool) throws(PresentationError) -> [UInt8] {
        var params: [(UInt16, [UInt8])] = []
        var i = 0
        while i < tokens.count {
            var raw = tokens[i].bytes
            i += 1
            guard !tokens[i - 1].quoted else { throw .badSVCParam }
            let equals = raw.firstIndex(of: 0x3D)
            // key="quoted value" arrives as two tokens.
            if equals == raw.count - 1, i < tokens.count, tokens[i].quoted {
                raw += tokens[i].bytes
                i += 1
            }
            let keyBytes = equals.map { Array(raw[..<$0]) } ?? raw
            let valueRaw = equals.map { Array(raw[($0 + 1)...]) } ?? []
            let key = try key(named: keyBytes, deleg: deleg)
            // DELEG "keyNNNNN=" carries the raw value even for a known key
            // (draft-ietf-deleg-12 Appendix B: key0=\000\001 key1=\192...).
            let generic = deleg && keyBytes.first == 0x6B   // 'k': only "keyNNNNN" starts so
            let valueKind = generic ? .opaque : kind(key, deleg: deleg)
            let value = try parseValue(CharacterString.decode(valueRaw), valueKind, deleg: deleg)
            if generic, !SVCParams.delegRawValueIsValid(key, value) { throw .badSVCParam }
            params.append((key, value))
        }
        params.sort { $0.0 < $1.0 }
        guard params.count <= Limits.svcParamsMax else { throw .badSVCParam }
        var out: [UInt8] = []
        for (index, (key, value)) in params.enumerated() {
            guard index == 0 || params[index - 1].0 != key, value.count <= 0xFFFF else { throw .badSVCParam }
            RDataTextParser.appendU16(key, &out)
            RDataTextParser.appendU16(UInt16(value.count), &out)
            out += value
        }
        return out
    }

    static func parseValue(_ value: [UInt8], _ kind: ValueKind, deleg: Bool) throws(PresentationError) -> [UInt8] {
        let items = value.split(separator: 0x2C, omittingEmptySubsequences: false).map { Array($0) }
        var out: [UInt8] = []
        switch kind {
        case .empty:
            guard value.isEmpty else { throw .badSVCParam }
        case .keys:
            var keys: [UInt16] = []
            for item in items { keys.append(try key(named: item, deleg: deleg)) }
            for key in keys.sorted() { RDataTextParser.appendU16(key, &out) }
        case .port:
            guard let port = Text.decimal(value, max: 0xFFFF) else { throw .badSVCParam }
            RDataTextParser.appendU16(UInt16(port), &out)
        case .ipv4s:
            for item in items { out += try RDataTextParser.address(.ipv4, item) }
        case .ipv6s:
            for item in items { out += try RDataTextParser.address(.ipv6, item) }
        case .base64:
            guard let bytes = Base64.decode(value) else { throw .badBase64 }
            out = bytes
        case .names:
            for item in items { out += try Name(parsingBytes: item, origin: nil).wireBytes }
        case .opaque:
            out = value
        case .strings:
            out = try alpnList(value)
        }
        return out
    }

    /// Comma-separated list where "\," and "\\" are literal (RFC 9460 A.1).
    static func alpnList(_ value: [UInt8]) throws(PresentationError) -> [UInt8] {
        var out: [UInt8] = []
        var item: [UInt8] = []
        func flush(_ item: inout [UInt8], _ out: inout [UInt8]) throws(PresentationError) {
            guard !item.isEmpty, item.count <= 255 else { throw .badSVCParam }
            out.append(UInt8(item.count))
            out += item
            item = []
        }
        var i = 0
        while i < value.count {
            if value[i] == 0x5C, i + 1 < value.count {
                item.append(value[i + 1])
                i += 2
                continue
            }
            if value[i] == 0x2C { try flush(&item, &out) } else { item.append(value[i]) }
            i += 1
        }
        try flush(&item, &out)
        return out
    }
}
