// The RFC 5011 state file: a compact, versioned, checksummed binary form of
// AnchorState, written rarely (AnchorStateWritePolicy) with Platform's
// crash-safe `File.replace` and verified on every read (DESIGN.md §2.7).
//
// Format, version 1 (all integers big-endian, times are Unix seconds):
//   magic "S5AT" (4) | version 1 (1) | trust point count (1) | reserved 0 (2)
//   per trust point:
//     owner length (1) | owner wire name, lowercase, uncompressed
//     last refresh (i64) | original TTL (u32) | signature seconds left (u32)
//     key count (1)
//     per key: state (1: 1 AddPend, 2 Valid, 3 Missing, 4 Revoked)
//              first seen (i64) | last seen (i64) | hold-down end (i64)
//              RDATA length (u16) | DNSKEY RDATA
//   CRC-32 (u32) of every byte before it
// Anything else — short, long, wrong magic or version, bad CRC, a limit
// exceeded, an unknown state — is rejected with a typed error; the daemon then
// falls back to the compiled-in anchors (one log line).
import DNSWire

public enum AnchorStateFileError: Error, Equatable, Sendable {
    case truncated             // shorter than its own framing says
    case badMagic
    case unsupportedVersion(UInt8)
    case checksumMismatch
    case malformed             // bad field value, trailing bytes, duplicate owner
    case limitExceeded         // more trust points, keys or RDATA than RFC5011Limits
    case bufferTooSmall        // encode: the caller's buffer
}

public enum AnchorStateFile {
    public static let magic: (UInt8, UInt8, UInt8, UInt8) = (0x53, 0x35, 0x41, 0x54)  // "S5AT"
    public static let version: UInt8 = 1
    static let headerByteCount = 8
    static let checksumByteCount = 4
    static let trustPointFixedByteCount = 1 + 8 + 4 + 4 + 1
    static let keyFixedByteCount = 1 + 8 + 8 + 8 + 2
    /// Largest encoding of a full table: a buffer this big always suffices.
    public static let encodedByteCountMax = headerByteCount + checksumByteCount
        + RFC5011Limits.trustPointCountMax * (trustPointFixedByteCount + 255
            + RFC5011Limits.keysPerTrustPointMax * (keyFixedByteCount + RFC5011Limits.keyRDataByteCountMax))
}

extension AnchorState {
    /// Writes the version-1 encoding into `buffer`; returns its byte count.
    public func encode(into buffer: UnsafeMutableRawBufferPointer) throws(AnchorStateFileError) -> Int {
        var writer = StateWriter(buffer: buffer)
        let m = AnchorStateFile.magic
        var ok = writer.u8(m.0) && writer.u8(m.1) && writer.u8(m.2) && writer.u8(m.3)
        ok = ok && writer.u8(AnchorStateFile.version) && writer.u8(UInt8(trustPointCount)) && writer.u16(0)
        for p in 0..<trustPointCount where ok { ok = encodeTrustPoint(points[p], into: &writer) }
        guard ok else { throw .bufferTooSmall }
        let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<writer.offset]))
        guard writer.u32(crc) else { throw .bufferTooSmall }
        return writer.offset
    }

    private func encodeTrustPoint(_ point: TrustPointRecord, into writer: inout StateWriter) -> Bool {
        var ok = writer.u8(UInt8(point.owner.byteCount))
        for i in 0..<point.owner.byteCount where ok { ok = writer.u8(point.owner[byte: i]) }
        ok = ok && writer.i64(point.lastRefreshSeconds) && writer.u32(point.originalTTLSeconds)
            && writer.u32(point.signatureSecondsLeft) && writer.u8(UInt8(point.keyCount))
        for k in 0..<point.keyCount where ok {
            let key = point.keys[k]
            ok = writer.u8(key.state.rawValue) && writer.i64(key.firstSeenSeconds)
                && writer.i64(key.lastSeenSeconds) && writer.i64(key.holdDownEndSeconds)
                && writer.u16(UInt16(key.rdataByteCount))
            for i in 0..<key.rdataByteCount where ok { ok = writer.u8(key.rdata[i]) }
        }
        return ok
    }

    /// Parses and verifies a state file. A decoded state is not dirty.
    public static func decode(bytes: UnsafeRawBufferPointer) throws(AnchorStateFileError) -> AnchorState {
        let bodyByteCount = bytes.count - AnchorStateFile.checksumByteCount
        guard bodyByteCount >= AnchorStateFile.headerByteCount else { throw .truncated }
        let m = AnchorStateFile.magic
        guard bytes[0] == m.0, bytes[1] == m.1, bytes[2] == m.2, bytes[3] == m.3 else { throw .badMagic }
        guard bytes[4] == AnchorStateFile.version else { throw .unsupportedVersion(bytes[4]) }
        let body = UnsafeRawBufferPointer(rebasing: bytes[0..<bodyByteCount])
        guard CRC32.checksum(body) == readU32(bytes, bodyByteCount) else { throw .checksumMismatch }
        var reader = StateReader(bytes: body, offset: 5)
        guard let pointCount = reader.u8(), let reserved = reader.u16() else { throw .truncated }
        guard reserved == 0 else { throw .malformed }
        guard Int(pointCount) <= RFC5011Limits.trustPointCountMax else { throw .limitExceeded }
        var state = AnchorState()
        for _ in 0..<Int(pointCount) {
            let point = try decodeTrustPoint(&reader)
            guard state.index(of: point.owner) == nil else { throw .malformed }
            state.points[state.trustPointCount] = point
            state.trustPointCount += 1
        }
        guard reader.isAtEnd else { throw .malformed }
        return state
    }

    private static func decodeTrustPoint(_ reader: inout StateReader) throws(AnchorStateFileError) -> TrustPointRecord {
        guard let ownerLength = reader.u8(), let ownerBytes = reader.take(Int(ownerLength)) else { throw .truncated }
        let owner: Name
        do { owner = try Name(wire: ownerBytes) } catch { throw .malformed }
        var point = TrustPointRecord(owner: owner)
        guard let lastRefresh = reader.i64(), let ttl = reader.u32(), let secondsLeft = reader.u32(),
              let keyCount = reader.u8() else { throw .truncated }
        guard Int(keyCount) <= RFC5011Limits.keysPerTrustPointMax else { throw .limitExceeded }
        point.lastRefreshSeconds = lastRefresh
        point.originalTTLSeconds = ttl
        point.signatureSecondsLeft = secondsLeft
        for _ in 0..<Int(keyCount) {
            let key = try decodeKey(&reader)
            let duplicate = key.withRData { point.index(ofKey: $0) != nil }
            guard !duplicate, point.append(key) else { throw .malformed }
        }
        return point
    }

    private static func decodeKey(_ reader: inout StateReader) throws(AnchorStateFileError) -> AnchorKeyRecord {
        guard let rawState = reader.u8(), let firstSeen = reader.i64(), let lastSeen = reader.i64(),
              let holdDownEnd = reader.i64(), let length = reader.u16() else { throw .truncated }
        guard let state = AnchorKeyState(rawValue: rawState) else { throw .malformed }
        guard Int(length) <= RFC5011Limits.keyRDataByteCountMax else { throw .limitExceeded }
        guard let rdata = reader.take(Int(length)) else { throw .truncated }
        guard let view = DNSKEYView(rdata: rdata), view.isRevoked == (state == .revoked),
              var key = AnchorKeyRecord(rdata: rdata, state: state, nowSeconds: firstSeen,
                                        holdDownEndSeconds: holdDownEnd) else { throw .malformed }
        key.lastSeenSeconds = lastSeen
        return key
    }
}
