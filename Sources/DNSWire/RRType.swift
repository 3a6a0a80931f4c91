// RR TYPE values (IANA "Resource Record (RR) TYPEs").

public struct RRType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = RRType(1)
    public static let ns = RRType(2)
    public static let cname = RRType(5)
    public static let soa = RRType(6)
    public static let ptr = RRType(12)
    public static let hinfo = RRType(13)
    public static let mx = RRType(15)
    public static let txt = RRType(16)
    public static let aaaa = RRType(28)
    public static let srv = RRType(33)
    public static let dname = RRType(39)
    public static let opt = RRType(41)
    public static let ds = RRType(43)
    public static let rrsig = RRType(46)
    public static let nsec = RRType(47)
    public static let dnskey = RRType(48)
    public static let nsec3 = RRType(50)
    public static let nsec3param = RRType(51)
    public static let tlsa = RRType(52)
    public static let cds = RRType(59)
    public static let cdnskey = RRType(60)
    public static let svcb = RRType(64)
    public static let https = RRType(65)
    public static let ixfr = RRType(251)
    public static let axfr = RRType(252)
    public static let any = RRType(255)
    /// DELEG (draft-ietf-deleg-12 §8.1: requested value 61440, the first of
    /// the NS-Omitting Delegation Types, draft-ietf-dnsop-delext-11 §3).
    public static let deleg = RRType(61440)
    /// DELEGPARAM: still "TBD2" in draft-ietf-deleg-12 §8.1, a data TYPE
    /// outside the Delegation Types range 61440-61951 (delext-11 §3). We use
    /// the draft's temporary interoperability value 65433 (draft-ietf-deleg
    /// editor's copy of March 2026, §8.3 "Temporary Assignments"; RFC 6895
    /// private use). Before, 61441 sat inside the NS-Omitting range: a
    /// DE-aware server would have taken it for a delegation.
    public static let delegparam = RRType(65433)

    /// Mnemonics for presentation form; anything else prints as TYPEnnnn.
    static let mnemonics: [(RRType, String)] = [
        (.a, "A"), (.ns, "NS"), (.cname, "CNAME"), (.soa, "SOA"), (.ptr, "PTR"),
        (.hinfo, "HINFO"), (.mx, "MX"), (.txt, "TXT"), (.aaaa, "AAAA"), (.srv, "SRV"),
        (.dname, "DNAME"), (.opt, "OPT"), (.ds, "DS"), (.rrsig, "RRSIG"), (.nsec, "NSEC"),
        (.dnskey, "DNSKEY"), (.nsec3, "NSEC3"), (.nsec3param, "NSEC3PARAM"),
        (.tlsa, "TLSA"), (.cds, "CDS"), (.cdnskey, "CDNSKEY"), (.svcb, "SVCB"),
        (.https, "HTTPS"), (.ixfr, "IXFR"), (.axfr, "AXFR"), (.any, "ANY"),
        (.deleg, "DELEG"), (.delegparam, "DELEGPARAM"),
    ]

    /// The RFC 3597 §5 mnemonic ("A", "TYPE65534").
    public var mnemonic: String {
        for (type, name) in RRType.mnemonics where type == self { return name }
        return "TYPE" + String(rawValue)
    }

    /// Parses "AAAA", "aaaa" or "TYPE28" (RFC 3597 §5).
    public init?(mnemonic: String) {
        let upper = Text.upper(mnemonic)
        // Byte comparison: String == would pull in Unicode tables (not on MIPS).
        for (type, name) in RRType.mnemonics where name.utf8.elementsEqual(upper) {
            self = type
            return
        }
        guard let value = Text.numberAfterPrefix("TYPE", in: upper), value <= 0xFFFF else { return nil }
        self.init(UInt16(value))
    }
}

// RR CLASS values (RFC 1035 §3.2.4, RFC 6895 §3.2).
public struct RRClass: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public static let `in` = RRClass(1)
    public static let ch = RRClass(3)
    public static let hs = RRClass(4)
    public static let none = RRClass(254)
    public static let any = RRClass(255)

    public var mnemonic: String {
        switch self {
        case .in: return "IN"
        case .ch: return "CH"
        case .hs: return "HS"
        case .none: return "NONE"
        case .any: return "ANY"
        default: return "CLASS" + String(rawValue)
        }
    }

    public init?(mnemonic: String) {
        let upper = Text.upper(mnemonic)
        for known in [RRClass.in, .ch, .hs, .none, .any] where known.mnemonic.utf8.elementsEqual(upper) {
            self = known
            return
        }
        guard let value = Text.numberAfterPrefix("CLASS", in: upper), value <= 0xFFFF else { return nil }
        self.init(UInt16(value))
    }
}
