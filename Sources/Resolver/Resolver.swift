// Resolver: the query engine. It does no I/O (DESIGN.md §2.4, Knot
// Resolver's produce/consume): it consumes `(now, event)` — a client query,
// a server's response, a failed send, the passing of time — and appends
// actions to its ring (Actions.swift): answer client C, send query Q to
// server S over transport T, stop waiting for Q. It never reads a clock, a
// socket or a random device (the server puts kernel randomness in its
// `EntropyPool`), so scripted tests drive it with virtual time and a fake
// network through the same interface the server uses.
//
// Owns: forwarding and iterative state machines in fixed slot pools,
// upstream choice by smoothed RTT, cache fill and answer assembly,
// serve-stale policy (RFC 8767), and the DNSSEC glue of iterative mode:
// which DNSKEY/DS sets to fetch (sub-tasks), validating each final response
// with the Validator, caching verdicts as ranks, SERVFAIL + EDE for bogus
// data (the data itself for CD clients). Never: touches sockets, clocks or
// files — wall-clock time for signatures comes in through `setWallClock`.

/// An IPv4 or IPv6 server address and port, in the resolver's own terms.
public struct ServerAddress: Equatable, Sendable {
    public var isIPv6: Bool
    /// Address bytes in network order (IPv4 uses the first 4).
    public var high: UInt64
    public var low: UInt64
    public var port: UInt16

    public init(isIPv6: Bool, high: UInt64, low: UInt64, port: UInt16) {
        self.isIPv6 = isIPv6
        self.high = high
        self.low = low
        self.port = port
    }

    /// From 4 or 16 address bytes in network order.
    public init?(bytes: [UInt8], port: UInt16) {
        guard let a = bytes.withUnsafeBytes({ ServerAddress(rdata: $0, port: port) }) else { return nil }
        self = a
    }

    /// From A (4 bytes) or AAAA (16 bytes) RDATA; no allocation.
    public init?(rdata: UnsafeRawBufferPointer, port: UInt16) {
        guard rdata.count == 4 || rdata.count == 16 else { return nil }
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<min(8, rdata.count) { h |= UInt64(rdata[i]) << UInt64(56 - 8 * i) }
        if rdata.count == 16 { for i in 8..<16 { l |= UInt64(rdata[i]) << UInt64(56 - 8 * (i - 8)) } }
        self.init(isIPv6: rdata.count == 16, high: h, low: l, port: port)
    }

    /// Byte `index` (0..<16) of the address in network order.
    public func byte(_ index: Int) -> UInt8 {
        index < 8 ? UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * index))
                  : UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * (index - 8)))
    }

    /// Bytes `writeText` may need: an IPv6 address in full (8 × 4 hex + 7 ':').
    public static let textByteCountMax = 39

    /// The address in text (dotted quad; IPv6 as RFC 5952 §4 says:
    /// lowercase, no leading zeros, the longest run of two or more zero
    /// groups as "::"), into `buffer` (at least `textByteCountMax` bytes).
    /// Returns the byte count. No allocation.
    public func writeText(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var n = 0
        func put(_ c: UInt8) { buffer[n] = c; n += 1 }
        func putNumber(_ v: Int, radix: Int) {
            var divisor = 1
            while divisor * radix <= v { divisor *= radix }
            while divisor > 0 {
                let digit = UInt8(v / divisor % radix)
                put(digit < 10 ? 0x30 + digit : 0x57 + digit)
                divisor /= radix
            }
        }
        if !isIPv6 {
            for i in 0..<4 {
                if i > 0 { put(0x2E) }
                putNumber(Int(byte(i)), radix: 10)
            }
            return n
        }
        func group(_ i: Int) -> Int { Int(byte(2 * i)) << 8 | Int(byte(2 * i + 1)) }
        var runStart = -1, runLength = 0, i = 0
        while i < 8 {   // the first longest run of zero groups (§4.2.3)
            var j = i
            while j < 8 && group(j) == 0 { j += 1 }
            if j - i > runLength { runStart = i; runLength = j - i }
            i = max(j, i + 1)
        }
        if runLength < 2 { runStart = -1 }   // §4.2.2: one zero group stays "0"
        i = 0
        while i < 8 {
            if i == runStart {
                put(0x3A); put(0x3A)
                i += runLength
                continue
            }
            if i > 0 && i != runStart + runLength { put(0x3A) }
            putNumber(group(i), radix: 16)
            i += 1
        }
        return n
    }
}

/// How a client's query arrived: it bounds the answer's size.
public enum ClientTransport: Equatable, Sendable {
    case udp
    case tcp
}
