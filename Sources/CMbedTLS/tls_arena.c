/* The fixed memory mbedTLS allocates from (CMbedTLS.h explains why and how
 * the link routes mbedTLS's calloc/free here).
 *
 * Each region is a first-fit list of blocks laid end to end: a 16-byte
 * header (block size including the header, in-use bit) then the payload,
 * 16-byte aligned. Free blocks merge with the free blocks after them while
 * an allocation scans, so no footer is needed. A region serves a few dozen
 * allocations of one connection (two 16 KiB record buffers, handshake
 * state, the peer's certificates), so a linear scan is cheap. */
#include "CMbedTLS.h"
#include "tls_internal.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_ALIGN 16u
#define HEADER_BYTES 16u
#define IN_USE ((size_t)1)

struct region {
    unsigned char *start;
    size_t bytes;
    size_t in_use;
    size_t high_water;
};

/* The shared block (the region table, then the shared region) and the
 * block of connection regions. */
static unsigned char *shared_start, *shared_end, *slots_start, *slots_end;
static struct region *regions;   /* [0] shared, [1 + slot] slots */
static int region_count;
static unsigned long alloc_failures;
/* The region the mbedTLS call in progress allocates in; -2: none. */
volatile int sprig_tls_current_region = SPRIG_REGION_NONE;

static size_t round_up(size_t n) { return (n + BLOCK_ALIGN - 1) & ~(size_t)(BLOCK_ALIGN - 1); }

size_t sprig_tls_arena_overhead(int slot_count) {
    return round_up(sizeof(struct region) * (size_t)(slot_count + 1));
}

static void region_reset(struct region *r) {
    size_t *h = (size_t *)r->start;
    h[0] = r->bytes;   /* one free block spanning the region */
    r->in_use = 0;
}

int sprig_tls_arena_init(void *shared_base, size_t shared_bytes, void *slots_base, size_t slot_bytes,
                         int slot_count) {
    if (shared_base == NULL || slot_count < 0 || (slot_count > 0 && slots_base == NULL)) return -1;
    if (((uintptr_t)shared_base | (uintptr_t)slots_base) & (BLOCK_ALIGN - 1)) return -1;
    if ((shared_bytes | slot_bytes) & (BLOCK_ALIGN - 1)) return -1;
    size_t overhead = sprig_tls_arena_overhead(slot_count);
    if (shared_bytes < overhead + 2 * HEADER_BYTES || (slot_count > 0 && slot_bytes < 2 * HEADER_BYTES)) return -1;
    sprig_tls_client_forget();
    regions = (struct region *)shared_base;
    region_count = slot_count + 1;
    shared_start = (unsigned char *)shared_base;
    shared_end = shared_start + shared_bytes;
    slots_start = (unsigned char *)slots_base;
    slots_end = slots_start + (size_t)slot_count * slot_bytes;
    regions[0].start = shared_start + overhead;
    regions[0].bytes = shared_bytes - overhead;
    for (int i = 1; i < region_count; i++) {
        regions[i].start = slots_start + (size_t)(i - 1) * slot_bytes;
        regions[i].bytes = slot_bytes;
    }
    for (int i = 0; i < region_count; i++) {
        regions[i].high_water = 0;
        region_reset(&regions[i]);
    }
    return 0;
}

static struct region *region_at(int region) {
    int i = region + 1;
    if (regions == NULL || i < 0 || i >= region_count) return NULL;
    return &regions[i];
}

size_t sprig_tls_region_in_use(int region) {
    struct region *r = region_at(region);
    return r ? r->in_use : 0;
}

size_t sprig_tls_region_high_water(int region) {
    struct region *r = region_at(region);
    return r ? r->high_water : 0;
}

int sprig_tls_arena_slot_count(void) { return regions ? region_count - 1 : -1; }

unsigned long sprig_tls_alloc_failures(void) { return alloc_failures; }

void *sprig_tls_region_calloc(int region, size_t count, size_t size) {
    struct region *r = region_at(region);
    if (r == NULL) return NULL;
    if (count == 0 || size == 0) { count = 1; size = 1; }   /* calloc(0) may return a unique pointer */
    if (size > (SIZE_MAX - HEADER_BYTES - BLOCK_ALIGN) / count) { alloc_failures++; return NULL; }
    size_t need = round_up(count * size) + HEADER_BYTES;
    unsigned char *end = r->start + r->bytes;
    /* Bounded: every step moves forward by a block of at least HEADER_BYTES. */
    for (unsigned char *b = r->start; b < end;) {
        size_t *h = (size_t *)b;
        size_t bytes = h[0] & ~IN_USE;
        if ((h[0] & IN_USE) == 0) {
            /* Merge the free blocks that follow. */
            while (b + bytes < end) {
                size_t *next = (size_t *)(b + bytes);
                if (next[0] & IN_USE) break;
                bytes += next[0];
            }
            h[0] = bytes;
            if (bytes >= need) {
                if (bytes - need >= 2 * HEADER_BYTES) {   /* split off the rest */
                    size_t *rest = (size_t *)(b + need);
                    rest[0] = bytes - need;
                    bytes = need;
                }
                h[0] = bytes | IN_USE;
                r->in_use += bytes;
                if (r->in_use > r->high_water) r->high_water = r->in_use;
                memset(b + HEADER_BYTES, 0, bytes - HEADER_BYTES);
                return b + HEADER_BYTES;
            }
        }
        b += bytes;
    }
    alloc_failures++;
    return NULL;
}

int sprig_tls_region_free(void *pointer) {
    unsigned char *p = (unsigned char *)pointer;
    if (regions == NULL) return 0;
    int i;
    if (p >= shared_start && p < shared_end) i = 0;
    else if (p >= slots_start && p < slots_end) i = 1 + (int)((size_t)(p - slots_start) / regions[1].bytes);
    else return 0;
    struct region *r = &regions[i];
    /* Not a payload this region handed out (the region table, a stray
     * pointer): held by the arena, so never passed to libc; ignored. */
    if (p < r->start + HEADER_BYTES || p >= r->start + r->bytes) return 1;
    size_t *h = (size_t *)(p - HEADER_BYTES);
    if ((h[0] & IN_USE) == 0) return 1;   /* a double free: ignored, never corrupts */
    size_t bytes = h[0] & ~IN_USE;
    /* Zeroed on free: no key material or plaintext stays behind. */
    memset(p, 0, bytes - HEADER_BYTES);
    h[0] = bytes;
    r->in_use -= bytes;
    return 1;
}

size_t sprig_tls_region_release_all(int region) {
    struct region *r = region_at(region);
    if (r == NULL) return 0;
    size_t left = r->in_use;
    memset(r->start, 0, r->bytes);
    region_reset(r);
    return left;
}

/* The link turns mbedTLS's calloc/free into these (Board/build.sh,
 * Package.swift: -Wl,--wrap=calloc,--wrap=free). */
void *__real_calloc(size_t count, size_t size);
void __real_free(void *pointer);

void *__wrap_calloc(size_t count, size_t size) {
    if (sprig_tls_current_region != SPRIG_REGION_NONE && sprig_tls_current_region != SPRIG_REGION_PROCESS)
        return sprig_tls_region_calloc(sprig_tls_current_region, count, size);
    return __real_calloc(count, size);
}

void __wrap_free(void *pointer) {
    if (pointer == NULL) return;
    if (sprig_tls_region_free(pointer)) return;
    __real_free(pointer);
}

/* For mbedtls_platform_set_calloc_free (MBEDTLS_PLATFORM_MEMORY builds):
 * only mbedTLS calls these, so an allocation outside a region is a fault
 * of the shim, refused rather than served from the heap; the one
 * exception is the process-lifetime state set up under
 * SPRIG_REGION_PROCESS (tls_internal.h). */
void *sprig_tls_platform_calloc(size_t count, size_t size) {
    if (sprig_tls_current_region == SPRIG_REGION_PROCESS) return calloc(count, size);
    if (sprig_tls_current_region == SPRIG_REGION_NONE) { alloc_failures++; return NULL; }
    return sprig_tls_region_calloc(sprig_tls_current_region, count, size);
}

void sprig_tls_platform_free(void *pointer) {
    if (pointer != NULL && !sprig_tls_region_free(pointer)) free(pointer);
}
