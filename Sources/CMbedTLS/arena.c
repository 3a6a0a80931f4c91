/* See arena.h. Not part of the SwiftPM host build (CMbedTLS is a system
 * library module there); router builds compile and link it. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<mbedtls/platform.h>)
#include <mbedtls/platform.h>
#endif
#endif

#ifndef SPRIG_MBEDTLS_ARENA_BYTES
/* 64 KiB: twice the carve measured for RSA-4096 + ECDSA P-384 + P-256 together. */
#define SPRIG_MBEDTLS_ARENA_BYTES (64u * 1024u)
#endif

/* Block classes 16 B … 8 KiB: mbedTLS 2.28 caps an MPI at 1 KiB of limbs
 * (MBEDTLS_MPI_MAX_SIZE) and ECP tables stay below 8 KiB. */
#define ARENA_SMALLEST_SHIFT 4
#define ARENA_CLASS_COUNT 10
/* Header before each block: keeps max_align_t alignment, holds the class. */
#define ARENA_HEADER_BYTES 16

typedef struct arena_free_block { struct arena_free_block *next; } arena_free_block;

static union {
    long double alignment_long_double;
    void *alignment_pointer;
    uint64_t alignment_integer;
    unsigned char bytes[SPRIG_MBEDTLS_ARENA_BYTES];
} arena_memory;
static size_t arena_carved_bytes;
static arena_free_block *arena_free_lists[ARENA_CLASS_COUNT];
static unsigned long arena_call_count;
static unsigned long arena_fallback_count;

static int arena_class_for(size_t byte_count) {
    size_t class_bytes = (size_t)1 << ARENA_SMALLEST_SHIFT;
    for (int index = 0; index < ARENA_CLASS_COUNT; index++, class_bytes <<= 1) {
        if (byte_count <= class_bytes) return index;
    }
    return -1;
}

static int arena_owns(const void *pointer) {
    const unsigned char *p = (const unsigned char *)pointer;
    return p >= arena_memory.bytes && p < arena_memory.bytes + sizeof(arena_memory.bytes);
}

static void *arena_fallback(size_t count, size_t size) {
    arena_fallback_count++;
    return calloc(count, size);
}

void *sprig_mbedtls_calloc(size_t count, size_t size) {
    if (size != 0 && count > SIZE_MAX / size) return NULL;
    size_t byte_count = count * size;
    int class_index = arena_class_for(byte_count == 0 ? 1 : byte_count);
    if (class_index < 0) return arena_fallback(count, size);
    size_t class_bytes = (size_t)1 << (class_index + ARENA_SMALLEST_SHIFT);

    unsigned char *block;
    if (arena_free_lists[class_index] != NULL) {
        arena_free_block *head = arena_free_lists[class_index];
        arena_free_lists[class_index] = head->next;
        block = (unsigned char *)head - ARENA_HEADER_BYTES;
    } else {
        if (sizeof(arena_memory.bytes) - arena_carved_bytes < ARENA_HEADER_BYTES + class_bytes)
            return arena_fallback(count, size);
        block = arena_memory.bytes + arena_carved_bytes;
        arena_carved_bytes += ARENA_HEADER_BYTES + class_bytes;
        block[0] = (unsigned char)class_index;
    }
    arena_call_count++;
    unsigned char *payload = block + ARENA_HEADER_BYTES;
    memset(payload, 0, byte_count);
    return payload;
}

void sprig_mbedtls_free(void *pointer) {
    if (pointer == NULL) return;
    if (!arena_owns(pointer)) { free(pointer); return; }
    unsigned char *block = (unsigned char *)pointer - ARENA_HEADER_BYTES;
    int class_index = block[0];
    arena_free_block *freed = (arena_free_block *)pointer;
    freed->next = arena_free_lists[class_index];
    arena_free_lists[class_index] = freed;
}

int sprig_mbedtls_arena_install(void) {
#if defined(MBEDTLS_PLATFORM_MEMORY) && !defined(MBEDTLS_PLATFORM_CALLOC_MACRO) \
    && !defined(MBEDTLS_PLATFORM_FREE_MACRO)
    return mbedtls_platform_set_calloc_free(sprig_mbedtls_calloc, sprig_mbedtls_free) == 0;
#else
    return 0;
#endif
}

size_t sprig_mbedtls_arena_capacity(void) { return sizeof(arena_memory.bytes); }
size_t sprig_mbedtls_arena_carved(void) { return arena_carved_bytes; }
unsigned long sprig_mbedtls_arena_calls(void) { return arena_call_count; }
unsigned long sprig_mbedtls_arena_fallbacks(void) { return arena_fallback_count; }
