import CNettle

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
        precondition(output.count >= length(algorithm), "digest output buffer too small")
        guard let out = output.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let inp = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        _ = sprig_hash(hashKind(algorithm), inp, input.count, out)
    }

    static func hashKind(_ algorithm: DigestAlgorithm) -> Int32 {
        switch algorithm {
        case .sha1: return SPRIG_HASH_SHA1
        case .sha256: return SPRIG_HASH_SHA256
        case .sha384: return SPRIG_HASH_SHA384
        }
    }
}
