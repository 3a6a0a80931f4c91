// Read-only views of the RFC 5011 table for `sprig anchors show`, logs and
// tests: trust-point owners and per-key state.
import DNSWire

extension AnchorState {
    /// Owner of trust point `index` (0..<trustPointCount).
    public func owner(at pointIndex: Int) -> Name? {
        guard pointIndex >= 0, pointIndex < trustPointCount else { return nil }
        return points[pointIndex].owner
    }

    /// Number of keys (any state) held for `owner`.
    public func keyCount(of owner: Name) -> Int {
        guard let p = index(of: owner) else { return 0 }
        return points[p].keyCount
    }

    /// Key `index` of `owner` (0..<keyCount(of:)).
    public func key(_ keyIndex: Int, of owner: Name) -> AnchorKeyInfo? {
        guard let p = index(of: owner), keyIndex >= 0, keyIndex < points[p].keyCount else { return nil }
        return points[p].keys[keyIndex].info
    }

    /// The stored state of the key whose tag (as stored) is `keyTag`.
    public func state(ofKeyTag keyTag: UInt16, owner: Name) -> AnchorKeyState? {
        guard let p = index(of: owner) else { return nil }
        for k in 0..<points[p].keyCount where points[p].keys[k].info.keyTag == keyTag {
            return points[p].keys[k].state
        }
        return nil
    }

    /// Wall time of the last applied observation of `owner` (0 if none).
    public func lastRefreshSeconds(of owner: Name) -> Int64? {
        guard let p = index(of: owner) else { return nil }
        return points[p].lastRefreshSeconds
    }
}
