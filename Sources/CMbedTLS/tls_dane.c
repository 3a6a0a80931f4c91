/* DANE for DNS over TLS to authoritative servers (RFC 7671, RFC 6698):
 * the peer's certificate chain against the usable records of a
 * DNSSEC-validated TLSA RRset (CMbedTLS.h, sprig_tls_peer_dane_match).
 *
 * Owns: matching a certificate or its SubjectPublicKeyInfo by SHA-256 or
 * SHA-512 (mbedTLS's digests; Full data is compared as SHA-256 on both
 * sides), and the DANE-TA path check with mbedtls_x509_crt_verify against
 * the matched certificate as the only trust anchor. Dates: DANE-EE has
 * none to check (RFC 7671 §5.1); DANE-TA's follow the router-clock rule of
 * the CA path (tls_client.c's verify_dates).
 * Never: hand-written cryptography, a check on the CA bundle (DANE decides
 * alone), or allocation outside the slot's region. */
#include "CMbedTLS.h"
#include "tls_internal.h"

#include <string.h>

#include <mbedtls/version.h>
#if MBEDTLS_VERSION_NUMBER < 0x03000000
#include <mbedtls/config.h>
#endif
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define SPRIG_SHA256 mbedtls_sha256
#define SPRIG_SHA512 mbedtls_sha512
#else
#define SPRIG_SHA256 mbedtls_sha256_ret
#define SPRIG_SHA512 mbedtls_sha512_ret
#endif

/* From tls_client.c: the router-clock date rule of the CA path (a slot's
 * context and IN_REGION come from tls_internal.h). */
int sprig_tls_verify_dates(void *context, mbedtls_x509_crt *crt, int depth, uint32_t *flags);

/* RFC 6698 §2.1.1-2.1.3. */
#define USAGE_DANE_TA 2
#define USAGE_DANE_EE 3
#define SELECTOR_CERT 0
#define SELECTOR_SPKI 1
#define MATCHING_FULL 0
#define MATCHING_SHA256 1
#define MATCHING_SHA512 2

/* Constant-time comparison (the digests are public, but cheap to do right). */
static int same_bytes(const unsigned char *a, const unsigned char *b, size_t n) {
    unsigned char difference = 0;
    for (size_t i = 0; i < n; i++) difference |= a[i] ^ b[i];
    return difference == 0;
}

/* Whether `crt`'s selected data matches one record's digest. */
static int matches(const mbedtls_x509_crt *crt, unsigned char selector, unsigned char matching,
                   const unsigned char *data, size_t length) {
    const mbedtls_x509_buf *selected = selector == SELECTOR_CERT ? &crt->raw : &crt->SPRIG_PK_RAW;
    unsigned char digest[64];
    switch (matching) {
    case MATCHING_FULL:
    case MATCHING_SHA256:
        if (length != 32 || SPRIG_SHA256(selected->p, selected->len, digest, 0) != 0) return 0;
        return same_bytes(digest, data, 32);
    case MATCHING_SHA512:
        if (length != 64 || SPRIG_SHA512(selected->p, selected->len, digest, 0) != 0) return 0;
        return same_bytes(digest, data, 64);
    default:
        return 0;
    }
}

/* RFC 7671 §5.2.2: the leaf chains to `anchor` (a certificate the peer
 * sent) and matches `name`; the anchor is the only trust anchor. */
static int chains_to(mbedtls_x509_crt *leaf, const mbedtls_x509_crt *anchor, const char *name) {
    mbedtls_x509_crt trust;
    mbedtls_x509_crt_init(&trust);
    int ok = 0;
    if (mbedtls_x509_crt_parse_der(&trust, anchor->raw.p, anchor->raw.len) == 0) {
        uint32_t flags = 0;
        ok = mbedtls_x509_crt_verify(leaf, &trust, NULL, name, &flags, sprig_tls_verify_dates, NULL) == 0;
    }
    mbedtls_x509_crt_free(&trust);
    return ok;
}

int sprig_tls_peer_dane_match(int slot, const unsigned char *associations, size_t bytes, const char *name) {
    mbedtls_ssl_context *ssl = sprig_tls_slot_context(slot);
    if (ssl == NULL || associations == NULL || bytes < 1) return -1;
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(ssl);
    if (peer == NULL) return -1;
    int matched = 0;
    size_t at = 1;
    for (unsigned i = 0; i < associations[0] && !matched; i++) {
        if (at + 4 > bytes) return -1;
        unsigned char usage = associations[at], selector = associations[at + 1], matching = associations[at + 2];
        size_t length = associations[at + 3];
        const unsigned char *data = associations + at + 4;
        if (at + 4 + length > bytes) return -1;
        at += 4 + length;
        IN_REGION(slot, {
            if (usage == USAGE_DANE_EE) {
                matched = matches(peer, selector, matching, data, length);
            } else if (usage == USAGE_DANE_TA && name != NULL) {
                /* The anchor is one the peer sent after its leaf (RFC 7671 §5.2.2). */
                for (const mbedtls_x509_crt *c = peer->next; c != NULL && c->raw.len > 0 && !matched; c = c->next) {
                    if (matches(c, selector, matching, data, length)) {
                        matched = chains_to((mbedtls_x509_crt *)peer, c, name);
                    }
                }
            }
        });
    }
    return matched ? 0 : 1;
}
