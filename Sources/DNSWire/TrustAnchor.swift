// TrustAnchor: a DNSSEC trust anchor as the validator takes it, one DS or
// DNSKEY record (owner, type, wire RDATA), and the RDATA rules every anchor
// meets, whether it comes from text (TrustAnchorParsing.swift: the one
// parser for `list trust_anchor`, trust_anchor_file and Config/root.key) or
// from a hint table in flash. Start-up and CLI only (allocates).

public struct TrustAnchor: Equatable, Sendable {
    /// Lowercased when parsed from text.
    public var owner: Name
    /// `.ds` or `.dnskey`.
    public var type: RRType
    /// Wire RDATA (RFC 4034 §5.1 for DS, §2.1 for DNSKEY).
    public var rdata: [UInt8]

    public init(owner: Name, type: RRType, rdata: [UInt8]) {
        self.owner = owner
        self.type = type
        self.rdata = rdata
    }

    public var keyTag: UInt16 {
        rdata.withUnsafeBytes { TrustAnchor.keyTag(type: type, rdata: $0) }
    }

    /// The DNSSEC algorithm number (RFC 4034 §5.1.2 for DS, §2.1.3 for DNSKEY).
    public var algorithm: UInt8 {
        let index = type == .ds ? 2 : 3
        return rdata.count > index ? rdata[index] : 0
    }

    /// The zone-file line, TTL left out: ". IN DS 20326 8 2 E06D44B8...".
    public var text: String {
        let rdataText = (try? RDataText.format(type: type, rdata: rdata)) ?? rdata.withUnsafeBytes { RDataText.unknownForm($0) }
        return owner.text + " IN " + type.mnemonic + " " + rdataText
    }
}

/// Why DS or DNSKEY RDATA cannot be a trust anchor.
public enum TrustAnchorProblem: Equatable, Sendable {
    case notDSOrDNSKEY
    /// The RDATA's byte count: not more than the fixed fields, or over
    /// Limits.trustAnchorRDataByteCountMax.
    case badLength(Int)
    /// DS digest type other than 1 (SHA-1), 2 (SHA-256), 4 (SHA-384).
    case unsupportedDigestType(UInt8)
    /// DS digest length (`byteCount`) does not match its digest type.
    case badDigestLength(digestType: UInt8, byteCount: Int)
    /// DNSKEY protocol other than 3 (RFC 4034 §2.1.2).
    case badProtocol(UInt8)
    /// DNSKEY without the Zone Key flag (RFC 4034 §2.1.1).
    case notZoneKey(flags: UInt16)

    public var text: String {
        switch self {
        case .notDSOrDNSKEY: return "not a DS or DNSKEY record"
        case .badLength(let count):
            return "RDATA is \(count) bytes; a trust anchor has \(TrustAnchor.fixedFieldsByteCount + 1) to "
                + "\(Limits.trustAnchorRDataByteCountMax)"
        case .unsupportedDigestType(let type): return "digest type \(type) is not supported (1 SHA-1, 2 SHA-256, 4 SHA-384)"
        case .badDigestLength(let type, let count):
            return "digest is \(count) bytes; digest type \(type) needs \(TrustAnchor.digestByteCount(type: type) ?? 0)"
        case .badProtocol(let value): return "DNSKEY protocol must be 3, not \(value)"
        case .notZoneKey(let flags): return "DNSKEY flags \(flags) lack the Zone Key bit (256)"
        }
    }
}

extension TrustAnchor {
    /// DS and DNSKEY fixed fields: key tag/flags (2), algorithm/protocol, digest type/algorithm.
    static let fixedFieldsByteCount = 4
    /// DNSKEY flag bit 7: Zone Key (RFC 4034 §2.1.1).
    static let zoneKeyFlag: UInt16 = 0x0100
    static let dnskeyProtocol: UInt8 = 3

    /// Digest byte count by DS digest type (RFC 4034, RFC 4509, RFC 6605).
    static func digestByteCount(type: UInt8) -> Int? {
        switch type {
        case 1: return 20   // SHA-1
        case 2: return 32   // SHA-256
        case 4: return 48   // SHA-384
        default: return nil
        }
    }

    /// DNSKEY fixed fields an anchor needs (checked before the key is read).
    static func dnskeyProblem(flags: UInt16, protocolNumber: UInt8) -> TrustAnchorProblem? {
        guard protocolNumber == dnskeyProtocol else { return .badProtocol(protocolNumber) }
        return flags & zoneKeyFlag != 0 ? nil : .notZoneKey(flags: flags)
    }

    /// Nil when `rdata` can be a trust anchor of `type`.
    public static func rdataProblem(type: RRType, rdata: UnsafeRawBufferPointer) -> TrustAnchorProblem? {
        guard type == .ds || type == .dnskey else { return .notDSOrDNSKEY }
        guard rdata.count > fixedFieldsByteCount, rdata.count <= Limits.trustAnchorRDataByteCountMax else {
            return .badLength(rdata.count)
        }
        if type == .ds {
            guard let digestByteCount = digestByteCount(type: rdata[3]) else { return .unsupportedDigestType(rdata[3]) }
            let byteCount = rdata.count - fixedFieldsByteCount
            return byteCount == digestByteCount ? nil : .badDigestLength(digestType: rdata[3], byteCount: byteCount)
        }
        return dnskeyProblem(flags: UInt16(rdata[0]) << 8 | UInt16(rdata[1]), protocolNumber: rdata[2])
    }

    /// DS: the stored key tag; DNSKEY: RFC 4034 Appendix B (algorithm 1 aside).
    public static func keyTag(type: RRType, rdata: UnsafeRawBufferPointer) -> UInt16 {
        guard rdata.count >= 2 else { return 0 }
        if type == .ds { return UInt16(rdata[0]) << 8 | UInt16(rdata[1]) }
        var sum: UInt32 = 0
        for (i, byte) in rdata.enumerated() { sum &+= (i & 1) == 0 ? UInt32(byte) << 8 : UInt32(byte) }
        sum &+= (sum >> 16) & 0xFFFF
        return UInt16(truncatingIfNeeded: sum)
    }
}
