// DS ↔ DNSKEY matching (RFC 4034 §5.1.4, §5.2): digest = hash(owner in
// canonical form | DNSKEY RDATA), for the digest types Crypto supports.
import Crypto
import DNSWire

/// A DS RDATA: key tag(2) algorithm(1) digest type(1) digest.
public struct DSView {
    public let rdata: UnsafeRawBufferPointer

    /// Nil if shorter than the 4 fixed bytes plus one digest byte.
    public init?(rdata: UnsafeRawBufferPointer) {
        guard rdata.count >= 5 else { return nil }
        self.rdata = rdata
    }

    public var keyTag: UInt16 { readU16(rdata, 0) }
    public var algorithm: UInt8 { rdata[2] }
    public var digestType: UInt8 { rdata[3] }
    public var digest: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: rdata[4...]) }
}

public enum DSMatchResult: Equatable, Sendable {
    case match
    case mismatch
    case unsupportedDigestType
}

public enum DSMatch {
    /// Does `ds` (at `owner`) designate the DNSKEY with RDATA `dnskey`?
    public static func matches(_ ds: DSView, owner: Name, dnskey: UnsafeRawBufferPointer,
                               scratch: borrowing ValidatorScratch) -> DSMatchResult {
        guard let algorithm = DSDigest.algorithm(forDigestType: ds.digestType) else {
            return .unsupportedDigestType
        }
        guard let key = DNSKEYView(rdata: dnskey), key.algorithm == ds.algorithm,
              key.keyTag == ds.keyTag else { return .mismatch }
        let digestByteCount = Digest.length(algorithm)
        guard ds.digest.count == digestByteCount,
              digestByteCount <= ValidatorLimits.digestByteCountMax else { return .mismatch }
        let buffer = scratch.signedData
        let inputByteCount = owner.byteCount + dnskey.count
        guard inputByteCount + digestByteCount <= buffer.count else { return .mismatch }
        for i in 0..<owner.byteCount { buffer[i] = lowerASCII(owner[byte: i]) }
        for i in 0..<dnskey.count { buffer[owner.byteCount + i] = dnskey[i] }
        let input = UnsafeRawBufferPointer(rebasing: buffer[0..<inputByteCount])
        let output = UnsafeMutableRawBufferPointer(
            rebasing: buffer[inputByteCount..<(inputByteCount + digestByteCount)])
        Digest.compute(algorithm, input, into: output)
        return bytesEqual(UnsafeRawBufferPointer(output), ds.digest) ? .match : .mismatch
    }

    /// RFC 4509 §3: when a DS with SHA-256 (or stronger, RFC 6605 SHA-384)
    /// digest is present and supported, SHA-1 DS records are ignored.
    static let sha1DigestType: UInt8 = 1

    static func hasStrongerThanSHA1(_ dsSet: RDataList) -> Bool {
        for item in dsSet {
            guard let ds = DSView(rdata: item.rdata), ds.digestType != sha1DigestType,
                  DSDigest.algorithm(forDigestType: ds.digestType) != nil,
                  DNSSECAlgorithm.isSupported(ds.algorithm) else { continue }
            return true
        }
        return false
    }
}
