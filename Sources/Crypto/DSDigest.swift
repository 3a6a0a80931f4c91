/// DS digest types (RFC 4034 §5.1.4, RFC 4509, RFC 6605): 1 SHA-1, 2 SHA-256,
/// 4 SHA-384; others (3 GOST, unknown) are unsupported, and a DS RRset with only
/// unsupported digests makes the zone insecure (RFC 4035 §5.2).
public enum DSDigest {
    public static func algorithm(forDigestType type: UInt8) -> DigestAlgorithm? {
        switch type {
        case 1: return .sha1
        case 2: return .sha256
        case 4: return .sha384
        default: return nil
        }
    }
}
