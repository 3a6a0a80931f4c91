// Platform: typed Swift over the CPlatform shim.
//
// Owns: the Swift face of system calls — sockets, epoll, signals, clocks,
// randomness, files, logging, privileges. Every call returns a value or
// throws a typed `Errno`; nothing here allocates after start-up except
// where a function says so.
// Never: interprets DNS, holds policy, or exposes a libc type.
import CPlatform

/// A failed system call: the target's own errno value plus the class the
/// rest of Sprig branches on (errno numbers differ between ARM and MIPS).
public struct Errno: Error, Equatable, Sendable {
    public let code: Int32
    public init(code: Int32) { self.code = code }

    public enum Kind: Equatable {
        case again, interrupted, inProgress, connectionRefused, addressInUse
        case accessDenied, noEntry, tooBig, addressNotAvailable
        case connectionReset, brokenPipe, invalid, other
    }

    public var kind: Kind {
        switch Int(sp_errno_class(code)) {
        case Int(SP_E_AGAIN): return .again
        case Int(SP_E_INTR): return .interrupted
        case Int(SP_E_INPROGRESS): return .inProgress
        case Int(SP_E_CONNREFUSED): return .connectionRefused
        case Int(SP_E_ADDRINUSE): return .addressInUse
        case Int(SP_E_ACCES): return .accessDenied
        case Int(SP_E_NOENT): return .noEntry
        case Int(SP_E_TOOBIG): return .tooBig
        case Int(SP_E_ADDRNOTAVAIL): return .addressNotAvailable
        case Int(SP_E_CONNRESET): return .connectionReset
        case Int(SP_E_PIPE): return .brokenPipe
        case Int(SP_E_INVAL): return .invalid
        default: return .other
        }
    }

    /// The C library's message for this error.
    public var message: String {
        guard let text = sp_strerror(code) else { return "error" }
        return String(cString: text)
    }

    /// Turns a shim return value (`>= 0`, or `-errno`) into a result.
    @inlinable
    static func check(_ value: Int32) throws(Errno) -> Int32 {
        if value < 0 { throw Errno(code: -value) }
        return value
    }

    @inlinable
    static func check(_ value: Int) throws(Errno) -> Int {
        if value < 0 { throw Errno(code: Int32(truncatingIfNeeded: -value)) }
        return value
    }
}
