import DNSWire
import Fixed

/// In-tree hints in iteration (draft-kolkman-dns-in-tree-hints §2.1), the
/// resolver's side.
///
/// A hinted domain is a zone cut the core knows without asking its parent:
/// `findZoneCut` stops at the most specific hint enclosing the name (before
/// any cached NS set at that name, which may be the parent's), and the
/// task's servers are the hint's addresses, in-domain ones first, the
/// others as the fallback (§2.1 last paragraph). The parent's NS set and
/// glue for the domain are never used for it: no address look-ups of the
/// cached NS names, no climbing to the parent when the hinted servers fail
/// (the task fails and serve-stale answers if it can, §3.3). The parent's
/// DS is never needed either: the hint's trust anchor is in the anchor
/// store, and the chain starts at the deepest anchor (ChainStatus), which
/// a superior anchor never removes (RFC 5011 §5 deletion is not carried
/// out by this build for any trust point; §2.1 forbids it for hints).
///
/// Never: changes a hint after start-up (learning, §2.1, is not carried
/// out by this build), or asks the parent anything on the hint's behalf.
extension ResolverCore {
    /// Adds an in-tree hint (start-up, after `init`). False when the set is
    /// full (`EngineSettings.inTreeHintCount`), the domain is hinted
    /// already, or the hint has no in-domain address or too many.
    public mutating func addInTreeHint(_ hint: InTreeHint) -> Bool {
        inTreeHints.add(hint)
    }

    /// Hinted domains loaded.
    public var inTreeHintCount: Int { inTreeHints.count }

    /// True when `zone` is a hinted domain: its servers come from the hint.
    func isHinted(_ zone: Name) -> Bool {
        inTreeHints.count > 0 && inTreeHints.index(of: zone) != nil
    }

    /// Makes hint `hint` the task's zone cut: its addresses, in-domain
    /// servers first (chooseServer takes the first among equals, so they
    /// are asked first until RTTs say otherwise).
    mutating func useHint(_ index: Int, _ hint: Int) {
        let entry = inTreeHints[hint]
        outgoing.pointer(index).pointee.iteration.zone = entry.domain
        for i in 0..<entry.count where settings.useIPv6 || !entry.addresses[i].isIPv6 {
            addServer(index, entry.addresses[i])
        }
        stats.inTreeHintCuts += 1
    }

    /// RFC 8198 answers must not come from denial records of a zone above
    /// a hint for a name inside it: the parent may have withdrawn the
    /// delegation (§1), which the hint overrides.
    func hintOverridesDenial(of name: Name, zone: Name) -> Bool {
        guard inTreeHints.count > 0, let h = inTreeHints.closest(enclosing: name) else { return false }
        return !zone.isSubdomain(of: inTreeHints[h].domain)
    }
}
