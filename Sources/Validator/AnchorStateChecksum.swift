// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) over persisted state:
// it detects every single-bit error and every burst up to 32 bits, which is
// what flash corruption and torn writes look like. Not a defence against a
// deliberate forger — the file lives on the router's own flash.

enum CRC32 {
    static let reflectedPolynomial: UInt32 = 0xEDB8_8320

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (reflectedPolynomial & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}

/// Big-endian writes into a caller buffer; every write checks room first.
struct StateWriter {
    let buffer: UnsafeMutableRawBufferPointer
    var offset = 0

    mutating func u8(_ value: UInt8) -> Bool {
        guard offset < buffer.count else { return false }
        buffer[offset] = value
        offset += 1
        return true
    }

    mutating func u16(_ value: UInt16) -> Bool { u8(UInt8(value >> 8)) && u8(UInt8(value & 0xFF)) }
    mutating func u32(_ value: UInt32) -> Bool { u16(UInt16(value >> 16)) && u16(UInt16(value & 0xFFFF)) }
    mutating func i64(_ value: Int64) -> Bool {
        let bits = UInt64(bitPattern: value)
        return u32(UInt32(bits >> 32)) && u32(UInt32(bits & 0xFFFF_FFFF))
    }
}

/// Big-endian reads; a short read returns nil, never traps.
struct StateReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    var isAtEnd: Bool { offset == bytes.count }

    mutating func u8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        offset += 1
        return bytes[offset - 1]
    }

    mutating func u16() -> UInt16? {
        guard let high = u8(), let low = u8() else { return nil }
        return UInt16(high) << 8 | UInt16(low)
    }

    mutating func u32() -> UInt32? {
        guard let high = u16(), let low = u16() else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }

    mutating func i64() -> Int64? {
        guard let high = u32(), let low = u32() else { return nil }
        return Int64(bitPattern: UInt64(high) << 32 | UInt64(low))
    }

    /// The next `count` bytes.
    mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, count <= bytes.count - offset else { return nil }
        offset += count
        return UnsafeRawBufferPointer(rebasing: bytes[(offset - count)..<offset])
    }
}
