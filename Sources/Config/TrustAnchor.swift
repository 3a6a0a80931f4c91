/// A configured DNSSEC trust anchor: one DS or DNSKEY record in
/// presentation form on one line (`OWNER [TTL] [IN] DS|DNSKEY ...`).
public enum TrustAnchor: Equatable, Sendable {
    case ds(DSAnchor)
    case dnskey(DNSKEYAnchor)

    public var owner: DomainName {
        switch self {
        case .ds(let d): return d.owner
        case .dnskey(let k): return k.owner
        }
    }

    /// Zone-file line (TTL dropped, class IN, digest upper-case hex).
    public var text: String {
        switch self {
        case .ds(let d):
            return "\(d.owner.absoluteText) IN DS \(d.keyTag) \(d.algorithm) \(d.digestType) \(Hex.encode(d.digest))"
        case .dnskey(let k):
            return "\(k.owner.absoluteText) IN DNSKEY \(k.flags) \(k.protocolNumber) \(k.algorithm) \(Base64.encode(k.publicKey))"
        }
    }
}

/// RFC 4034 §5.
public struct DSAnchor: Equatable, Sendable {
    public let owner: DomainName
    public let keyTag: UInt16
    public let algorithm: UInt8
    public let digestType: UInt8
    public let digest: [UInt8]
}

/// RFC 4034 §2.
public struct DNSKEYAnchor: Equatable, Sendable {
    public let owner: DomainName
    public let flags: UInt16
    /// Always 3 (RFC 4034 §2.1.2).
    public let protocolNumber: UInt8
    public let algorithm: UInt8
    public let publicKey: [UInt8]

    /// RFC 4034 Appendix B (not for algorithm 1, which nobody anchors).
    public var keyTag: UInt16 {
        var rdata: [UInt8] = [UInt8(flags >> 8), UInt8(flags & 0xFF), protocolNumber, algorithm]
        rdata += publicKey
        var sum: UInt32 = 0
        for (i, b) in rdata.enumerated() { sum += (i & 1) == 0 ? UInt32(b) << 8 : UInt32(b) }
        sum += (sum >> 16) & 0xFFFF
        return UInt16(truncatingIfNeeded: sum)
    }
}

extension TrustAnchor {
    /// DS digest lengths by type (RFC 4509 SHA-256, RFC 6605 SHA-384).
    static func digestByteCount(type: UInt8) -> Int? {
        switch type {
        case 1: return 20   // SHA-1 (RFC 4034)
        case 2: return 32   // SHA-256
        case 4: return 48   // SHA-384
        default: return nil
        }
    }

    /// DNSKEY flag bit 7: Zone Key (RFC 4034 §2.1.1).
    static let zoneKeyFlag: UInt16 = 0x0100

    static func parse(_ bytes: [UInt8]) -> Result<TrustAnchor, ValueError> {
        var fields = Bytes.fields(bytes)
        guard fields.count >= 2 else {
            return .failure(ValueError("'\(Bytes.display(bytes, limit: 40))' is not a DS or DNSKEY record (OWNER IN DS KEYTAG ALG DIGESTTYPE DIGEST)"))
        }
        let owner: DomainName
        switch DomainName.parse(fields.removeFirst()) {
        case .success(let n): owner = n
        case .failure(let e): return .failure(ValueError("owner: \(e.message)"))
        }
        // optional TTL and class, in either order (RFC 1035 §5.1)
        for _ in 0..<2 {
            guard let f = fields.first else { break }
            if ValueParser.digits(f[...]) != nil || Bytes.equalsIgnoringCase(f, "in") { fields.removeFirst() }
        }
        guard let type = fields.first else {
            return .failure(ValueError("record type missing (DS or DNSKEY)"))
        }
        fields.removeFirst()
        if Bytes.equalsIgnoringCase(type, "ds") { return parseDS(owner, fields) }
        if Bytes.equalsIgnoringCase(type, "dnskey") { return parseDNSKEY(owner, fields) }
        return .failure(ValueError("record type '\(Bytes.display(type))' is not DS or DNSKEY"))
    }

    static func number(_ field: [UInt8], _ what: String, max: Int) -> Result<Int, ValueError> {
        guard let v = ValueParser.digits(field[...]), v <= max else {
            return .failure(ValueError("\(what) '\(Bytes.display(field))' is not a number from 0 to \(max)"))
        }
        return .success(v)
    }

    static func parseDS(_ owner: DomainName, _ fields: [[UInt8]]) -> Result<TrustAnchor, ValueError> {
        guard fields.count >= 4 else {
            return .failure(ValueError("DS needs KEYTAG ALGORITHM DIGESTTYPE DIGEST (\(fields.count) fields given)"))
        }
        let tag: Int, alg: Int, dtype: Int
        switch number(fields[0], "key tag", max: 65535) { case .success(let v): tag = v; case .failure(let e): return .failure(e) }
        switch number(fields[1], "algorithm", max: 255) { case .success(let v): alg = v; case .failure(let e): return .failure(e) }
        switch number(fields[2], "digest type", max: 255) { case .success(let v): dtype = v; case .failure(let e): return .failure(e) }
        // RFC 4034 §5.3: the digest may be split by whitespace.
        let digestText = fields[3...].reduce([UInt8]()) { $0 + $1 }
        guard let digest = Hex.decode(digestText) else {
            return .failure(ValueError("digest is not hexadecimal (an even number of digits 0-9, A-F)"))
        }
        guard let expected = digestByteCount(type: UInt8(dtype)) else {
            return .failure(ValueError("digest type \(dtype) is not supported (1 SHA-1, 2 SHA-256, 4 SHA-384)"))
        }
        if digest.count != expected {
            return .failure(ValueError("digest is \(digest.count) bytes; digest type \(dtype) needs \(expected)"))
        }
        return .success(.ds(DSAnchor(owner: owner, keyTag: UInt16(tag), algorithm: UInt8(alg),
                                     digestType: UInt8(dtype), digest: digest)))
    }

    static func parseDNSKEY(_ owner: DomainName, _ fields: [[UInt8]]) -> Result<TrustAnchor, ValueError> {
        guard fields.count >= 4 else {
            return .failure(ValueError("DNSKEY needs FLAGS PROTOCOL ALGORITHM KEY (\(fields.count) fields given)"))
        }
        let flags: Int, proto: Int, alg: Int
        switch number(fields[0], "flags", max: 65535) { case .success(let v): flags = v; case .failure(let e): return .failure(e) }
        switch number(fields[1], "protocol", max: 255) { case .success(let v): proto = v; case .failure(let e): return .failure(e) }
        switch number(fields[2], "algorithm", max: 255) { case .success(let v): alg = v; case .failure(let e): return .failure(e) }
        if proto != 3 { return .failure(ValueError("DNSKEY protocol must be 3, not \(proto)")) }
        if UInt16(flags) & zoneKeyFlag == 0 {
            return .failure(ValueError("DNSKEY flags \(flags) lack the Zone Key bit (256)"))
        }
        let keyText = fields[3...].reduce([UInt8]()) { $0 + $1 }
        guard let key = Base64.decode(keyText), !key.isEmpty else {
            return .failure(ValueError("DNSKEY public key is not base64"))
        }
        return .success(.dnskey(DNSKEYAnchor(owner: owner, flags: UInt16(flags), protocolNumber: 3,
                                             algorithm: UInt8(alg), publicKey: key)))
    }
}
