import CPlatform

/// Clocks. The monotonic clock drives timers; wall-clock time is only for
/// DNSSEC validity and is not trusted until known good (DESIGN.md §2.8).
public enum Clock {
    public static func monotonicNs() -> Int64 { sp_monotonic_ns() }
    public static func monotonicMs() -> Int64 { sp_monotonic_ns() / 1_000_000 }
    public static func realtimeSeconds() -> Int64 { sp_realtime_s() }
}

/// Kernel randomness (getrandom) for query IDs, ports and seeds.
public enum Random {
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(Errno) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        _ = try Errno.check(sp_random(base.assumingMemoryBound(to: UInt8.self), buffer.count))
    }

    public static func uint64() throws(Errno) -> UInt64 {
        var value: UInt64 = 0
        let result = withUnsafeMutableBytes(of: &value) { b in
            Result { () throws(Errno) in try fill(b) }
        }
        try result.get()
        return value
    }
}

/// Whole-file reads into caller buffers and crash-safe replacement.
public enum File {
    /// Reads `path` into `buffer`; `.tooBig` if it does not fit.
    public static func read(_ path: String, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        var length = 0
        let rc = path.withCString { p in
            sp_file_read(p, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), buffer.count, &length)
        }
        _ = try Errno.check(rc)
        return length
    }

    /// Reads a whole file of at most `limit` bytes into a new array
    /// (start-up and control paths only: this allocates).
    public static func readAll(_ path: String, limit: Int) throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: limit)
        let result = bytes.withUnsafeMutableBytes { b in
            Result { () throws(Errno) -> Int in try read(path, into: b) }
        }
        let n = try result.get()
        bytes.removeLast(limit - n)
        return bytes
    }

    /// Writes `path.tmp`, fsyncs, renames over `path` and fsyncs the folder:
    /// readers see the old file or the new one, never a torn one.
    /// `ownerOnly`: mode 0600 (a secret), else 0644.
    public static func replace(_ path: String, with bytes: UnsafeRawBufferPointer, ownerOnly: Bool = false) throws(Errno) {
        let rc = path.withCString { p in
            sp_file_replace_mode(p, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count,
                                 ownerOnly ? 0o600 : 0o644)
        }
        _ = try Errno.check(rc)
    }

    /// Bytes of the file at `path`; nil when it cannot be read.
    public static func byteCount(_ path: String) -> Int? {
        let n = path.withCString { sp_file_size($0) }
        return n >= 0 ? Int(n) : nil
    }

    public static func exists(_ path: String) -> Bool {
        path.withCString { sp_file_exists($0) } != 0
    }

    public static func remove(_ path: String) {
        _ = path.withCString { sp_file_remove($0) }
    }

    /// What tells a re-read is due: mtime, size and inode (a file replaced
    /// by rename, as dnsmasq and odhcpd write theirs, has a new inode).
    public static func stamp(_ path: String) throws(Errno) -> FileStamp {
        var stamp = FileStamp()
        let rc = path.withCString { sp_file_stamp($0, &stamp.modifiedNs, &stamp.byteCount, &stamp.inode) }
        _ = try Errno.check(rc)
        return stamp
    }
}

/// A file's modification time, size and inode (`File.stamp`).
public struct FileStamp: Equatable, Sendable {
    public var modifiedNs: Int64 = 0
    public var byteCount: Int64 = 0
    public var inode: UInt64 = 0
    public init() {}
}

/// Log levels in syslog order.
public enum LogLevel: Int32, Comparable {
    case error = 3, warning = 4, notice = 5, info = 6, debug = 7
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Logging to syslog or stderr, filtered by level.
public enum Log {
    nonisolated(unsafe) public static var threshold: LogLevel = .info

    public static func open(ident: StaticString, syslog: Bool) {
        sp_log_open(UnsafeRawPointer(ident.utf8Start).assumingMemoryBound(to: CChar.self), syslog ? 1 : 0)
    }

    public static func write(_ level: LogLevel, _ message: String) {
        if level > threshold { return }
        var text = message
        text.withUTF8 { sp_log(level.rawValue, $0.baseAddress, $0.count) }
    }

    /// Whether a line of `level` is written at all (`option log_level`).
    public static func allows(_ level: LogLevel) -> Bool { level <= threshold }

    /// A line already formatted as bytes: nothing is allocated.
    public static func write(_ level: LogLevel, bytes: UnsafeRawBufferPointer) {
        if level > threshold { return }
        sp_log(level.rawValue, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    public static func error(_ m: String) { write(.error, m) }
    public static func warning(_ m: String) { write(.warning, m) }
    public static func notice(_ m: String) { write(.notice, m) }
    public static func info(_ m: String) { write(.info, m) }
    public static func debug(_ m: String) { write(.debug, m) }
}

/// Plain output for command-line tools.
public enum Output {
    public static func out(_ text: String) { emit(1, text) }
    public static func err(_ text: String) { emit(2, text) }

    static func emit(_ fd: Int32, _ text: String) {
        var t = text
        t.withUTF8 { sp_write_out(fd, $0.baseAddress, $0.count) }
    }
}

/// Process-level operations.
public enum Process {
    public static var isRoot: Bool { sp_is_root() != 0 }
    /// The effective uid now.
    public static var effectiveUid: UInt32 { UInt32(truncatingIfNeeded: sp_geteuid()) }
    public static var id: Int32 { sp_getpid() }

    /// Switches to `user` for good (setgroups, setgid, setuid) and checks
    /// that root cannot be regained.
    /// Switches to `user` for good. False when `user` has uid 0 (`root`):
    /// there is nothing to drop, and the process stays root.
    public static func dropPrivileges(to user: String) throws(Errno) -> Bool {
        try Errno.check(user.withCString { sp_drop_privileges($0) }) == 0
    }

    /// The ids of `user`, looked up now (before a chroot hides /etc/passwd).
    public static func lookUpUser(_ user: String) throws(Errno) -> (uid: UInt32, gid: UInt32) {
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        _ = try Errno.check(user.withCString { sp_lookup_user($0, &uid, &gid) })
        return (uid, gid)
    }

    /// The gid of `group`, looked up now (as root, before a chroot).
    /// Throws `.noEntry` when there is no such group.
    public static func lookUpGroup(_ group: String) throws(Errno) -> UInt32 {
        var gid: UInt32 = 0
        _ = try Errno.check(group.withCString { sp_lookup_group($0, &gid) })
        return gid
    }

    /// `dropPrivileges(to:)` for ids looked up earlier. Fails closed: any
    /// step that does not take (supplementary groups included) throws.
    public static func dropPrivileges(uid: UInt32, gid: UInt32) throws(Errno) -> Bool {
        try Errno.check(sp_drop_to(uid, gid)) == 0
    }

    /// Confines the process to `directory` (chroot, then chdir to its root).
    public static func confine(to directory: String) throws(Errno) {
        _ = try Errno.check(directory.withCString { sp_chroot($0) })
    }

    /// The flash state directory (`state_dir`): created if missing, owned
    /// by `user` (when running as root), mode 0700, before privileges drop.
    public static func prepareStateDirectory(_ path: String, user: String?) throws(Errno) {
        let rc = path.withCString { p in (user ?? "").withCString { u in sp_prepare_state_dir(p, u) } }
        _ = try Errno.check(rc)
    }

    public static func daemonize() throws(Errno) {
        _ = try Errno.check(sp_daemonize())
    }

    public static func exit(_ status: Int32) -> Never {
        sp_exit(status)
        fatalError("exit returned")
    }

    public static func environment(_ name: String) -> String? {
        name.withCString { p in
            guard let v = sp_getenv(p) else { return nil }
            return String(cString: v)
        }
    }
}
