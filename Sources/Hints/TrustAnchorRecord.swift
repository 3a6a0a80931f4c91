// A DNSSEC trust anchor as the validator wants it: owner, DS or DNSKEY, and
// wire RDATA. The RDATA checks here are shared by the table validator, the
// table builder and the text parser, so all three agree.

import DNSWire

public struct TrustAnchorRecord: Equatable, Sendable {
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
        rdata.withUnsafeBytes { TrustAnchorRecord.keyTag(type: type, rdata: $0) }
    }
}

/// Why DS or DNSKEY RDATA cannot be a trust anchor.
public enum TrustAnchorProblem: Equatable, Sendable {
    case notDSOrDNSKEY
    /// Fewer bytes than the fixed fields plus one, or over
    /// HintLimits.anchorRDataByteCountMax.
    case badLength
    /// DS digest type other than 1 (SHA-1), 2 (SHA-256), 4 (SHA-384).
    case unsupportedDigestType(UInt8)
    /// DS digest length does not match its digest type.
    case badDigestLength
    /// DNSKEY protocol other than 3 (RFC 4034 §2.1.2).
    case badProtocol(UInt8)
    /// DNSKEY without the Zone Key flag (RFC 4034 §2.1.1).
    case notZoneKey
}

extension TrustAnchorRecord {
    /// DS and DNSKEY fixed fields: key tag/flags (2), algorithm/protocol, digest type/algorithm.
    static let fixedFieldsByteCount = 4
    static let zoneKeyFlag: UInt16 = 0x0100
    static let dnskeyProtocol: UInt8 = 3

    /// Digest byte count by DS digest type (RFC 4034, RFC 4509, RFC 6605).
    static func digestByteCount(type: UInt8) -> Int? {
        switch type {
        case 1: return 20
        case 2: return 32
        case 4: return 48
        default: return nil
        }
    }

    static func rdataProblem(type: RRType, rdata: UnsafeRawBufferPointer) -> TrustAnchorProblem? {
        guard type == .ds || type == .dnskey else { return .notDSOrDNSKEY }
        guard rdata.count > fixedFieldsByteCount, rdata.count <= HintLimits.anchorRDataByteCountMax else {
            return .badLength
        }
        if type == .ds {
            guard let digestByteCount = digestByteCount(type: rdata[3]) else { return .unsupportedDigestType(rdata[3]) }
            return rdata.count == fixedFieldsByteCount + digestByteCount ? nil : .badDigestLength
        }
        guard rdata[2] == dnskeyProtocol else { return .badProtocol(rdata[2]) }
        let flags = UInt16(rdata[0]) << 8 | UInt16(rdata[1])
        return flags & zoneKeyFlag != 0 ? nil : .notZoneKey
    }

    /// DS: the stored key tag; DNSKEY: RFC 4034 Appendix B (algorithm 1 aside).
    static func keyTag(type: RRType, rdata: UnsafeRawBufferPointer) -> UInt16 {
        guard rdata.count >= 2 else { return 0 }
        if type == .ds { return UInt16(rdata[0]) << 8 | UInt16(rdata[1]) }
        var sum: UInt32 = 0
        for (i, byte) in rdata.enumerated() { sum &+= (i & 1) == 0 ? UInt32(byte) << 8 : UInt32(byte) }
        sum &+= (sum >> 16) & 0xFFFF
        return UInt16(truncatingIfNeeded: sum)
    }
}
