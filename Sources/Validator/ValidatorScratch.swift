// ValidatorScratch: the fixed working memory of the Validator, reserved once
// at start-up (TigerBeetle's "no allocation after init"). One per event loop;
// every call borrows it, so calls must not overlap (they cannot: one thread).
//
// Memory: signedDataByteCountMax (128 KiB) + rrsetRecordCountMax × 4 bytes.

public struct ValidatorScratch: ~Copyable {
    /// Signed data of one RRSIG (RFC 4034 §3.1.8.1) or one DS digest input.
    let signedData: UnsafeMutableRawBufferPointer
    /// Entry offsets of an RRset's RDATAs, sorted into canonical order.
    let order: UnsafeMutableBufferPointer<Int32>
    /// Signatures verified before, and where a memo key is computed.
    let verified: VerifiedSignatures
    let memoKey: UnsafeMutableRawBufferPointer

    /// `reserving: false` (DNSSEC off) reserves nothing; the Validator must
    /// then never be called with it.
    /// `rememberingSignatures: false` turns `VerifiedSignatures` off (tests
    /// that count real verifications).
    public init(reserving: Bool = true, rememberingSignatures: Bool = true) {
        signedData = UnsafeMutableRawBufferPointer.allocate(
            byteCount: reserving ? ValidatorLimits.signedDataByteCountMax : 0, alignment: 8)
        signedData.initializeMemory(as: UInt8.self, repeating: 0)
        order = UnsafeMutableBufferPointer<Int32>.allocate(capacity: reserving ? ValidatorLimits.rrsetRecordCountMax : 0)
        order.initialize(repeating: 0)
        verified = VerifiedSignatures(reserving: reserving && rememberingSignatures)
        memoKey = .allocate(byteCount: VerifiedSignatures.digestByteCount, alignment: 8)
        memoKey.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        signedData.deallocate()
        order.deallocate()
        verified.deallocate()
        memoKey.deallocate()
    }

    /// Bytes reserved, for `sprigd --print-footprint`.
    public static var footprintByteCount: Int {
        ValidatorLimits.signedDataByteCountMax + ValidatorLimits.rrsetRecordCountMax * 4
            + VerifiedSignatures.footprintByteCount + VerifiedSignatures.digestByteCount
    }
}
