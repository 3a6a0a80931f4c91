// Reading names from messages: decompression with bounded pointer following.
// Only backward pointers are accepted (a pointer must target an offset before
// itself), which alone rules out loops; the hop limit also bounds the work.

extension Name {
    /// Reads the name at `offset`, following compression pointers if
    /// `allowCompression`. Returns the name and the offset just after it in
    /// the original position (after the first pointer, if any). The labels
    /// before the first pointer must end before `inlineLimit` (an RDATA end;
    /// `.badRData` otherwise); pointers may target anything earlier.
    @inlinable
    public static func read(
        from bytes: UnsafeRawBufferPointer, at offset: Int, allowCompression: Bool = true,
        inlineLimit: Int = Int.max
    ) throws(WireError) -> (name: Name, end: Int) {
        var name = Name()
        var out = 0
        var position = offset
        var end = -1
        var hops = 0
        while true {
            if end < 0 && position >= inlineLimit { throw .badRData }
            guard position >= 0, position < bytes.count else { throw .truncatedName }
            let lengthByte = bytes[position]
            if lengthByte == 0 {
                name.storage[out] = 0
                name.length = UInt8(out + 1)
                return (name, end < 0 ? position + 1 : end)
            }
            if lengthByte & 0xC0 == 0xC0 {
                guard allowCompression else { throw .compressionNotAllowed }
                let target = try pointerTarget(bytes, at: position)
                hops += 1
                guard hops <= Limits.pointerHopsMax else { throw .tooManyPointers }
                if end < 0 {
                    guard position + 2 <= inlineLimit else { throw .badRData }
                    end = position + 2
                }
                position = target
                continue
            }
            guard lengthByte & 0xC0 == 0 else { throw .labelTooLong }
            let labelLength = Int(lengthByte)
            // +1 for the length byte, +1 for the root label still to come.
            guard out + labelLength + 2 <= Limits.nameByteCountMax else { throw .nameTooLong }
            if end < 0 && position + 1 + labelLength >= inlineLimit { throw .badRData }
            guard position + 1 + labelLength <= bytes.count else { throw .truncatedName }
            // One block copy per label (length byte included); bounds checked above.
            var span = name.storage.mutableSpan
            span.withUnsafeMutableBytes { storage in
                (storage.baseAddress! + out).copyMemory(from: bytes.baseAddress! + position, byteCount: labelLength + 1)
            }
            out += labelLength + 1
            position += labelLength + 1
        }
    }

    /// Checks the name at `offset` like `read` without copying it; returns
    /// the offset just after it. Used when iterating records.
    @inlinable
    public static func skip(
        in bytes: UnsafeRawBufferPointer, at offset: Int, allowCompression: Bool = true
    ) throws(WireError) -> Int {
        var nameLength = 0
        var position = offset
        var end = -1
        var hops = 0
        while true {
            guard position >= 0, position < bytes.count else { throw .truncatedName }
            let lengthByte = bytes[position]
            if lengthByte == 0 { return end < 0 ? position + 1 : end }
            if lengthByte & 0xC0 == 0xC0 {
                guard allowCompression else { throw .compressionNotAllowed }
                let target = try pointerTarget(bytes, at: position)
                hops += 1
                guard hops <= Limits.pointerHopsMax else { throw .tooManyPointers }
                if end < 0 { end = position + 2 }
                position = target
                continue
            }
            guard lengthByte & 0xC0 == 0 else { throw .labelTooLong }
            let labelLength = Int(lengthByte)
            nameLength += labelLength + 1
            guard nameLength + 1 <= Limits.nameByteCountMax else { throw .nameTooLong }
            guard position + 1 + labelLength <= bytes.count else { throw .truncatedName }
            position += labelLength + 1
        }
    }

    /// Like `read`, but writes the uncompressed name straight into `out` at
    /// `outOffset` (lowercased if asked) instead of building a Name: the
    /// canonical-copy path, without 255-byte Name copies. With `out` nil it
    /// only checks. Returns (end in the source, bytes written).
    @inlinable
    static func copyDecompressed(
        from bytes: UnsafeRawBufferPointer, at offset: Int, allowCompression: Bool, inlineLimit: Int,
        into out: UnsafeMutableRawBufferPointer?, at outOffset: Int, lowercase: Bool
    ) throws(WireError) -> (end: Int, byteCount: Int) {
        var written = 0
        var position = offset
        var end = -1
        var hops = 0
        while true {
            if end < 0 && position >= inlineLimit { throw .badRData }
            guard position >= 0, position < bytes.count else { throw .truncatedName }
            let lengthByte = bytes[position]
            if lengthByte == 0 {
                if let out {
                    guard outOffset + written < out.count else { throw .rdataTooLong }
                    out[outOffset + written] = 0
                }
                return (end < 0 ? position + 1 : end, written + 1)
            }
            if lengthByte & 0xC0 == 0xC0 {
                guard allowCompression else { throw .compressionNotAllowed }
                let target = try pointerTarget(bytes, at: position)
                hops += 1
                guard hops <= Limits.pointerHopsMax else { throw .tooManyPointers }
                if end < 0 {
                    guard position + 2 <= inlineLimit else { throw .badRData }
                    end = position + 2
                }
                position = target
                continue
            }
            guard lengthByte & 0xC0 == 0 else { throw .labelTooLong }
            let labelLength = Int(lengthByte)
            guard written + labelLength + 2 <= Limits.nameByteCountMax else { throw .nameTooLong }
            if end < 0 && position + 1 + labelLength >= inlineLimit { throw .badRData }
            guard position + 1 + labelLength <= bytes.count else { throw .truncatedName }
            if let out {
                guard outOffset + written + labelLength + 1 <= out.count else { throw .rdataTooLong }
                out[outOffset + written] = lengthByte
                for i in 1...labelLength {
                    let byte = bytes[position + i]
                    out[outOffset + written + i] = lowercase ? asciiLower(byte) : byte
                }
            }
            written += labelLength + 1
            position += labelLength + 1
        }
    }

    /// The target of the pointer at `position`; must be inside the message
    /// and strictly before the pointer (RFC 1035 §4.1.4: "prior occurrence").
    @inlinable
    static func pointerTarget(_ bytes: UnsafeRawBufferPointer, at position: Int) throws(WireError) -> Int {
        guard position + 1 < bytes.count else { throw .truncatedName }
        let target = Int(bytes[position] & 0x3F) << 8 | Int(bytes[position + 1])
        guard target < bytes.count else { throw .pointerBeyondEnd }
        guard target < position else { throw .forwardPointer }
        return target
    }
    /// True if the (already validated) name at `offset` in `message` equals
    /// the suffix of the uncompressed wire name `wire` from offset `start`,
    /// byte for byte. Compression is case-sensitive on purpose: the builder
    /// never changes the case of what it was given (Unbound matches
    /// case-insensitively and so rewrites case; we prefer fidelity).
    @inlinable
    static func suffixMatches(_ message: UnsafeRawBufferPointer, at offset: Int,
                              wire: UnsafeRawBufferPointer, from start: Int) -> Bool {
        var position = offset
        var mine = start
        var hops = 0
        while true {
            guard position < message.count, mine < wire.count else { return false }
            let lengthByte = message[position]
            if lengthByte & 0xC0 == 0xC0 {
                guard position + 1 < message.count, hops < Limits.pointerHopsMax else { return false }
                hops += 1
                position = Int(lengthByte & 0x3F) << 8 | Int(message[position + 1])
                continue
            }
            guard lengthByte == wire[mine] else { return false }
            if lengthByte == 0 { return true }
            let labelLength = Int(lengthByte)
            guard position + labelLength < message.count, mine + labelLength < wire.count else { return false }
            if bytesCompare(message.baseAddress! + position + 1, wire.baseAddress! + mine + 1, labelLength) != 0 {
                return false
            }
            position += labelLength + 1
            mine += labelLength + 1
        }
    }
}

/// Byte comparison without libc (Embedded-safe, no Foundation).
@inlinable
func bytesCompare(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Int {
    var i = 0
    while i < count {
        let x = a.load(fromByteOffset: i, as: UInt8.self)
        let y = b.load(fromByteOffset: i, as: UInt8.self)
        if x != y { return x < y ? -1 : 1 }
        i += 1
    }
    return 0
}
