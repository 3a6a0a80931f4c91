// RData: checks RDATA against its schema and copies it out of a message in
// canonical form (names decompressed, optionally lowercased) for the cache
// and for DNSSEC (RFC 4034 §6.2). No allocation.

public enum RData {
    /// Checks the RDATA of a known type; unknown types are opaque and pass.
    @inlinable
    public static func validate(type: RRType, in message: UnsafeRawBufferPointer,
                                at offset: Int, length: Int) throws(WireError) {
        _ = try walk(type: type, in: message, at: offset, length: length,
                     into: nil, lowercaseNames: false)
    }

    /// Copies RDATA into `out` with every name decompressed and, if
    /// `lowercaseNames`, the names RFC 4034 §6.2 / RFC 6840 §5.1 list
    /// lowercased (never NSEC's next name, never SVCB targets). Unknown types
    /// are copied verbatim (RFC 3597 §7). Returns the byte count written.
    @inlinable
    public static func copyCanonical(type: RRType, from message: UnsafeRawBufferPointer,
                                     at offset: Int, length: Int,
                                     into out: UnsafeMutableRawBufferPointer,
                                     lowercaseNames: Bool) throws(WireError) -> Int {
        try walk(type: type, in: message, at: offset, length: length,
                 into: out, lowercaseNames: lowercaseNames)
    }

    /// Convenience: `copyCanonical` for a record the reader returned.
    @inlinable
    public static func copyCanonical(_ record: Record, from message: UnsafeRawBufferPointer,
                                     into out: UnsafeMutableRawBufferPointer,
                                     lowercaseNames: Bool) throws(WireError) -> Int {
        try walk(type: record.type, in: message, at: record.rdataOffset, length: record.rdataLength,
                 into: out, lowercaseNames: lowercaseNames)
    }

    @usableFromInline
    static func walk(type: RRType, in message: UnsafeRawBufferPointer, at offset: Int, length: Int,
                     into out: UnsafeMutableRawBufferPointer?, lowercaseNames: Bool) throws(WireError) -> Int {
        let end = offset + length
        guard offset >= 0, length >= 0, end <= message.count else { throw .rdataPastEnd }
        var writer = RDataWriter(out: out)
        guard RDataSchema.isKnown(type) else {
            try writer.copy(message, offset, length)
            return writer.count
        }
        var position = offset
        var index = 0
        while let field = RDataSchema.field(type, index) {
            position = try walkField(field, message, position, end, &writer, lowercaseNames)
            index += 1
        }
        guard position == end else { throw .badRData }
        return writer.count
    }

    @usableFromInline
    static func walkField(_ field: RDataField, _ message: UnsafeRawBufferPointer, _ position: Int, _ end: Int,
                          _ writer: inout RDataWriter, _ lowercaseNames: Bool) throws(WireError) -> Int {
        if field.isName {
            let (after, count) = try Name.copyDecompressed(
                from: message, at: position, allowCompression: field != .uncompressedName, inlineLimit: end,
                into: writer.out, at: writer.count, lowercase: lowercaseNames && field.lowercasedInCanonicalForm)
            guard after <= end else { throw .badRData }  // a pointer's 2nd byte past RDLENGTH
            writer.count += count
            return after
        }
        let length = try fieldLength(field, message, position, end)
        try writer.copy(message, position, length)
        return position + length
    }

    /// Byte length of a non-name field at `position`, checked.
    @usableFromInline
    static func fieldLength(_ field: RDataField, _ message: UnsafeRawBufferPointer,
                            _ position: Int, _ end: Int) throws(WireError) -> Int {
        let available = end - position
        guard available >= 0 else { throw .badRData }
        let length: Int
        switch field {
        case .u8: length = 1
        case .u16, .type: length = 2
        case .u32, .time, .ipv4: length = 4
        case .ipv6: length = 16
        case .characterString, .hexSalt:
            guard available >= 1 else { throw .badRData }
            length = 1 + Int(message[position])
        case .base32Hash:
            guard available >= 1, message[position] > 0 else { throw .badRData }
            length = 1 + Int(message[position])
        case .characterStrings:
            guard available >= 1 else { throw .badRData }
            var p = position
            while p < end { p += 1 + Int(message[p]) }
            length = p - position
        case .hexRest, .base64Rest: length = available
        case .typeBitmap:
            try TypeBitmap.validate(message, position, end)
            length = available
        case .svcParams, .delegParams:
            try SVCParams.validate(message, position, end, deleg: field == .delegParams)
            length = available
        case .compressibleName, .lowercasedName, .caseKeptName, .uncompressedName:
            length = 0  // handled by walkField
        }
        guard length <= available else { throw .badRData }
        return length
    }
}

/// Appends to an optional output buffer; with no buffer it only counts.
@usableFromInline
struct RDataWriter {
    @usableFromInline let out: UnsafeMutableRawBufferPointer?
    @usableFromInline var count = 0

    @inlinable init(out: UnsafeMutableRawBufferPointer?) { self.out = out }

    @inlinable
    mutating func copy(_ source: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) throws(WireError) {
        if let out {
            guard count + length <= out.count else { throw .rdataTooLong }
            if length > 0 {
                UnsafeMutableRawBufferPointer(rebasing: out[count..<(count + length)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + length)]))
            }
        }
        count += length
    }

}
