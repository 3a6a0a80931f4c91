/* TLS session resumption for Sprig's client (RFC 5077 tickets and TLS 1.2
 * session IDs, RFC 5246 §7.4.1.2), on the connection slots of CMbedTLS.h.
 *
 * Owns: turning a finished connection's session into bytes in a caller's
 * buffer (mbedtls_ssl_session_save), offering such bytes on a new
 * connection before its handshake (mbedtls_ssl_session_load and
 * mbedtls_ssl_set_session), and telling afterwards whether the server
 * resumed it. Every version-specific call is behind MBEDTLS_VERSION_NUMBER
 * in tls_session.c.
 *
 * Memory: the saved bytes live in the caller's fixed table (Transport's
 * TLS session table, carved from Sprig's arena); the session structures
 * mbedTLS builds while loading one live in the slot's own region and go
 * with it. Nothing here keeps a pointer between calls.
 *
 * Never: decides which session goes with which server or profile (the
 * caller keys its table by server, profile and the profile's identity),
 * reads a clock, or gives key material to the caller: the resumption check
 * compares SHA-256 fingerprints of the master secret. */
#ifndef SPRIG_TLS_SESSION_H
#define SPRIG_TLS_SESSION_H

#include <stddef.h>

/* Writes the session of `slot`'s finished handshake into out[capacity].
 * Returns the byte count (> 0); -1 when it needs more than `capacity`
 * bytes (*needed says how many); -2 when there is no session to save. */
long sprig_tls_session_save(int slot, void *out, size_t capacity, size_t *needed);
/* Offers saved bytes on `slot` (opened, handshake not started). 0, and
 * fingerprint[32] gets the offered session's fingerprint; -1 when the
 * bytes do not load (another library version or build: the caller drops
 * them) or mbedTLS refuses the session. */
int sprig_tls_session_offer(int slot, const void *bytes, size_t count, unsigned char *fingerprint);
/* The fingerprint of `slot`'s current session (after the handshake):
 * equal to the offered one exactly when the server resumed it, since a
 * full handshake derives a new master secret. 0, or -1 without a session. */
int sprig_tls_session_fingerprint(int slot, unsigned char *fingerprint);

#endif
