// Trust-anchor files in presentation form (`option trust_anchor_file`,
// Config/root.key, Unbound-style root.key files): one DS or DNSKEY record
// per logical line, ';' comments, "( ... )" across lines, `$TTL` ignored.
// Each record goes to DNSWire's one anchor parser (`TrustAnchor(parsing:)`).
// Start-up only (allocates).

import DNSWire

public enum TrustAnchorText {
    /// Every record of a file; with `owner`, each must be owned by it.
    /// An empty file (comments only) is an error: it would disable DNSSEC.
    public static func parseFile(_ text: [UInt8], owner: Name? = nil) throws(HintTextError) -> [TrustAnchor] {
        var out: [TrustAnchor] = []
        for line in try HintTextLines.lines(text) {
            if try HintTextLines.isDirective(line) { continue }
            let record: TrustAnchor
            do throws(TrustAnchorError) {
                record = try TrustAnchor(parsing: line.bytes)
            } catch {
                throw HintTextError(line: line.number, .anchor(error))
            }
            if let owner, record.owner != owner {
                throw HintTextError(line: line.number, .anchorOwnerNotDomain(record.owner))
            }
            if !out.contains(record) { out.append(record) }
        }
        guard !out.isEmpty else { throw HintTextError(line: 0, .noAnchors) }
        return out
    }
}
