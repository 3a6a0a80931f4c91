/* The DNSSEC verifier Sprig used before nettle (issue 14): mbedTLS's RSA and
 * ECDSA, exactly as Sources/CMbedTLS/shim.h had them, kept here only so that
 * verify_speed.c can time the old backend against the new one on every run.
 * Never used by Sources/. */
#ifndef SPRIG_BENCH_VERIFY_OLD_MBEDTLS_H
#define SPRIG_BENCH_VERIFY_OLD_MBEDTLS_H

#include <stddef.h>
#include <string.h>
#include <mbedtls/version.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <mbedtls/md.h>
#include <mbedtls/bignum.h>
#include <mbedtls/rsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/ecdsa.h>

#define OLD_VERIFY_VALID 0
#define OLD_VERIFY_INVALID 1
#define OLD_VERIFY_MALFORMED_KEY 2
#define OLD_VERIFY_MALFORMED_SIGNATURE 3
#define OLD_VERIFY_UNSUPPORTED 4
#define OLD_HASH_SHA1 1
#define OLD_HASH_SHA256 2
#define OLD_HASH_SHA384 3
#define OLD_HASH_SHA512 4
#define OLD_CURVE_P256 1
#define OLD_CURVE_P384 2
#define OLD_HASH_MAX_BYTES 64
#define OLD_ECDSA_COORDINATE_MAX_BYTES 48

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define OLD_MBEDTLS_3 1
#endif

static const unsigned char old_empty_input[1] = { 0 };

/* One-shot digest; returns the digest length in bytes, or 0 for an unknown kind. */
static inline size_t old_hash(int kind, const unsigned char *input, size_t length,
                                unsigned char *output) {
    if (input == NULL) { input = old_empty_input; length = 0; }
#ifdef OLD_MBEDTLS_3
    switch (kind) {
    case OLD_HASH_SHA1: return mbedtls_sha1(input, length, output) == 0 ? 20 : 0;
    case OLD_HASH_SHA256: return mbedtls_sha256(input, length, output, 0) == 0 ? 32 : 0;
    case OLD_HASH_SHA384: return mbedtls_sha512(input, length, output, 1) == 0 ? 48 : 0;
    case OLD_HASH_SHA512: return mbedtls_sha512(input, length, output, 0) == 0 ? 64 : 0;
    }
#else
    switch (kind) {
    case OLD_HASH_SHA1: return mbedtls_sha1_ret(input, length, output) == 0 ? 20 : 0;
    case OLD_HASH_SHA256: return mbedtls_sha256_ret(input, length, output, 0) == 0 ? 32 : 0;
    case OLD_HASH_SHA384: return mbedtls_sha512_ret(input, length, output, 1) == 0 ? 48 : 0;
    case OLD_HASH_SHA512: return mbedtls_sha512_ret(input, length, output, 0) == 0 ? 64 : 0;
    }
#endif
    return 0;
}

static inline mbedtls_md_type_t old_md_type(int kind) {
    switch (kind) {
    case OLD_HASH_SHA1: return MBEDTLS_MD_SHA1;
    case OLD_HASH_SHA256: return MBEDTLS_MD_SHA256;
    case OLD_HASH_SHA384: return MBEDTLS_MD_SHA384;
    case OLD_HASH_SHA512: return MBEDTLS_MD_SHA512;
    }
    return MBEDTLS_MD_NONE;
}

/* RSASSA-PKCS1-v1_5 verification (RFC 3110, RFC 5702). The caller has split the
 * RFC 3110 key into modulus and exponent and checked the size limits.
 * bignum code inside mbedTLS allocates with calloc/free (see Crypto's header). */
static inline int old_rsa_verify(int hash_kind,
                                   const unsigned char *modulus, size_t modulus_length,
                                   const unsigned char *exponent, size_t exponent_length,
                                   const unsigned char *message, size_t message_length,
                                   const unsigned char *signature, size_t signature_length) {
    unsigned char hash[OLD_HASH_MAX_BYTES];
    size_t hash_length = old_hash(hash_kind, message, message_length, hash);
    if (hash_length == 0) return OLD_VERIFY_UNSUPPORTED;
    if (modulus == NULL || exponent == NULL) return OLD_VERIFY_MALFORMED_KEY;
    if (signature == NULL) return OLD_VERIFY_MALFORMED_SIGNATURE;

    mbedtls_rsa_context rsa;
#ifdef OLD_MBEDTLS_3
    mbedtls_rsa_init(&rsa);
#else
    mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V15, 0);
#endif
    int result = OLD_VERIFY_MALFORMED_KEY;
    if (mbedtls_rsa_import_raw(&rsa, modulus, modulus_length, NULL, 0, NULL, 0, NULL, 0,
                               exponent, exponent_length) == 0
        && mbedtls_rsa_complete(&rsa) == 0
        && mbedtls_rsa_check_pubkey(&rsa) == 0) {
        if (signature_length != mbedtls_rsa_get_len(&rsa)) {
            result = OLD_VERIFY_MALFORMED_SIGNATURE;
        } else {
#ifdef OLD_MBEDTLS_3
            int rc = mbedtls_rsa_rsassa_pkcs1_v15_verify(&rsa, old_md_type(hash_kind),
                                                         (unsigned int)hash_length, hash, signature);
#else
            int rc = mbedtls_rsa_rsassa_pkcs1_v15_verify(&rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC,
                                                         old_md_type(hash_kind),
                                                         (unsigned int)hash_length, hash, signature);
#endif
            result = rc == 0 ? OLD_VERIFY_VALID : OLD_VERIFY_INVALID;
        }
    }
    mbedtls_rsa_free(&rsa);
    return result;
}

/* The P-256 / P-384 groups, loaded once (their precomputed tables make every
 * later verification cheaper, and no group is allocated per query). Single
 * thread: sprigd has one. NULL when the library lacks the curve. */
static inline mbedtls_ecp_group *old_ecdsa_group(int curve) {
    static mbedtls_ecp_group groups[2];
    static int state[2];   /* 0 not tried, 1 loaded, -1 unavailable */
    int i = curve == OLD_CURVE_P256 ? 0 : 1;
    if (state[i] == 0) {
        mbedtls_ecp_group_init(&groups[i]);
        if (mbedtls_ecp_group_load(&groups[i], i == 0 ? MBEDTLS_ECP_DP_SECP256R1 : MBEDTLS_ECP_DP_SECP384R1) == 0) {
            state[i] = 1;
        } else {
            mbedtls_ecp_group_free(&groups[i]);
            state[i] = -1;
        }
    }
    return state[i] == 1 ? &groups[i] : NULL;
}

/* Loads both groups now (start-up), so the query path does not. */
static inline void old_ecdsa_preload(void) {
    (void)old_ecdsa_group(OLD_CURVE_P256);
    (void)old_ecdsa_group(OLD_CURVE_P384);
}

/* ECDSA verification (RFC 6605): key is x||y, signature is r||s, each coordinate
 * 32 (P-256) or 48 (P-384) bytes. SHA-256 with P-256, SHA-384 with P-384. */
static inline int old_ecdsa_verify(int curve,
                                     const unsigned char *key, size_t key_length,
                                     const unsigned char *message, size_t message_length,
                                     const unsigned char *signature, size_t signature_length) {
    size_t coordinate_length;
    int hash_kind;
    switch (curve) {
    case OLD_CURVE_P256:
        coordinate_length = 32; hash_kind = OLD_HASH_SHA256;
        break;
    case OLD_CURVE_P384:
        coordinate_length = 48; hash_kind = OLD_HASH_SHA384;
        break;
    default:
        return OLD_VERIFY_UNSUPPORTED;
    }
    if (key == NULL || key_length != 2 * coordinate_length) return OLD_VERIFY_MALFORMED_KEY;
    if (signature == NULL || signature_length != 2 * coordinate_length)
        return OLD_VERIFY_MALFORMED_SIGNATURE;

    unsigned char hash[OLD_HASH_MAX_BYTES];
    size_t hash_length = old_hash(hash_kind, message, message_length, hash);
    /* SEC 1 uncompressed point: 0x04 || x || y. */
    unsigned char point[1 + 2 * OLD_ECDSA_COORDINATE_MAX_BYTES];
    point[0] = 0x04;
    memcpy(point + 1, key, key_length);

    mbedtls_ecp_group *group = old_ecdsa_group(curve);
    mbedtls_ecp_point public_point;
    mbedtls_mpi r, s;
    mbedtls_ecp_point_init(&public_point);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int result;
    if (hash_length == 0 || group == NULL) {
        result = OLD_VERIFY_UNSUPPORTED;
    } else if (mbedtls_ecp_point_read_binary(group, &public_point, point, 1 + key_length) != 0
               || mbedtls_ecp_check_pubkey(group, &public_point) != 0) {
        result = OLD_VERIFY_MALFORMED_KEY;
    } else if (mbedtls_mpi_read_binary(&r, signature, coordinate_length) != 0
               || mbedtls_mpi_read_binary(&s, signature + coordinate_length, coordinate_length) != 0) {
        result = OLD_VERIFY_MALFORMED_SIGNATURE;
    } else {
        int rc = mbedtls_ecdsa_verify(group, hash, hash_length, &public_point, &r, &s);
        result = rc == 0 ? OLD_VERIFY_VALID : OLD_VERIFY_INVALID;
    }
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&public_point);
    return result;
}

#endif
