/* libsodium for Ed25519 verification (RFC 8080), SipHash-2-4 for DNS
 * cookies (RFC 9018) and secret generation. Only pointer and size_t
 * arguments cross from Swift: crypto_sign_ed25519_verify_detached takes an
 * `unsigned long long` length, and the MIPS build lowers Swift→C calls with
 * another target's ABI (BUILD-NOTES.md), where 64-bit arguments are placed
 * differently; this inline wrapper is compiled for the real target. */
#ifndef SPRIG_CSODIUM_SHIM_H
#define SPRIG_CSODIUM_SHIM_H

#include <stddef.h>
#include <sodium.h>

#define SPRIG_ED25519_PUBLIC_KEY_BYTES 32
#define SPRIG_ED25519_SIGNATURE_BYTES 64

/* Start-up: selects implementations; idempotent and cheap after the first
 * call. Returns 0 (first call) or 1 (already done) on success, -1 on failure. */
static inline int sprig_sodium_start(void) {
    return sodium_init();
}

/* 0 when `signature` (64 bytes) over `message` verifies with `key` (32 bytes). */
static inline int sprig_ed25519_verify(const unsigned char *signature,
                                       const unsigned char *message, size_t message_length,
                                       const unsigned char *key) {
    static const unsigned char empty[1] = { 0 };
    if (message == NULL) { message = empty; message_length = 0; }
    return crypto_sign_ed25519_verify_detached(signature, message,
                                               (unsigned long long)message_length, key);
}

/* SipHash-2-4 (crypto_shorthash_siphash24): 8 bytes into `out` from
 * `in` (any length) under the 16-byte `key`; the DNS cookie PRF of RFC 9018
 * §4.4. Same `unsigned long long` reason as above for the wrapper. */
static inline int sprig_siphash24(unsigned char *out, const unsigned char *in, size_t in_length,
                                  const unsigned char *key) {
    static const unsigned char empty[1] = { 0 };
    if (in == NULL) { in = empty; in_length = 0; }
    return crypto_shorthash_siphash24(out, in, (unsigned long long)in_length, key);
}

/* `length` bytes from libsodium's CSPRNG (getrandom underneath). */
static inline void sprig_random_bytes(unsigned char *buffer, size_t length) {
    randombytes_buf(buffer, length);
}

#endif
