/* DNSSEC digests and RSA/ECDSA verification on nettle: see include/CNettle.h
 * for the contract and crypto_arena.c for where the memory comes from. */
#include "CNettle.h"
#include "arena_internal.h"

#include <string.h>
#include <nettle/bignum.h>
#include <nettle/ecc.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecdsa.h>
#include <nettle/rsa.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

/* The largest digest (SHA-512) and ECDSA coordinate (P-384, RFC 6605 §4). */
#define SPRIG_HASH_BYTES_MAX 64
#define SPRIG_ECC_COORDINATE_BYTES_MAX 48
/* Bits per limb (no nail bits in any GMP or mini-gmp build nettle supports). */
#define SPRIG_LIMB_BITS (sizeof(mp_limb_t) * 8)
/* Limbs of one P-384 coordinate, plus the extra limb mpn_set_str may write. */
#define SPRIG_ECC_LIMBS_MAX ((SPRIG_ECC_COORDINATE_BYTES_MAX * 8 + SPRIG_LIMB_BITS - 1) / SPRIG_LIMB_BITS + 1)

static const uint8_t sprig_empty_input[1] = { 0 };

size_t sprig_hash(int kind, const uint8_t *input, size_t length, uint8_t *output) {
    if (input == NULL) { input = sprig_empty_input; length = 0; }
    switch (kind) {
    case SPRIG_HASH_SHA1: {
        struct sha1_ctx context;
        sha1_init(&context);
        sha1_update(&context, length, input);
        sha1_digest(&context, SHA1_DIGEST_SIZE, output);
        return SHA1_DIGEST_SIZE;
    }
    case SPRIG_HASH_SHA256: {
        struct sha256_ctx context;
        sha256_init(&context);
        sha256_update(&context, length, input);
        sha256_digest(&context, SHA256_DIGEST_SIZE, output);
        return SHA256_DIGEST_SIZE;
    }
    case SPRIG_HASH_SHA384: {
        struct sha384_ctx context;
        sha384_init(&context);
        sha384_update(&context, length, input);
        sha384_digest(&context, SHA384_DIGEST_SIZE, output);
        return SHA384_DIGEST_SIZE;
    }
    case SPRIG_HASH_SHA512: {
        struct sha512_ctx context;
        sha512_init(&context);
        sha512_update(&context, length, input);
        sha512_digest(&context, SHA512_DIGEST_SIZE, output);
        return SHA512_DIGEST_SIZE;
    }
    }
    return 0;
}

int sprig_sha1_pair(const uint8_t *first, size_t first_length,
                    const uint8_t *second, size_t second_length, uint8_t *output) {
    if (first == NULL) { first = sprig_empty_input; first_length = 0; }
    if (second == NULL) { second = sprig_empty_input; second_length = 0; }
    /* sha1_update consumes its input before sha1_digest writes: overlap is fine. */
    struct sha1_ctx context;
    sha1_init(&context);
    sha1_update(&context, first_length, first);
    sha1_update(&context, second_length, second);
    sha1_digest(&context, SHA1_DIGEST_SIZE, output);
    return 0;
}

/* nettle's PKCS#1 v1.5 check for one digest kind (RFC 5702 §3: SHA-256/512;
 * RFC 3110: SHA-1). -1 for a kind DNSSEC does not pair with RSA. */
static int rsa_verify_digest(int hash_kind, const struct rsa_public_key *key,
                             const uint8_t *digest, const mpz_t signature) {
    switch (hash_kind) {
    case SPRIG_HASH_SHA1: return rsa_sha1_verify_digest(key, digest, signature);
    case SPRIG_HASH_SHA256: return rsa_sha256_verify_digest(key, digest, signature);
    case SPRIG_HASH_SHA512: return rsa_sha512_verify_digest(key, digest, signature);
    }
    return -1;
}

/* A usable public key: an odd modulus nettle accepts (rsa_public_key_prepare),
 * and an odd exponent with 3 <= e < n (what mbedtls_rsa_check_pubkey asked). */
static int rsa_key_usable(struct rsa_public_key *key) {
    return rsa_public_key_prepare(key) && mpz_odd_p(key->n) && mpz_odd_p(key->e)
        && mpz_cmp_ui(key->e, 3) >= 0 && mpz_cmp(key->e, key->n) < 0;
}

int sprig_rsa_verify(int hash_kind,
                     const uint8_t *modulus, size_t modulus_length,
                     const uint8_t *exponent, size_t exponent_length,
                     const uint8_t *message, size_t message_length,
                     const uint8_t *signature, size_t signature_length) {
    uint8_t digest[SPRIG_HASH_BYTES_MAX];
    if (hash_kind == SPRIG_HASH_SHA384 || sprig_hash(hash_kind, message, message_length, digest) == 0)
        return SPRIG_VERIFY_UNSUPPORTED;
    if (modulus == NULL || modulus_length == 0 || exponent == NULL || exponent_length == 0)
        return SPRIG_VERIFY_MALFORMED_KEY;
    if (signature == NULL || signature_length == 0) return SPRIG_VERIFY_MALFORMED_SIGNATURE;

    struct rsa_public_key key;
    rsa_public_key_init(&key);
    nettle_mpz_set_str_256_u(key.n, modulus_length, modulus);
    nettle_mpz_set_str_256_u(key.e, exponent_length, exponent);
    int result = SPRIG_VERIFY_MALFORMED_KEY;
    if (rsa_key_usable(&key)) {
        /* RFC 3447 §8.2.2 step 1: the signature has the modulus's length. */
        if (signature_length != key.size) {
            result = SPRIG_VERIFY_MALFORMED_SIGNATURE;
        } else {
            mpz_t s;
            mpz_init(s);
            nettle_mpz_set_str_256_u(s, signature_length, signature);
            result = rsa_verify_digest(hash_kind, &key, digest, s) == 1 ? SPRIG_VERIFY_VALID : SPRIG_VERIFY_INVALID;
            mpz_clear(s);
        }
    }
    rsa_public_key_clear(&key);
    return result;
}

/* Big-endian bytes to `limb_count` limbs (zero-padded); `limbs` holds SPRIG_ECC_LIMBS_MAX. */
static void ecc_limbs(mp_limb_t *limbs, const uint8_t *bytes, size_t length) {
    memset(limbs, 0, SPRIG_ECC_LIMBS_MAX * sizeof(mp_limb_t));
    (void)mpn_set_str(limbs, bytes, length, 256);
}

int sprig_ecdsa_verify(int curve,
                       const uint8_t *key, size_t key_length,
                       const uint8_t *message, size_t message_length,
                       const uint8_t *signature, size_t signature_length) {
    const struct ecc_curve *ecc;
    size_t coordinate_length;
    int hash_kind;
    switch (curve) {
    case SPRIG_CURVE_P256: ecc = nettle_get_secp_256r1(); coordinate_length = 32; hash_kind = SPRIG_HASH_SHA256; break;
    case SPRIG_CURVE_P384: ecc = nettle_get_secp_384r1(); coordinate_length = 48; hash_kind = SPRIG_HASH_SHA384; break;
    default: return SPRIG_VERIFY_UNSUPPORTED;
    }
    if (key == NULL || key_length != 2 * coordinate_length) return SPRIG_VERIFY_MALFORMED_KEY;
    if (signature == NULL || signature_length != 2 * coordinate_length) return SPRIG_VERIFY_MALFORMED_SIGNATURE;
    mp_size_t scratch_limbs;
    mp_limb_t *scratch = sprig_crypto_ecdsa_scratch(&scratch_limbs);
    if (scratch == NULL || scratch_limbs < ecc_ecdsa_verify_itch(ecc)) return SPRIG_VERIFY_UNSUPPORTED;

    /* Public key: nettle checks 0 <= x, y < p and y^2 = x^3 - 3x + b (SEC 1
     * §3.2.2.1) in ecc_point_set. The point's limbs live here, not in a GMP
     * allocation (struct ecc_point's fields are public; ecc_point_clear is
     * never called on it). */
    mp_size_t size = ecc_size(ecc);
    mp_limb_t x[SPRIG_ECC_LIMBS_MAX], y[SPRIG_ECC_LIMBS_MAX], point[2 * SPRIG_ECC_LIMBS_MAX];
    ecc_limbs(x, key, coordinate_length);
    ecc_limbs(y, key + coordinate_length, coordinate_length);
    mpz_t x_number, y_number;
    struct ecc_point public_key = { ecc, point };
    if (!ecc_point_set(&public_key, mpz_roinit_n(x_number, x, size), mpz_roinit_n(y_number, y, size)))
        return SPRIG_VERIFY_MALFORMED_KEY;

    mp_limb_t r[SPRIG_ECC_LIMBS_MAX], s[SPRIG_ECC_LIMBS_MAX];
    ecc_limbs(r, signature, coordinate_length);
    ecc_limbs(s, signature + coordinate_length, coordinate_length);
    uint8_t digest[SPRIG_HASH_BYTES_MAX];
    size_t digest_length = sprig_hash(hash_kind, message, message_length, digest);
    /* ecc_ecdsa_verify returns 0 for r or s outside [1, n-1] as for a wrong signature. */
    return ecc_ecdsa_verify(ecc, point, digest_length, digest, r, s, scratch) ? SPRIG_VERIFY_VALID : SPRIG_VERIFY_INVALID;
}
