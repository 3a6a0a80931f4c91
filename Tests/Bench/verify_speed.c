/* verify_speed: microseconds per DNSSEC signature verification, per library
 * and algorithm (8 RSA/SHA-256, 13 ECDSA P-256, 14 ECDSA P-384, 15 Ed25519).
 *
 * Owns: timing one real RRSIG per algorithm (verify_vectors.h, written by
 * Tests/Bench/verify_vectors.py) through
 *   mbedtls   the old backend (verify_old_mbedtls.h: Sprig's mbedTLS glue before issue 14)
 *   nettle    Sprig's backend now: Sources/CNettle's sprig_rsa_verify/sprig_ecdsa_verify,
 *             in the start-up memory, exactly as Crypto calls them; for 15 nettle's
 *             own ed25519_sha512_verify (the alternative to libsodium)
 *   libsodium crypto_sign_ed25519_verify_detached, Sprig's Ed25519
 * Never: times a signature that does not verify (exits 1 instead).
 *
 * Build (bench.py does it, natively and with each board's cross gcc):
 *   cc -O2 -I Sources/CNettle/include -I Tests/Bench -I DIR_WITH_verify_vectors.h \
 *      Tests/Bench/verify_speed.c Sources/CNettle/verify.c Sources/CNettle/crypto_arena.c \
 *      -lhogweed -lnettle -lgmp -lsodium -lmbedcrypto
 * Usage: verify_speed [BUDGET_MS]   (default 300)
 * Each measurement runs batches of at least BUDGET_MS (and 2 verifications)
 * BATCH_COUNT times and reports the fastest batch, one line each:
 *   verify ALGORITHM LIBRARY MICROSECONDS ITERATIONS
 * and at the end: arena CALLS FALLBACKS PEAK_BYTES (the start-up arena's counters). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <nettle/eddsa.h>
#include <sodium.h>
#include "CNettle.h"
#include "verify_old_mbedtls.h"
#include "verify_vectors.h"

#define BATCH_COUNT 3
#define BUDGET_MS_DEFAULT 300

typedef int (*verify_function)(void);

#define N(x) x, sizeof(x)
/* One RFC 3110 key, one-octet exponent length (as in every vector here). */
#define RSA_PARTS(key) key + 1 + key[0], sizeof(key) - 1 - key[0], key + 1, (size_t)key[0]

static int mbedtls_8(void) { return old_rsa_verify(OLD_HASH_SHA256, RSA_PARTS(a8_key), N(a8_data), N(a8_sig)); }
static int mbedtls_13(void) { return old_ecdsa_verify(OLD_CURVE_P256, N(a13_key), N(a13_data), N(a13_sig)); }
static int mbedtls_14(void) { return old_ecdsa_verify(OLD_CURVE_P384, N(a14_key), N(a14_data), N(a14_sig)); }
static int nettle_8(void) { return sprig_rsa_verify(SPRIG_HASH_SHA256, RSA_PARTS(a8_key), N(a8_data), N(a8_sig)); }
static int nettle_13(void) { return sprig_ecdsa_verify(SPRIG_CURVE_P256, N(a13_key), N(a13_data), N(a13_sig)); }
static int nettle_14(void) { return sprig_ecdsa_verify(SPRIG_CURVE_P384, N(a14_key), N(a14_data), N(a14_sig)); }
static int nettle_15(void) { return ed25519_sha512_verify(a15_key, sizeof a15_data, a15_data, a15_sig) ? 0 : 1; }
static int sodium_15(void) {
    return crypto_sign_ed25519_verify_detached(a15_sig, a15_data, sizeof a15_data, a15_key) == 0 ? 0 : 1;
}

static const struct { int algorithm; const char *library; verify_function verify; } cases[] = {
    { 8, "mbedtls", mbedtls_8 }, { 8, "nettle", nettle_8 },
    { 13, "mbedtls", mbedtls_13 }, { 13, "nettle", nettle_13 },
    { 14, "mbedtls", mbedtls_14 }, { 14, "nettle", nettle_14 },
    { 15, "nettle", nettle_15 }, { 15, "libsodium", sodium_15 },
};

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
    double budget_us = 1000.0 * (argc > 1 ? atof(argv[1]) : BUDGET_MS_DEFAULT);
    static unsigned char memory[1 << 16] __attribute__((aligned(16)));
    if (sprig_crypto_memory_byte_count() > sizeof memory || sprig_crypto_start(memory, sizeof memory) != 0
        || sodium_init() < 0) {
        fprintf(stderr, "verify_speed: start-up failed\n");
        return 1;
    }
    old_ecdsa_preload();   /* the old backend loaded its curve groups at start-up too */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = cases[i].verify();
        if (rc != 0) {
            fprintf(stderr, "verify_speed: algorithm %d %s does not verify (code %d)\n",
                    cases[i].algorithm, cases[i].library, rc);
            return 1;
        }
        double best = 0;
        long best_iterations = 0;
        for (int batch = 0; batch < BATCH_COUNT; batch++) {
            long iterations = 0;
            double began = now_us(), elapsed;
            do {
                (void)cases[i].verify();
                iterations++;
                elapsed = now_us() - began;
            } while (elapsed < budget_us || iterations < 2);
            double per = elapsed / (double)iterations;
            if (batch == 0 || per < best) { best = per; best_iterations = iterations; }
        }
        printf("verify %d %s %.2f %ld\n", cases[i].algorithm, cases[i].library, best, best_iterations);
        fflush(stdout);
    }
    printf("arena %zu %zu %zu\n", sprig_crypto_arena_calls(), sprig_crypto_arena_fallbacks(),
           sprig_crypto_arena_live_peak());
    return 0;
}
