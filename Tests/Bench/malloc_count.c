/* malloc_count: an LD_PRELOAD shared object that counts heap calls.
 * Owns: counting malloc, calloc, realloc, reallocarray, posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc and free calls of the process it
 * is preloaded into, and publishing the counts. Never changes what the
 * allocator does: every call is passed to glibc's own implementation.
 *
 * Interface (documented in Tests/Bench/README.md):
 *   MALLOC_COUNT_FILE=path    text dump ("name value" lines) written at exit
 *                             and on MALLOC_COUNT_SIGNAL, atomically (tmp+rename)
 *   MALLOC_COUNT_SIGNAL=sig   signal that triggers a dump: a number or USR1, USR2,
 *                             WINCH, URG, PROF, VTALRM; default USR2; 0 = none
 *   MALLOC_COUNT_LIVE=path    optional: the counters themselves live in this file
 *                             (MAP_SHARED), readable any time without a signal:
 *                             8 bytes "MALCNT01", then uint64 little-endian
 *                             counters in the order of counterNames below.
 * Build: gcc -O2 -shared -fPIC -o malloc_count.so malloc_count.c
 * glibc only (it forwards to __libc_malloc & co.); dynamic binaries only. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

enum counter {
    C_MALLOC, C_CALLOC, C_REALLOC, C_REALLOCARRAY, C_POSIX_MEMALIGN,
    C_ALIGNED_ALLOC, C_MEMALIGN, C_VALLOC, C_PVALLOC, C_FREE, C_COUNT
};
static const char *const counterNames[C_COUNT] = {
    "malloc", "calloc", "realloc", "reallocarray", "posix_memalign",
    "aligned_alloc", "memalign", "valloc", "pvalloc", "free"
};

/* Magic at the start of the live file, so readers can check the layout. */
#define LIVE_MAGIC "MALCNT01"
#define LIVE_MAGIC_BYTES 8
/* Paths longer than this are ignored (no dump) rather than truncated. */
#define PATH_BYTES 4096

static uint64_t staticCounts[C_COUNT];
static uint64_t *counts = staticCounts;   /* switched to the live mapping if any */
static char dumpPath[PATH_BYTES];
static uint64_t dumpSequence;

static inline void bump(enum counter c) {
    __atomic_fetch_add(&counts[c], 1, __ATOMIC_RELAXED);
}

/* ---- the interposed allocator entry points ---- */

void *malloc(size_t n) { bump(C_MALLOC); return __libc_malloc(n); }
void *calloc(size_t k, size_t n) { bump(C_CALLOC); return __libc_calloc(k, n); }
void *realloc(void *p, size_t n) { bump(C_REALLOC); return __libc_realloc(p, n); }

void *reallocarray(void *p, size_t k, size_t n) {
    bump(C_REALLOCARRAY);
    size_t total;
    if (__builtin_mul_overflow(k, n, &total)) { errno = ENOMEM; return NULL; }
    return __libc_realloc(p, total);
}

int posix_memalign(void **out, size_t alignment, size_t n) {
    bump(C_POSIX_MEMALIGN);
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(alignment, n);
    if (p == NULL && n != 0) return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t n) {
    bump(C_ALIGNED_ALLOC);
    return __libc_memalign(alignment, n);
}

void *memalign(size_t alignment, size_t n) {
    bump(C_MEMALIGN);
    return __libc_memalign(alignment, n);
}

void *valloc(size_t n) {
    bump(C_VALLOC);
    return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

void *pvalloc(size_t n) {
    bump(C_PVALLOC);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return __libc_memalign(page, (n + page - 1) & ~(page - 1));
}

void free(void *p) {
    if (p == NULL) return;   /* free(NULL) does nothing, so it is not counted */
    bump(C_FREE);
    __libc_free(p);
}

/* ---- publishing: async-signal-safe (open, write, rename, close only) ---- */

static size_t appendText(char *buf, size_t at, size_t cap, const char *s) {
    while (*s && at < cap) buf[at++] = *s++;
    return at;
}

static size_t appendNumber(char *buf, size_t at, size_t cap, uint64_t v) {
    char digits[24];
    size_t n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v && n < sizeof digits);
    while (n && at < cap) buf[at++] = digits[--n];
    return at;
}

static void dumpCounts(void) {
    if (dumpPath[0] == 0) return;
    int savedErrno = errno;
    char text[1024];
    size_t at = 0, cap = sizeof text;
    uint64_t allocations = 0;
    at = appendText(text, at, cap, "pid ");
    at = appendNumber(text, at, cap, (uint64_t)getpid());
    at = appendText(text, at, cap, "\nsequence ");
    at = appendNumber(text, at, cap, __atomic_add_fetch(&dumpSequence, 1, __ATOMIC_RELAXED));
    at = appendText(text, at, cap, "\n");
    for (int c = 0; c < C_COUNT; c++) {
        uint64_t v = __atomic_load_n(&counts[c], __ATOMIC_RELAXED);
        if (c != C_FREE) allocations += v;
        at = appendText(text, at, cap, counterNames[c]);
        at = appendText(text, at, cap, " ");
        at = appendNumber(text, at, cap, v);
        at = appendText(text, at, cap, "\n");
    }
    at = appendText(text, at, cap, "allocations ");
    at = appendNumber(text, at, cap, allocations);
    at = appendText(text, at, cap, "\n");
    char dumpTmpPath[PATH_BYTES + 32];   /* per writer pid: forked children may dump too */
    size_t tmpAt = appendText(dumpTmpPath, 0, PATH_BYTES, dumpPath);
    tmpAt = appendText(dumpTmpPath, tmpAt, sizeof dumpTmpPath - 1, ".tmp.");
    tmpAt = appendNumber(dumpTmpPath, tmpAt, sizeof dumpTmpPath - 1, (uint64_t)getpid());
    dumpTmpPath[tmpAt] = 0;
    int fd = open(dumpTmpPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t written = write(fd, text, at);
        close(fd);
        if (written == (ssize_t)at) rename(dumpTmpPath, dumpPath);
        else unlink(dumpTmpPath);
    }
    errno = savedErrno;
}

static void onDumpSignal(int sig) { (void)sig; dumpCounts(); }

static int parseSignal(const char *s) {
    static const struct { const char *name; int number; } names[] = {
        {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"WINCH", SIGWINCH},
        {"URG", SIGURG}, {"PROF", SIGPROF}, {"VTALRM", SIGVTALRM},
    };
    if (s == NULL || *s == 0) return SIGUSR2;
    if (strncmp(s, "SIG", 3) == 0) s += 3;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) return names[i].number;
    return atoi(s);
}

/* Moves the counters into a shared file mapping so other processes can read them live. */
static void openLiveFile(const char *path) {
    size_t bytes = LIVE_MAGIC_BYTES + sizeof(uint64_t) * C_COUNT;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (ftruncate(fd, (off_t)bytes) != 0) { close(fd); return; }
    char *map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return;
    memcpy(map, LIVE_MAGIC, LIVE_MAGIC_BYTES);
    uint64_t *live = (uint64_t *)(void *)(map + LIVE_MAGIC_BYTES);
    for (int c = 0; c < C_COUNT; c++)   /* carry over calls made before start-up */
        live[c] = __atomic_load_n(&staticCounts[c], __ATOMIC_RELAXED);
    __atomic_store_n(&counts, live, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void mallocCountStart(void) {
    const char *path = getenv("MALLOC_COUNT_FILE");
    if (path != NULL && strlen(path) < PATH_BYTES) strcpy(dumpPath, path);
    const char *live = getenv("MALLOC_COUNT_LIVE");
    if (live != NULL && *live != 0) openLiveFile(live);
    int sig = parseSignal(getenv("MALLOC_COUNT_SIGNAL"));
    if (sig > 0 && dumpPath[0] != 0) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = onDumpSignal;
        action.sa_flags = SA_RESTART;
        sigemptyset(&action.sa_mask);
        sigaction(sig, &action, NULL);
    }
}

__attribute__((destructor)) static void mallocCountStop(void) { dumpCounts(); }
