import CNettle
import CSodium

public enum Signature {
    /// Verifies `signature` (RRSIG signature field, wire form) over `signedData` (the RRSIG RDATA
    /// without signature + canonical RRset, already assembled by the caller) with `publicKey`
    /// (the DNSKEY public key field, wire form: RFC 3110 RSA exponent-length encoding, RFC 6605 ECDSA x||y, RFC 8080 Ed25519 32 bytes).
    public static func verify(algorithm: UInt8, publicKey: UnsafeRawBufferPointer,
                              signedData: UnsafeRawBufferPointer, signature: UnsafeRawBufferPointer) -> SignatureResult {
        switch algorithm {
        case DNSSECAlgorithm.rsaSHA1, DNSSECAlgorithm.rsaSHA1NSEC3SHA1:
            return verifyRSA(hashKind: SPRIG_HASH_SHA1, publicKey, signedData, signature)
        case DNSSECAlgorithm.rsaSHA256:
            return verifyRSA(hashKind: SPRIG_HASH_SHA256, publicKey, signedData, signature)
        case DNSSECAlgorithm.rsaSHA512:
            return verifyRSA(hashKind: SPRIG_HASH_SHA512, publicKey, signedData, signature)
        case DNSSECAlgorithm.ecdsaP256SHA256:
            return verifyECDSA(curve: SPRIG_CURVE_P256, publicKey, signedData, signature)
        case DNSSECAlgorithm.ecdsaP384SHA384:
            return verifyECDSA(curve: SPRIG_CURVE_P384, publicKey, signedData, signature)
        case DNSSECAlgorithm.ed25519:
            return verifyEd25519(publicKey, signedData, signature)
        default:
            return .unsupportedAlgorithm
        }
    }

    /// One-time set-up; call at start-up, before the query path runs, with
    /// `startUpByteCount` bytes aligned to 16 (sprigd carves them from its
    /// arena): the ECDSA scratch and the fixed arena GMP and nettle allocate
    /// from (CNettle's crypto_arena.c). Runs libsodium's set-up. Idempotent:
    /// after the first call the memory is not used. Returns true when it
    /// took the memory: GMP's allocator then points into it, so it must stay
    /// valid for the life of the process. `isReady` says whether both parts
    /// started; if not, RSA, ECDSA and Ed25519 report `.unsupportedAlgorithm`
    /// (insecure, never bogus).
    @discardableResult
    public static func startUp(memory: UnsafeMutableRawBufferPointer) -> Bool {
        guard state == .notStarted else { return false }
        let reserved = memory.count >= startUpByteCount
            && sprig_crypto_start(memory.baseAddress, memory.count) == 0
        let sodiumReady = sprig_sodium_start() >= 0
        state = reserved && sodiumReady ? .ready : .failed
        return reserved
    }

    /// `startUp(memory:)` with memory of its own, kept for the life of the
    /// process (tests and tools; sprigd gives memory from its arena).
    /// Returns `isReady`. Never inlined: the verifiers' fallback call must
    /// not put an allocation into them (Board's alloc-audit.txt).
    @discardableResult @inline(never)
    public static func startUp() -> Bool {
        if state == .notStarted {
            let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: startUpByteCount,
                                                               alignment: startUpAlignment)
            if !startUp(memory: memory) { memory.deallocate() }
        }
        return isReady
    }

    /// Whether the crypto started (both GMP's arena and libsodium).
    public static var isReady: Bool { state == .ready }

    /// Bytes `startUp(memory:)` takes: the plan's crypto row.
    public static var startUpByteCount: Int { Int(sprig_crypto_memory_byte_count()) }
    /// What CNettle's start-up memory requires of its address.
    static let startUpAlignment = 16

    // MARK: - Families

    static func verifyRSA(hashKind: Int32, _ publicKey: UnsafeRawBufferPointer,
                          _ signedData: UnsafeRawBufferPointer, _ signature: UnsafeRawBufferPointer,
                          modulusBitsMin: Int = CryptoLimits.rsaModulusBitsMin) -> SignatureResult {
        guard let key = RSAPublicKey(wire: publicKey),
              key.modulusBitCount >= modulusBitsMin,
              key.modulusBitCount <= CryptoLimits.rsaModulusBitsMax else { return .malformedKey }
        guard !signature.isEmpty else { return .malformedSignature }
        guard ensureStarted() else { return .unsupportedAlgorithm }
        let code = sprig_rsa_verify(
            hashKind, bytes(key.modulus), key.modulus.count, bytes(key.exponent), key.exponent.count,
            bytes(signedData), signedData.count, bytes(signature), signature.count)
        return SignatureResult(shimCode: code)
    }

    static func verifyECDSA(curve: Int32, _ publicKey: UnsafeRawBufferPointer,
                            _ signedData: UnsafeRawBufferPointer,
                            _ signature: UnsafeRawBufferPointer) -> SignatureResult {
        guard ensureStarted() else { return .unsupportedAlgorithm }
        let code = sprig_ecdsa_verify(curve, bytes(publicKey), publicKey.count,
                                      bytes(signedData), signedData.count,
                                      bytes(signature), signature.count)
        return SignatureResult(shimCode: code)
    }

    static func verifyEd25519(_ publicKey: UnsafeRawBufferPointer, _ signedData: UnsafeRawBufferPointer,
                              _ signature: UnsafeRawBufferPointer) -> SignatureResult {
        guard publicKey.count == Int(SPRIG_ED25519_PUBLIC_KEY_BYTES),
              let keyBytes = bytes(publicKey) else { return .malformedKey }
        guard signature.count == Int(SPRIG_ED25519_SIGNATURE_BYTES),
              let signatureBytes = bytes(signature) else { return .malformedSignature }
        guard ensureStarted() else { return .unsupportedAlgorithm }
        let code = sprig_ed25519_verify(signatureBytes, bytes(signedData), signedData.count, keyBytes)
        return code == 0 ? .valid : .invalid
    }

    private static func bytes(_ buffer: UnsafeRawBufferPointer) -> UnsafePointer<UInt8>? {
        buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
    }

    /// Starts on first use when the caller skipped `startUp()` (tests, tools):
    /// that first verification then pays the one-time reservation. sprigd
    /// never gets here: its ValidationEngine starts the crypto at start-up.
    private static func ensureStarted() -> Bool {
        state == .ready || startUp()
    }

    private enum StartState { case notStarted, ready, failed }
    /// Set once; Sprig runs one thread (DESIGN.md §2).
    nonisolated(unsafe) private static var state = StartState.notStarted
}
