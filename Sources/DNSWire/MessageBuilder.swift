// MessageBuilder: writes a message into a caller-owned buffer, compressing
// owner names and the names inside NS/CNAME/SOA/PTR/MX RDATA (RFC 3597 §4:
// the only types whose RDATA may be compressed). No allocation.
//
// Every add either succeeds completely or throws and leaves the buffer as
// it was: header counts always match what was written, so after `.noSpace`
// the caller can set TC and send what is there.

public struct MessageBuilder {
    public let buffer: UnsafeMutableRawBufferPointer
    /// Bytes written so far: the message length to send.
    @inlinable public var byteCount: Int { written }
    /// The header as written (counts included).
    @inlinable public var header: Header { currentHeader }
    @usableFromInline var written: Int
    @usableFromInline var currentHeader: Header
    @usableFromInline var limit: Int
    @usableFromInline var section: Section = .question
    @usableFromInline var compression = CompressionTable()
    /// Offset of the OPT RR's TTL field, or -1 without OPT.
    @usableFromInline var optTTLOffset = -1
    @usableFromInline var extendedRCodeHigh: UInt8 = 0

    /// Starts a message with `header`'s id and flags (its counts are ignored).
    @inlinable
    public init(buffer: UnsafeMutableRawBufferPointer, header: Header) throws(BuildError) {
        guard buffer.count >= Header.byteCount else { throw .noSpace }
        self.buffer = buffer
        self.currentHeader = Header(id: header.id, flags: header.flags)
        self.limit = min(buffer.count, Limits.messageByteCountMax)
        self.written = Header.byteCount
        self.currentHeader.write(to: buffer)
    }

    /// Lowers the size the message may reach (e.g. the client's EDNS UDP
    /// payload size, or 512 without EDNS). Never below what is written.
    @inlinable
    public mutating func setMaxByteCount(_ maxByteCount: Int) {
        limit = max(written, min(maxByteCount, buffer.count, Limits.messageByteCountMax))
    }

    @inlinable public var remainingByteCount: Int { limit - written }

    // MARK: header

    /// Replaces id and flags (counts are the builder's).
    @inlinable
    public mutating func setFlags(id: UInt16, flags: UInt16) {
        currentHeader.id = id
        currentHeader.flags = flags
        currentHeader.write(to: buffer)
    }

    @inlinable
    public mutating func setTruncated() {
        currentHeader.tc = true
        currentHeader.write(to: buffer)
    }

    /// Sets the RCODE; values above 15 also need an OPT RR (RFC 6891 §6.1.3),
    /// which is patched now or when added.
    @inlinable
    public mutating func setRCode(_ rcode: RCode) {
        currentHeader.rcode = rcode
        currentHeader.write(to: buffer)
        extendedRCodeHigh = UInt8(truncatingIfNeeded: rcode.rawValue >> 4)
        if optTTLOffset >= 0 { buffer[optTTLOffset] = extendedRCodeHigh }
    }

    // MARK: questions and records

    @inlinable
    public mutating func addQuestion(_ name: Name, type: RRType, rrClass: RRClass) throws(BuildError) {
        guard section == .question else { throw .outOfOrder }
        let saved = (written, compression.count)
        do {
            try writeName(name, compress: true)
            try need(4)
            storeU16(buffer, written, type.rawValue)
            storeU16(buffer, written + 2, rrClass.rawValue)
            written += 4
        } catch {
            (written, compression.count) = saved
            throw error
        }
        currentHeader.questionCount += 1
        currentHeader.write(to: buffer)
    }

    /// Adds one record. `rdata` is uncompressed wire RDATA; names inside
    /// NS/CNAME/SOA/PTR/MX are compressed on the way in.
    @inlinable
    public mutating func addRecord(_ section: Section, owner: Name, type: RRType, rrClass: RRClass,
                                   ttlSeconds: UInt32, rdata: UnsafeRawBufferPointer) throws(BuildError) {
        guard section != .question, section.rawValue >= self.section.rawValue else { throw .outOfOrder }
        guard type != .opt else { throw .outOfOrder }
        let saved = (written, compression.count)
        do {
            try writeName(owner, compress: true)
            try need(10)
            storeU16(buffer, written, type.rawValue)
            storeU16(buffer, written + 2, rrClass.rawValue)
            storeU32(buffer, written + 4, ttlSeconds)
            let rdlengthOffset = written + 8
            written += 10
            try writeRData(type: type, rdata: rdata)
            storeU16(buffer, rdlengthOffset, UInt16(written - rdlengthOffset - 2))
        } catch {
            (written, compression.count) = saved
            throw error
        }
        self.section = section
        switch section {
        case .answer: currentHeader.answerCount += 1
        case .authority: currentHeader.authorityCount += 1
        default: currentHeader.additionalCount += 1
        }
        currentHeader.write(to: buffer)
    }

    /// Convenience for tests and start-up code.
    public mutating func addRecord(_ section: Section, owner: Name, type: RRType, rrClass: RRClass,
                                   ttlSeconds: UInt32, rdata: [UInt8]) throws(BuildError) {
        let result = rdata.withUnsafeBytes { raw in
            Result { () throws(BuildError) in
                try addRecord(section, owner: owner, type: type, rrClass: rrClass, ttlSeconds: ttlSeconds, rdata: raw)
            }
        }
        try result.get()
    }

    // MARK: internals

    @inlinable
    func need(_ count: Int) throws(BuildError) {
        guard written + count <= limit else { throw .noSpace }
    }

    @inlinable
    mutating func writeRData(type: RRType, rdata: UnsafeRawBufferPointer) throws(BuildError) {
        guard rdata.count <= 0xFFFF else { throw .badRData(.rdataTooLong) }
        guard RDataSchema.hasCompressibleNames(type) else {
            try writeBytes(rdata, 0, rdata.count)
            return
        }
        var position = 0
        var index = 0
        while let field = RDataSchema.field(type, index) {
            if field.isName {
                let after: Int
                do { after = try Name.skip(in: rdata, at: position, allowCompression: false) }
                catch { throw .badRData(error) }
                try writeName(wire: UnsafeRawBufferPointer(rebasing: rdata[position..<after]),
                              compress: field == .compressibleName)
                position = after
            } else {
                let length: Int
                do { length = try RData.fieldLength(field, rdata, position, rdata.count) }
                catch { throw .badRData(error) }
                try writeBytes(rdata, position, length)
                position += length
            }
            index += 1
        }
        guard position == rdata.count else { throw .badRData(.badRData) }
    }

    @inlinable
    mutating func writeBytes(_ source: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) throws(BuildError) {
        try need(length)
        if length > 0 {
            UnsafeMutableRawBufferPointer(rebasing: buffer[written..<(written + length)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + length)]))
        }
        written += length
    }

    /// Writes `name`, ending in a pointer to the longest suffix already in
    /// the message when `compress`; remembers the new suffixes.
    @inlinable
    mutating func writeName(_ name: Name, compress: Bool) throws(BuildError) {
        let result = name.withUnsafeBytes { wire in
            Result { () throws(BuildError) in try writeName(wire: wire, compress: compress) }
        }
        try result.get()
    }

    /// `writeName` over a valid uncompressed wire name.
    @inlinable
    mutating func writeName(wire: UnsafeRawBufferPointer, compress: Bool) throws(BuildError) {
        // Fast path: most owner names repeat the question name at offset 12.
        if compress && currentHeader.questionCount > 0
            && Header.byteCount + wire.count <= written
            && bytesEqual(buffer.baseAddress! + Header.byteCount, wire.baseAddress!, wire.count) {
            try need(2)
            storeU16(buffer, written, 0xC000 | UInt16(Header.byteCount))
            written += 2
            return
        }
        // Label starts and suffix hashes, computed right to left in one pass
        // (a 255-byte name has at most 127 labels), in uninitialised stack
        // scratch: nothing to zero, no bounds checks on the hot path.
        let result = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 256) { scratch in
            Result { () throws(BuildError) in
                try writeName(wire: wire, compress: compress, starts: scratch.baseAddress!,
                              hashes: scratch.baseAddress! + 128)
            }
        }
        try result.get()
    }

    @inlinable
    mutating func writeName(wire: UnsafeRawBufferPointer, compress: Bool,
                            starts: UnsafeMutablePointer<UInt32>, hashes: UnsafeMutablePointer<UInt32>) throws(BuildError) {
        var labelCount = 0
        var position = 0
        while wire[position] != 0 && labelCount < 128 {
            starts[labelCount] = UInt32(position)
            labelCount += 1
            position += Int(wire[position]) + 1
        }
        var hash: UInt32 = 2_166_136_261
        var index = labelCount - 1
        let bytes = wire.baseAddress!.assumingMemoryBound(to: UInt8.self)
        while index >= 0 {
            let start = Int(starts[index])
            for i in start...(start + Int(bytes[start])) { hash = (hash ^ UInt32(bytes[i])) &* 16_777_619 }
            hashes[index] = hash
            index -= 1
        }
        // Longest suffix already in the message.
        let message = UnsafeRawBufferPointer(rebasing: buffer[0..<written])
        var matched = labelCount
        var pointer = -1
        if compress {
            var i = 0
            while i < labelCount {
                if let target = compression.find(wire, from: Int(starts[i]), hash: hashes[i], in: message) {
                    matched = i
                    pointer = target
                    break
                }
                i += 1
            }
        }
        let prefixLength = matched < labelCount ? Int(starts[matched]) : wire.count - 1
        let nameStart = written
        try need(prefixLength + (pointer >= 0 ? 2 : 1))
        if prefixLength > 0 {
            UnsafeMutableRawBufferPointer(rebasing: buffer[written..<(written + prefixLength)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: wire[0..<prefixLength]))
        }
        written += prefixLength
        if pointer >= 0 {
            storeU16(buffer, written, 0xC000 | UInt16(pointer))
            written += 2
        } else {
            buffer[written] = 0
            written += 1
        }
        // Remember the new suffixes; uncompressed names (SRV, DNAME targets)
        // may still be pointed to.
        var i = 0
        while i < matched {
            compression.add(hash: hashes[i], offset: nameStart + Int(starts[i]))
            i += 1
        }
    }
}
