// RRSIG RDATA (RFC 4034 §3.1) read from an RDataList entry (names already
// decompressed, so no pointers are allowed).
import DNSWire

public struct RRSIGView {
    public let rdata: UnsafeRawBufferPointer
    public let signer: Name
    /// Offset of the signature in `rdata` (just after the signer name).
    public let signatureOffset: Int

    /// Byte count of the fixed fields before the signer name.
    static let fixedByteCount = 18

    /// Nil if the RDATA is too short or the signer name is malformed.
    public init?(rdata: UnsafeRawBufferPointer) {
        guard rdata.count > RRSIGView.fixedByteCount else { return nil }
        guard let (name, end) = try? Name.read(from: rdata, at: RRSIGView.fixedByteCount,
                                              allowCompression: false) else { return nil }
        guard end < rdata.count else { return nil }  // an empty signature is malformed
        self.rdata = rdata
        signer = name
        signatureOffset = end
    }

    public var typeCovered: RRType { RRType(readU16(rdata, 0)) }
    public var algorithm: UInt8 { rdata[2] }
    /// Labels in the original owner name, not counting root or a leading `*`.
    public var labels: Int { Int(rdata[3]) }
    public var originalTTLSeconds: UInt32 { readU32(rdata, 4) }
    public var expiration: UInt32 { readU32(rdata, 8) }
    public var inception: UInt32 { readU32(rdata, 12) }
    public var keyTag: UInt16 { readU16(rdata, 16) }
    public var signature: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: rdata[signatureOffset...])
    }
}
