/* Shared between the arena and the client (not part of the Swift API). */
#ifndef SPRIG_TLS_INTERNAL_H
#define SPRIG_TLS_INTERNAL_H
#include <stddef.h>
#define SPRIG_REGION_NONE (-2)
#define SPRIG_REGION_SHARED (-1)
/* State mbedTLS keeps for the whole process, across arenas: PSA's key
 * store on 3.x (tls_client.c, psa_start). libc's heap, at set-up only. */
#define SPRIG_REGION_PROCESS (-3)
/* volatile: compilers know calloc/free as builtins that read no user
 * memory, and would drop the store before such a call as dead (gcc -Os
 * did, in the router build: mbedTLS's first allocations left the arena). */
extern volatile int sprig_tls_current_region;
/* Empties a region at once; returns the bytes that were still in use. */
size_t sprig_tls_region_release_all(int region);
/* Connection slots the arena was cut for; -1 before arena_init. */
int sprig_tls_arena_slot_count(void);
/* The allocator behind mbedTLS's platform hooks (same rules as the
 * wrapped calloc/free). */
void *sprig_tls_platform_calloc(size_t count, size_t size);
void sprig_tls_platform_free(void *pointer);
/* Forgets the client set-up (its memory went with the old arena). */
void sprig_tls_client_forget(void);
/* Runs `call` with mbedTLS's allocations landing in `region`. */
#define IN_REGION(region, call) do { \
    int saved_ = sprig_tls_current_region; \
    sprig_tls_current_region = (region); \
    call; \
    sprig_tls_current_region = saved_; \
} while (0)
/* The slot's SSL context (an opaque pointer outside tls_client.c, which
 * includes mbedTLS's headers); NULL when the slot is not open. */
struct mbedtls_ssl_context;
/* A certificate's SubjectPublicKeyInfo: private in mbedTLS 3.0 only
 * (public again from 3.1). */
#include <mbedtls/version.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && MBEDTLS_VERSION_NUMBER < 0x03010000
#define SPRIG_PK_RAW MBEDTLS_PRIVATE(pk_raw)
#else
#define SPRIG_PK_RAW pk_raw
#endif
struct mbedtls_ssl_context *sprig_tls_slot_context(int slot);
#endif
