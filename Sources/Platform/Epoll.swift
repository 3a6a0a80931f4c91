import CPlatform

/// Readiness interest and results, in Sprig's own bits.
public struct Readiness: OptionSet, Equatable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let readable = Readiness(rawValue: UInt32(SP_EV_IN))
    public static let writable = Readiness(rawValue: UInt32(SP_EV_OUT))
    public static let error = Readiness(rawValue: UInt32(SP_EV_ERR))
    public static let hangUp = Readiness(rawValue: UInt32(SP_EV_HUP))
}

/// One epoll instance. Tokens are caller-chosen (a pool index, a listener
/// number) so no lookup is needed when an event arrives.
public struct Epoll: ~Copyable {
    /// Events taken from the kernel per wait; the event loop's batch size.
    public static let batchCapacity = 64

    public let fd: Int32

    public init() throws(Errno) {
        fd = try Errno.check(sp_epoll_create())
    }

    deinit { _ = sp_close(fd) }

    public func add(_ watched: Int32, _ interest: Readiness, token: UInt64) throws(Errno) {
        _ = try Errno.check(sp_epoll_ctl(fd, Int32(SP_EPOLL_ADD), watched, interest.rawValue, token))
    }

    public func modify(_ watched: Int32, _ interest: Readiness, token: UInt64) throws(Errno) {
        _ = try Errno.check(sp_epoll_ctl(fd, Int32(SP_EPOLL_MOD), watched, interest.rawValue, token))
    }

    public func remove(_ watched: Int32) {
        _ = sp_epoll_ctl(fd, Int32(SP_EPOLL_DEL), watched, 0, 0)
    }

    /// Waits up to `timeoutMs` (-1: forever) and fills `events`, whose
    /// capacity must be at least `batchCapacity`. Returns the count filled;
    /// an interrupted wait returns 0.
    public func wait(into events: UnsafeMutableBufferPointer<sp_event>, timeoutMs: Int32) throws(Errno) -> Int {
        precondition(events.count >= Epoll.batchCapacity)
        let n = sp_epoll_wait(fd, events.baseAddress!, Int32(Epoll.batchCapacity), timeoutMs)
        if n < 0 {
            let e = Errno(code: -n)
            if e.kind == .interrupted { return 0 }
            throw e
        }
        return Int(n)
    }
}

/// The signals the daemon acts on, delivered through a signalfd so they
/// arrive as ordinary events in the loop (no async signal handlers).
public enum Signal: Equatable {
    case hangUp, terminate, interrupt, user1, user2

    init?(shim: Int32) {
        switch shim {
        case Int32(SP_SIG_HUP): self = .hangUp
        case Int32(SP_SIG_TERM): self = .terminate
        case Int32(SP_SIG_INT): self = .interrupt
        case Int32(SP_SIG_USR1): self = .user1
        case Int32(SP_SIG_USR2): self = .user2
        default: return nil
        }
    }

    var shim: Int32 {
        switch self {
        case .hangUp: return Int32(SP_SIG_HUP)
        case .terminate: return Int32(SP_SIG_TERM)
        case .interrupt: return Int32(SP_SIG_INT)
        case .user1: return Int32(SP_SIG_USR1)
        case .user2: return Int32(SP_SIG_USR2)
        }
    }
}

public struct SignalQueue: ~Copyable {
    public let fd: Int32

    /// Blocks the handled signals for the process and opens the signalfd.
    public init() throws(Errno) {
        fd = try Errno.check(sp_signalfd_open())
    }

    deinit { _ = sp_close(fd) }

    /// The next pending signal, or nil when none is queued.
    public func next() -> Signal? {
        Signal(shim: sp_signalfd_read(fd))
    }

    /// Sends `signal` to this process (tests and self-shutdown).
    public static func raise(_ signal: Signal) {
        _ = sp_raise(signal.shim)
    }
}

/// One readiness report from `Epoll.wait`.
public typealias EpollEvent = sp_event
