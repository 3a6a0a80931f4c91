// The 12-byte message header (RFC 1035 §4.1.1, RFC 2535 AD/CD bits).

public struct Header: Equatable, Sendable {
    public static let byteCount = 12

    public var id: UInt16
    /// The second 16-bit word: QR, OPCODE, AA, TC, RD, RA, Z, AD, CD, RCODE.
    public var flags: UInt16
    public var questionCount: UInt16
    public var answerCount: UInt16
    public var authorityCount: UInt16
    public var additionalCount: UInt16

    @inlinable
    public init(id: UInt16 = 0, flags: UInt16 = 0, questionCount: UInt16 = 0,
                answerCount: UInt16 = 0, authorityCount: UInt16 = 0, additionalCount: UInt16 = 0) {
        self.id = id
        self.flags = flags
        self.questionCount = questionCount
        self.answerCount = answerCount
        self.authorityCount = authorityCount
        self.additionalCount = additionalCount
    }

    /// Reads the header at the start of `bytes`.
    @inlinable
    public init(from bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Header.byteCount else { throw .truncatedHeader }
        self.init(id: loadU16(bytes, 0), flags: loadU16(bytes, 2), questionCount: loadU16(bytes, 4),
                  answerCount: loadU16(bytes, 6), authorityCount: loadU16(bytes, 8),
                  additionalCount: loadU16(bytes, 10))
    }

    /// Writes the header at the start of `bytes` (caller ensures ≥ 12 bytes).
    @inlinable
    public func write(to bytes: UnsafeMutableRawBufferPointer) {
        storeU16(bytes, 0, id)
        storeU16(bytes, 2, flags)
        storeU16(bytes, 4, questionCount)
        storeU16(bytes, 6, answerCount)
        storeU16(bytes, 8, authorityCount)
        storeU16(bytes, 10, additionalCount)
    }

    @inlinable func bit(_ mask: UInt16) -> Bool { flags & mask != 0 }
    @inlinable mutating func setBit(_ mask: UInt16, _ on: Bool) {
        flags = on ? flags | mask : flags & ~mask
    }

    public var qr: Bool { get { bit(0x8000) } set { setBit(0x8000, newValue) } }
    public var opcode: Opcode {
        get { Opcode(UInt8(flags >> 11 & 0x0F)) }
        set { flags = flags & ~0x7800 | UInt16(newValue.rawValue & 0x0F) << 11 }
    }
    public var aa: Bool { get { bit(0x0400) } set { setBit(0x0400, newValue) } }
    public var tc: Bool { get { bit(0x0200) } set { setBit(0x0200, newValue) } }
    public var rd: Bool { get { bit(0x0100) } set { setBit(0x0100, newValue) } }
    public var ra: Bool { get { bit(0x0080) } set { setBit(0x0080, newValue) } }
    /// The Z bit (must be zero, RFC 1035 §4.1.1).
    public var z: Bool { get { bit(0x0040) } set { setBit(0x0040, newValue) } }
    public var ad: Bool { get { bit(0x0020) } set { setBit(0x0020, newValue) } }
    public var cd: Bool { get { bit(0x0010) } set { setBit(0x0010, newValue) } }
    /// The low 4 bits of the RCODE; the full value needs the OPT RR (`EDNS`).
    public var rcode: RCode {
        get { RCode(flags & 0x000F) }
        set { flags = flags & ~0x000F | newValue.rawValue & 0x000F }
    }

    /// The full 12-bit RCODE given the OPT RR's upper 8 bits (RFC 6891 §6.1.3).
    @inlinable public func extendedRCode(optHighBits: UInt8) -> RCode {
        RCode(UInt16(optHighBits) << 4 | flags & 0x000F)
    }

    public func count(of section: Section) -> Int {
        switch section {
        case .question: return Int(questionCount)
        case .answer: return Int(answerCount)
        case .authority: return Int(authorityCount)
        case .additional: return Int(additionalCount)
        }
    }
}

/// A message section (RFC 1035 §4.1).
public enum Section: UInt8, Sendable, Equatable {
    case question = 0, answer, authority, additional
}
