// NSEC3 hash values (RFC 5155 §5): compared as raw bytes, which is also the
// order of their base32hex owner labels (RFC 4648 §7 keeps sort order).
import Crypto
import DNSWire

struct HashValue: Equatable {
    var bytes = InlineArray<40, UInt8>(repeating: 0)
    var count = 0

    static func == (a: HashValue, b: HashValue) -> Bool { compare(a, b) == 0 }

    static func compare(_ a: HashValue, _ b: HashValue) -> Int {
        let shared = min(a.count, b.count)
        for i in 0..<shared where a.bytes[i] != b.bytes[i] { return a.bytes[i] < b.bytes[i] ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Decodes base32hex (RFC 4648 §7, case-insensitive, no padding) from
    /// `bytes[start..<start+length]`; nil on a bad character or overflow.
    static func base32hex(_ bytes: UnsafeRawBufferPointer, start: Int, length: Int) -> HashValue? {
        withUnsafeTemporaryAllocation(byteCount: ValidatorLimits.nsec3HashByteCountMax, alignment: 1) { raw in
            guard let count = NSEC3Codes.decodeBase32Hex(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]),
                                                         into: raw) else { return nil }
            return HashValue(copying: UnsafeRawBufferPointer(rebasing: raw[0..<count]))
        }
    }

    /// Copies `count` bytes from raw memory.
    init(copying raw: UnsafeRawBufferPointer) {
        count = min(raw.count, ValidatorLimits.nsec3HashByteCountMax)
        for i in 0..<count { bytes[i] = raw[i] }
    }

    init() {}
}

/// The NSEC3 code points (RFC 5155), for anyone reading NSEC3 RDATA.
public enum NSEC3Codes {
    /// RFC 5155 §3.1.2.1: bit 7 of flags, the only flag defined.
    public static let optOutFlag: UInt8 = 0x01
    /// RFC 5155 §4.1.1: SHA-1, the only hash algorithm defined (§11).
    public static let sha1HashAlgorithm: UInt8 = 1

    /// Decodes base32hex (RFC 4648 §7, either case, no padding: NSEC3 owner
    /// labels) into `out`; the byte count, or nil on a bad character or
    /// when `out` is too small.
    public static func decodeBase32Hex(_ text: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        var buffer: UInt32 = 0
        var bits = 0
        var count = 0
        for c in text {
            guard let value = base32hexValue(c) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                guard count < out.count else { return nil }
                out[count] = UInt8(truncatingIfNeeded: buffer >> UInt32(bits))
                count += 1
            }
        }
        return count
    }

    static func base32hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30          // 0-9
        case 0x41...0x56: return c - 0x41 + 10     // A-V
        case 0x61...0x76: return c - 0x61 + 10     // a-v
        default: return nil
        }
    }
}

/// NSEC3 RDATA (RFC 5155 §3.2): hash algorithm, flags, iterations, salt,
/// next hashed owner, type bitmap; and the owner's hash from its first label.
struct NSEC3View {
    let ownerHash: HashValue
    let nextHash: HashValue
    let hashAlgorithm: UInt8
    let flags: UInt8
    let iterations: Int
    let salt: UnsafeRawBufferPointer
    let types: TypeFacts

    var isOptOut: Bool { flags & NSEC3Codes.optOutFlag != 0 }

    init?(_ record: DenialRecord) {
        let rdata = record.rdata
        guard rdata.count >= 6, record.owner.labelCount >= 1 else { return nil }
        let saltLength = Int(rdata[4])
        let hashLengthOffset = 5 + saltLength
        guard hashLengthOffset < rdata.count else { return nil }
        let hashLength = Int(rdata[hashLengthOffset])
        let bitmapOffset = hashLengthOffset + 1 + hashLength
        guard hashLength >= 1, hashLength <= ValidatorLimits.nsec3HashByteCountMax,
              bitmapOffset <= rdata.count,
              (try? TypeBitmap.validate(rdata, bitmapOffset, rdata.count)) != nil else { return nil }
        let label = record.owner.label(0)
        guard let owner = record.owner.withUnsafeBytes({ HashValue.base32hex($0, start: label.offset,
                                                                            length: label.byteCount) }),
              owner.count == hashLength else { return nil }
        ownerHash = owner
        nextHash = HashValue(copying: UnsafeRawBufferPointer(rebasing: rdata[(hashLengthOffset + 1)..<bitmapOffset]))
        hashAlgorithm = rdata[0]
        flags = rdata[1]
        iterations = Int(readU16(rdata, 2))
        salt = UnsafeRawBufferPointer(rebasing: rdata[5..<hashLengthOffset])
        types = TypeFacts(bytes: rdata, start: bitmapOffset)
    }

    /// ownerHash < hash < nextHash; the last NSEC3 of the zone wraps
    /// around the ring: it covers hashes above its owner and below the first.
    func covers(_ hash: HashValue) -> Bool {
        let aboveOwner = HashValue.compare(ownerHash, hash) < 0
        let belowNext = HashValue.compare(hash, nextHash) < 0
        return HashValue.compare(ownerHash, nextHash) < 0 ? aboveOwner && belowNext : aboveOwner || belowNext
    }

    func sameParameters(as other: NSEC3View) -> Bool {
        hashAlgorithm == other.hashAlgorithm && iterations == other.iterations && bytesEqual(salt, other.salt)
    }
}
