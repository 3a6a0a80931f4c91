/* Shared by crypto_arena.c and verify.c only (not part of the Swift module). */
#ifndef SPRIG_CNETTLE_ARENA_INTERNAL_H
#define SPRIG_CNETTLE_ARENA_INTERNAL_H

/* gmp.h, or nettle's mini-gmp.h where nettle is built with it (OpenWrt). */
#include <nettle/bignum.h>

/* The ECDSA scratch carved at start-up, or NULL before sprig_crypto_start;
 * `*limb_count` receives its size in limbs. */
mp_limb_t *sprig_crypto_ecdsa_scratch(mp_size_t *limb_count);

#endif
