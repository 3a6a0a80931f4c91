// Configured trust anchors next to the RFC 5011 state (issue 12 item 8):
// one owner's anchors may come in both forms (the compiled-in root DS set
// plus an operator's DNSKEY line), and a saved state may predate an anchor
// the operator added since. Two helpers: the DS that designates a DNSKEY
// anchor, so one owner's anchors form one DS set, and whether the state
// ever held the key an anchor designates (revoked keys included), so an
// added anchor can stand in where the state knows nothing of it without
// ever bringing a revoked key back (RFC 5011 §2.1).
import Crypto
import DNSWire

public enum AnchorDS {
    /// SHA-256 (digest type 2, RFC 4509 §2) is what every validator supports.
    public static let digestType: UInt8 = 2

    /// The DS RDATA designating the DNSKEY `dnskey` at `owner` (RFC 4034
    /// §5.1.4: digest = hash(canonical owner | DNSKEY RDATA)); nil when
    /// `dnskey` is not a DNSKEY RDATA. Start-up only (it allocates).
    public static func sha256(owner: Name, dnskey: [UInt8]) -> [UInt8]? {
        let header = dnskey.withUnsafeBytes { raw in DNSKEYView(rdata: raw).map { ($0.keyTag, $0.algorithm) } }
        guard let (keyTag, algorithm) = header else { return nil }
        var input: [UInt8] = []
        for i in 0..<owner.byteCount { input.append(lowerASCII(owner[byte: i])) }
        input += dnskey
        var digest = [UInt8](repeating: 0, count: Digest.length(.sha256))
        input.withUnsafeBytes { i in digest.withUnsafeMutableBytes { Digest.compute(.sha256, i, into: $0) } }
        return [UInt8(truncatingIfNeeded: keyTag >> 8), UInt8(truncatingIfNeeded: keyTag), algorithm, digestType]
            + digest
    }
}

extension AnchorState {
    /// Whether trust point `owner` holds — in any state, revoked included —
    /// the key `anchor` designates: the DNSKEY itself, or the key a DS
    /// matches. The REVOKE flag is ignored (RFC 5011 §3: setting it changes
    /// the RDATA and the key tag, not the key).
    public func holdsKey(owner: Name, designatedBy kind: TrustAnchorKind, anchor: UnsafeRawBufferPointer,
                         scratch: borrowing ValidatorScratch) -> Bool {
        guard let p = index(of: owner) else { return false }
        for k in 0..<points[p].keyCount {
            if kind == .dnskey {
                if points[p].keys[k].isSameKey(anchor) { return true }
                continue
            }
            guard let ds = DSView(rdata: anchor) else { return false }
            let matched = points[p].keys[k].withRData { stored in
                withUnsafeTemporaryAllocation(byteCount: stored.count, alignment: 1) { unrevoked -> Bool in
                    unrevoked.copyMemory(from: stored)
                    if unrevoked.count > 1 { unrevoked[1] &= ~UInt8(truncatingIfNeeded: DNSKEYView.revokeFlag) }
                    return DSMatch.matches(ds, owner: owner, dnskey: UnsafeRawBufferPointer(unrevoked),
                                           scratch: scratch) == .match
                }
            }
            if matched { return true }
        }
        return false
    }
}
