import CNettle

/// Outcome of one signature verification. Only `.valid` proves anything;
/// `.unsupportedAlgorithm` means "cannot judge" (insecure, never bogus).
public enum SignatureResult: Equatable, Sendable {
    case valid, invalid, unsupportedAlgorithm, malformedKey, malformedSignature

    /// Maps the C shims' SPRIG_VERIFY_* codes.
    init(shimCode: Int32) {
        switch shimCode {
        case SPRIG_VERIFY_VALID: self = .valid
        case SPRIG_VERIFY_MALFORMED_KEY: self = .malformedKey
        case SPRIG_VERIFY_MALFORMED_SIGNATURE: self = .malformedSignature
        case SPRIG_VERIFY_UNSUPPORTED: self = .unsupportedAlgorithm
        default: self = .invalid
        }
    }
}
