// Trust anchors in presentation form, one DS or DNSKEY record per line
// (`list trust_anchor '...'`, `option trust_anchor_file`, Config/root.key,
// Unbound-style root.key files): owner [TTL] [IN] DS|DNSKEY RDATA, ';'
// comments, "( ... )" across lines. Start-up only (allocates).

import DNSWire

public enum TrustAnchorText {
    /// One record, e.g. ". IN DS 20326 8 2 E06D44B8...". Errors say line 1.
    public static func parseLine(_ text: [UInt8]) throws(HintTextError) -> TrustAnchorRecord {
        let lines = try HintTextLines.lines(text)
        guard lines.count == 1 else { throw HintTextError(line: lines.isEmpty ? 1 : lines[1].number, .record(lines.isEmpty ? .missingField : .extraField)) }
        return try anchor(lines[0])
    }

    /// Every record of a file; with `owner`, each must be owned by it.
    /// An empty file (comments only) is an error: it would disable DNSSEC.
    public static func parseFile(_ text: [UInt8], owner: Name? = nil) throws(HintTextError) -> [TrustAnchorRecord] {
        var out: [TrustAnchorRecord] = []
        for line in try HintTextLines.lines(text) {
            if try HintTextLines.isDirective(line) { continue }
            let record = try anchor(line)
            if let owner, record.owner != owner {
                throw HintTextError(line: line.number, .anchorOwnerNotDomain(record.owner))
            }
            if !out.contains(record) { out.append(record) }
        }
        guard !out.isEmpty else { throw HintTextError(line: 0, .noAnchors) }
        return out
    }

    static func anchor(_ line: HintTextLine) throws(HintTextError) -> TrustAnchorRecord {
        let record = try HintTextLines.record(line, previousOwner: nil)
        guard record.type == .ds || record.type == .dnskey else {
            throw HintTextError(line: line.number, .unexpectedType(record.type))
        }
        let problem = record.rdata.withUnsafeBytes { TrustAnchorRecord.rdataProblem(type: record.type, rdata: $0) }
        if let problem { throw HintTextError(line: line.number, .badAnchor(problem)) }
        return TrustAnchorRecord(owner: record.owner.lowercased(), type: record.type, rdata: record.rdata)
    }
}
