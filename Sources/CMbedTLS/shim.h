/* mbedTLS headers for the TLS client (libmbedtls-dev; 2.28 on Debian 12, 3.x on
 * OpenWrt). DNSSEC's digests and signature checks do not use mbedTLS: they run
 * on nettle (Sources/CNettle), which verifies ECDSA ten times faster and never
 * touches the heap (Crypto.swift's header has the numbers).
 *
 * mbedTLS allocates with calloc/free inside its bignum and TLS code; whoever
 * adds the TLS client routes that into fixed memory too (Debian's 2.28 lacks
 * MBEDTLS_PLATFORM_MEMORY, so the router link would rename calloc/free in the
 * static archives with objcopy --redefine-sym; git history has that recipe,
 * Sources/CMbedTLS/arena.c before this header changed). */
#ifndef SPRIG_CMBEDTLS_SHIM_H
#define SPRIG_CMBEDTLS_SHIM_H

#include <mbedtls/version.h>
#include <mbedtls/ssl.h>

#endif
