/* A fixed arena for mbedTLS's internal calloc/free on router builds.
 *
 * Why: mbedTLS bignum code allocates and frees temporaries inside every RSA or
 * ECDSA verification (measured with Debian's 2.28: 18 calls per RSA verify,
 * ~8,000 per ECDSA P-256 verify, ~11,600 per P-384; peak live 5–10 KB; all
 * freed before the call returns). Sprig must not touch the heap on the query
 * path, so the router link points mbedTLS's calloc/free here instead:
 *
 *   for a in libmbedcrypto libmbedx509 libmbedtls; do
 *       objcopy --redefine-sym calloc=sprig_mbedtls_calloc \
 *               --redefine-sym free=sprig_mbedtls_free $a.a $a-sprig.a
 *   done
 *
 * Rename in all three archives: memory allocated in one is sometimes freed in
 * another, and sprig_mbedtls_free accepts both arena and libc pointers. Where
 * the library is built with MBEDTLS_PLATFORM_MEMORY (OpenWrt's 3.x may be),
 * sprig_mbedtls_arena_install() at start-up does the same without objcopy.
 *
 * The arena is a static array (.bss, reserved before the first query):
 * power-of-two size classes, each with a free list, carved on first use and
 * reused forever after, so the steady state is a constant-time pop/push. A
 * request larger than the largest class (e.g. TLS record buffers) or one the
 * arena can no longer carve falls back to libc and is counted; for signature
 * verification a non-zero fallback count means the arena is too small.
 * Single-threaded, like Sprig. Compiled by each board's C compiler; not part
 * of the SwiftPM host build. */
#ifndef SPRIG_MBEDTLS_ARENA_H
#define SPRIG_MBEDTLS_ARENA_H

#include <stddef.h>

void *sprig_mbedtls_calloc(size_t count, size_t size);
void sprig_mbedtls_free(void *pointer);

/* 1 if mbedtls_platform_set_calloc_free was available and now points here. */
int sprig_mbedtls_arena_install(void);

/* Bytes reserved for the arena (SPRIG_MBEDTLS_ARENA_BYTES). */
size_t sprig_mbedtls_arena_capacity(void);
/* Bytes carved so far; never shrinks (blocks are reused through free lists). */
size_t sprig_mbedtls_arena_carved(void);
/* Calls served from the arena. */
unsigned long sprig_mbedtls_arena_calls(void);
/* Calls that went to libc instead (too big, or arena exhausted). */
unsigned long sprig_mbedtls_arena_fallbacks(void);

#endif
