import CNettle

/// NSEC3 hash (RFC 5155 §5): iterated SHA-1 of the canonical owner name with salt.
///     IH(salt, x, 0) = H(x || salt);  IH(salt, x, k) = H(IH(salt, x, k-1) || salt)
/// The result is the raw 20-byte digest; base32hex encoding is the caller's.
public enum NSEC3Hash {
    /// SHA-1 digest length; the only NSEC3 hash algorithm (RFC 5155 §11).
    public static let byteCount = 20

    /// Hashes the wire-form owner `name` (lower-cased here, RFC 4034 §6.2) with
    /// `salt` and `iterations` extra rounds into `out` (≥ 20 bytes). Returns false
    /// when an input exceeds CryptoLimits or `out` is too small.
    public static func compute(name: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer, iterations: Int,
                               into out: UnsafeMutableRawBufferPointer) -> Bool {
        guard iterations >= 0, iterations <= CryptoLimits.nsec3IterationsMax,
              name.count <= CryptoLimits.nameByteCountMax,
              salt.count <= CryptoLimits.nsec3SaltByteCountMax,
              out.count >= byteCount,
              let digest = out.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        let saltBytes = salt.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let first = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: CryptoLimits.nameByteCountMax) {
            lowered -> Int32 in
            for index in 0..<name.count { lowered[index] = asciiLowercased(name[index]) }
            return sprig_sha1_pair(lowered.baseAddress, name.count, saltBytes, salt.count, digest)
        }
        guard first == 0 else { return false }
        var round = 0
        while round < iterations {
            // nettle reads the previous digest fully before writing the new one.
            guard sprig_sha1_pair(digest, byteCount, saltBytes, salt.count, digest) == 0 else { return false }
            round += 1
        }
        return true
    }

    /// Wire-form names lower-case byte by byte: label lengths are ≤ 63, below "A".
    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }
}
