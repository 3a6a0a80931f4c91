// Why presentation (zone-file) text was rejected. Presentation code is for
// the CLI, config and tests; it may allocate.

public enum PresentationError: Error, Equatable, Sendable {
    case badName
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
}
