// ValidatorScratch: the fixed working memory of the Validator, carved from the
// arena once at start-up (TigerBeetle's "no allocation after init"). One per
// event loop; every call borrows it, so calls must not overlap (they cannot:
// one thread).
//
// Memory: signedDataByteCountMax (128 KiB) + rrsetRecordCountMax × 4 bytes,
// and the verified-signature memo (`VerifiedSignatures`).
import Fixed

public struct ValidatorScratch: ~Copyable {
    /// Signed data of one RRSIG (RFC 4034 §3.1.8.1) or one DS digest input.
    let signedData: UnsafeMutableRawBufferPointer
    /// Entry offsets of an RRset's RDATAs, sorted into canonical order.
    let order: UnsafeMutableBufferPointer<Int32>
    /// Signatures verified before, and where a memo key is computed.
    let verified: VerifiedSignatures
    let memoKey: UnsafeMutableRawBufferPointer
    /// Keeps every carving above alive.
    let arena: Arena

    /// `reserving: false` (DNSSEC off) reserves nothing; the Validator must
    /// then never be called with it.
    /// `rememberingSignatures: false` turns `VerifiedSignatures` off (tests
    /// that count real verifications).
    public init(reserving: Bool = true, rememberingSignatures: Bool = true, arena: Arena) {
        self.arena = arena
        let label = ValidatorScratch.label
        signedData = arena.reserveBytes(reserving ? ValidatorLimits.signedDataByteCountMax : 0, label: label)
        order = arena.reserve(Int32.self, count: reserving ? ValidatorLimits.rrsetRecordCountMax : 0,
                              label: label, rowCount: 1)
        order.initialize(repeating: 0)
        memoKey = arena.reserveBytes(reserving ? VerifiedSignatures.digestByteCount : 0, label: label)
        verified = VerifiedSignatures(reserving: reserving && rememberingSignatures, arena: arena)
    }

    static let label = "validator scratch (signed data, canonical order)"

    /// The plan's rows: what `init` carves with the same arguments.
    public static func footprint(reserving: Bool, rememberingSignatures: Bool = true) -> [Arena.Row] {
        guard reserving else { return [] }
        return [Arena.Row(label, count: 1,
                          byteCount: Arena.carvingByteCount(ValidatorLimits.signedDataByteCountMax)
                              + Arena.carvingByteCount(of: Int32.self, count: ValidatorLimits.rrsetRecordCountMax)
                              + Arena.carvingByteCount(VerifiedSignatures.digestByteCount))]
            + (rememberingSignatures ? [VerifiedSignatures.footprint] : [])
    }
}
