// Why presentation (zone-file) text was rejected. Presentation code is for
// the CLI, config and tests; it may allocate.

public enum PresentationError: Error, Equatable, Sendable {
    case badName
    /// An unescaped byte a name's text must escape (NameText.swift).
    case badCharacter(UInt8)
    case labelTooLong
    case nameTooLong
    case badEscape
    case badNumber
    case badTTL
    case badTime
    case badAddress
    case badHex
    case badBase64
    case badBase32
    case badType
    case badClass
    case badCharacterString
    case badSVCParam
    case badTypeBitmap
    case missingField
    case extraField
    case rdataTooLong
    case badUnknownRData       // RFC 3597 §5 "\# len hex" mismatch
    case badWire(WireError)    // formatting: the wire RDATA did not parse

    /// A short phrase for messages ("bad escape").
    public var text: String {
        switch self {
        case .badName: return "bad name"
        case .badCharacter(let byte): return "character " + Text.display([byte]) + " in a name (escape it)"
        case .labelTooLong: return "label longer than 63 bytes"
        case .nameTooLong: return "name longer than 255 bytes"
        case .badEscape: return "bad escape"
        case .badNumber: return "bad number"
        case .badTTL: return "bad TTL"
        case .badTime: return "bad time"
        case .badAddress: return "bad address"
        case .badHex: return "bad hex"
        case .badBase64: return "bad base64"
        case .badBase32: return "bad base32"
        case .badType: return "unknown type or class"
        case .badClass: return "bad class"
        case .badCharacterString: return "bad character string"
        case .badSVCParam: return "bad SvcParam"
        case .badTypeBitmap: return "bad type bitmap"
        case .missingField: return "missing field"
        case .extraField: return "extra field"
        case .rdataTooLong: return "RDATA too long"
        case .badUnknownRData: return "bad \\# RDATA"
        case .badWire: return "bad RDATA"
        }
    }
}
