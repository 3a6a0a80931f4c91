/*
 * CPlatform: the only place that knows libc.
 *
 * Owns: libc constants, struct layouts and system calls (sockets, epoll,
 * signalfd, clocks, getrandom, files with atomic replace, syslog,
 * privileges). Compiled by each board's own C compiler, so errno values,
 * socket options and sockaddr layouts are always the target's own.
 *
 * Never: exposes a libc type or constant to Swift. This header includes only
 * <stdint.h>/<stddef.h>; every function takes scalars, pointers and the
 * fixed-width structs below, and returns -errno on failure. Swift on the
 * MIPS path lowers calls with another 32-bit ABI (BUILD-NOTES.md), so no
 * struct is ever passed or returned by value.
 */
#ifndef SPRIG_CPLATFORM_H
#define SPRIG_CPLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 transport address in Sprig's own layout. */
typedef struct sp_addr {
    uint8_t family;      /* SP_AF_INET4, SP_AF_INET6, or 0 for none */
    uint8_t reserved;
    uint16_t port;       /* host byte order */
    uint32_t scope_id;   /* IPv6 link-local scope, else 0 */
    uint8_t bytes[16];   /* network byte order; IPv4 uses the first 4 */
} sp_addr;

enum { SP_AF_INET4 = 4, SP_AF_INET6 = 6 };

/* epoll readiness in Sprig's own bits (the shim translates). */
enum { SP_EV_IN = 1, SP_EV_OUT = 2, SP_EV_ERR = 4, SP_EV_HUP = 8 };
enum { SP_EPOLL_ADD = 1, SP_EPOLL_MOD = 2, SP_EPOLL_DEL = 3 };

typedef struct sp_event {
    uint64_t token;
    uint32_t events;     /* SP_EV_* */
    uint32_t reserved;
} sp_event;

/* Signals Sprig handles, in its own numbering. */
enum {
    SP_SIG_NONE = 0, SP_SIG_HUP = 1, SP_SIG_TERM = 2, SP_SIG_INT = 3,
    SP_SIG_USR1 = 4, SP_SIG_USR2 = 5
};

/* errno classes the Swift side branches on; anything else is SP_E_OTHER. */
enum {
    SP_E_OTHER = 0, SP_E_AGAIN = 1, SP_E_INTR = 2, SP_E_INPROGRESS = 3,
    SP_E_CONNREFUSED = 4, SP_E_ADDRINUSE = 5, SP_E_ACCES = 6, SP_E_NOENT = 7,
    SP_E_TOOBIG = 8, SP_E_ADDRNOTAVAIL = 9, SP_E_CONNRESET = 10, SP_E_PIPE = 11,
    SP_E_INVAL = 12
};

/* Log levels, syslog order. */
enum {
    SP_LOG_ERR = 3, SP_LOG_WARNING = 4, SP_LOG_NOTICE = 5, SP_LOG_INFO = 6,
    SP_LOG_DEBUG = 7
};

/* errno */
int sp_errno_class(int err);                    /* err > 0 → SP_E_* */
const char *sp_strerror(int err);

/* Sockets: all non-blocking and close-on-exec. Return fd or -errno. */
int sp_socket_udp(int family);
int sp_socket_tcp(int family);
int sp_bind(int fd, const sp_addr *addr);       /* sets SO_REUSEADDR, IPV6_V6ONLY */
int sp_listen(int fd, int backlog);
int sp_accept(int fd, sp_addr *peer);
int sp_connect(int fd, const sp_addr *to);      /* -EINPROGRESS is normal */
int sp_socket_error(int fd);                    /* SO_ERROR as -errno, or 0 */
int sp_local_addr(int fd, sp_addr *out);
int sp_set_recv_buffer(int fd, int bytes);
/* TCP_NODELAY: small writes go out at once (no Nagle wait for an ACK). */
int sp_set_tcp_nodelay(int fd);
long sp_recvfrom(int fd, uint8_t *buf, size_t cap, sp_addr *from);
long sp_sendto(int fd, const uint8_t *buf, size_t len, const sp_addr *to);
/* sp_sendto from the source `from` (family 0: the kernel chooses). */
long sp_sendto_from(int fd, const uint8_t *buf, size_t len, const sp_addr *to, const sp_addr *from);
long sp_read(int fd, uint8_t *buf, size_t cap);
long sp_write(int fd, const uint8_t *buf, size_t len);
int sp_close(int fd);
int sp_parse_addr(const char *text, sp_addr *out);  /* numeric v4/v6, no port */
int sp_format_addr(const sp_addr *addr, char *out, size_t cap); /* no port */

/* Batched datagram I/O (recvmmsg/sendmmsg): one system call for many
 * packets under load. `len` is the datagram's real length on receive (it
 * may exceed `cap`: truncated) and the bytes to send on send. */
typedef struct sp_datagram {
    uint8_t *buf;
    uint32_t cap;
    uint32_t len;
    sp_addr addr;
    /* The datagram's own address (received: where the peer sent it; to
     * send: the source to use), with the interface index in scope_id.
     * family 0: unknown / let the kernel choose. Filled on receive only on
     * sockets with sp_set_pktinfo, so a wildcard listener answers from the
     * address it was asked on (IP_PKTINFO, RFC 3542 IPV6_PKTINFO). */
    sp_addr local;
} sp_datagram;

enum { SP_BATCH_MAX = 64 };

int sp_set_pktinfo(int fd, int family);   /* report each datagram's destination (wildcard listeners) */
int sp_recv_batch(int fd, sp_datagram *datagrams, int count);      /* count received, or -errno */
int sp_send_batch(int fd, const sp_datagram *datagrams, int count); /* count sent, or -errno */

/* Local stream sockets for the control channel (sprig ↔ sprigd). */
/* Non-blocking listener; replaces a stale socket file. group < 0: mode
   0600, the caller's group; else that gid and mode 0660. Checked with lstat
   before listen(); -errno (-EPERM: the node is not what was asked for). */
int sp_unix_listen(const char *path, long group);
int sp_unix_connect(const char *path);          /* blocking client */
int sp_wait_readable(int fd, int timeout_ms);   /* 1 ready, 0 timeout, -errno */
int sp_wait_writable(int fd, int timeout_ms);   /* 1 ready (connect done), 0 timeout, -errno */
int sp_bind_random_port(int fd, const sp_addr *addr, int attempts); /* getrandom port in 1024..65535 */

/* epoll and signalfd */
int sp_epoll_create(void);
int sp_epoll_ctl(int ep, int op, int fd, uint32_t events, uint64_t token);
int sp_epoll_wait(int ep, sp_event *events, int capacity, int timeout_ms);
int sp_signalfd_open(void);         /* blocks HUP TERM INT USR1 USR2, ignores PIPE */
int sp_signalfd_read(int fd);       /* SP_SIG_*, 0 when none pending, or -errno */
int sp_raise(int sp_sig);

/* Clocks */
int64_t sp_monotonic_ns(void);
int64_t sp_realtime_s(void);

/* Randomness from the kernel (getrandom); 0 or -errno. */
int sp_random(uint8_t *buf, size_t len);

/* Files. sp_file_read fails with -EFBIG when the file exceeds cap. */
int sp_file_read(const char *path, uint8_t *buf, size_t cap, size_t *len);
/* Crash-safe replace: write path.tmp, fsync, rename over path, fsync dir. */
int sp_file_replace(const char *path, const uint8_t *data, size_t len);
/* The same with the new file's mode (e.g. 0600 for a secret), set with
 * fchmod so neither the umask nor a leftover temp file widens it. */
int sp_file_replace_mode(const char *path, const uint8_t *data, size_t len, unsigned mode);
int sp_file_exists(const char *path);
long sp_file_size(const char *path);   /* bytes, or -errno */
int sp_file_remove(const char *path);
/* What says a file changed: modification time (ns), size and inode (a
   rename over it gives a new inode); 0 or -errno. */
int sp_file_stamp(const char *path, int64_t *mtime_ns, int64_t *size, uint64_t *inode);

/* Logging: to syslog when opened with to_syslog, else to stderr. */
void sp_log_open(const char *ident, int to_syslog);
void sp_log(int level, const uint8_t *msg, size_t len);
void sp_write_out(int fd, const uint8_t *msg, size_t len);  /* fd 1 or 2, whole */

/* Process */
int sp_drop_privileges(const char *user);   /* 0 dropped, 1 user has uid 0 (kept), -ENOENT no such user, -errno */
int sp_lookup_user(const char *user, uint32_t *uid, uint32_t *gid);   /* -ENOENT: no such user */
int sp_drop_to(uint32_t uid, uint32_t gid); /* as sp_drop_privileges, for ids looked up before a chroot */
int sp_chroot(const char *dir);             /* chroot and chdir("/") */
int sp_is_root(void);
long sp_geteuid(void);
/* The uid and gid of the process at the other end of a Unix socket
   (SO_PEERCRED, as of its connect), 0 or -errno. */
int sp_peer_ids(int fd, uint32_t *uid, uint32_t *gid);
/* Supplementary groups of a Unix socket's peer read at most (SO_PEERGROUPS,
   Linux 4.13+): 256 gids, 1 KiB on the stack; a peer with more gets -ERANGE. */
#define SP_PEER_GROUPS_MAX 256
/* 1: `gid` is one of the peer's supplementary groups; 0: not; -errno
   (-ENOPROTOOPT: the kernel or libc has no SO_PEERGROUPS). */
int sp_peer_has_group(int fd, uint32_t gid);
/* The gid of group `group` (getgrnam); -ENOENT: no such group. */
int sp_lookup_group(const char *group, uint32_t *gid);
int sp_getpid(void);
int sp_daemonize(void);
/* Creates `path` (one level) if missing; gives it to `user` (when root and
   user is non-empty) and mode 0700. 0 or -errno. */
int sp_prepare_state_dir(const char *path, const char *user);
void sp_exit(int status);
const char *sp_getenv(const char *name);

#endif
