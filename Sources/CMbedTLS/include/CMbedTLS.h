/* CMbedTLS: Sprig's TLS client on mbedTLS, and the fixed memory mbedTLS
 * allocates from.
 *
 * Owns: every mbedTLS call (version-specific ones behind
 * MBEDTLS_VERSION_NUMBER, so Swift never sees an mbedTLS struct: the
 * boundary is scalars and pointers, which keeps the retargeted MIPS build
 * correct, BUILD-NOTES.md), the BIO callbacks that move TLS records over a
 * caller's non-blocking socket, and the arena mbedTLS's calloc/free land in.
 *
 * Memory: the caller hands one block at start (carved from Sprig's arena).
 * It is cut into a shared region (configs, RNG, the CA chain) and one
 * region per TLS connection slot, each with its own first-fit free list.
 * A connection allocates only in its own region, so a hostile peer can
 * exhaust its slot and nothing else; a closed slot's region is empty again.
 * Debian's mbedTLS 2.28 has neither MBEDTLS_PLATFORM_MEMORY nor
 * MBEDTLS_MEMORY_BUFFER_ALLOC_C, so mbedTLS calls libc calloc/free
 * directly: the link wraps them (-Wl,--wrap=calloc,--wrap=free, static
 * mbedTLS archives) and __wrap_calloc serves the region of the mbedTLS
 * call in progress; any other caller gets libc's calloc. __wrap_free frees
 * into whichever region holds the pointer, else calls libc's free. A
 * library built with MBEDTLS_PLATFORM_MEMORY (a shared mbedTLS, which no
 * --wrap reaches) gets the same allocator through
 * mbedtls_platform_set_calloc_free. Set-up checks that one of the two is
 * in effect, and refuses TLS otherwise.
 *
 * Never: blocks (every call returns SPRIG_TLS_WANT_* instead), reads a
 * clock, allocates outside the arena on behalf of mbedTLS, or renegotiates. */
#ifndef SPRIG_CMBEDTLS_H
#define SPRIG_CMBEDTLS_H

#include <stddef.h>
#include <stdint.h>

/* Results of the connection calls (>= 0: success or a byte count). */
#define SPRIG_TLS_WANT_READ (-1)     /* call again when the socket is readable */
#define SPRIG_TLS_WANT_WRITE (-2)    /* call again when the socket is writable */
#define SPRIG_TLS_CLOSED (-3)        /* close_notify or end of stream */
#define SPRIG_TLS_E_CERTIFICATE (-10) /* certificate did not verify (name, CA, dates) */
#define SPRIG_TLS_E_HANDSHAKE (-11)  /* handshake failed otherwise (alert, no common suite, version) */
#define SPRIG_TLS_E_MEMORY (-12)     /* the slot's region is exhausted */
#define SPRIG_TLS_E_IO (-13)         /* the socket failed (reset, error) */
#define SPRIG_TLS_E_PROTOCOL (-14)   /* a bad or oversize record after the handshake */
#define SPRIG_TLS_E_SETUP (-15)      /* set-up failed (RNG, config, CA file) */

/* Version of the linked library (MBEDTLS_VERSION_NUMBER of the headers). */
unsigned long sprig_tls_version_number(void);
/* 1 when this build negotiates TLS 1.3 (mbedTLS >= 3 with TLS 1.3 on). */
int sprig_tls_has_tls13(void);

/* Bytes the arena's region table takes at the start of the shared block,
 * for `slot_count` slots (part of the shared block's size). */
size_t sprig_tls_arena_overhead(int slot_count);
/* Takes the shared block (region table + shared region) and the block of
 * `slot_count` connection regions of `slot_bytes` each; addresses and
 * sizes 16-byte aligned. 0, or -1 when sizes are bad. */
int sprig_tls_arena_init(void *shared_base, size_t shared_bytes, void *slots_base, size_t slot_bytes,
                         int slot_count);
/* Region statistics: region -1 is the shared one, 0..slot_count-1 slots. */
size_t sprig_tls_region_in_use(int region);
size_t sprig_tls_region_high_water(int region);
/* Allocations mbedTLS asked for that its region could not serve. */
unsigned long sprig_tls_alloc_failures(void);

/* Allocator entry points (tests; the wrapped calloc/free use them). */
void *sprig_tls_region_calloc(int region, size_t count, size_t size);
int sprig_tls_region_free(void *pointer);   /* 1 when the arena held it */

/* Shared set-up, once after arena_init: RNG, the two client configs
 * (certificate verified against `ca_file` and a name; or not verified,
 * for SPKI pins). `ca_file` NULL: no CA bundle (pins only).
 * Returns 0, or SPRIG_TLS_E_SETUP with the mbedTLS code in *detail. */
int sprig_tls_setup(const char *ca_file, long *detail);
/* Certificates loaded from the CA file. */
int sprig_tls_ca_count(void);
/* Whether the wall clock is trusted (DESIGN.md §2.8). While it is not,
 * certificate validity dates are not checked (everything else is), and
 * each certificate whose dates were overlooked is counted. */
void sprig_tls_set_dates_trusted(int trusted);
unsigned long sprig_tls_dates_unchecked(void);

/* Starts a client on `slot` over connected non-blocking socket `fd`.
 * `name` (NUL-terminated, may be NULL): sent as SNI, and when `verify_name`
 * the certificate must chain to the CA bundle and match it (RFC 8310 §8.1).
 * Returns 0 or a negative SPRIG_TLS_* result. */
int sprig_tls_open(int slot, int fd, const char *name, int verify_name);
/* One step of the handshake: 0 when done, SPRIG_TLS_WANT_* or a failure. */
int sprig_tls_handshake(int slot);
/* Writes/reads application data: a byte count > 0, or SPRIG_TLS_*. */
long sprig_tls_write(int slot, const void *bytes, size_t count);
long sprig_tls_read(int slot, void *bytes, size_t count);
/* Plaintext bytes already decrypted and waiting in the slot. */
size_t sprig_tls_pending(int slot);
/* SHA-256 of the peer certificate's SubjectPublicKeyInfo (RFC 7858 §4.2
 * pin) into out[32]: 0, or -1 when there is no peer certificate. */
int sprig_tls_peer_spki_sha256(int slot, unsigned char *out);
/* DANE (RFC 7671) once the handshake is done, before any query byte:
 * `associations` packs the usable records of a DNSSEC-validated TLSA
 * RRset (Resolver/DANE.swift): a count byte, then per record usage (2
 * DANE-TA or 3 DANE-EE), selector (0 Cert, 1 SPKI), matching (0 Full,
 * kept as its SHA-256; 1 SHA2-256; 2 SHA2-512), length, data. DANE-EE:
 * the leaf's certificate or SPKI matches; nothing else is checked (RFC
 * 7671 §5.1). DANE-TA: a certificate the peer sent after its leaf matches,
 * and the leaf chains to it and matches `name` (RFC 7671 §5.2).
 * 0: a record matched; 1: none did; -1: no peer certificate or bad input. */
int sprig_tls_peer_dane_match(int slot, const unsigned char *associations, size_t bytes, const char *name);
/* 13 or 12: the version negotiated; 0 before the handshake ends. */
int sprig_tls_negotiated_version(int slot);
/* The last mbedTLS error code on the slot (for logs). */
long sprig_tls_last_error(int slot);
/* Ends the slot: close_notify (best effort, never waits), frees every
 * mbedTLS structure. Returns bytes still held in its region (0 unless
 * mbedTLS leaks; the region is reset either way). */
size_t sprig_tls_close(int slot);

#endif
