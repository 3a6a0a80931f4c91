// Crypto: thin typed wrappers over mbedTLS and libsodium.
// Owns: digests (SHA-1/256/384), DS digest types, the NSEC3 hash, DNSSEC
// signature verification (RSA PKCS#1 v1.5, ECDSA P-256/P-384, Ed25519) and,
// later, the TLS client. Never: hand-written cryptography, DNS message
// parsing or canonical-form assembly (the Validator hands over ready bytes),
// policy beyond the algorithm table (DNSSECAlgorithm, RFC 8624 §3.1) and the
// size limits below; what an unsupported algorithm means for a zone is the
// Validator's business.
//
// Worked example: the Validator has a DNSKEY's public key field `key`, an
// RRSIG's signature field `sig` and `data` = RRSIG RDATA without the signature
// followed by the canonical RRset (RFC 4034 §3.1.8.1). Then
//     Signature.verify(algorithm: 13, publicKey: key, signedData: data, signature: sig)
// returns .valid, .invalid, .malformedKey, .malformedSignature or
// .unsupportedAlgorithm, and never traps on any input.
//
// Memory. libsodium's Ed25519 verification, the digests and the NSEC3 hash use
// only the stack (0 heap calls, measured). mbedTLS bignum code (RSA, ECDSA)
// calls calloc/free inside every verification and frees it all before
// returning; Debian's 2.28 is built without MBEDTLS_PLATFORM_MEMORY, so this
// cannot be redirected at run time. Measured per verification on x86_64 with
// Debian's libmbedcrypto 2.28.3 (Tests/CryptoTests/AllocationTests, an
// LD_PRELOAD counter; peak = live bytes at the worst moment):
//     RSA-1024/2048/4096   18 calls   peak 2.6 / 5.0 / 9.9 KB
//     ECDSA P-256       8,014 calls   peak 4.9 KB
//     ECDSA P-384      11,588 calls   peak 6.2 KB
//     Ed25519, SHA-x, NSEC3   0 calls
// Router builds make this static: Sources/CMbedTLS/arena.c is a fixed 64 KiB
// arena (size classes with free lists) and the link uses a copy of
// libmbedcrypto.a whose calloc/free are renamed to it (objcopy
// --redefine-sym calloc=sprig_mbedtls_calloc --redefine-sym free=sprig_mbedtls_free),
// or mbedtls_platform_set_calloc_free where the library allows it. Checked by
// Tests/CryptoTests/ArenaLinkTests: 100 rounds of every RSA/ECDSA vector = 2.77
// million calls served, 0 fallbacks to libc, 32,800 bytes carved. The host
// build (SwiftPM, shared mbedTLS) keeps the transient libc allocations.
// Call `Signature.startUp()` once at start-up (libsodium's one-time set-up;
// otherwise the first Ed25519 verification does it).

/// Bounds on what the verifiers accept; each one is a cost limit or an RFC rule.
public enum CryptoLimits {
    /// Smallest RSA modulus accepted: 512 bits, the floor RFC 5702 §2.1 sets
    /// "as in RFC 3110" (a PKCS#1 v1.5 SHA-256 signature needs ~500 bits
    /// anyway). Unbound and BIND verify such keys, test beds sign with them,
    /// and a key a zone really uses must not make its data bogus; small keys
    /// cost less to verify, so the floor is no cost limit.
    public static let rsaModulusBitsMin = 512
    /// Largest RSA modulus: RFC 3110 §2 limits the modulus to 4096 bits; also
    /// bounds verification time on a router CPU.
    public static let rsaModulusBitsMax = 4096
    /// Largest RSA public exponent in bytes: real keys use 3, 65537 or 2^32+1;
    /// a huge exponent would make one verification cost like a private-key operation.
    public static let rsaExponentByteCountMax = 8
    /// Most NSEC3 iterations hashed: RFC 5155 §10.3 caps iterations at 2500 for
    /// any key size; stricter RFC 9276 policy (treat as insecure) is the Validator's.
    public static let nsec3IterationsMax = 2500
    /// Longest owner name in wire form (RFC 1035 §3.1).
    public static let nameByteCountMax = 255
    /// Longest NSEC3 salt: its length field is one octet (RFC 5155 §3.2).
    public static let nsec3SaltByteCountMax = 255
}
