// Crypto: thin typed wrappers over nettle (with GMP) and libsodium.
// Owns: digests (SHA-1/256/384), DS digest types, the NSEC3 hash, DNSSEC
// signature verification (RSA PKCS#1 v1.5, ECDSA P-256/P-384, Ed25519),
// the DNS cookie PRF (SipHash-2-4, DNSCookies.swift) and the start-up memory
// those need. Never: hand-written cryptography, DNS
// message parsing or canonical-form assembly (the Validator hands over ready
// bytes), policy beyond the algorithm table (DNSSECAlgorithm, RFC 8624 §3.1)
// and the size limits below; what an unsupported algorithm means for a zone
// is the Validator's business. TLS (later) is mbedTLS's, not this module's.
//
// Worked example: the Validator has a DNSKEY's public key field `key`, an
// RRSIG's signature field `sig` and `data` = RRSIG RDATA without the signature
// followed by the canonical RRset (RFC 4034 §3.1.8.1). Then
//     Signature.verify(algorithm: 13, publicKey: key, signedData: data, signature: sig)
// returns .valid, .invalid, .malformedKey, .malformedSignature or
// .unsupportedAlgorithm, and never traps on any input.
//
// Which library does what, and why (µs per verification, x86_64 host, C -O2,
// Debian 12 libraries, RFC 6605/8080 and ldns vectors; Tests/Bench's
// verify_speed, `make bench`):
//     algorithm              mbedTLS 2.28   nettle 3.8.1   libsodium 1.0.18
//     8  RSA-2048/SHA-256           63             28              -
//     13 ECDSA P-256/SHA-256     1,560            134              -
//     14 ECDSA P-384/SHA-384     1,730            364              -
//     15 Ed25519                    -            101             49
// Under qemu the order is the same (aarch64, armv7hf, mipsel: nettle
// 1.7-6.2x faster than mbedTLS for ECDSA, 1.1-1.9x for RSA; libsodium
// 3.4-7x faster than nettle for Ed25519). So RSA, ECDSA and the digests (SHA-256 of 1 KB: 0.7 µs
// against mbedTLS's 3.9) run on nettle, the library dnsmasq validates with and
// OpenWrt ships (libnettle); Ed25519 stays on libsodium, twice as fast as
// nettle's and already allocation-free.
//
// Memory: 0 heap calls per verification on every build (the host's shared
// libraries included; Tests/CryptoTests/AllocationTests counts with an
// LD_PRELOAD interposer). nettle's ECDSA runs in caller scratch
// (ecc_ecdsa_verify with ecc_ecdsa_verify_itch limbs). The mpz numbers of its
// on-curve check and of RSA go through GMP's allocator, which
// `Signature.startUp(memory:)` points at a fixed arena (CNettle's crypto_arena.c;
// 3 arena calls per ECDSA check, 6 per RSA check; worst case 4,128 bytes live
// of 32 KiB, Tests/CryptoTests/CryptoArenaTests). libsodium, the digests and
// the NSEC3 hash use only the stack. sprigd carves `Signature.startUpByteCount`
// from its arena (a row of `sprigd --print-footprint`) and calls
// `Signature.startUp(memory:)` once at start-up; tests and tools may call
// `Signature.startUp()`, which reserves its own; otherwise the first
// verification does that.

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
