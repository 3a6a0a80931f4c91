/* CPlatform implementation: see include/CPlatform.h for the contract. */
#define _GNU_SOURCE
#include "CPlatform.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <poll.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* A syscall result as Sprig returns it: the value, or -errno. */
static int sp_result(int rc) { return rc < 0 ? -errno : rc; }
#define SP_ERR(x) sp_result(x)

int sp_errno_class(int err) {
    switch (err) {
    case EAGAIN: return SP_E_AGAIN;
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK: return SP_E_AGAIN;
#endif
    case EINTR: return SP_E_INTR;
    case EINPROGRESS: return SP_E_INPROGRESS;
    case ECONNREFUSED: return SP_E_CONNREFUSED;
    case EADDRINUSE: return SP_E_ADDRINUSE;
    case EACCES: case EPERM: return SP_E_ACCES;
    case ENOENT: return SP_E_NOENT;
    case EFBIG: case EMSGSIZE: return SP_E_TOOBIG;
    case EADDRNOTAVAIL: return SP_E_ADDRNOTAVAIL;
    case ECONNRESET: return SP_E_CONNRESET;
    case EPIPE: return SP_E_PIPE;
    case EINVAL: return SP_E_INVAL;
    default: return SP_E_OTHER;
    }
}

const char *sp_strerror(int err) { return strerror(err); }

/* ---- addresses ---- */

static socklen_t to_sockaddr(const sp_addr *a, struct sockaddr_storage *ss) {
    memset(ss, 0, sizeof *ss);
    if (a->family == SP_AF_INET4) {
        struct sockaddr_in *s = (struct sockaddr_in *)ss;
        s->sin_family = AF_INET;
        s->sin_port = htons(a->port);
        memcpy(&s->sin_addr, a->bytes, 4);
        return sizeof *s;
    }
    struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(a->port);
    s->sin6_scope_id = a->scope_id;
    memcpy(&s->sin6_addr, a->bytes, 16);
    return sizeof *s;
}

static void from_sockaddr(const struct sockaddr_storage *ss, sp_addr *a) {
    memset(a, 0, sizeof *a);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
        a->family = SP_AF_INET4;
        a->port = ntohs(s->sin_port);
        memcpy(a->bytes, &s->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
        a->family = SP_AF_INET6;
        a->port = ntohs(s->sin6_port);
        a->scope_id = s->sin6_scope_id;
        memcpy(a->bytes, &s->sin6_addr, 16);
    }
}

int sp_parse_addr(const char *text, sp_addr *out) {
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, text, out->bytes) == 1) { out->family = SP_AF_INET4; return 0; }
    if (inet_pton(AF_INET6, text, out->bytes) == 1) { out->family = SP_AF_INET6; return 0; }
    return -EINVAL;
}

int sp_format_addr(const sp_addr *a, char *out, size_t cap) {
    int af = a->family == SP_AF_INET4 ? AF_INET : AF_INET6;
    if (inet_ntop(af, a->bytes, out, (socklen_t)cap) == NULL) return -errno;
    return (int)strlen(out);
}

/* ---- sockets ---- */

static int open_socket(int family, int type) {
    int af = family == SP_AF_INET4 ? AF_INET : AF_INET6;
    return SP_ERR(socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}

int sp_socket_udp(int family) { return open_socket(family, SOCK_DGRAM); }
int sp_socket_tcp(int family) { return open_socket(family, SOCK_STREAM); }

int sp_bind(int fd, const sp_addr *addr) {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (addr->family == SP_AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    struct sockaddr_storage ss;
    socklen_t len = to_sockaddr(addr, &ss);
    return SP_ERR(bind(fd, (struct sockaddr *)&ss, len));
}

int sp_listen(int fd, int backlog) { return SP_ERR(listen(fd, backlog)); }

int sp_accept(int fd, sp_addr *peer) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int c = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) return -errno;
    if (peer) from_sockaddr(&ss, peer);
    return c;
}

int sp_connect(int fd, const sp_addr *to) {
    struct sockaddr_storage ss;
    socklen_t len = to_sockaddr(to, &ss);
    return SP_ERR(connect(fd, (struct sockaddr *)&ss, len));
}

int sp_socket_error(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return -errno;
    return -err;
}

int sp_local_addr(int fd, sp_addr *out) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -errno;
    from_sockaddr(&ss, out);
    return 0;
}

int sp_set_tcp_nodelay(int fd) {
    int one = 1;
    return SP_ERR(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
}

int sp_set_recv_buffer(int fd, int bytes) {
    return SP_ERR(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes));
}

long sp_recvfrom(int fd, uint8_t *buf, size_t cap, sp_addr *from) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    ssize_t n = recvfrom(fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&ss, &len);
    if (n < 0) return -errno;
    if (from) from_sockaddr(&ss, from);
    return (long)n;   /* may exceed cap: the datagram was truncated */
}

long sp_sendto(int fd, const uint8_t *buf, size_t len, const sp_addr *to) {
    struct sockaddr_storage ss;
    socklen_t sl = to_sockaddr(to, &ss);
    ssize_t n = sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&ss, sl);
    return n < 0 ? -errno : (long)n;
}

/* ---- the destination of received datagrams (wildcard listeners) ---- */

int sp_set_pktinfo(int fd, int family) {
    int one = 1;
    if (family == SP_AF_INET4) return SP_ERR(setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one));
    return SP_ERR(setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one));
}

/* Room for one IPv4 or IPv6 packet-info control message. */
#define PKTINFO_SPACE CMSG_SPACE(sizeof(struct in6_pktinfo) > sizeof(struct in_pktinfo) \
                                 ? sizeof(struct in6_pktinfo) : sizeof(struct in_pktinfo))

/* The destination address and interface from a received message's
 * control data into `local` (left empty when there is none). */
static void local_from_control(struct msghdr *m, sp_addr *local) {
    memset(local, 0, sizeof *local);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo info;
            memcpy(&info, CMSG_DATA(c), sizeof info);
            local->family = SP_AF_INET4;
            local->scope_id = (uint32_t)info.ipi_ifindex;
            memcpy(local->bytes, &info.ipi_addr, 4);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo info;
            memcpy(&info, CMSG_DATA(c), sizeof info);
            local->family = SP_AF_INET6;
            local->scope_id = (uint32_t)info.ipi6_ifindex;
            memcpy(local->bytes, &info.ipi6_addr, 16);
        }
    }
}

/* Sets `m`'s control data to send from `local` (nothing when its family
 * is 0). `space` holds PKTINFO_SPACE bytes. */
static void control_from_local(struct msghdr *m, const sp_addr *local, unsigned char *space) {
    if (local->family == 0) { m->msg_control = NULL; m->msg_controllen = 0; return; }
    memset(space, 0, PKTINFO_SPACE);
    m->msg_control = space;
    struct cmsghdr *c = (struct cmsghdr *)space;
    if (local->family == SP_AF_INET4) {
        struct in_pktinfo info;
        memset(&info, 0, sizeof info);
        memcpy(&info.ipi_spec_dst, local->bytes, 4);   /* the source; routing picks the interface */
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof info);
        memcpy(CMSG_DATA(c), &info, sizeof info);
        m->msg_controllen = CMSG_SPACE(sizeof info);
    } else {
        struct in6_pktinfo info;
        memset(&info, 0, sizeof info);
        memcpy(&info.ipi6_addr, local->bytes, 16);
        info.ipi6_ifindex = local->scope_id;            /* needed for link-local sources */
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof info);
        memcpy(CMSG_DATA(c), &info, sizeof info);
        m->msg_controllen = CMSG_SPACE(sizeof info);
    }
}

long sp_sendto_from(int fd, const uint8_t *buf, size_t len, const sp_addr *to, const sp_addr *from) {
    struct sockaddr_storage ss;
    struct iovec iov = { (void *)buf, len };
    unsigned char control[PKTINFO_SPACE];
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = &ss;
    m.msg_namelen = to_sockaddr(to, &ss);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    control_from_local(&m, from, control);
    ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);
    return n < 0 ? -errno : (long)n;
}

int sp_recv_batch(int fd, sp_datagram *d, int count) {
    struct mmsghdr msgs[SP_BATCH_MAX];
    struct iovec iov[SP_BATCH_MAX];
    struct sockaddr_storage from[SP_BATCH_MAX];
    unsigned char control[SP_BATCH_MAX][PKTINFO_SPACE];
    if (count > SP_BATCH_MAX) count = SP_BATCH_MAX;
    memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)count);
    for (int i = 0; i < count; i++) {
        iov[i].iov_base = d[i].buf;
        iov[i].iov_len = d[i].cap;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        msgs[i].msg_hdr.msg_control = control[i];
        msgs[i].msg_hdr.msg_controllen = sizeof control[i];
    }
    int n = recvmmsg(fd, msgs, (unsigned)count, MSG_DONTWAIT, NULL);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) {
        d[i].len = msgs[i].msg_len;
        if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) d[i].len = d[i].cap + 1;
        from_sockaddr(&from[i], &d[i].addr);
        local_from_control(&msgs[i].msg_hdr, &d[i].local);
    }
    return n;
}

int sp_send_batch(int fd, const sp_datagram *d, int count) {
    struct mmsghdr msgs[SP_BATCH_MAX];
    struct iovec iov[SP_BATCH_MAX];
    struct sockaddr_storage to[SP_BATCH_MAX];
    unsigned char control[SP_BATCH_MAX][PKTINFO_SPACE];
    if (count > SP_BATCH_MAX) count = SP_BATCH_MAX;
    memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)count);
    for (int i = 0; i < count; i++) {
        iov[i].iov_base = d[i].buf;
        iov[i].iov_len = d[i].len;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &to[i];
        msgs[i].msg_hdr.msg_namelen = to_sockaddr(&d[i].addr, &to[i]);
        control_from_local(&msgs[i].msg_hdr, &d[i].local, control[i]);
    }
    int n = sendmmsg(fd, msgs, (unsigned)count, MSG_DONTWAIT | MSG_NOSIGNAL);
    return n < 0 ? -errno : n;
}

long sp_read(int fd, uint8_t *buf, size_t cap) {
    ssize_t n = read(fd, buf, cap);
    return n < 0 ? -errno : (long)n;
}

long sp_write(int fd, const uint8_t *buf, size_t len) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK) n = write(fd, buf, len);
    return n < 0 ? -errno : (long)n;
}

int sp_close(int fd) { return SP_ERR(close(fd)); }

/* ---- local control sockets ---- */

static int unix_address(const char *path, struct sockaddr_un *sun) {
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sun->sun_path) return -ENAMETOOLONG;
    strcpy(sun->sun_path, path);
    return 0;
}

/* The control socket, born with its final owner, group and mode. bind()
 * runs under umask 0177, so the node appears 0600 and owned by the caller
 * (root: sprigd opens it before dropping privileges). For a group, lchown
 * and chmod then make it group:0660, and lstat checks the node is a socket
 * with exactly that owner, group and mode. Only then listen(): until
 * listen, the kernel refuses every connect() (ECONNREFUSED), so there is no
 * moment at which anyone outside root and the group can reach the daemon,
 * whatever the umask, a setgid folder or a default ACL would have made. */
int sp_unix_listen(const char *path, long group) {
    struct sockaddr_un sun;
    int rc = unix_address(path, &sun);
    if (rc < 0) return rc;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    unlink(path);
    mode_t old_mask = umask(0177);
    int bound = bind(fd, (struct sockaddr *)&sun, sizeof sun);
    int e = errno;
    umask(old_mask);
    if (bound < 0) {
        close(fd);
        return -e;
    }
    mode_t want = group >= 0 ? 0660 : 0600;
    gid_t want_gid = group >= 0 ? (gid_t)group : (gid_t)-1;
    struct stat st;
    if ((group >= 0 && lchown(path, (uid_t)-1, want_gid) < 0) || chmod(path, want) < 0 || lstat(path, &st) < 0) {
        e = errno;
    } else if (!S_ISSOCK(st.st_mode) || (st.st_mode & 07777) != want || st.st_uid != geteuid()
               || (group >= 0 && st.st_gid != want_gid)) {
        e = EPERM;   /* not what was asked for: never listen on it */
    } else if (listen(fd, 8) < 0) {
        e = errno;
    } else {
        return fd;
    }
    unlink(path);
    close(fd);
    return -e;
}

int sp_unix_connect(const char *path) {
    struct sockaddr_un sun;
    int rc = unix_address(path, &sun);
    if (rc < 0) return rc;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int sp_wait_readable(int fd, int timeout_ms) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int n = poll(&p, 1, timeout_ms);
    return n < 0 ? -errno : n;
}

int sp_wait_writable(int fd, int timeout_ms) {
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int n = poll(&p, 1, timeout_ms);
    return n < 0 ? -errno : n;
}

int sp_bind_random_port(int fd, const sp_addr *addr, int attempts) {
    sp_addr a = *addr;
    struct sockaddr_storage ss;
    for (int i = 0; i < attempts; i++) {
        uint16_t r;
        if (sp_random((uint8_t *)&r, sizeof r) < 0) return -EIO;
        a.port = (uint16_t)(1024 + r % (65536 - 1024));
        socklen_t len = to_sockaddr(&a, &ss);
        if (bind(fd, (struct sockaddr *)&ss, len) == 0) return a.port;
        if (errno != EADDRINUSE && errno != EACCES) return -errno;
    }
    return -EADDRINUSE;
}

/* ---- epoll and signals ---- */

int sp_epoll_create(void) { return SP_ERR(epoll_create1(EPOLL_CLOEXEC)); }

static uint32_t to_epoll(uint32_t ev) {
    uint32_t e = 0;
    if (ev & SP_EV_IN) e |= EPOLLIN;
    if (ev & SP_EV_OUT) e |= EPOLLOUT;
    return e;
}

int sp_epoll_ctl(int ep, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event e;
    memset(&e, 0, sizeof e);
    e.events = to_epoll(events);
    e.data.u64 = token;
    int o = op == SP_EPOLL_ADD ? EPOLL_CTL_ADD : op == SP_EPOLL_MOD ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
    return SP_ERR(epoll_ctl(ep, o, fd, &e));
}

#define SP_EPOLL_BATCH 64
int sp_epoll_wait(int ep, sp_event *events, int capacity, int timeout_ms) {
    struct epoll_event raw[SP_EPOLL_BATCH];
    if (capacity > SP_EPOLL_BATCH) capacity = SP_EPOLL_BATCH;
    int n = epoll_wait(ep, raw, capacity, timeout_ms);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) {
        uint32_t e = 0;
        if (raw[i].events & EPOLLIN) e |= SP_EV_IN;
        if (raw[i].events & EPOLLOUT) e |= SP_EV_OUT;
        if (raw[i].events & EPOLLERR) e |= SP_EV_ERR;
        if (raw[i].events & (EPOLLHUP | EPOLLRDHUP)) e |= SP_EV_HUP;
        events[i].token = raw[i].data.u64;
        events[i].events = e;
        events[i].reserved = 0;
    }
    return n;
}

static int to_signo(int s) {
    switch (s) {
    case SP_SIG_HUP: return SIGHUP;
    case SP_SIG_TERM: return SIGTERM;
    case SP_SIG_INT: return SIGINT;
    case SP_SIG_USR1: return SIGUSR1;
    case SP_SIG_USR2: return SIGUSR2;
    default: return 0;
    }
}

int sp_signalfd_open(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return -errno;
    signal(SIGPIPE, SIG_IGN);
    return SP_ERR(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
}

int sp_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n < 0) return errno == EAGAIN ? SP_SIG_NONE : -errno;
    if (n != (ssize_t)sizeof info) return SP_SIG_NONE;
    switch ((int)info.ssi_signo) {
    case SIGHUP: return SP_SIG_HUP;
    case SIGTERM: return SP_SIG_TERM;
    case SIGINT: return SP_SIG_INT;
    case SIGUSR1: return SP_SIG_USR1;
    case SIGUSR2: return SP_SIG_USR2;
    default: return SP_SIG_NONE;
    }
}

int sp_raise(int sp_sig) {
    int s = to_signo(sp_sig);
    return s ? SP_ERR(raise(s)) : -EINVAL;   /* the calling thread: signalfd reads it */
}

/* ---- clocks and randomness ---- */

int64_t sp_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t sp_realtime_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

int sp_random(uint8_t *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        done += (size_t)n;
    }
    return 0;
}

/* ---- files ---- */

int sp_file_read(const char *path, uint8_t *buf, size_t cap, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    size_t total = 0;
    for (;;) {
        if (total == cap) {
            uint8_t probe;
            ssize_t extra = read(fd, &probe, 1);
            close(fd);
            return extra > 0 ? -EFBIG : (*len = total, 0);
        }
        ssize_t n = read(fd, buf + total, cap - total);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0) break;
        total += (size_t)n;
    }
    close(fd);
    *len = total;
    return 0;
}

int sp_file_replace(const char *path, const uint8_t *data, size_t len) {
    return sp_file_replace_mode(path, data, len, 0644);
}

int sp_file_replace_mode(const char *path, const uint8_t *data, size_t len, unsigned mode) {
    char tmp[4096];
    int w = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (w < 0 || (size_t)w >= sizeof tmp) return -ENAMETOOLONG;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) return -errno;
    if (fchmod(fd, (mode_t)mode) < 0) { int e = errno; close(fd); unlink(tmp); return -e; }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            return -e;
        }
        done += (size_t)n;
    }
    if (fsync(fd) < 0) { int e = errno; close(fd); unlink(tmp); return -e; }
    close(fd);
    if (rename(tmp, path) < 0) { int e = errno; unlink(tmp); return -e; }
    /* Make the rename itself durable. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir) slash[1] = 0;
    else if (slash) *slash = 0;
    else snprintf(dir, sizeof dir, ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { fsync(dfd); close(dfd); }
    return 0;
}

long sp_file_size(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return -errno;
    return (long)st.st_size;
}

int sp_file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

int sp_file_remove(const char *path) { return SP_ERR(unlink(path)); }

int sp_file_stamp(const char *path, int64_t *mtime_ns, int64_t *size, uint64_t *inode) {
    struct stat st;
    if (stat(path, &st) < 0) return -errno;
    *mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + (int64_t)st.st_mtim.tv_nsec;
    *size = (int64_t)st.st_size;
    *inode = (uint64_t)st.st_ino;
    return 0;
}

/* ---- logging ---- */

static int log_to_syslog;

void sp_log_open(const char *ident, int to_syslog) {
    log_to_syslog = to_syslog;
    if (to_syslog) openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void sp_log(int level, const uint8_t *msg, size_t len) {
    if (len > 1024) len = 1024;
    if (log_to_syslog) {
        syslog(level, "%.*s", (int)len, (const char *)msg);
        return;
    }
    static const char *names[] = {"", "", "", "error", "warning", "notice", "info", "debug"};
    const char *name = level >= 0 && level <= 7 ? names[level] : "";
    /* Assembled on the stack and written with one write(2): no stdio, so
     * no buffer is malloc'd (dprintf allocates one per call), and lines of
     * concurrent writers to the same pipe do not interleave. */
    char line[1100];
    size_t n = 0;
    const char *open = "sprig[";
    memcpy(line, open, 6); n = 6;
    size_t name_len = strlen(name);
    memcpy(line + n, name, name_len); n += name_len;
    memcpy(line + n, "]: ", 3); n += 3;
    memcpy(line + n, msg, len); n += len;   /* len <= 1024, n <= 1024 + 17 */
    line[n++] = '\n';
    ssize_t rc;
    do { rc = write(2, line, n); } while (rc < 0 && errno == EINTR);
}

void sp_write_out(int fd, const uint8_t *msg, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, msg + done, len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        done += (size_t)n;
    }
}

/* ---- process ---- */

int sp_lookup_user(const char *user, uint32_t *uid, uint32_t *gid) {
    struct passwd *pw = getpwnam(user);
    if (!pw) return -ENOENT;
    *uid = (uint32_t)pw->pw_uid;
    *gid = (uint32_t)pw->pw_gid;
    return 0;
}

/* Fails closed: every step must succeed (supplementary groups included),
 * and afterwards real and effective ids are the user's and root cannot be
 * regained; else -errno and the caller exits. */
int sp_drop_to(uint32_t uid, uint32_t gid) {
    if (uid == 0) return 1;   /* root (or another uid 0): nothing to drop */
    if (setgroups(0, NULL) < 0) return -errno;
    if (setgid((gid_t)gid) < 0) return -errno;
    if (setuid((uid_t)uid) < 0) return -errno;
    if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) return -EPERM;
    if (getgroups(0, NULL) != 0) return -EPERM;   /* no group of root's left */
    if (setuid(0) == 0 || seteuid(0) == 0) return -EPERM;   /* must not be able to regain root */
    return 0;
}

int sp_drop_privileges(const char *user) {
    uint32_t uid, gid;
    int rc = sp_lookup_user(user, &uid, &gid);
    return rc < 0 ? rc : sp_drop_to(uid, gid);
}

int sp_chroot(const char *dir) {
    if (chroot(dir) < 0) return -errno;
    return SP_ERR(chdir("/"));
}

int sp_prepare_state_dir(const char *path, const char *user) {
    if (mkdir(path, 0700) < 0 && errno != EEXIST) return -errno;
    struct stat st;
    if (stat(path, &st) < 0) return -errno;
    if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
    if (user && *user && geteuid() == 0) {
        struct passwd *pw = getpwnam(user);
        if (!pw) return -ENOENT;
        if (chown(path, pw->pw_uid, pw->pw_gid) < 0) return -errno;
    }
    if (chmod(path, 0700) < 0) return -errno;
    return 0;
}

int sp_is_root(void) { return geteuid() == 0; }
long sp_geteuid(void) { return (long)geteuid(); }

int sp_peer_ids(int fd, uint32_t *uid, uint32_t *gid) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return -errno;
    *uid = (uint32_t)cred.uid;
    *gid = (uint32_t)cred.gid;
    return 0;
}

int sp_peer_has_group(int fd, uint32_t gid) {
#ifdef SO_PEERGROUPS
    gid_t groups[SP_PEER_GROUPS_MAX];   /* on the stack: the control path does not allocate */
    socklen_t len = sizeof groups;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) return -errno;   /* ERANGE: more than the bound */
    for (socklen_t i = 0; i < len / sizeof groups[0]; i++) {
        if (groups[i] == (gid_t)gid) return 1;
    }
    return 0;
#else
    (void)fd; (void)gid;
    return -ENOPROTOOPT;
#endif
}

int sp_lookup_group(const char *group, uint32_t *gid) {
    errno = 0;
    struct group *gr = getgrnam(group);
    if (!gr) return errno != 0 ? -errno : -ENOENT;
    *gid = (uint32_t)gr->gr_gid;
    return 0;
}
int sp_getpid(void) { return (int)getpid(); }
int sp_daemonize(void) { return SP_ERR(daemon(0, 0)); }
void sp_exit(int status) { exit(status); }
const char *sp_getenv(const char *name) { return getenv(name); }
