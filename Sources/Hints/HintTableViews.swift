// Views into a validated table: a domain, one of its servers, one of its
// anchors. Each holds the table's bytes (a reference, no copy) and offsets.

import DNSWire

/// A hinted domain: its nameservers and optional trust anchors.
public struct HintDomain: Sendable {
    public let name: Name
    public let serverCount: Int
    public let anchorCount: Int
    let table: [UInt8]
    let firstServerOffset: Int

    init(table: [UInt8], at offset: Int) {
        let read = HintTableBytes(bytes: table).validatedName(offset)
        self.table = table
        name = read.name
        serverCount = Int(table[read.end])
        anchorCount = Int(table[read.end + 1])
        firstServerOffset = read.end + 2
    }

    /// Nameserver `index` (0..<serverCount), in table order.
    public func server(_ index: Int) -> HintServer {
        precondition(index >= 0 && index < serverCount, "hint server index out of range")
        var offset = firstServerOffset
        for _ in 0..<index { offset = HintServer(table: table, at: offset).endOffset }
        return HintServer(table: table, at: offset)
    }

    /// The nameserver with this name (case-insensitive), if listed.
    public func server(named name: Name) -> HintServer? {
        var offset = firstServerOffset
        for _ in 0..<serverCount {
            let server = HintServer(table: table, at: offset)
            if server.name == name { return server }
            offset = server.endOffset
        }
        return nil
    }

    /// Trust anchor `index` (0..<anchorCount), in table order.
    public func anchor(_ index: Int) -> HintAnchor {
        precondition(index >= 0 && index < anchorCount, "hint anchor index out of range")
        var offset = firstAnchorOffset
        for _ in 0..<index { offset = HintAnchor(table: table, at: offset).endOffset }
        return HintAnchor(table: table, at: offset)
    }

    var firstAnchorOffset: Int {
        var offset = firstServerOffset
        for _ in 0..<serverCount { offset = HintServer(table: table, at: offset).endOffset }
        return offset
    }

    var endOffset: Int {
        var offset = firstAnchorOffset
        for _ in 0..<anchorCount { offset = HintAnchor(table: table, at: offset).endOffset }
        return offset
    }
}

/// One nameserver of a hinted domain and its addresses (IPv4 first).
public struct HintServer: Sendable {
    public let name: Name
    public let ipv4Count: Int
    public let ipv6Count: Int
    let table: [UInt8]
    let addressesOffset: Int

    init(table: [UInt8], at offset: Int) {
        let read = HintTableBytes(bytes: table).validatedName(offset)
        self.table = table
        name = read.name
        ipv4Count = Int(table[read.end])
        ipv6Count = Int(table[read.end + 1])
        addressesOffset = read.end + HintTableFormat.serverCountsByteCount
    }

    public var addressCount: Int { ipv4Count + ipv6Count }

    /// Address `index` (0..<addressCount): IPv4 ones, then IPv6 ones.
    public func address(_ index: Int) -> IPAddress {
        precondition(index >= 0 && index < addressCount, "hint address index out of range")
        let isIPv4 = index < ipv4Count
        let start = isIPv4 ? addressesOffset + 4 * index
            : addressesOffset + 4 * ipv4Count + 16 * (index - ipv4Count)
        return IPAddress(family: isIPv4 ? .ipv4 : .ipv6) { table[start + $0] }
    }

    var endOffset: Int { addressesOffset + 4 * ipv4Count + 16 * ipv6Count }
}

/// A trust anchor of a hinted domain: DS or DNSKEY RDATA, owner = the domain.
public struct HintAnchor: Sendable {
    public let type: RRType
    public let rdataByteCount: Int
    let table: [UInt8]
    let rdataOffset: Int

    init(table: [UInt8], at offset: Int) {
        self.table = table
        type = RRType(UInt16(table[offset]) << 8 | UInt16(table[offset + 1]))
        rdataByteCount = Int(table[offset + 2]) << 8 | Int(table[offset + 3])
        rdataOffset = offset + HintTableFormat.anchorHeaderByteCount
    }

    /// Calls `body` with the RDATA bytes, in place.
    public func withRData<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let start = rdataOffset
        let count = rdataByteCount
        return table.withUnsafeBytes { raw in body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + count)])) }
    }

    /// RDATA as an array (allocates: start-up, CLI and tests).
    public var rdata: [UInt8] { Array(table[rdataOffset..<(rdataOffset + rdataByteCount)]) }

    /// Key tag of a DS (its first two bytes); for a DNSKEY, RFC 4034 Appendix B.
    public var keyTag: UInt16 {
        withRData { TrustAnchor.keyTag(type: type, rdata: $0) }
    }

    var endOffset: Int { rdataOffset + rdataByteCount }
}
