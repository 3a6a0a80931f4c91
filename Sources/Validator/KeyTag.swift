// DNSKEY RDATA view (RFC 4034 §2.1), its flags (zone key, SEP, REVOKE of
// RFC 5011 §3), key tag (RFC 4034 Appendix B) and whether Crypto's size
// limits let it verify anything.
import Crypto

/// A DNSKEY's RDATA: flags(2) protocol(1) algorithm(1) public key.
public struct DNSKEYView {
    public let rdata: UnsafeRawBufferPointer

    /// Zone Key flag, bit 7 (RFC 4034 §2.1.1): only zone keys sign RRsets.
    public static let zoneKeyFlag: UInt16 = 0x0100
    /// REVOKE flag, bit 8 (RFC 5011 §3): a revoked key must not be used.
    public static let revokeFlag: UInt16 = 0x0080
    /// Secure Entry Point flag, bit 15 (RFC 4034 §2.1.1): a hint only;
    /// validators must not depend on it.
    public static let secureEntryPointFlag: UInt16 = 0x0001
    /// RFC 4034 §2.1.2: the protocol field must be 3.
    public static let protocolValue: UInt8 = 3

    /// Nil if shorter than the 4 fixed bytes.
    public init?(rdata: UnsafeRawBufferPointer) {
        guard rdata.count >= 4 else { return nil }
        self.rdata = rdata
    }

    public var flags: UInt16 { readU16(rdata, 0) }
    public var protocolField: UInt8 { rdata[2] }
    public var algorithm: UInt8 { rdata[3] }
    public var publicKey: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: rdata[4...]) }

    public var isZoneKey: Bool { flags & DNSKEYView.zoneKeyFlag != 0 }
    public var isRevoked: Bool { flags & DNSKEYView.revokeFlag != 0 }
    public var isSecureEntryPoint: Bool { flags & DNSKEYView.secureEntryPointFlag != 0 }

    /// May this key verify RRSIGs (RFC 4035 §5.3.1, RFC 5011 §3)?
    public var canSign: Bool { isZoneKey && !isRevoked && protocolField == DNSKEYView.protocolValue }

    public var keyTag: UInt16 { KeyTag.compute(rdata: rdata) }

    /// False for an RSA key Crypto refuses (`RSAPublicKey.isVerifiable`:
    /// modulus outside the size limits, oversized exponent, broken
    /// encoding), so a DS that designates it gives no usable path, like an
    /// unsupported algorithm (RFC 4035 §5.2).
    public var hasVerifiableSize: Bool {
        switch algorithm {
        case DNSSECAlgorithm.rsaSHA1, DNSSECAlgorithm.rsaSHA1NSEC3SHA1, DNSSECAlgorithm.rsaSHA256,
             DNSSECAlgorithm.rsaSHA512:
            return RSAPublicKey.isVerifiable(wire: publicKey)
        default:
            return true
        }
    }
}

public enum KeyTag {
    /// RSA/MD5, whose key tag is taken from the modulus (RFC 4034 B.1).
    static let rsaMD5Algorithm: UInt8 = 1

    /// The key tag of a DNSKEY RDATA (RFC 4034 Appendix B).
    public static func compute(rdata: UnsafeRawBufferPointer) -> UInt16 {
        if rdata.count >= 4 && rdata[3] == rsaMD5Algorithm {
            // B.1: the most significant 16 of the least significant 24 bits of the modulus.
            guard rdata.count >= 7 else { return 0 }
            return readU16(rdata, rdata.count - 3)
        }
        var accumulator: UInt32 = 0
        for i in 0..<rdata.count {
            accumulator &+= (i & 1) != 0 ? UInt32(rdata[i]) : UInt32(rdata[i]) << 8
        }
        accumulator &+= (accumulator >> 16) & 0xFFFF
        return UInt16(truncatingIfNeeded: accumulator)
    }
}
