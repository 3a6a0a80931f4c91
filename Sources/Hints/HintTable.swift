// A validated hint table (format: HintTableFormat.swift). `init(validating:)`
// checks everything once at start-up; afterwards every accessor reads in
// place without allocating and cannot fail.

import DNSWire

public struct HintTable: Sendable {
    /// The table bytes (compiled-in, read from flash, or built at start-up).
    public let bytes: [UInt8]
    public let domainCount: Int

    public init(validating bytes: [UInt8]) throws(HintTableError) {
        let reader = HintTableBytes(bytes: bytes)
        let count = try HintTableValidator.header(reader)
        try HintTableValidator.domains(reader, count: count)
        self.bytes = bytes
        self.domainCount = count
    }

    /// Domain `index` (0..<domainCount), in table order.
    public func domain(_ index: Int) -> HintDomain {
        precondition(index >= 0 && index < domainCount, "hint domain index out of range")
        var offset = HintTableFormat.headerByteCount
        for _ in 0..<index { offset = HintDomain(table: bytes, at: offset).endOffset }
        return HintDomain(table: bytes, at: offset)
    }

    /// The domain with exactly this name (case-insensitive).
    public func domain(named name: Name) -> HintDomain? {
        var offset = HintTableFormat.headerByteCount
        for _ in 0..<domainCount {
            let domain = HintDomain(table: bytes, at: offset)
            if domain.name == name { return domain }
            offset = domain.endOffset
        }
        return nil
    }

    /// The hinted domain that is `name` or its closest ancestor, if any: the
    /// place where iteration for `name` may start.
    public func closestEnclosingDomain(of name: Name) -> HintDomain? {
        var best: HintDomain?
        var offset = HintTableFormat.headerByteCount
        for _ in 0..<domainCount {
            let domain = HintDomain(table: bytes, at: offset)
            if name.isSubdomain(of: domain.name),
               domain.name.labelCount > (best?.name.labelCount ?? -1) {
                best = domain
            }
            offset = domain.endOffset
        }
        return best
    }
}
