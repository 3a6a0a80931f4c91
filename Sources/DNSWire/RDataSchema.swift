// RDataSchema: the field layout of each known RR type's RDATA, as a switch
// (no tables, no allocation). Everything else about RDATA — validation,
// canonical copies, compression when building, presentation — walks it.

/// One RDATA field kind.
public enum RDataField: UInt8, Sendable {
    case u8, u16, u32
    case type              // u16 shown as a type mnemonic (RRSIG type covered)
    case time              // u32 shown as YYYYMMDDHHmmSS (RFC 4034 §3.2)
    case ipv4, ipv6
    /// NS, CNAME, SOA, PTR, MX names: compressed on the wire (RFC 3597 §4),
    /// lowercased in canonical form (RFC 4034 §6.2).
    case compressibleName
    /// DNAME, SRV, RRSIG signer: never compressed when sent (RFC 6672 §2.5,
    /// RFC 2782, RFC 4034 §3.1.7) but decompressed if a server did;
    /// lowercased in canonical form (RFC 4034 §6.2).
    case lowercasedName
    /// NSEC next owner: never compressed, not lowercased (RFC 6840 §5.1).
    case caseKeptName
    /// SVCB/HTTPS TargetName: MUST NOT be compressed (RFC 9460 §2.2).
    case uncompressedName
    case characterString   // one <character-string>
    case characterStrings  // one or more, to the end (TXT)
    case hexSalt           // u8 length + bytes, "-" when empty (RFC 5155 §3.3)
    case base32Hash        // u8 length + bytes in base32hex (RFC 5155 §3.3)
    case hexRest           // to the end, hex (DS digest, TLSA data)
    case base64Rest        // to the end, base64 (keys, signatures)
    case typeBitmap        // to the end (RFC 4034 §4.1.2)
    case svcParams         // to the end, SVCB keys (RFC 9460 §2.2)
    case delegParams       // to the end, DELEG keys (draft-ietf-deleg)

    /// True for the name kinds.
    @inlinable public var isName: Bool {
        switch self {
        case .compressibleName, .lowercasedName, .caseKeptName, .uncompressedName: return true
        default: return false
        }
    }

    /// Whether a name of this kind is lowercased in canonical form
    /// (RFC 4034 §6.2 as corrected by RFC 6840 §5.1).
    @inlinable public var lowercasedInCanonicalForm: Bool {
        self == .compressibleName || self == .lowercasedName
    }
}

public enum RDataSchema {
    /// The field at `index` of `type`'s RDATA, or nil past the last field.
    /// Types without a schema return nil at index 0 (RFC 3597 opaque).
    @inlinable
    public static func field(_ type: RRType, _ index: Int) -> RDataField? {
        switch type {
        case .a: return index == 0 ? .ipv4 : nil
        case .aaaa: return index == 0 ? .ipv6 : nil
        case .ns, .cname, .ptr: return index == 0 ? .compressibleName : nil
        case .dname: return index == 0 ? .lowercasedName : nil
        case .soa:
            switch index {
            case 0, 1: return .compressibleName
            case 2...6: return .u32
            default: return nil
            }
        case .mx: return pick(index, .u16, .compressibleName)
        case .txt: return index == 0 ? .characterStrings : nil
        case .srv:
            switch index {
            case 0...2: return .u16
            case 3: return .lowercasedName
            default: return nil
            }
        case .ds, .cds: return pick(index, .u16, .u8, .u8, .hexRest)
        case .dnskey, .cdnskey: return pick(index, .u16, .u8, .u8, .base64Rest)
        case .rrsig:
            switch index {
            case 0: return .type
            case 1, 2: return .u8
            case 3: return .u32
            case 4, 5: return .time
            case 6: return .u16
            case 7: return .lowercasedName
            case 8: return .base64Rest
            default: return nil
            }
        case .nsec: return pick(index, .caseKeptName, .typeBitmap)
        case .nsec3:
            switch index {
            case 0, 1: return .u8
            case 2: return .u16
            case 3: return .hexSalt
            case 4: return .base32Hash
            case 5: return .typeBitmap
            default: return nil
            }
        case .nsec3param: return pick(index, .u8, .u8, .u16, .hexSalt)
        case .tlsa: return pick(index, .u8, .u8, .u8, .hexRest)
        case .svcb, .https: return pick(index, .u16, .uncompressedName, .svcParams)
        case .deleg, .delegparam: return index == 0 ? .delegParams : nil
        default: return nil
        }
    }

    @inlinable
    static func pick(_ index: Int, _ f0: RDataField, _ f1: RDataField,
                     _ f2: RDataField? = nil, _ f3: RDataField? = nil) -> RDataField? {
        switch index {
        case 0: return f0
        case 1: return f1
        case 2: return f2
        case 3: return f3
        default: return nil
        }
    }

    /// True if `type` has a schema here (known RDATA layout).
    @inlinable public static func isKnown(_ type: RRType) -> Bool { field(type, 0) != nil }

    /// True if `type` holds names the builder compresses (RFC 3597 §4).
    @inlinable public static func hasCompressibleNames(_ type: RRType) -> Bool {
        switch type {
        case .ns, .cname, .ptr, .soa, .mx: return true
        default: return false
        }
    }
}
