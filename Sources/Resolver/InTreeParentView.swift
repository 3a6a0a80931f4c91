import Cache
import DNSWire
import Fixed
import Validator

/// How a hinted domain's parent delegates it, compared with the hint
/// (draft-kolkman-dns-in-tree-hints §2.1: "log and signal inconsistencies
/// between information in the parents and the in-tree configuration").
public enum InTreeParentView: UInt8, Sendable {
    case unchecked
    /// The parent's NS set is the hint's.
    case consistent
    /// The parent's NS set is a proper subset of the hint's: likely a
    /// bona-fide re-delegation.
    case redelegation
    /// The parent says the domain does not exist or is not delegated.
    case withdrawn
    /// The parent's NS set has names the hint does not: an error or an attack.
    case conflict
    /// The parent did not answer (kept apart: not an inconsistency).
    case unanswered

    public var text: String {
        switch self {
        case .unchecked: return "not checked yet"
        case .consistent: return "consistent"
        case .redelegation: return "re-delegation (the parent's NS set is a subset of the hint's)"
        case .withdrawn: return "withdrawn (the parent no longer delegates the domain)"
        case .conflict: return "conflict (the parent's NS set differs from the hint's: an error or an attack)"
        case .unanswered: return "parent did not answer"
        }
    }
}

/// §2.1 inconsistency detection, the resolver's side: at start and daily,
/// each enabled hint's domain is asked for its NS set starting from the
/// root with the hints set aside (`Iteration.bypassesHints`); the parent's
/// referral (or its NXDOMAIN/NODATA) is compared with the hint, never used
/// for resolution. Each change of the parent's view is counted in `sprig
/// stats` and noted once for the log with both views; `sprig hints status`
/// shows the current one.
///
/// The parent's DS set (from the referral, unvalidated: it is only
/// reported) is compared with a DS-form anchor of the hint: a DS set in
/// the referral without any of the anchor's DS records is a conflict too.
///
/// Never: changes the hint (the parent's data is what the hint overrides).
extension ResolverCore {
    static let inTreeParentCheckIntervalMs: Int64 = 86_400_000
    static let inTreeParentRetryMs: Int64 = 3_600_000
    static let inTreeParentCheckMs: Int64 = 30_000

    /// Starts due parent checks and ends those that brought nothing (the
    /// server calls this once a second, with `checkInTreeSignals`).
    public mutating func checkInTreeParents(nowMs: Int64) {
        guard settings.recursive else { return }
        for i in 0..<inTreeHints.count where !inTreeHints[i].disabled {
            var entry = inTreeHints[i]
            if entry.parentCheckPending {
                guard nowMs >= entry.parentNextCheckMs else { continue }
                entry.parentCheckPending = false   // no referral and no denial came
                setParentView(&entry, .unanswered)
                entry.parentNextCheckMs = nowMs + ResolverCore.inTreeParentRetryMs
            } else if nowMs >= entry.parentNextCheckMs, let index = outgoing.acquire() {
                var o = OutgoingQuery()
                o.question = Question(name: entry.domain, type: .ns, rrClass: .in)
                outgoing[index] = o
                entry.parentCheckPending = true
                entry.parentNextCheckMs = nowMs + ResolverCore.inTreeParentCheckMs
                inTreeHints[i] = entry
                beginParentCheck(index, nowMs: nowMs)
                continue
            }
            inTreeHints[i] = entry
        }
    }

    mutating func beginParentCheck(_ index: Int, nowMs: Int64) {
        beginIteration(index, parent: nil, nowMs: nowMs, bypassingHints: true)
        iterate(index, nowMs: nowMs)
    }

    /// The parent's referral to hinted domain `hint`: its NS names.
    mutating func noteParentDelegation(_ hint: Int, _ message: UnsafeRawBufferPointer) {
        var entry = inTreeHints[hint]
        var parent = InTreeHintSet.NameSet()
        let zone = entry.domain
        // The hint's anchor in DS form, if it has one: the parent's DS set
        // should hold one of its DS records (a DNSKEY-form anchor is not
        // compared by this build).
        let anchorDS = validation.anchors.operatorAddedAnchors(at: zone).flatMap { $0.kind == .ds ? $0.rdatas : nil }
        var parentDSCount = 0
        var parentDSMatches = false
        if var reader = try? MessageReader(message) {
            var count = 0
            while let record = try? reader.nextRecord(), count < AnswerCache.recordsPerResponseMax {
                count += 1
                guard record.section == .authority, (try? record.owner(in: message)) == zone else { continue }
                if record.type == .ds, let anchorDS {
                    parentDSCount += 1
                    let rdata = UnsafeRawBufferPointer(rebasing: message[record.rdataOffset..<(record.rdataOffset + record.rdataLength)])
                    for a in anchorDS where a.rdata.elementsEqual(rdata) { parentDSMatches = true }
                }
                guard record.type == .ns,
                      let target = try? Name.read(from: message, at: record.rdataOffset).name else { continue }
                parent.insert(target)
            }
        }
        entry.parentNS = parent
        // (a referral without DS says nothing about it: not judged)
        entry.parentDSDiffers = parentDSCount > 0 && !parentDSMatches
        let view: InTreeParentView
        if entry.parentDSDiffers {
            view = .conflict
        } else if parent.count == entry.hintNS.count && parent.isSubset(of: entry.hintNS) {
            view = .consistent
        } else if parent.count > 0 && parent.isSubset(of: entry.hintNS) {
            view = .redelegation
        } else {
            view = .conflict
        }
        finishParentCheck(&entry, view)
        inTreeHints[hint] = entry
    }

    /// True (and the view noted) when task `index` is a parent check whose
    /// full question got NXDOMAIN or NODATA: the delegation is withdrawn.
    mutating func noteParentDenial(_ index: Int) -> Bool {
        let it = outgoing[index].iteration
        guard it.bypassesHints, let hint = inTreeHints.index(of: it.target) else { return false }
        var entry = inTreeHints[hint]
        entry.parentNS = InTreeHintSet.NameSet()
        entry.parentDSDiffers = false
        finishParentCheck(&entry, .withdrawn)
        inTreeHints[hint] = entry
        return true
    }

    mutating func finishParentCheck(_ entry: inout InTreeHintSet.Entry, _ view: InTreeParentView) {
        entry.parentCheckPending = false
        entry.parentNextCheckMs = (entry.parentNextCheckMs - ResolverCore.inTreeParentCheckMs)
            + ResolverCore.inTreeParentCheckIntervalMs
        setParentView(&entry, view)
    }

    mutating func setParentView(_ entry: inout InTreeHintSet.Entry, _ view: InTreeParentView) {
        guard entry.parentView != view else { return }
        entry.parentView = view
        entry.hasParentNotice = true
        countParentView(view)
    }

    /// Counts a changed view once.
    mutating func countParentView(_ view: InTreeParentView) {
        switch view {
        case .redelegation: stats.inTreeRedelegations += 1
        case .withdrawn: stats.inTreeWithdrawals += 1
        case .conflict: stats.inTreeConflicts += 1
        default: break
        }
    }

    func parentViewText(_ i: Int) -> String {
        let e = inTreeHints[i]
        var text = e.parentView.text
        if e.parentView == .redelegation || e.parentView == .conflict {
            text += " (parent: " + e.parentNS.text + "; hint: " + e.hintNS.text + ")"
        }
        if e.parentView == .conflict && e.parentDSDiffers {
            text += "; the parent's DS set has none of the hint's anchor DS"
        }
        return text
    }
}
