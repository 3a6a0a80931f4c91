/*
 * CNettle: DNSSEC's digests and RSA/ECDSA signature checks on GNU nettle
 * (libnettle, libhogweed) with GMP, and the fixed memory they run in.
 *
 * Owns: SHA-1/256/384/512, the NSEC3 SHA-1 pair, RSASSA-PKCS1-v1_5 and ECDSA
 * P-256/P-384 verification, and a fixed arena that GMP's (and so nettle's)
 * allocation functions are pointed at for the whole process. Compiled by each
 * board's own C compiler, so nettle's and GMP's structs (mpz_t, rsa_public_key,
 * ecc_point) never cross into Swift.
 *
 * Never: keeps state between calls other than the start-up memory; parses DNS;
 * decides policy (Crypto's Swift side checks key sizes against CryptoLimits).
 * This header includes only <stddef.h>/<stdint.h>; every function takes
 * pointers and size_t/int scalars, because Swift on the MIPS path lowers calls
 * with another 32-bit ABI (BUILD-NOTES.md).
 *
 * Memory. ecc_ecdsa_verify runs in caller scratch (carved from the start-up
 * memory). What still allocates goes through GMP's memory functions: the mpz
 * temporaries of nettle's on-curve check (ecc_point_set) and of RSA (key,
 * signature, mpz_powm result). sprig_crypto_start() points those functions at
 * the arena (crypto_arena.c), so a verification never reaches libc's heap.
 */
#ifndef SPRIG_CNETTLE_H
#define SPRIG_CNETTLE_H

#include <stddef.h>
#include <stdint.h>

/* Outcomes shared with Crypto's SignatureResult. */
#define SPRIG_VERIFY_VALID 0
#define SPRIG_VERIFY_INVALID 1
#define SPRIG_VERIFY_MALFORMED_KEY 2
#define SPRIG_VERIFY_MALFORMED_SIGNATURE 3
#define SPRIG_VERIFY_UNSUPPORTED 4

/* Digest kinds. */
#define SPRIG_HASH_SHA1 1
#define SPRIG_HASH_SHA256 2
#define SPRIG_HASH_SHA384 3
#define SPRIG_HASH_SHA512 4

/* ECDSA curves of RFC 6605. */
#define SPRIG_CURVE_P256 1
#define SPRIG_CURVE_P384 2

/* One-shot digest into `output` (64 bytes hold any kind); returns the digest
 * length, or 0 for an unknown kind. `input` may be NULL when `length` is 0. */
size_t sprig_hash(int kind, const uint8_t *input, size_t length, uint8_t *output);

/* SHA-1 over first||second without concatenating them (NSEC3, RFC 5155 §5);
 * `output` (20 bytes) may overlap either input. Returns 0. */
int sprig_sha1_pair(const uint8_t *first, size_t first_length,
                    const uint8_t *second, size_t second_length, uint8_t *output);

/* RSASSA-PKCS1-v1_5 (RFC 3110, RFC 5702) with SHA-1, SHA-256 or SHA-512. The
 * caller has split the RFC 3110 key and checked CryptoLimits. Returns a
 * SPRIG_VERIFY_* code. */
int sprig_rsa_verify(int hash_kind,
                     const uint8_t *modulus, size_t modulus_length,
                     const uint8_t *exponent, size_t exponent_length,
                     const uint8_t *message, size_t message_length,
                     const uint8_t *signature, size_t signature_length);

/* ECDSA (RFC 6605): key is x||y, signature r||s, each 32 (P-256, SHA-256) or
 * 48 (P-384, SHA-384) bytes. A key off the curve is MALFORMED_KEY; r or s
 * outside [1, n-1] is INVALID. Needs sprig_crypto_start() (UNSUPPORTED before). */
int sprig_ecdsa_verify(int curve,
                       const uint8_t *key, size_t key_length,
                       const uint8_t *message, size_t message_length,
                       const uint8_t *signature, size_t signature_length);

/* ---- start-up memory (crypto_arena.c) ---- */

/* Bytes sprig_crypto_start needs: the ECDSA scratch plus the arena. */
size_t sprig_crypto_memory_byte_count(void);

/* Takes `memory` (byte_count >= sprig_crypto_memory_byte_count(), 16-byte
 * aligned, owned by the caller for the rest of the process) for the ECDSA
 * scratch and the arena, and points GMP's memory functions at the arena.
 * Returns 0, or -1 when the memory is too small or misaligned (nothing changed).
 * Call once, single-threaded, before the first verification. */
int sprig_crypto_start(void *memory, size_t byte_count);

/* Arena counters since start (wrap at SIZE_MAX). */
size_t sprig_crypto_arena_capacity(void);   /* bytes the arena may carve */
size_t sprig_crypto_arena_carved(void);     /* bytes carved so far; never shrinks */
size_t sprig_crypto_arena_live_peak(void);  /* most bytes in use at once */
size_t sprig_crypto_arena_calls(void);      /* allocations served by the arena */
size_t sprig_crypto_arena_fallbacks(void);  /* allocations that went to libc instead */

#endif
