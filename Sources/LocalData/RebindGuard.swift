import DNSWire
import Fixed

/// DNS rebinding protection (`option rebind_protection`, `list
/// rebind_allow`), as dnsmasq's stop-dns-rebind and Unbound's
/// private-address do it: A and AAAA records whose address is private,
/// loopback, link-local or unspecified are removed from answers that came
/// from the internet (upstreams, authoritative servers, the cache), so a
/// public name cannot be turned into a pointer at the household's own
/// devices from a web page. Names at or below a `rebind_allow` domain keep
/// them (a provider's own private names). Local data never passes through
/// here: `localhost.` stays 127.0.0.1.
///
/// Owns: the address ranges, the allowed domains, a small output buffer.
/// Never: touches answers without such an address (one read-only pass
/// finds them), or allocates.
public struct RebindGuard {
    public let isEnabled: Bool
    let allowed: [Name]
    /// Where a filtered answer is written: answers with private addresses
    /// are short; a larger one is refused rather than passed on.
    let output: UnsafeMutableRawBufferPointer
    let arena: Arena

    /// Bytes of a filtered answer: a UDP answer is at most 1232; 4 KiB
    /// leaves room for TCP answers of a few dozen addresses.
    public static let outputByteCount = 4_096
    static let outputLabel = "rebind protection buffer (rebind_protection)"

    public init(enabled: Bool, allowed: [Name], arena: Arena) {
        isEnabled = enabled
        self.allowed = allowed
        self.arena = arena
        output = enabled ? arena.reserveBytes(RebindGuard.outputByteCount, label: RebindGuard.outputLabel)
            : UnsafeMutableRawBufferPointer(start: nil, count: 0)
    }

    public static func footprint(enabled: Bool) -> [Arena.Row] {
        enabled ? [Arena.Row(outputLabel, count: 1, byteCount: Arena.carvingByteCount(outputByteCount))] : []
    }

    public enum Outcome {
        /// Nothing to remove: send the answer as it is.
        case unchanged
        /// The answer without `removed` records, in the guard's buffer.
        case filtered(UnsafeRawBufferPointer, removed: Int)
        /// It has such records but the rest does not fit the buffer: a
        /// SERVFAIL in the guard's buffer (never the unfiltered answer).
        case refused(UnsafeRawBufferPointer)
    }

    /// Checks `message` (a complete answer) and removes what must go.
    /// `scratch` holds one RDATA (the cache's RDATA scratch).
    public func check(_ message: UnsafeRawBufferPointer, scratch: UnsafeMutableRawBufferPointer) -> Outcome {
        guard isEnabled, let first = try? MessageReader(message) else { return .unchanged }
        var reader = first
        guard let question = try? reader.nextQuestion() else { return .unchanged }
        for d in allowed where question.name.isSubdomain(of: d) { return .unchanged }
        var found = false
        while let record = try? reader.nextRecord() {
            if record.section == .answer && isPrivate(record, in: message) { found = true; break }
        }
        guard found else { return .unchanged }
        guard let result = try? MessageRebuild.rebuild(message, into: output, scratch: scratch,
                                                       dropping: { r, m in r.section == .answer && isPrivate(r, in: m) })
        else { return .refused(serverFailure(first.header, question)) }
        return .filtered(UnsafeRawBufferPointer(rebasing: output[0..<result.byteCount]), removed: result.dropped)
    }

    /// SERVFAIL with the answer's ID, flags and question.
    func serverFailure(_ header: Header, _ q: Question) -> UnsafeRawBufferPointer {
        var h = header
        h.rcode = .servFail
        h.aa = false
        h.ad = false
        guard var b = try? MessageBuilder(buffer: output, header: h) else { return UnsafeRawBufferPointer(rebasing: output[0..<0]) }
        try? b.addQuestion(q.name, type: q.type, rrClass: q.rrClass)
        b.setRCode(.servFail)
        return UnsafeRawBufferPointer(rebasing: output[0..<b.byteCount])
    }

    /// An A or AAAA record with a private, loopback, link-local, shared
    /// (RFC 6598) or unspecified address, or an IPv4-mapped one of those.
    func isPrivate(_ r: Record, in m: UnsafeRawBufferPointer) -> Bool {
        let o = r.rdataOffset
        if r.type == .a && r.rdataLength == 4 { return RebindGuard.isPrivateIPv4(m[o], m[o + 1]) }
        guard r.type == .aaaa && r.rdataLength == 16 else { return false }
        var zeroPrefix = true   // the first 80 bits
        for i in 0..<10 where m[o + i] != 0 { zeroPrefix = false }
        if zeroPrefix && m[o + 10] == 0xFF && m[o + 11] == 0xFF { return RebindGuard.isPrivateIPv4(m[o + 12], m[o + 13]) }
        if zeroPrefix && m[o + 10] == 0 && m[o + 11] == 0 && m[o + 12] == 0 && m[o + 13] == 0 && m[o + 14] == 0 {
            return m[o + 15] <= 1   // :: and ::1
        }
        if m[o] & 0xFE == 0xFC { return true }                   // fc00::/7 ULA (RFC 4193)
        if m[o] == 0xFE && m[o + 1] & 0xC0 == 0x80 { return true }   // fe80::/10 link-local
        return false
    }

    /// 0/8, 10/8, 127/8, 169.254/16, 172.16/12, 192.168/16, 100.64/10
    /// (the ranges of dnsmasq's private_net, and RFC 6598 shared space).
    static func isPrivateIPv4(_ a: UInt8, _ b: UInt8) -> Bool {
        switch a {
        case 0, 10, 127: return true
        case 169: return b == 254
        case 172: return b >= 16 && b <= 31
        case 192: return b == 168
        case 100: return b >= 64 && b <= 127
        default: return false
        }
    }
}
