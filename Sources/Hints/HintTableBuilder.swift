// Builds table bytes from sources (start-up and tools; allocates once).
// Canonical form, which Board/gen-root-tables.py reproduces byte for byte:
// names lowercased; domains, servers and anchors in source order; a
// server's IPv4 addresses, then its IPv6 ones, each in source order.

import DNSWire

public enum HintTableBuilder {
    /// The bytes of a table holding `domains`; checked against every limit.
    public static func bytes(_ domains: [HintDomainSource]) throws(HintBuildError) -> [UInt8] {
        try check(domains)
        var out: [UInt8] = [0x53, 0x50, 0x48, 0x54, HintTableFormat.version, 0]
        appendU16(domains.count, &out)
        out += [0, 0, 0, 0, 0, 0, 0, 0]  // byte count and CRC, set below
        for domain in domains { appendDomain(domain, &out) }
        guard out.count <= HintLimits.tableByteCountMax else { throw .tableTooLarge(out.count) }
        setU32(UInt32(out.count), at: HintTableFormat.byteCountOffset, &out)
        let crc = out.withUnsafeBytes { raw in
            CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[HintTableFormat.headerByteCount...]))
        }
        setU32(crc, at: HintTableFormat.checksumOffset, &out)
        return out
    }

    /// Builds and validates: the table the rest of Sprig reads.
    public static func table(_ domains: [HintDomainSource]) throws(HintBuildError) -> HintTable {
        let built = try bytes(domains)
        do throws(HintTableError) {
            return try HintTable(validating: built)
        } catch {
            preconditionFailure("HintTableBuilder wrote a table its reader rejects")
        }
    }

    static func check(_ domains: [HintDomainSource]) throws(HintBuildError) {
        guard !domains.isEmpty else { throw .noDomains }
        guard domains.count <= HintLimits.domainCountMax else { throw .tooManyDomains(domains.count) }
        for (index, domain) in domains.enumerated() {
            if domains[..<index].contains(where: { $0.domain == domain.domain }) {
                throw .duplicateDomain(domain.domain)
            }
            try check(domain)
        }
    }

    static func check(_ domain: HintDomainSource) throws(HintBuildError) {
        let name = domain.domain
        guard !domain.servers.isEmpty else { throw .noServers(domain: name) }
        guard domain.servers.count <= HintLimits.serversPerDomainMax else {
            throw .tooManyServers(domain: name, domain.servers.count)
        }
        for (index, server) in domain.servers.enumerated() {
            if domain.servers[..<index].contains(where: { $0.name == server.name }) {
                throw .duplicateServer(server.name)
            }
            guard server.addresses.count <= HintLimits.addressesPerServerMax else {
                throw .tooManyAddresses(server: server.name, server.addresses.count)
            }
        }
        guard domain.anchors.count <= HintLimits.anchorsPerDomainMax else {
            throw .tooManyAnchors(domain: name, domain.anchors.count)
        }
        for anchor in domain.anchors {
            guard anchor.owner == name else { throw .anchorOwnerMismatch(domain: name, owner: anchor.owner) }
            let problem = anchor.rdata.withUnsafeBytes { TrustAnchor.rdataProblem(type: anchor.type, rdata: $0) }
            if let problem { throw .badAnchor(domain: name, problem) }
        }
    }

    static func appendDomain(_ domain: HintDomainSource, _ out: inout [UInt8]) {
        out += domain.domain.lowercased().wireBytes
        out.append(UInt8(domain.servers.count))
        out.append(UInt8(domain.anchors.count))
        for server in domain.servers {
            out += server.name.lowercased().wireBytes
            let ipv4 = server.addresses.filter { $0.family == .ipv4 }
            let ipv6 = server.addresses.filter { $0.family == .ipv6 }
            out.append(UInt8(ipv4.count))
            out.append(UInt8(ipv6.count))
            for address in ipv4 + ipv6 { out += address.bytes }
        }
        for anchor in domain.anchors {
            appendU16(Int(anchor.type.rawValue), &out)
            appendU16(anchor.rdata.count, &out)
            out += anchor.rdata
        }
    }

    static func appendU16(_ value: Int, _ out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }

    static func setU32(_ value: UInt32, at offset: Int, _ out: inout [UInt8]) {
        for i in 0..<4 { out[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * i)) }
    }
}
