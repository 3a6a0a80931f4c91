public enum DNSSECAlgorithm {
    public static let rsaSHA1: UInt8 = 5
    public static let rsaSHA1NSEC3SHA1: UInt8 = 7
    public static let rsaSHA256: UInt8 = 8
    public static let rsaSHA512: UInt8 = 10
    public static let ecdsaP256SHA256: UInt8 = 13
    public static let ecdsaP384SHA384: UInt8 = 14
    public static let ed25519: UInt8 = 15

    /// RFC 8624 §3.1 / RFC 4035 §5.2: algorithms Sprig can verify:
    /// 5 RSASHA1, 7 RSASHA1-NSEC3-SHA1, 8 RSASHA256, 10 RSASHA512, 13 ECDSAP256SHA256, 14 ECDSAP384SHA384, 15 ED25519.
    /// Everything else (3 DSA, 6 DSA-NSEC3, 12 GOST, 16 ED448, unknown) is unsupported → the zone is insecure, never bogus.
    public static func isSupported(_ algorithm: UInt8) -> Bool {
        switch algorithm {
        case rsaSHA1, rsaSHA1NSEC3SHA1, rsaSHA256, rsaSHA512,
             ecdsaP256SHA256, ecdsaP384SHA384, ed25519:
            return true
        default:
            return false
        }
    }
}
