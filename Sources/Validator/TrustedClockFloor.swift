// The persisted clock floor's file format: 16 bytes,
//   magic "SCLK" (4) | version 1 (1) | reserved 0 (3) | floor, Unix seconds, big-endian i64 (8)
// followed by CRC-32 (4) of those 16 bytes: 20 bytes in all. A corrupt file
// is rejected (typed error) and the clock then waits for an NTP sync.

public enum TrustedClockFloorError: Error, Equatable, Sendable {
    case wrongSize
    case badMagic
    case unsupportedVersion(UInt8)
    case checksumMismatch
    case malformed
    case bufferTooSmall
}

public enum TrustedClockFloor {
    public static let magic: (UInt8, UInt8, UInt8, UInt8) = (0x53, 0x43, 0x4C, 0x4B)  // "SCLK"
    public static let version: UInt8 = 1
    public static let encodedByteCount = 20

    /// Writes the floor file's bytes into `buffer`; returns `encodedByteCount`.
    public static func encode(floorSeconds: Int64, into buffer: UnsafeMutableRawBufferPointer)
        throws(TrustedClockFloorError) -> Int {
        guard buffer.count >= encodedByteCount else { throw .bufferTooSmall }
        var writer = StateWriter(buffer: buffer)
        _ = writer.u8(magic.0) && writer.u8(magic.1) && writer.u8(magic.2) && writer.u8(magic.3)
            && writer.u8(version) && writer.u8(0) && writer.u16(0) && writer.i64(floorSeconds)
        let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<16]))
        _ = writer.u32(crc)
        return encodedByteCount
    }

    /// The floor stored in `bytes`.
    public static func decode(bytes: UnsafeRawBufferPointer) throws(TrustedClockFloorError) -> Int64 {
        guard bytes.count == encodedByteCount else { throw .wrongSize }
        guard bytes[0] == magic.0, bytes[1] == magic.1, bytes[2] == magic.2, bytes[3] == magic.3
        else { throw .badMagic }
        guard bytes[4] == version else { throw .unsupportedVersion(bytes[4]) }
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<16])) == readU32(bytes, 16)
        else { throw .checksumMismatch }
        guard bytes[5] == 0, bytes[6] == 0, bytes[7] == 0 else { throw .malformed }
        var reader = StateReader(bytes: UnsafeRawBufferPointer(rebasing: bytes[8..<16]))
        guard let floor = reader.i64(), floor >= 0 else { throw .malformed }
        return floor
    }
}
