import DNSWire

/// Checks across `config hint` sections (draft-kolkman-dns-in-tree-hints).
///
/// Owns: what makes a set of hints unusable as a whole — hints while DNSSEC
/// is off (§2.1: a hint is only used with a trust anchor), and hints that
/// depend on each other in a loop. One hint on its own is checked where it
/// is parsed (OtherSections.hint).
/// Never: looks at addresses or anchors beyond their presence.
enum HintChecks {
    static func run(_ c: SprigConfig, _ lines: [Int], dnssecLine: Int, _ sink: inout DiagnosticSink) {
        guard !c.hints.isEmpty, lines.count == c.hints.count else { return }
        if !c.dnssec {
            sink.error(dnssecLine != 0 ? dnssecLine : lines[0], "dnssec is 0 but \(c.hints.count) config hint sections are "
                + "given: an in-tree hint is only used with its trust anchor (draft-kolkman-dns-in-tree-hints §2.1)")
        }
        for cycle in loops(c.hints) {
            let names = (cycle + [cycle[0]]).map { c.hints[$0].domain.uciText }
            var text = ""
            for (i, n) in names.enumerated() { text += (i == 0 ? "" : " -> ") + n }
            sink.error(lines[cycle[0]], "hints depend on each other in a loop: \(text) (a nameserver of each lies in "
                + "the next hinted domain, so none of them stands on its own servers; draft-kolkman-dns-in-tree-hints §2.2)")
        }
    }

    /// Hint `i` depends on hint `j` (j ≠ i) when one of i's nameservers
    /// lies in j: j is the most specific hint enclosing that name. Such a
    /// nameserver's own delegation then comes from j's hint, so a loop
    /// means the hints' resilience rests on each other rather than on
    /// each domain's own servers.
    static func dependencies(_ hints: [Hint]) -> [[Int]] {
        hints.enumerated().map { (i, h) in
            var deps: [Int] = []
            for ns in h.nameservers {
                var best: Int? = nil
                for (j, other) in hints.enumerated() where ns.name.isSubdomain(of: other.domain) {
                    if best == nil || other.domain.labelCount > hints[best!].domain.labelCount { best = j }
                }
                if let best, best != i, !deps.contains(best) { deps.append(best) }
            }
            return deps
        }
    }

    /// Each loop once, as hint indices starting at its first-configured
    /// member. At most 64 hints (ConfigLimits.maxHintCount): a plain
    /// depth-first search per hint is cheap.
    static func loops(_ hints: [Hint]) -> [[Int]] {
        let deps = dependencies(hints)
        var found: [[Int]] = []
        for start in hints.indices {
            // Shortest loop through `start` whose other members come later
            // in the config: each loop is found once, from its first member.
            var previous = [Int](repeating: -1, count: hints.count)
            var queue = [start]
            var head = 0
            var closing: Int? = nil
            while head < queue.count, closing == nil {
                let at = queue[head]
                head += 1
                for next in deps[at] {
                    if next == start { closing = at; break }
                    if next > start && previous[next] == -1 && next != start {
                        previous[next] = at
                        queue.append(next)
                    }
                }
            }
            guard var at = closing else { continue }
            var cycle: [Int] = []
            while at != start { cycle.append(at); at = previous[at] }
            found.append([start] + cycle.reversed())
        }
        return found
    }
}
