// The one parser of trust anchors in presentation form: one DS or DNSKEY
// record, `OWNER [TTL] [CLASS] DS|DNSKEY RDATA` (TTL and class in either
// order, RFC 1035 §5.1), given as a config value (`list trust_anchor`) or as
// one logical line of an anchor file (Hints' TrustAnchorText joins "( ... )"
// lines and drops comments). Its errors name the field that is wrong and
// why. Start-up and CLI only (allocates).
//
// Worked example:
//   let anchor = try TrustAnchor(parsing: Array(". IN DS 20326 8 2 E06D44B8...".utf8))
//   anchor.owner == .root, anchor.type == .ds, anchor.keyTag == 20326
//   catch: error.text == "digest is 4 bytes; digest type 2 needs 32"

/// A numeric field of DS or DNSKEY RDATA, for messages.
public enum TrustAnchorField: Equatable, Sendable {
    case keyTag, algorithm, digestType, flags, protocolNumber

    var name: String {
        switch self {
        case .keyTag: return "key tag"
        case .algorithm: return "algorithm"
        case .digestType: return "digest type"
        case .flags: return "flags"
        case .protocolNumber: return "protocol"
        }
    }

    /// Key tag and flags are 16 bits, the others 8 (RFC 4034 §2.1, §5.1).
    var max: UInt64 { self == .keyTag || self == .flags ? 0xFFFF : 0xFF }
}

/// Why a trust anchor's text was rejected; `text` says so in a phrase that
/// completes "list 'trust_anchor': " or "line 12: ".
public enum TrustAnchorError: Error, Equatable, Sendable {
    /// Fewer than two fields (the text as given).
    case notARecord([UInt8])
    /// Not zone-file text: a trailing `\` or an unterminated quote.
    case syntax(PresentationError)
    case owner([UInt8], PresentationError)
    case badTTL([UInt8])
    /// A class other than IN.
    case notClassIN([UInt8])
    case missingType
    case notDSOrDNSKEY([UInt8])
    /// Fewer RDATA fields than the type needs (the count given).
    case missingFields(RRType, Int)
    case badNumber(TrustAnchorField, [UInt8])
    case badDigest
    case badKey
    case rdata(TrustAnchorProblem)

    public var text: String {
        switch self {
        case .notARecord(let text):
            return "'" + Text.display(text, limit: 40) + "' is not a DS or DNSKEY record (OWNER IN DS KEYTAG ALG DIGESTTYPE DIGEST)"
        case .syntax(let error): return "not a DS or DNSKEY record: " + error.text
        case .owner(let text, let error): return "owner: " + error.nameMessage(for: text)
        case .badTTL(let text): return "'" + Text.display(text) + "' is not a TTL (seconds, or like 1h30m)"
        case .notClassIN(let text): return "class '" + Text.display(text) + "' is not IN"
        case .missingType: return "record type missing (DS or DNSKEY)"
        case .notDSOrDNSKEY(let text): return "record type '" + Text.display(text) + "' is not DS or DNSKEY"
        case .missingFields(let type, let count):
            let fields = type == .ds ? "KEYTAG ALGORITHM DIGESTTYPE DIGEST" : "FLAGS PROTOCOL ALGORITHM KEY"
            return type.mnemonic + " needs " + fields + " (\(count) fields given)"
        case .badNumber(let field, let text):
            return field.name + " '" + Text.display(text) + "' is not a number from 0 to \(field.max)"
        case .badDigest: return "digest is not hexadecimal (an even number of digits 0-9, A-F)"
        case .badKey: return "DNSKEY public key is not base64"
        case .rdata(let problem): return problem.text
        }
    }
}

extension TrustAnchor {
    /// One record in presentation form (the owner is lowercased).
    public init(parsing text: [UInt8]) throws(TrustAnchorError) {
        let tokens: [[UInt8]]
        do throws(PresentationError) {
            tokens = try Tokenizer.tokens(text).map { $0.bytes }
        } catch {
            throw .syntax(error)
        }
        guard tokens.count >= 2 else { throw .notARecord(text) }
        do throws(PresentationError) {
            owner = try Name(parsingBytes: tokens[0]).lowercased()
        } catch {
            throw .owner(tokens[0], error)
        }
        var next = 1
        while next < tokens.count && next <= 2 {   // an optional TTL and class, either order
            let token = tokens[next]
            if let first = token.first, first >= 0x30 && first <= 0x39 {
                guard Text.ttl(token) != nil else { throw .badTTL(token) }
            } else if let rrClass = RRClass(mnemonic: Text.string(token)) {
                guard rrClass == .in else { throw .notClassIN(token) }
            } else {
                break
            }
            next += 1
        }
        guard next < tokens.count else { throw .missingType }
        guard let type = RRType(mnemonic: Text.string(tokens[next])), type == .ds || type == .dnskey else {
            throw .notDSOrDNSKEY(tokens[next])
        }
        self.type = type
        let fields = Array(tokens[(next + 1)...])
        rdata = type == .ds ? try TrustAnchor.dsRData(fields) : try TrustAnchor.dnskeyRData(fields)
        if let problem = rdata.withUnsafeBytes({ TrustAnchor.rdataProblem(type: type, rdata: $0) }) {
            throw .rdata(problem)
        }
    }

    /// RFC 4034 §5.3: KEYTAG ALGORITHM DIGESTTYPE DIGEST, the digest hex and
    /// perhaps split by whitespace.
    static func dsRData(_ fields: [[UInt8]]) throws(TrustAnchorError) -> [UInt8] {
        guard fields.count >= 4 else { throw .missingFields(.ds, fields.count) }
        let keyTag = try number(fields[0], .keyTag)
        let algorithm = try number(fields[1], .algorithm)
        let digestType = try number(fields[2], .digestType)
        guard let digest = Hex.decode(joined(fields[3...])), !digest.isEmpty else { throw .badDigest }
        return [UInt8(keyTag >> 8), UInt8(keyTag & 0xFF), UInt8(algorithm), UInt8(digestType)] + digest
    }

    /// RFC 4034 §2.2: FLAGS PROTOCOL ALGORITHM KEY, the key base64 and
    /// perhaps split by whitespace.
    static func dnskeyRData(_ fields: [[UInt8]]) throws(TrustAnchorError) -> [UInt8] {
        guard fields.count >= 4 else { throw .missingFields(.dnskey, fields.count) }
        let flags = try number(fields[0], .flags)
        let protocolNumber = try number(fields[1], .protocolNumber)
        let algorithm = try number(fields[2], .algorithm)
        if let problem = dnskeyProblem(flags: UInt16(flags), protocolNumber: UInt8(protocolNumber)) {
            throw .rdata(problem)
        }
        guard let key = Base64.decode(joined(fields[3...])), !key.isEmpty else { throw .badKey }
        return [UInt8(flags >> 8), UInt8(flags & 0xFF), UInt8(protocolNumber), UInt8(algorithm)] + key
    }

    static func number(_ token: [UInt8], _ field: TrustAnchorField) throws(TrustAnchorError) -> UInt64 {
        guard let value = Text.decimal(token, max: field.max) else { throw .badNumber(field, token) }
        return value
    }

    static func joined(_ fields: ArraySlice<[UInt8]>) -> [UInt8] {
        var out: [UInt8] = []
        for field in fields { out += field }
        return out
    }
}
