// TextRecord: one RR in zone-file form ("www.example. 300 IN A 192.0.2.1"),
// both directions. For the CLI, config (local data) and tests; allocates.

public struct TextRecord: Equatable, Sendable {
    public var owner: Name
    public var ttlSeconds: UInt32
    public var rrClass: RRClass
    public var type: RRType
    /// Uncompressed wire RDATA.
    public var rdata: [UInt8]

    public init(owner: Name, ttlSeconds: UInt32, rrClass: RRClass, type: RRType, rdata: [UInt8]) {
        self.owner = owner
        self.ttlSeconds = ttlSeconds
        self.rrClass = rrClass
        self.type = type
        self.rdata = rdata
    }

    /// Parses "owner [ttl] [class] type rdata..." (TTL and class in either
    /// order, RFC 1035 §5.1).
    public init(parsing line: String, origin: Name? = nil, defaultTTLSeconds: UInt32 = 3_600) throws(PresentationError) {
        let tokens = try Tokenizer.tokens(Array(line.utf8))
        guard tokens.count >= 2 else { throw .missingField }
        owner = try Name(parsingBytes: tokens[0].bytes, origin: origin)
        ttlSeconds = defaultTTLSeconds
        rrClass = .in
        var next = 1
        var parsedType: RRType?
        while next < tokens.count && parsedType == nil {
            let word = Text.string(tokens[next].bytes)
            next += 1
            if let first = tokens[next - 1].bytes.first, first >= 0x30 && first <= 0x39 {
                guard let ttl = Text.ttl(tokens[next - 1].bytes) else { throw .badTTL }
                ttlSeconds = ttl
            } else if let parsedClass = RRClass(mnemonic: word) {
                rrClass = parsedClass
            } else if let typeValue = RRType(mnemonic: word) {
                parsedType = typeValue
            } else {
                throw .badType
            }
        }
        guard let parsedType else { throw .missingField }
        type = parsedType
        rdata = try RDataText.parse(type: parsedType, tokens: Array(tokens[next...]), origin: origin)
    }

    /// "owner ttl class type rdata".
    public var text: String {
        let rdataText = (try? RDataText.format(type: type, rdata: rdata)) ?? rdata.withUnsafeBytes { RDataText.unknownForm($0) }
        return owner.text + " " + String(ttlSeconds) + " " + rrClass.mnemonic + " " + type.mnemonic + " " + rdataText
    }
}
