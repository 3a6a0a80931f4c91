// The named.root text format (as published by IANA/InterNIC): NS records at
// the hinted domain plus A/AAAA records for those nameservers, in any
// order, ';' comments, `$TTL` ignored. Used for `option root_hints FILE`
// (private roots, tests) and by the generator's cross-check. Start-up only.

import DNSWire

public enum RootHintsText {
    /// Parses hints for `domain` (the root unless a private tree is hinted).
    /// Every nameserver needs at least one address: without one nothing
    /// can be asked before the domain itself resolves.
    public static func parse(_ text: [UInt8], domain: Name = .root) throws(HintTextError) -> HintDomainSource {
        var servers: [HintServerSource] = []
        var serverLines: [Int] = []
        var glue: [(line: Int, name: Name, address: IPAddress)] = []
        var previousOwner: Name?
        for line in try HintTextLines.lines(text) {
            if try HintTextLines.isDirective(line) { continue }
            let record = try HintTextLines.record(line, previousOwner: previousOwner)
            previousOwner = record.owner
            if record.type == .ns {
                try addServer(record, line: line.number, domain: domain, &servers, &serverLines)
            } else if record.type == .a || record.type == .aaaa, let address = IPAddress(bytes: record.rdata) {
                glue.append((line.number, record.owner.lowercased(), address))
            } else {
                throw HintTextError(line: line.number, .unexpectedType(record.type))
            }
        }
        guard !servers.isEmpty else { throw HintTextError(line: 0, .noServers) }
        for item in glue { try addAddress(item.address, of: item.name, line: item.line, &servers) }
        for (index, server) in servers.enumerated() where server.addresses.isEmpty {
            throw HintTextError(line: serverLines[index], .serverWithoutAddress(server.name))
        }
        return HintDomainSource(domain: domain.lowercased(), servers: servers)
    }

    static func addServer(_ record: TextRecord, line: Int, domain: Name,
                          _ servers: inout [HintServerSource], _ lines: inout [Int]) throws(HintTextError) {
        guard record.owner == domain else { throw HintTextError(line: line, .nsOwnerNotDomain(record.owner)) }
        let name: Name
        do throws(WireError) {
            name = try Name(wire: record.rdata).lowercased()
        } catch {
            throw HintTextError(line: line, .record(.badWire(error)))
        }
        if servers.contains(where: { $0.name == name }) { return }  // RFC 2181 §5: duplicates collapse
        guard servers.count < HintLimits.serversPerDomainMax else { throw HintTextError(line: line, .tooManyServers) }
        servers.append(HintServerSource(name: name, addresses: []))
        lines.append(line)
    }

    static func addAddress(_ address: IPAddress, of name: Name, line: Int,
                           _ servers: inout [HintServerSource]) throws(HintTextError) {
        guard let index = servers.firstIndex(where: { $0.name == name }) else {
            throw HintTextError(line: line, .addressForUnlistedServer(name))
        }
        if servers[index].addresses.contains(address) { return }
        guard servers[index].addresses.count < HintLimits.addressesPerServerMax else {
            throw HintTextError(line: line, .tooManyAddresses(name))
        }
        servers[index].addresses.append(address)
    }
}

/// The root hints Sprig starts from: compiled in, or from a file.
public enum RootHints {
    /// The compiled-in table (Config/root.hints + Config/root.key).
    public static func compiled() throws(HintTableError) -> HintTable {
        try HintTable(validating: RootTables.bytes)
    }

    /// A table from named.root text and, optionally, trust-anchor text
    /// whose records must all be owned by the root.
    public static func load(hintsText: [UInt8], anchorsText: [UInt8]? = nil) throws(HintTextError) -> HintTable {
        var source = try RootHintsText.parse(hintsText)
        if let anchorsText { source.anchors = try TrustAnchorText.parseFile(anchorsText, owner: .root) }
        do throws(HintBuildError) {
            return try HintTableBuilder.table([source])
        } catch {
            throw HintTextError(line: 0, .build(error))
        }
    }
}
