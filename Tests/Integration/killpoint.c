/* killpoint.so: an LD_PRELOAD shim for tests_flash_writes.py that kills
 * the process with SIGKILL at one chosen step of its flash writes, so the
 * test can crash sprigd at every point of every state-file write.
 *
 * A "step" is one libc call that changes or commits a file in
 * $SPRIG_KILLPOINT_DIR: an open for writing (or of the directory itself,
 * as for its fsync), a write, fsync, close of such a descriptor, a rename
 * into it, an unlink in it. Before step $SPRIG_KILLPOINT_AT (1-based) the
 * process is killed, before the call happens. Unset or 0: never killed.
 * At a normal exit the number of steps taken is written to
 * $SPRIG_KILLPOINT_COUNT (when set), so a clean run tells how many steps a
 * shutdown takes. $SPRIG_KILLPOINT_TRACE set: each step is named on stderr.
 *
 * $SPRIG_KILLPOINT_IN_PLACE set: the shim sabotages the crash-safe write,
 * so the test can show it would catch a writer that is not: an open of
 * "X.tmp" for writing opens X itself, truncated, and the rename of X.tmp
 * over X is skipped (it succeeds). A kill between the open and the last
 * write then leaves X empty or torn, as an in-place writer would.
 *
 * Test tooling only; never linked into Sprig. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACKED_FDS 4096   /* descriptors above this are not followed */

static const char *dir;
static size_t dir_len;
static long kill_at;
static long steps;
static int trace;
static int in_place;
static unsigned char tracked[TRACKED_FDS];

__attribute__((constructor)) static void killpoint_init(void) {
    dir = getenv("SPRIG_KILLPOINT_DIR");
    dir_len = dir ? strlen(dir) : 0;
    const char *at = getenv("SPRIG_KILLPOINT_AT");
    kill_at = at ? atol(at) : 0;
    trace = getenv("SPRIG_KILLPOINT_TRACE") != NULL;
    in_place = getenv("SPRIG_KILLPOINT_IN_PLACE") != NULL;
}


__attribute__((destructor)) static void killpoint_report(void) {
    const char *path = getenv("SPRIG_KILLPOINT_COUNT");
    if (!path) return;
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "%ld\n", steps);
    fclose(f);
}

static int in_dir(const char *path) {
    if (!dir || !path || dir_len == 0) return 0;
    return strncmp(path, dir, dir_len) == 0 && (path[dir_len] == '/' || path[dir_len] == 0);
}

/* With $SPRIG_KILLPOINT_IN_PLACE: "X.tmp" in the directory names X. */
static const char *sabotaged(const char *path, int flags, char *buffer, size_t size) {
    size_t n = path ? strlen(path) : 0;
    if (!in_place || !in_dir(path) || !(flags & (O_WRONLY | O_RDWR)) || n < 5 || n >= size
        || strcmp(path + n - 4, ".tmp") != 0)
        return path;
    memcpy(buffer, path, n - 4);
    buffer[n - 4] = 0;
    return buffer;
}

/* One step; with $SPRIG_KILLPOINT_TRACE set, named on stderr (the log). */
static void step(const char *what) {
    steps += 1;
    if (trace) fprintf(stderr, "killpoint: step %ld %s\n", steps, what);
    if (kill_at > 0 && steps == kill_at) raise(SIGKILL);
}

static int is_tracked(int fd) { return fd >= 0 && fd < TRACKED_FDS && tracked[fd]; }

static int opened(int fd, const char *path, int flags) {
    if (fd >= 0 && fd < TRACKED_FDS && in_dir(path)
        && ((flags & (O_WRONLY | O_RDWR | O_CREAT)) || (flags & O_DIRECTORY)))
        tracked[fd] = 1;
    return fd;
}

static int before_open(const char *path, int flags) {
    if (in_dir(path) && ((flags & (O_WRONLY | O_RDWR | O_CREAT)) || (flags & O_DIRECTORY))) step(path);
    return 0;
}

#define REAL(name, ret, args) static ret (*real_##name) args; \
    if (!real_##name) real_##name = (ret (*) args)dlsym(RTLD_NEXT, #name)

static mode_t mode_of(int flags, va_list ap) {
    return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...) {
    REAL(open, int, (const char *, int, ...));
    va_list ap; va_start(ap, flags); mode_t mode = mode_of(flags, ap); va_end(ap);
    before_open(path, flags);
    char target[4096];
    path = sabotaged(path, flags, target, sizeof target);
    return opened(real_open(path, flags, mode), path, flags);
}

int open64(const char *path, int flags, ...) {
    REAL(open64, int, (const char *, int, ...));
    va_list ap; va_start(ap, flags); mode_t mode = mode_of(flags, ap); va_end(ap);
    before_open(path, flags);
    char target[4096];
    path = sabotaged(path, flags, target, sizeof target);
    return opened(real_open64(path, flags, mode), path, flags);
}

int openat(int at, const char *path, int flags, ...) {
    REAL(openat, int, (int, const char *, int, ...));
    va_list ap; va_start(ap, flags); mode_t mode = mode_of(flags, ap); va_end(ap);
    before_open(path, flags);
    char target[4096];
    path = sabotaged(path, flags, target, sizeof target);
    return opened(real_openat(at, path, flags, mode), path, flags);
}

ssize_t write(int fd, const void *buf, size_t n) {
    REAL(write, ssize_t, (int, const void *, size_t));
    if (is_tracked(fd)) step("write");
    return real_write(fd, buf, n);
}

int fsync(int fd) {
    REAL(fsync, int, (int));
    if (is_tracked(fd)) step("fsync");
    return real_fsync(fd);
}

int close(int fd) {
    REAL(close, int, (int));
    if (is_tracked(fd)) {
        step("close");
        tracked[fd] = 0;
    }
    return real_close(fd);
}

int rename(const char *from, const char *to) {
    REAL(rename, int, (const char *, const char *));
    if (in_dir(to)) step(to);
    char target[4096];
    if (in_dir(to) && sabotaged(from, O_WRONLY, target, sizeof target) != from) return 0;
    return real_rename(from, to);
}

int unlink(const char *path) {
    REAL(unlink, int, (const char *));
    if (in_dir(path)) step("unlink");
    return real_unlink(path);
}
