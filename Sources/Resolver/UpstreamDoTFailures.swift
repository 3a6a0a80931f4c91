import DNSWire
import Fixed

/// Why a DNS-over-TLS query to an upstream failed, as the EDE text of the
/// SERVFAIL that follows when no upstream answered (RFC 8914 §2: the text
/// is for the operator; RFC 8310 §5: nothing went out in plain).
///
/// Owns: the kinds of TLS failure the core hears of (`Event.tlsFailed`)
/// and noting one as the task's failure reason. Never: retries (the core
/// moves on to the next upstream as for any failure), or decides anything
/// about authoritative servers (strict DoT to them has its own detail).
public enum TLSFailureKind: Equatable, Sendable {
    /// The certificate did not verify against the CA bundle and `tls_name`.
    case certificate
    /// The SPKI did not match `tls_pin` (RFC 7858 §4.2).
    case pinMismatch
    /// The handshake failed otherwise (an alert, no common suite, a close).
    case handshake
    /// Connect and handshake did not finish in time.
    case handshakeTimeout
    /// A bad record after the handshake (garbage, oversize, failed MAC).
    case badRecord
    /// Queries waited too long with no byte from the server.
    case answerTimeout
    /// The connection's mbedTLS memory ran out.
    case noMemory

    /// ASCII, short: the EDE text is at most ~100 bytes with the address.
    var text: StaticString {
        switch self {
        case .certificate: return "certificate does not verify for tls_name"
        case .pinMismatch: return "key does not match tls_pin"
        case .handshake: return "TLS handshake failed"
        case .handshakeTimeout: return "TLS handshake timed out"
        case .badRecord: return "bad TLS record"
        case .answerTimeout: return "no answer on the TLS connection"
        case .noMemory: return "TLS memory exhausted"
        }
    }
}

extension ResolverCore {
    /// A DoT query to an upstream failed: its reason is the task's EDE
    /// detail unless one came first (`noteFailure` keeps the first).
    mutating func noteUpstreamDoTFailure(_ index: Int, _ why: TLSFailureKind) {
        guard outgoing.isInUse(index), case .asking(let asked) = outgoing[index].state,
              let upstream = asked.upstream, asked.tlsProfile >= 0 else { return }
        stats.upstreamDoTFailures += 1
        noteFailure(index, .networkError, detail: .upstreamDoT(asked.server, upstream: upstream, why))
    }
}

extension ResolverCore {
    /// EDE text "upstream N ADDRESS DoT: WHY; not asked in plain".
    func addUpstreamDoTError(_ b: inout MessageBuilder, _ code: EDECode, _ server: ServerAddress, upstream: Int,
                             _ why: TLSFailureKind) throws(BuildError) {
        let out = UnsafeMutableRawBufferPointer(rebasing: cache.rdataScratch[0..<160])
        var n = 0
        func put(_ text: StaticString) {
            let bytes = UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
            UnsafeMutableRawBufferPointer(rebasing: out[n..<(n + bytes.count)]).copyMemory(from: bytes)
            n += bytes.count
        }
        put("upstream ")
        var digits = 1, v = upstream
        while v >= 10 { v /= 10; digits *= 10 }
        v = max(upstream, 0)
        while digits > 0 { out[n] = 0x30 + UInt8(v / digits % 10); n += 1; digits /= 10 }
        put(" ")
        n += server.writeText(into: UnsafeMutableRawBufferPointer(rebasing: out[n..<(n + 64)]))
        put(" DoT: ")
        put(why.text)
        put("; not asked in plain")
        try b.addExtendedError(code, text: UnsafeRawBufferPointer(rebasing: out[0..<n]))
    }
}
