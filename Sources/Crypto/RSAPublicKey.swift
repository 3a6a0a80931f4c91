/// An RSA public key in DNSKEY wire form (RFC 3110 §2): exponent length (one
/// octet, or zero then two octets), exponent, modulus. Views into the
/// caller's buffer; copies nothing.
public struct RSAPublicKey {
    let exponent: UnsafeRawBufferPointer
    let modulus: UnsafeRawBufferPointer
    /// Bits in the modulus, not counting leading zero bits.
    let modulusBitCount: Int

    /// Splits `key`; nil when the encoding is broken or the exponent too long.
    init?(wire key: UnsafeRawBufferPointer) {
        guard key.count >= 1 else { return nil }
        var offset = 1
        var exponentByteCount = Int(key[0])
        if exponentByteCount == 0 {
            guard key.count >= 3 else { return nil }
            exponentByteCount = Int(key[1]) << 8 | Int(key[2])
            offset = 3
        }
        guard exponentByteCount > 0, exponentByteCount <= CryptoLimits.rsaExponentByteCountMax,
              key.count - offset > exponentByteCount else { return nil }
        exponent = UnsafeRawBufferPointer(rebasing: key[offset..<offset + exponentByteCount])
        modulus = UnsafeRawBufferPointer(rebasing: key[(offset + exponentByteCount)...])
        modulusBitCount = RSAPublicKey.bitCount(modulus)
    }

    /// Whether Crypto can verify with `key` (RFC 3110 §2 form): its encoding
    /// is sound, its exponent within `rsaExponentByteCountMax` and its
    /// modulus within `rsaModulusBitsMin...rsaModulusBitsMax`. The Validator
    /// asks, so that a DS designating a key Crypto refuses gives no usable
    /// path (RFC 4035 §5.2) instead of a bogus verdict.
    public static func isVerifiable(wire key: UnsafeRawBufferPointer) -> Bool {
        guard let parsed = RSAPublicKey(wire: key) else { return false }
        return (CryptoLimits.rsaModulusBitsMin...CryptoLimits.rsaModulusBitsMax).contains(parsed.modulusBitCount)
    }

    /// Bits in the modulus of `key` (RFC 3110 §2 form); nil when broken.
    public static func modulusBitCount(wire key: UnsafeRawBufferPointer) -> Int? {
        RSAPublicKey(wire: key)?.modulusBitCount
    }

    /// Big-endian bit length of `bytes`.
    static func bitCount(_ bytes: UnsafeRawBufferPointer) -> Int {
        var index = 0
        while index < bytes.count && bytes[index] == 0 { index += 1 }
        guard index < bytes.count else { return 0 }
        let leading = Int(bytes[index])
        return (bytes.count - index - 1) * 8 + (UInt8.bitWidth - UInt8(leading).leadingZeroBitCount)
    }
}
