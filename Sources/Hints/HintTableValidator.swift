// Checks a whole table once (header, checksum, every count, name and anchor)
// so that the views never meet a bad offset. No allocation: duplicate
// checks keep offsets in fixed inline storage.

import DNSWire

enum HintTableValidator {
    /// Checks the header and checksum; returns the domain count.
    static func header(_ table: HintTableBytes) throws(HintTableError) -> Int {
        let bytes = table.bytes
        guard bytes.count >= HintTableFormat.headerByteCount else { throw .truncatedHeader }
        let magic = HintTableFormat.magic
        guard bytes[0] == magic.0, bytes[1] == magic.1, bytes[2] == magic.2, bytes[3] == magic.3 else {
            throw .badMagic
        }
        let version = bytes[HintTableFormat.versionOffset]
        guard version == HintTableFormat.version else { throw .unsupportedVersion(version) }
        let flags = bytes[HintTableFormat.flagsOffset]
        guard flags == 0 else { throw .badFlags(flags) }
        let declared = Int(try table.u32(HintTableFormat.byteCountOffset))
        guard declared == bytes.count else { throw .byteCountMismatch(header: declared, actual: bytes.count) }
        guard bytes.count <= HintLimits.tableByteCountMax else { throw .tableTooLarge(bytes.count) }
        let stored = try table.u32(HintTableFormat.checksumOffset)
        let computed = bytes.withUnsafeBytes { raw in
            CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[HintTableFormat.headerByteCount...]))
        }
        guard stored == computed else { throw .checksumMismatch(stored: stored, computed: computed) }
        let count = try table.u16(HintTableFormat.domainCountOffset)
        guard count >= 1, count <= HintLimits.domainCountMax else { throw .badDomainCount(count) }
        return count
    }

    /// Checks `count` domains after the header and that nothing follows them.
    static func domains(_ table: HintTableBytes, count: Int) throws(HintTableError) {
        // Inline storage sized by HintLimits.domainCountMax (64).
        var nameOffsets = InlineArray<64, Int>(repeating: 0)
        precondition(HintLimits.domainCountMax <= nameOffsets.count, "nameOffsets smaller than the limit")
        var offset = HintTableFormat.headerByteCount
        for index in 0..<count {
            nameOffsets[index] = offset
            let name = try table.name(offset).name
            for earlier in 0..<index where table.validatedName(nameOffsets[earlier]).name == name {
                throw .duplicateDomain(offset: offset)
            }
            offset = try domain(table, at: offset)
        }
        guard offset == table.bytes.count else { throw .trailingBytes(offset: offset) }
    }

    /// Checks one domain; returns the offset after it.
    static func domain(_ table: HintTableBytes, at start: Int) throws(HintTableError) -> Int {
        var offset = try table.name(start).end
        let serverCount = try table.u8(offset)
        let anchorCount = try table.u8(offset + 1)
        guard serverCount >= 1, serverCount <= HintLimits.serversPerDomainMax else {
            throw .badServerCount(offset: offset, serverCount)
        }
        guard anchorCount <= HintLimits.anchorsPerDomainMax else {
            throw .tooManyAnchors(offset: offset + 1, anchorCount)
        }
        offset += 2
        // Inline storage sized by HintLimits.serversPerDomainMax (32).
        var serverOffsets = InlineArray<32, Int>(repeating: 0)
        precondition(HintLimits.serversPerDomainMax <= serverOffsets.count, "serverOffsets smaller than the limit")
        for index in 0..<serverCount {
            serverOffsets[index] = offset
            let name = try table.name(offset).name
            for earlier in 0..<index where table.validatedName(serverOffsets[earlier]).name == name {
                throw .duplicateServer(offset: offset)
            }
            offset = try server(table, at: offset)
        }
        for _ in 0..<anchorCount { offset = try anchor(table, at: offset) }
        return offset
    }

    /// Checks one server; returns the offset after it.
    static func server(_ table: HintTableBytes, at start: Int) throws(HintTableError) -> Int {
        let countsOffset = try table.name(start).end
        let ipv4Count = try table.u8(countsOffset)
        let ipv6Count = try table.u8(countsOffset + 1)
        guard ipv4Count + ipv6Count <= HintLimits.addressesPerServerMax else {
            throw .tooManyAddresses(offset: countsOffset, ipv4Count + ipv6Count)
        }
        let addressesOffset = countsOffset + HintTableFormat.serverCountsByteCount
        let addressesByteCount = 4 * ipv4Count + 16 * ipv6Count
        try table.require(addressesOffset, addressesByteCount)
        return addressesOffset + addressesByteCount
    }

    /// Checks one anchor; returns the offset after it.
    static func anchor(_ table: HintTableBytes, at start: Int) throws(HintTableError) -> Int {
        let type = RRType(UInt16(try table.u16(start)))
        let rdataByteCount = try table.u16(start + 2)
        guard type == .ds || type == .dnskey else { throw .badAnchorType(offset: start, type.rawValue) }
        let rdataOffset = start + HintTableFormat.anchorHeaderByteCount
        try table.require(rdataOffset, rdataByteCount)
        let problem = table.bytes.withUnsafeBytes { raw in
            TrustAnchor.rdataProblem(
                type: type, rdata: UnsafeRawBufferPointer(rebasing: raw[rdataOffset..<(rdataOffset + rdataByteCount)]))
        }
        guard problem == nil else { throw .badAnchorRData(offset: start) }
        return rdataOffset + rdataByteCount
    }
}
