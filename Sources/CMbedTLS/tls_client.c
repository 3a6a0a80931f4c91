/* The TLS client: mbedTLS driven over a caller's non-blocking socket
 * through BIO callbacks (CMbedTLS.h). Every version-specific call is here,
 * behind MBEDTLS_VERSION_NUMBER.
 *
 * Versions: with mbedTLS >= 3 and MBEDTLS_SSL_PROTO_TLS1_3, TLS 1.3 is
 * offered and 1.2 allowed; mbedTLS 2.28 (Debian 12) has no TLS 1.3, so it
 * speaks TLS 1.2 with ECDHE key exchange and AEAD ciphers only (RFC 7525
 * §4.2), and sprigd says so at start. Never renegotiation (RFC 7525
 * §3.5 — disabled where the library has it), never compression (2.28
 * builds it only with MBEDTLS_ZLIB_SUPPORT, off in Debian; 3.x removed it). */
#include "CMbedTLS.h"
#include "tls_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <mbedtls/version.h>
#if MBEDTLS_VERSION_NUMBER < 0x03000000
#include <mbedtls/config.h>
#endif
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>   /* the MBEDTLS_ERR_NET_* codes only */
#include <mbedtls/platform.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include <psa/crypto.h>
#endif

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
#define SPRIG_HAS_TLS13 1
#else
#define SPRIG_HAS_TLS13 0
#endif

struct slot {
    mbedtls_ssl_context *ssl;
    int fd;
    long last_error;
};

static mbedtls_entropy_context *entropy;
static mbedtls_ctr_drbg_context *drbg;
static mbedtls_x509_crt *ca_chain;
static mbedtls_ssl_config *conf_verify;    /* CA bundle + name */
static mbedtls_ssl_config *conf_pinned;    /* no CA: SPKI pin or none, checked by the caller */
static struct slot *slots;
static int slot_count;
static int ca_count;
static int is_set_up;
/* DESIGN.md §2.8: until the router clock is trusted, certificate dates
 * mean nothing (a router boots in 1970: every certificate is "not yet
 * valid", and DoT would fail before NTP could ever resolve its server).
 * Then the chain, the signatures and the name are checked, not the dates. */
static int dates_trusted = 1;
static unsigned long dates_unchecked;

/* ECDHE with AEAD only (RFC 7525 §4.2), strongest first; TLS 1.3 suites
 * are all AEAD. */
static const int ciphersuites[] = {
#if SPRIG_HAS_TLS13
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
    MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
    MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
#endif
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0,
};

/* A new arena (a new Transport: tests) drops everything the old one held. */
void sprig_tls_client_forget(void) {
    entropy = NULL; drbg = NULL; ca_chain = NULL; conf_verify = NULL; conf_pinned = NULL;
    slots = NULL; slot_count = 0; ca_count = 0; is_set_up = 0;
}

unsigned long sprig_tls_version_number(void) { return (unsigned long)MBEDTLS_VERSION_NUMBER; }
int sprig_tls_has_tls13(void) { return SPRIG_HAS_TLS13; }
int sprig_tls_ca_count(void) { return ca_count; }

/* --- BIO: the caller's socket, never blocking --- */

static int bio_send(void *context, const unsigned char *bytes, size_t count) {
    struct slot *s = (struct slot *)context;
    ssize_t n = send(s->fd, bytes, count, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return MBEDTLS_ERR_SSL_WANT_WRITE;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *context, unsigned char *bytes, size_t count) {
    struct slot *s = (struct slot *)context;
    ssize_t n = recv(s->fd, bytes, count, MSG_DONTWAIT);
    if (n >= 0) return (int)n;   /* 0: end of stream (mbedTLS reports CONN_EOF) */
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return MBEDTLS_ERR_SSL_WANT_READ;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

/* --- set-up --- */

/* Clears the date verdicts while the clock is not trusted. */
static int verify_dates(void *context, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
    (void)context; (void)crt; (void)depth;
    const uint32_t dates = MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE;
    if (!dates_trusted && (*flags & dates) != 0) {
        *flags &= ~dates;
        dates_unchecked++;
    }
    return 0;
}

void sprig_tls_set_dates_trusted(int trusted) { dates_trusted = trusted != 0; }
unsigned long sprig_tls_dates_unchecked(void) { return dates_unchecked; }

static int config_init(mbedtls_ssl_config *conf, int verify) {
    mbedtls_ssl_config_init(conf);
    int rc = mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return rc;
    mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, drbg);
    mbedtls_ssl_conf_ciphersuites(conf, ciphersuites);
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
#if SPRIG_HAS_TLS13
    mbedtls_ssl_conf_max_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_3);
#endif
#else
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
#if SPRIG_HAS_TLS13
    /* TLS 1.3 resumption (PSK, RFC 8446 §2.2) is not offered: every 1.3
     * handshake is a full (EC)DHE one, so no ticket is kept and no
     * psk_key_exchange_modes is sent; the server's NewSessionTickets are
     * read and dropped by mbedTLS (the default since 3.6.1, set here
     * anyway). TLS 1.2 sessions resume as on 2.28 (tls_session.c). */
    mbedtls_ssl_conf_tls13_key_exchange_modes(conf, MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL);
#if defined(MBEDTLS_SSL_SESSION_TICKETS) && MBEDTLS_VERSION_NUMBER >= 0x03060100
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_DISABLED);
#endif
#endif
    if (verify) {
        mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(conf, ca_chain, NULL);
        mbedtls_ssl_conf_verify(conf, verify_dates, NULL);
    } else {
        /* The caller compares the SPKI pin once the handshake is done,
         * before any query is written. */
        mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);
    }
    return 0;
}

static int setup_in_region(const unsigned char *ca_text, size_t ca_text_bytes, long *detail) {
    static const unsigned char personal[] = "sprig dns-over-tls";
    int rc;
    entropy = calloc(1, sizeof *entropy);
    drbg = calloc(1, sizeof *drbg);
    ca_chain = calloc(1, sizeof *ca_chain);
    conf_verify = calloc(1, sizeof *conf_verify);
    conf_pinned = calloc(1, sizeof *conf_pinned);
    if (!entropy || !drbg || !ca_chain || !conf_verify || !conf_pinned) {
        *detail = MBEDTLS_ERR_SSL_ALLOC_FAILED;
        return SPRIG_TLS_E_MEMORY;
    }
    mbedtls_entropy_init(entropy);
    mbedtls_ctr_drbg_init(drbg);
    mbedtls_x509_crt_init(ca_chain);
    rc = mbedtls_ctr_drbg_seed(drbg, mbedtls_entropy_func, entropy, personal, sizeof personal - 1);
    if (rc != 0) { *detail = rc; return SPRIG_TLS_E_SETUP; }
    if (ca_text != NULL) {
        /* > 0: certificates that did not parse (skipped, as curl does). */
        rc = mbedtls_x509_crt_parse(ca_chain, ca_text, ca_text_bytes);
        if (rc < 0) { *detail = rc; return rc == MBEDTLS_ERR_X509_ALLOC_FAILED ? SPRIG_TLS_E_MEMORY : SPRIG_TLS_E_SETUP; }
        for (mbedtls_x509_crt *c = ca_chain; c != NULL && c->raw.len > 0; c = c->next) ca_count++;
    }
    if ((rc = config_init(conf_verify, 1)) != 0 || (rc = config_init(conf_pinned, 0)) != 0) {
        *detail = rc;
        return SPRIG_TLS_E_SETUP;
    }
    return 0;
}

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
/* PSA crypto (3.x: TLS 1.3's key schedule and ECDHE keys). Its key store
 * is process-wide and outlives an arena (a new Transport in the tests
 * cuts a new one), so it lives on the heap, set up here and never on the
 * query path: psa_crypto_init once, then, when the store grows on demand
 * (MBEDTLS_PSA_KEY_STORE_DYNAMIC, on by default in 3.6), enough key slots
 * for every connection slot are made and destroyed at once, so no slice
 * of the store is ever allocated inside a connection's region (which is
 * emptied when the connection closes). A key's own bytes still come from
 * the region of the connection that made it, and go with it. */
#define PSA_KEYS_PER_CONNECTION 4   /* a TLS 1.3 handshake holds one ECDHE key (two after a HelloRetryRequest) */
static int psa_keys_reserved;

static int psa_start(int connections, long *detail) {
    psa_status_t status;
    IN_REGION(SPRIG_REGION_PROCESS, status = psa_crypto_init());
    if (status != PSA_SUCCESS) { *detail = (long)status; return SPRIG_TLS_E_SETUP; }
#if defined(MBEDTLS_PSA_KEY_STORE_DYNAMIC)
    int want = (connections + 1) * PSA_KEYS_PER_CONNECTION;
    if (want <= psa_keys_reserved) return 0;
    psa_key_id_t *ids = malloc((size_t)want * sizeof *ids);
    if (ids == NULL) { *detail = MBEDTLS_ERR_SSL_ALLOC_FAILED; return SPRIG_TLS_E_SETUP; }
    static const unsigned char byte[1] = {0};
    psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&attributes, PSA_KEY_TYPE_RAW_DATA);
    int made = 0;
    status = PSA_SUCCESS;
    IN_REGION(SPRIG_REGION_PROCESS, {
        for (; made < want && status == PSA_SUCCESS; made++) {
            status = psa_import_key(&attributes, byte, sizeof byte, &ids[made]);
            if (status != PSA_SUCCESS) break;
        }
        for (int i = made - 1; i >= 0; i--) (void)psa_destroy_key(ids[i]);
    });
    free(ids);
    if (status != PSA_SUCCESS) { *detail = (long)status; return SPRIG_TLS_E_SETUP; }
    psa_keys_reserved = want;
#else
    (void)connections;
#endif
    return 0;
}
#endif

/* The whole file plus a NUL (mbedTLS's PEM parser wants one) in a heap
 * buffer outside the arena; 0 or -1. Bounded by MAX_CA_FILE_BYTES. */
#define MAX_CA_FILE_BYTES (16u << 20)
static int read_whole_file(const char *path, unsigned char **out, size_t *out_bytes) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return -1;
    int ok = fseek(f, 0, SEEK_END) == 0;
    long size = ok ? ftell(f) : -1;
    if (size < 0 || (unsigned long)size > MAX_CA_FILE_BYTES || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return -1; }
    unsigned char *buffer = malloc((size_t)size + 1);
    if (buffer == NULL) { fclose(f); return -1; }
    size_t n = fread(buffer, 1, (size_t)size, f);
    fclose(f);
    if (n != (size_t)size) { free(buffer); return -1; }
    buffer[n] = 0;
    *out = buffer;
    *out_bytes = n + 1;
    return 0;
}

int sprig_tls_setup(const char *ca_file, long *detail) {
    long ignored = 0;
    if (detail == NULL) detail = &ignored;
    *detail = 0;
    if (is_set_up) return 0;
    int count = sprig_tls_arena_slot_count();
    if (count < 0) return SPRIG_TLS_E_SETUP;   /* no arena */
    /* mbedTLS must allocate in the arena: through its platform hooks when
     * the library has them (MBEDTLS_PLATFORM_MEMORY: OpenWrt's 3.x, a
     * shared library), else through the link's --wrap=calloc (Debian's
     * 2.28, linked statically). The probe checks whichever applies; Sprig
     * refuses to run TLS on the heap. */
    void *probe;
#if defined(MBEDTLS_PLATFORM_MEMORY) && !defined(MBEDTLS_PLATFORM_CALLOC_MACRO)
    mbedtls_platform_set_calloc_free(sprig_tls_platform_calloc, sprig_tls_platform_free);
    IN_REGION(SPRIG_REGION_SHARED, probe = mbedtls_calloc(1, 1));
#else
    IN_REGION(SPRIG_REGION_SHARED, probe = calloc(1, 1));
#endif
    int wrapped = sprig_tls_region_free(probe);
    if (!wrapped) { free(probe); *detail = -2; return SPRIG_TLS_E_SETUP; }
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    int psa_rc = psa_start(count, detail);
    if (psa_rc != 0) return psa_rc;
#endif
    /* The bundle's text is read outside the arena (start-up only, freed
     * below): mbedtls_x509_crt_parse_file would hold the whole file in the
     * arena while it parses, which the CA budget does not cover. */
    unsigned char *ca_text = NULL;
    size_t ca_text_bytes = 0;
    if (ca_file != NULL && read_whole_file(ca_file, &ca_text, &ca_text_bytes) != 0) {
        *detail = MBEDTLS_ERR_X509_FILE_IO_ERROR;
        return SPRIG_TLS_E_SETUP;
    }
    int rc;
    IN_REGION(SPRIG_REGION_SHARED, {
        slots = calloc((size_t)(count > 0 ? count : 1), sizeof *slots);
        rc = slots ? setup_in_region(ca_text, ca_text_bytes, detail) : SPRIG_TLS_E_MEMORY;
    });
    if (ca_text != NULL) {
        memset(ca_text, 0, ca_text_bytes);
        free(ca_text);
    }
    if (rc != 0) return rc;
    slot_count = count;
    for (int i = 0; i < slot_count; i++) slots[i].fd = -1;
    is_set_up = 1;
    return 0;
}

/* --- connections --- */

static struct slot *slot_at(int slot) {
    if (!is_set_up || slot < 0 || slot >= slot_count) return NULL;
    return &slots[slot];
}

mbedtls_ssl_context *sprig_tls_slot_context(int slot) {
    struct slot *s = slot_at(slot);
    return s ? s->ssl : NULL;
}

/* mbedTLS's code in the result the caller acts on. */
static int classify(struct slot *s, int rc, int handshaking) {
    if (rc >= 0) return rc;
    switch (rc) {
    case MBEDTLS_ERR_SSL_WANT_READ: return SPRIG_TLS_WANT_READ;
    case MBEDTLS_ERR_SSL_WANT_WRITE: return SPRIG_TLS_WANT_WRITE;
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    case MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET: return SPRIG_TLS_WANT_READ;   /* TLS 1.3: read again */
#endif
    default: break;
    }
    s->last_error = rc;
    switch (rc) {
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
    case MBEDTLS_ERR_SSL_CONN_EOF:
        return handshaking ? SPRIG_TLS_E_HANDSHAKE : SPRIG_TLS_CLOSED;
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED: return SPRIG_TLS_E_CERTIFICATE;
    case MBEDTLS_ERR_SSL_ALLOC_FAILED:
    case MBEDTLS_ERR_X509_ALLOC_FAILED: return SPRIG_TLS_E_MEMORY;
    case MBEDTLS_ERR_NET_SEND_FAILED:
    case MBEDTLS_ERR_NET_RECV_FAILED: return SPRIG_TLS_E_IO;
    default: return handshaking ? SPRIG_TLS_E_HANDSHAKE : SPRIG_TLS_E_PROTOCOL;
    }
}

int sprig_tls_open(int slot, int fd, const char *name, int verify_name) {
    struct slot *s = slot_at(slot);
    if (s == NULL || s->ssl != NULL || (verify_name && name == NULL)) return SPRIG_TLS_E_SETUP;
    int rc = 0;
    IN_REGION(slot, {
        s->ssl = calloc(1, sizeof *s->ssl);
        if (s->ssl == NULL) {
            rc = MBEDTLS_ERR_SSL_ALLOC_FAILED;
        } else {
            mbedtls_ssl_init(s->ssl);
            rc = mbedtls_ssl_setup(s->ssl, verify_name ? conf_verify : conf_pinned);
            /* SNI (RFC 6066 §3) and, when verifying, the name to match (RFC 8310 §8.1). */
            if (rc == 0 && name != NULL) rc = mbedtls_ssl_set_hostname(s->ssl, name);
        }
    });
    s->fd = fd;
    s->last_error = 0;
    if (rc != 0) {
        s->last_error = rc;
        sprig_tls_close(slot);
        return rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? SPRIG_TLS_E_MEMORY : SPRIG_TLS_E_SETUP;
    }
    mbedtls_ssl_set_bio(s->ssl, s, bio_send, bio_recv, NULL);
    return 0;
}

int sprig_tls_handshake(int slot) {
    struct slot *s = slot_at(slot);
    if (s == NULL || s->ssl == NULL) return SPRIG_TLS_E_SETUP;
    int rc;
    IN_REGION(slot, rc = mbedtls_ssl_handshake(s->ssl));
    return classify(s, rc, 1);
}

long sprig_tls_write(int slot, const void *bytes, size_t count) {
    struct slot *s = slot_at(slot);
    if (s == NULL || s->ssl == NULL) return SPRIG_TLS_E_SETUP;
    int rc;
    IN_REGION(slot, rc = mbedtls_ssl_write(s->ssl, (const unsigned char *)bytes, count));
    return classify(s, rc, 0);
}

long sprig_tls_read(int slot, void *bytes, size_t count) {
    struct slot *s = slot_at(slot);
    if (s == NULL || s->ssl == NULL) return SPRIG_TLS_E_SETUP;
    int rc;
    IN_REGION(slot, rc = mbedtls_ssl_read(s->ssl, (unsigned char *)bytes, count));
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    /* Only when tickets are signalled (not Sprig's config, but mbedTLS
     * before 3.6.1 always did): the ticket is dropped and the read goes
     * on, since answer bytes may already wait behind it. */
    for (int tickets = 0; rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET && tickets < 8; tickets++) {
        IN_REGION(slot, rc = mbedtls_ssl_read(s->ssl, (unsigned char *)bytes, count));
    }
#endif
    if (rc == 0) return SPRIG_TLS_CLOSED;
    return classify(s, rc, 0);
}

size_t sprig_tls_pending(int slot) {
    struct slot *s = slot_at(slot);
    return s && s->ssl ? mbedtls_ssl_get_bytes_avail(s->ssl) : 0;
}

int sprig_tls_peer_spki_sha256(int slot, unsigned char *out) {
    struct slot *s = slot_at(slot);
    if (s == NULL || s->ssl == NULL) return -1;
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(s->ssl);
    if (peer == NULL) return -1;
    const mbedtls_x509_buf *spki = &peer->SPRIG_PK_RAW;
    int rc;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    IN_REGION(slot, rc = mbedtls_sha256(spki->p, spki->len, out, 0));
#else
    IN_REGION(slot, rc = mbedtls_sha256_ret(spki->p, spki->len, out, 0));
#endif
    return rc == 0 ? 0 : -1;
}

int sprig_tls_negotiated_version(int slot) {
    struct slot *s = slot_at(slot);
    if (s == NULL || s->ssl == NULL) return 0;
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    switch (mbedtls_ssl_get_version_number(s->ssl)) {
    case MBEDTLS_SSL_VERSION_TLS1_3: return 13;
    case MBEDTLS_SSL_VERSION_TLS1_2: return 12;
    default: return 0;
    }
#else
    const char *v = mbedtls_ssl_get_version(s->ssl);
    return strcmp(v, "TLSv1.2") == 0 ? 12 : 0;
#endif
}

long sprig_tls_last_error(int slot) {
    struct slot *s = slot_at(slot);
    return s ? s->last_error : 0;
}

size_t sprig_tls_close(int slot) {
    struct slot *s = slot_at(slot);
    if (s == NULL) return 0;
    if (s->ssl != NULL) {
        IN_REGION(slot, {
            /* One try; a full socket drops it (RFC 7858 §3.4 lets clients just close). */
            if (s->fd >= 0) (void)mbedtls_ssl_close_notify(s->ssl);
            mbedtls_ssl_free(s->ssl);
            free(s->ssl);
        });
        s->ssl = NULL;
    }
    s->fd = -1;
    return sprig_tls_region_release_all(slot);
}

/* --- for tls_dane.c (and tls_session.c: sprig_tls_slot_context above) --- */

int sprig_tls_verify_dates(void *context, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
    return verify_dates(context, crt, depth, flags);
}
