import CPlatform

/// One datagram of a batch: buffer, capacity, length and peer address.
public typealias Datagram = sp_datagram

extension Datagram {
    /// A batch entry over `capacity` bytes at `buffer` (the caller's pool).
    public init(buffer: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.init(buf: buffer, cap: UInt32(capacity), len: 0, addr: sp_addr(), local: sp_addr())
    }

    /// The peer (received) or destination (to send).
    public var address: Address {
        get { Address(raw: addr) }
        set { addr = newValue.raw }
    }

    /// Our own address: where a received datagram was sent (on a socket
    /// with `Socket.reportDestination`), the source to send from. Empty:
    /// unknown, the kernel chooses.
    public var localAddress: Address {
        get { Address(raw: local) }
        set { local = newValue.raw }
    }
}

/// Non-blocking socket system calls. A socket is its file descriptor; the
/// owner (a listener or connection slot in a fixed pool) closes it.
public enum Socket {
    public static func udp(ipv6: Bool) throws(Errno) -> Int32 {
        try Errno.check(sp_socket_udp(ipv6 ? Int32(SP_AF_INET6) : Int32(SP_AF_INET4)))
    }

    public static func tcp(ipv6: Bool) throws(Errno) -> Int32 {
        try Errno.check(sp_socket_tcp(ipv6 ? Int32(SP_AF_INET6) : Int32(SP_AF_INET4)))
    }

    /// Sends small writes at once (TCP_NODELAY). A TLS flight is several
    /// records, one send each, and pipelined queries are one send each:
    /// with Nagle's algorithm every write after the first waits for the
    /// ACK of the one before, which a delayed-ACK peer holds ~40 ms.
    public static func setNoDelay(_ fd: Int32) throws(Errno) {
        _ = try Errno.check(sp_set_tcp_nodelay(fd))
    }

    public static func bind(_ fd: Int32, _ address: Address) throws(Errno) {
        var a = address.raw
        _ = try Errno.check(sp_bind(fd, &a))
    }

    public static func listen(_ fd: Int32, backlog: Int32) throws(Errno) {
        _ = try Errno.check(sp_listen(fd, backlog))
    }

    /// Accepts one connection; the new socket is non-blocking.
    public static func accept(_ fd: Int32, peer: inout Address) throws(Errno) -> Int32 {
        try Errno.check(sp_accept(fd, &peer.raw))
    }

    /// Starts a connection; `.inProgress` is the normal non-blocking outcome.
    public static func connect(_ fd: Int32, _ address: Address) throws(Errno) {
        var a = address.raw
        _ = try Errno.check(sp_connect(fd, &a))
    }

    /// The pending error of a socket (after a non-blocking connect), if any.
    public static func pendingError(_ fd: Int32) -> Errno? {
        let rc = sp_socket_error(fd)
        return rc < 0 ? Errno(code: -rc) : nil
    }

    public static func localAddress(_ fd: Int32) throws(Errno) -> Address {
        var a = Address()
        _ = try Errno.check(sp_local_addr(fd, &a.raw))
        return a
    }

    /// Receives one datagram into `buffer`. The returned count may exceed
    /// the buffer's size: the datagram was longer and has been truncated.
    public static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer,
                               from: inout Address) throws(Errno) -> Int {
        let p = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return try Errno.check(sp_recvfrom(fd, p, buffer.count, &from.raw))
    }

    /// Sends one datagram to `to`, from `from` when it is set (else the
    /// kernel picks the source).
    public static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer,
                            to: Address, from: Address = Address()) throws(Errno) -> Int {
        var a = to.raw
        var f = from.raw
        let p = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return try Errno.check(sp_sendto_from(fd, p, bytes.count, &a, &f))
    }

    /// Every datagram received on `fd` then carries the address it was sent
    /// to (`Datagram.localAddress`): a listener bound to the wildcard
    /// answers from the address it was asked on (IP_PKTINFO; RFC 3542 §6.1
    /// IPV6_RECVPKTINFO), as a client matches the answer's source.
    public static func reportDestination(_ fd: Int32, ipv6: Bool) throws(Errno) {
        _ = try Errno.check(sp_set_pktinfo(fd, ipv6 ? Int32(SP_AF_INET6) : Int32(SP_AF_INET4)))
    }

    /// Receives up to `count` datagrams into the buffers `batch` describes
    /// (recvmmsg). A received `len` above `cap` means the datagram was
    /// truncated. Returns how many arrived (`.again` when none).
    public static func receiveBatch(_ fd: Int32, _ batch: UnsafeMutablePointer<Datagram>, count: Int) throws(Errno) -> Int {
        Int(try Errno.check(sp_recv_batch(fd, batch, Int32(count))))
    }

    /// Sends `count` datagrams in one call (sendmmsg); returns how many went.
    public static func sendBatch(_ fd: Int32, _ batch: UnsafePointer<Datagram>, count: Int) throws(Errno) -> Int {
        Int(try Errno.check(sp_send_batch(fd, batch, Int32(count))))
    }

    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        let p = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return try Errno.check(sp_read(fd, p, buffer.count))
    }

    public static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
        let p = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return try Errno.check(sp_write(fd, p, bytes.count))
    }

    /// Binds to `address` on a port drawn from getrandom (1024…65535),
    /// retrying on collisions: source-port randomisation against spoofing.
    public static func bindRandomPort(_ fd: Int32, _ address: Address, attempts: Int32) throws(Errno) -> UInt16 {
        var a = address.raw
        return UInt16(try Errno.check(sp_bind_random_port(fd, &a, attempts)))
    }

    /// A non-blocking local stream listener (the control socket): mode
    /// 0600 and the caller's group, or mode 0660 and `groupID`. It listens
    /// only once its node is checked to be exactly that (throws otherwise,
    /// with the node removed).
    public static func unixListen(path: String, groupID: UInt32? = nil) throws(Errno) -> Int32 {
        let group = groupID.map { Int($0) } ?? -1
        return try Errno.check(path.withCString { sp_unix_listen($0, group) })
    }

    /// The uid and gid of the peer of a connected Unix socket (SO_PEERCRED).
    public static func peerIDs(_ fd: Int32) throws(Errno) -> (uid: UInt32, gid: UInt32) {
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        _ = try Errno.check(sp_peer_ids(fd, &uid, &gid))
        return (uid, gid)
    }

    /// Whether `groupID` is one of the supplementary groups of the peer of
    /// a connected Unix socket (SO_PEERGROUPS; bounded, no allocation).
    public static func peerHasGroup(_ fd: Int32, _ groupID: UInt32) throws(Errno) -> Bool {
        try Errno.check(sp_peer_has_group(fd, groupID)) == 1
    }

    /// A blocking local stream client (the CLI side of the control socket).
    public static func unixConnect(path: String) throws(Errno) -> Int32 {
        try Errno.check(path.withCString { sp_unix_connect($0) })
    }

    /// Waits until `fd` is readable: true when ready, false on timeout.
    public static func waitReadable(_ fd: Int32, timeoutMs: Int32) throws(Errno) -> Bool {
        try Errno.check(sp_wait_readable(fd, timeoutMs)) > 0
    }

    /// Waits until `fd` is writable (a non-blocking connect has finished:
    /// check `pendingError`): true when ready, false on timeout.
    public static func waitWritable(_ fd: Int32, timeoutMs: Int32) throws(Errno) -> Bool {
        try Errno.check(sp_wait_writable(fd, timeoutMs)) > 0
    }

    public static func close(_ fd: Int32) {
        _ = sp_close(fd)
    }
}
