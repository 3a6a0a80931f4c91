// Loading trust anchors and negative trust anchors into the engine
// (start-up, and SIGHUP for negative anchors). Owns how one owner's anchors
// from several sources become one set (issue 12 item 8: an operator's
// anchors add to the compiled-in root anchors): a zone's DNSKEY set is
// secure when any one anchor of that set designates a key that signs it
// (RFC 4035 §5.2: "a DS RR … or a trust anchor"), so an anchor for a test
// root and the real root's KSKs can stand side by side, whichever root
// answers. Each owner becomes an RFC 5011 trust point
// (TrustPointMaintenance.swift).
//
// Never: parses anchor text (the daemon hands RDATA in wire form), or adds
// an anchor after start-up (the store is filled once, then read).
//
// Example: `list trust_anchor '. IN DNSKEY 257 3 8 …'` beside the
// compiled-in root DS records: the DNSKEY becomes the SHA-256 DS that
// designates it, and goes first (the operator's); `addTrustAnchors(owner:
// .root, …)` stores the three DS records as the root's one DS anchor set.
import DNSWire

/// One configured trust anchor as the daemon read it: a DS or DNSKEY RDATA,
/// and whether the operator added it (`list trust_anchor`) or it is one of
/// the root anchors (compiled in, or `trust_anchor_file`).
public struct ConfiguredAnchor: Equatable, Sendable {
    public var isDS: Bool
    public var rdata: [UInt8]
    public var addedByOperator: Bool

    public init(isDS: Bool, rdata: [UInt8], addedByOperator: Bool) {
        self.isDS = isDS
        self.rdata = rdata
        self.addedByOperator = addedByOperator
    }
}

extension ValidationEngine {
    /// Adds every anchor of `owner` (start-up). DS and DNSKEY forms may be
    /// mixed: beside a DS anchor, a DNSKEY anchor becomes the SHA-256 DS
    /// that designates it (the same key, RFC 4034 §5.1.4), so no anchor is
    /// dropped. Repeated anchors count once; the operator's come first
    /// (`TrustAnchorStore.operatorAddedAnchors`). False when the store is
    /// full or an RDATA is unusable.
    public mutating func addTrustAnchors(owner: Name, _ anchors: [ConfiguredAnchor]) -> Bool {
        let asDS = anchors.contains { $0.isDS }
        var rdatas: [[UInt8]] = []
        var operatorAddedCount = 0
        for pass in [true, false] {   // the operator's anchors first
            for anchor in anchors where anchor.addedByOperator == pass {
                guard let rdata = asDS && !anchor.isDS ? AnchorDS.sha256(owner: owner, dnskey: anchor.rdata) : anchor.rdata
                else { return false }
                if rdatas.contains(rdata) { continue }
                rdatas.append(rdata)
                if pass { operatorAddedCount += 1 }
            }
        }
        return addTrustAnchor(owner: owner, type: asDS ? .ds : .dnskey, rdatas: rdatas,
                              operatorAddedCount: operatorAddedCount)
    }

    /// Adds trust anchors for `owner` (all records of one owner at once):
    /// `type` is `.ds` or `.dnskey`, each element one RDATA in wire form.
    /// Start-up only. False when the anchor store is full or the RDATA bad.
    /// The first `operatorAddedCount` came from `list trust_anchor`
    /// (`addTrustAnchors(owner:_:)` sorts them so).
    public mutating func addTrustAnchor(owner: Name, type: RRType, rdatas: [[UInt8]],
                                        operatorAddedCount: Int = 0) -> Bool {
        guard type == .ds || type == .dnskey, !rdatas.isEmpty else { return false }
        var packed: [UInt8] = []
        for rdata in rdatas {
            guard rdata.count <= 0xFFFF else { return false }
            packed.append(UInt8(truncatingIfNeeded: rdata.count >> 8))
            packed.append(UInt8(truncatingIfNeeded: rdata.count))
            packed += rdata
        }
        let added = packed.withUnsafeBytes { bytes -> Bool in
            guard let list = try? RDataList(bytes: bytes) else { return false }
            do throws(ValidatorError) {
                try anchors.add(owner: owner, kind: type == .ds ? .ds : .dnskey, rdatas: list,
                                operatorAddedCount: operatorAddedCount)
            } catch { return false }
            return true
        }
        if added { addTrustPoint(owner, dnskeys: type == .dnskey ? rdatas : []) }
        return added
    }

    /// Adds a negative trust anchor (`list insecure_domain`): names at or
    /// under it are treated as insecure (RFC 7646). False when the store is full.
    public mutating func addNegativeTrustAnchor(_ name: Name) -> Bool {
        do throws(ValidatorError) { try negativeAnchors.add(name) } catch { return false }
        return true
    }

    /// Replaces every negative trust anchor (SIGHUP: `list insecure_domain`
    /// edited). Returns how many were taken (the store holds `countMax`).
    public mutating func setNegativeTrustAnchors(_ names: [Name]) -> Int {
        negativeAnchors.removeAll()
        var taken = 0
        for name in names where addNegativeTrustAnchor(name) { taken += 1 }
        return taken
    }
}

extension ValidationEngine {
    /// Stops using the anchors at `owner` (an in-tree hint disabled at run
    /// time, draft-kolkman-dns-in-tree-hints §3.1). False when none.
    public mutating func suspendTrustAnchor(owner: Name) -> Bool {
        anchors.suspend(owner: owner)
    }
}
