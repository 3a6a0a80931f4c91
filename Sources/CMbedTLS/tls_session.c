/* TLS session resumption (tls_session.h): save, offer, and the resumed-or-
 * not check, for TLS 1.2 (mbedTLS 2.28 and 3.x).
 *
 * Why a fingerprint: mbedTLS 2.28 has no public "was this resumed" call,
 * and when it offers a ticket it sends a fresh random session ID (RFC 5077
 * §3.4), so IDs cannot tell. The master secret can: a resumed session
 * keeps the offered one (RFC 5246 §7.3), a full handshake derives a new one.
 *
 * TLS 1.3 (mbedTLS >= 3 with MBEDTLS_SSL_PROTO_TLS1_3) gets its tickets
 * after the handshake and resumes by PSK, which Sprig does not offer
 * (tls_client.c configures ephemeral key exchange only and has mbedTLS
 * drop NewSessionTicket messages): save returns -2 for a TLS 1.3 session.
 * A saved TLS 1.2 session is still offered on a 3.x build, and mbedTLS
 * then proposes TLS 1.2 alone (ssl_client.c: a resumed session's version
 * is the only one offered); the caller never offers one on a connection
 * that requires TLS 1.3 (TLSSessions.swift). */
#include "CMbedTLS.h"
#include "tls_session.h"
#include "tls_internal.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/version.h>
#if MBEDTLS_VERSION_NUMBER < 0x03000000
#include <mbedtls/config.h>
#endif
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define SESSION_FIELD(f) MBEDTLS_PRIVATE(f)
#else
#define SESSION_FIELD(f) f
#endif

#if defined(MBEDTLS_SSL_CLI_C)

/* The context's own session: no copy, no allocation. 3.x dropped the
 * public getter; the field is the same one. */
static const mbedtls_ssl_session *current_session(const mbedtls_ssl_context *ssl) {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    return ssl->MBEDTLS_PRIVATE(session);
#else
    return mbedtls_ssl_get_session_pointer(ssl);
#endif
}

/* 1 when `session` is a TLS 1.2 one (the only kind resumed here). */
static int is_tls12(const mbedtls_ssl_session *session) {
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    return session->SESSION_FIELD(tls_version) == MBEDTLS_SSL_VERSION_TLS1_2;
#elif MBEDTLS_VERSION_NUMBER >= 0x03000000
    return session->SESSION_FIELD(minor_ver) == MBEDTLS_SSL_MINOR_VERSION_3;
#else
    (void)session;
    return 1;   /* 2.28: Sprig's config allows TLS 1.2 only */
#endif
}

static int fingerprint_of(const mbedtls_ssl_session *session, unsigned char *out, int region) {
    int rc;
    const unsigned char *master = session->SESSION_FIELD(master);
    const size_t bytes = sizeof session->SESSION_FIELD(master);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    IN_REGION(region, rc = mbedtls_sha256(master, bytes, out, 0));
#else
    IN_REGION(region, rc = mbedtls_sha256_ret(master, bytes, out, 0));
#endif
    return rc == 0 ? 0 : -1;
}

long sprig_tls_session_save(int slot, void *out, size_t capacity, size_t *needed) {
    size_t ignored = 0;
    if (needed == NULL) needed = &ignored;
    *needed = 0;
    mbedtls_ssl_context *ssl = sprig_tls_slot_context(slot);
    if (ssl == NULL) return -2;
    const mbedtls_ssl_session *session = current_session(ssl);
    if (session == NULL || !is_tls12(session)) return -2;
    int rc;
    IN_REGION(slot, rc = mbedtls_ssl_session_save(session, (unsigned char *)out, capacity, needed));
    if (rc == MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL) return -1;
    if (rc != 0 || *needed == 0) return -2;
    return (long)*needed;
}

int sprig_tls_session_offer(int slot, const void *bytes, size_t count, unsigned char *fingerprint) {
    mbedtls_ssl_context *ssl = sprig_tls_slot_context(slot);
    if (ssl == NULL || bytes == NULL || count == 0) return -1;
    int rc = -1;
    IN_REGION(slot, {
        mbedtls_ssl_session *session = calloc(1, sizeof *session);
        if (session != NULL) {
            mbedtls_ssl_session_init(session);
            rc = mbedtls_ssl_session_load(session, (const unsigned char *)bytes, count);
            if (rc == 0 && !is_tls12(session)) rc = -1;
            /* Copies the session into the context (the same region). */
            if (rc == 0) rc = mbedtls_ssl_set_session(ssl, session);
            if (rc == 0) rc = fingerprint_of(session, fingerprint, slot);
            mbedtls_ssl_session_free(session);
            free(session);
        }
    });
    return rc == 0 ? 0 : -1;
}

int sprig_tls_session_fingerprint(int slot, unsigned char *fingerprint) {
    mbedtls_ssl_context *ssl = sprig_tls_slot_context(slot);
    if (ssl == NULL) return -1;
    const mbedtls_ssl_session *session = current_session(ssl);
    if (session == NULL) return -1;
    return fingerprint_of(session, fingerprint, slot);
}

#else   /* no client in this mbedTLS: nothing is saved or offered */

long sprig_tls_session_save(int slot, void *out, size_t capacity, size_t *needed) {
    (void)slot; (void)out; (void)capacity;
    if (needed) *needed = 0;
    return -2;
}
int sprig_tls_session_offer(int slot, const void *bytes, size_t count, unsigned char *fingerprint) {
    (void)slot; (void)bytes; (void)count; (void)fingerprint;
    return -1;
}
int sprig_tls_session_fingerprint(int slot, unsigned char *fingerprint) {
    (void)slot; (void)fingerprint;
    return -1;
}

#endif
