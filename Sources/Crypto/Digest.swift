// Crypto: thin typed wrappers over mbedTLS (and later libsodium).
// Owns: digests, signature verification, the TLS client. Never: hand-written
// cryptography, allocation on the query path, or DNS knowledge.
import CMbedTLS

public enum DigestAlgorithm { case sha1, sha256, sha384 }

public enum Digest {
    public static func length(_ algorithm: DigestAlgorithm) -> Int {
        switch algorithm {
        case .sha1: return 20
        case .sha256: return 32
        case .sha384: return 48
        }
    }

    /// Hashes `input` into `output`, which must hold `length(algorithm)` bytes.
    public static func compute(_ algorithm: DigestAlgorithm, _ input: UnsafeRawBufferPointer,
                               into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= length(algorithm))
        let inp = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        switch algorithm {
        case .sha1: _ = mbedtls_sha1_ret(inp, input.count, out)
        case .sha256: _ = mbedtls_sha256_ret(inp, input.count, out, 0)
        case .sha384: _ = mbedtls_sha512_ret(inp, input.count, out, 1)
        }
    }
}
