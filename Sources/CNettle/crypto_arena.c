/* The start-up memory of DNSSEC's signature checks: the ECDSA scratch and a
 * fixed arena for everything GMP (and nettle through it) allocates.
 *
 * Why: nettle's RSA and its ECDSA on-curve check use mpz numbers, which GMP
 * allocates and frees inside every verification (measured on x86_64, Debian's
 * nettle 3.8.1 / GMP 6.2.1: 6 calls per RSA-2048 check, 5 per ECDSA check,
 * all freed before returning). GMP lets a program replace its allocator
 * (mp_set_memory_functions, GMP manual §13 "Custom Allocation"; mini-gmp, as
 * OpenWrt builds nettle, has the same call) and nettle allocates through
 * whatever GMP uses, so one call at start-up sends all of it here, on the host
 * build as on routers.
 *
 * Shape: power-of-two size classes with a free list each, carved from the
 * arena on first use and reused forever after, so the steady state is a
 * constant-time pop/push and the arena never fragments past one block per
 * class and live allocation. Each block starts with a 16-byte header holding
 * its class (keeps the payload 16-byte aligned). A request larger than the
 * largest class, or one the arena can no longer carve, is served by libc and
 * counted as a fallback: GMP cannot take a failed allocation (it aborts), and
 * a crash is worse than a counted heap call. Verification inputs are bounded
 * (CryptoLimits: RSA ≤ 4096 bits, exponent ≤ 8 bytes; ECDSA ≤ P-384), so the
 * arena is sized from the measured worst case with room to spare
 * (Tests/CryptoTests/CryptoArenaTests) and fallbacks stay 0.
 * Single-threaded, like Sprig. */
#include "CNettle.h"
#include "arena_internal.h"

#include <stdlib.h>
#include <string.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecdsa.h>

/* Bytes of the arena: eight times the measured worst case (RSA-4096 with an
 * 8-byte exponent: 4,128 bytes live at once, counted in whole size-class
 * blocks, on x86_64, CryptoArenaTests; the known answers peak at the same on
 * aarch64, armv7hf and mipsel, CrossBoardTests),
 * for GMP builds that keep more on the heap (mini-gmp's mpz_powm puts its
 * temporaries there, GMP on the stack). */
#define SPRIG_CRYPTO_ARENA_BYTES (32 * 1024)
/* Block header: the class index, padded so payloads stay 16-byte aligned. */
#define SPRIG_ARENA_HEADER_BYTES 16
/* Smallest class 32 bytes (header + a 2-limb number); classes double up to
 * 32 << (SPRIG_ARENA_CLASS_COUNT - 1) = 16 KiB, above any mpz of a 4096-bit key. */
#define SPRIG_ARENA_CLASS_MIN_BYTES 32
#define SPRIG_ARENA_CLASS_COUNT 10
/* Alignment the caller's memory must have. */
#define SPRIG_CRYPTO_MEMORY_ALIGNMENT 16

static struct {
    unsigned char *base;
    size_t capacity;
    size_t carved;
    void *free_list[SPRIG_ARENA_CLASS_COUNT];
    size_t live;
    size_t live_peak;
    size_t calls;
    size_t fallbacks;
    mp_limb_t *ecdsa_scratch;
    mp_size_t ecdsa_scratch_limbs;
} arena;

static size_t class_bytes(int index) { return (size_t)SPRIG_ARENA_CLASS_MIN_BYTES << index; }

/* The smallest class whose blocks hold `payload` bytes, or -1. */
static int class_for(size_t payload) {
    for (int index = 0; index < SPRIG_ARENA_CLASS_COUNT; index++) {
        if (payload <= class_bytes(index) - SPRIG_ARENA_HEADER_BYTES) return index;
    }
    return -1;
}

static int in_arena(const void *pointer) {
    const unsigned char *p = pointer;
    return arena.base != NULL && p >= arena.base && p < arena.base + arena.capacity;
}

static void *arena_allocate(size_t bytes) {
    int index = class_for(bytes);
    unsigned char *block = NULL;
    if (index >= 0) {
        block = arena.free_list[index];
        if (block != NULL) {
            memcpy(&arena.free_list[index], block + SPRIG_ARENA_HEADER_BYTES, sizeof(void *));
        } else if (arena.capacity - arena.carved >= class_bytes(index)) {
            block = arena.base + arena.carved;
            arena.carved += class_bytes(index);
            memcpy(block, &index, sizeof index);
        }
    }
    if (block == NULL) {
        arena.fallbacks++;
        void *pointer = malloc(bytes == 0 ? 1 : bytes);
        if (pointer == NULL) abort();   /* GMP's own behaviour on a failed allocation */
        return pointer;
    }
    arena.calls++;
    arena.live += class_bytes(index);
    if (arena.live > arena.live_peak) arena.live_peak = arena.live;
    return block + SPRIG_ARENA_HEADER_BYTES;
}

static int block_class(void *pointer) {
    int index;
    memcpy(&index, (unsigned char *)pointer - SPRIG_ARENA_HEADER_BYTES, sizeof index);
    return index;
}

static void arena_free(void *pointer, size_t bytes) {
    (void)bytes;
    if (pointer == NULL) return;
    if (!in_arena(pointer)) { free(pointer); return; }   /* a fallback, or from before start-up */
    int index = block_class(pointer);
    memcpy(pointer, &arena.free_list[index], sizeof(void *));
    arena.free_list[index] = (unsigned char *)pointer - SPRIG_ARENA_HEADER_BYTES;
    arena.live -= class_bytes(index);
}

static void *arena_reallocate(void *pointer, size_t old_bytes, size_t new_bytes) {
    if (pointer == NULL) return arena_allocate(new_bytes);
    if (in_arena(pointer) && new_bytes <= class_bytes(block_class(pointer)) - SPRIG_ARENA_HEADER_BYTES) {
        return pointer;
    }
    void *moved = arena_allocate(new_bytes);
    memcpy(moved, pointer, old_bytes < new_bytes ? old_bytes : new_bytes);
    arena_free(pointer, old_bytes);
    return moved;
}

/* Limbs of ECDSA scratch: the larger curve's need. */
static mp_size_t ecdsa_scratch_limbs(void) {
    mp_size_t p256 = ecc_ecdsa_verify_itch(nettle_get_secp_256r1());
    mp_size_t p384 = ecc_ecdsa_verify_itch(nettle_get_secp_384r1());
    return p256 > p384 ? p256 : p384;
}

static size_t ecdsa_scratch_bytes(void) {
    size_t bytes = (size_t)ecdsa_scratch_limbs() * sizeof(mp_limb_t);
    return (bytes + SPRIG_CRYPTO_MEMORY_ALIGNMENT - 1) / SPRIG_CRYPTO_MEMORY_ALIGNMENT * SPRIG_CRYPTO_MEMORY_ALIGNMENT;
}

size_t sprig_crypto_memory_byte_count(void) {
    return ecdsa_scratch_bytes() + SPRIG_CRYPTO_ARENA_BYTES;
}

int sprig_crypto_start(void *memory, size_t byte_count) {
    if (memory == NULL || byte_count < sprig_crypto_memory_byte_count()
        || (uintptr_t)memory % SPRIG_CRYPTO_MEMORY_ALIGNMENT != 0) return -1;
    unsigned char *bytes = memory;
    arena.ecdsa_scratch = (mp_limb_t *)(void *)bytes;
    arena.ecdsa_scratch_limbs = ecdsa_scratch_limbs();
    arena.base = bytes + ecdsa_scratch_bytes();
    arena.capacity = byte_count - ecdsa_scratch_bytes();
    arena.carved = 0;
    mp_set_memory_functions(arena_allocate, arena_reallocate, arena_free);
    return 0;
}

mp_limb_t *sprig_crypto_ecdsa_scratch(mp_size_t *limb_count) {
    *limb_count = arena.ecdsa_scratch_limbs;
    return arena.ecdsa_scratch;
}

size_t sprig_crypto_arena_capacity(void) { return arena.capacity; }
size_t sprig_crypto_arena_carved(void) { return arena.carved; }
size_t sprig_crypto_arena_live_peak(void) { return arena.live_peak; }
size_t sprig_crypto_arena_calls(void) { return arena.calls; }
size_t sprig_crypto_arena_fallbacks(void) { return arena.fallbacks; }
