// The OPT RR part of MessageBuilder (RFC 6891): add the OPT RR, then append
// options to it. Options must directly follow the OPT RR (it stays the last
// thing written while options are added).

extension MessageBuilder {
    /// Adds the OPT RR to the additional section.
    @inlinable
    public mutating func addOPT(udpPayloadSize: UInt16, version: UInt8 = 0,
                                dnssecOK: Bool = false) throws(BuildError) {
        try addOPT(udpPayloadSize: udpPayloadSize, version: version, flags: dnssecOK ? 0x8000 : 0)
    }

    /// Adds the OPT RR with all 16 flag bits given (bit 15 is DO).
    @inlinable
    public mutating func addOPT(udpPayloadSize: UInt16, version: UInt8, flags: UInt16) throws(BuildError) {
        guard optTTLOffset < 0 else { throw .duplicateOPT }
        try need(11)
        buffer[written] = 0  // owner: root
        storeU16(buffer, written + 1, RRType.opt.rawValue)
        storeU16(buffer, written + 3, udpPayloadSize)
        let ttl = UInt32(extendedRCodeHigh) << 24 | UInt32(version) << 16 | UInt32(flags)
        storeU32(buffer, written + 5, ttl)
        storeU16(buffer, written + 9, 0)
        optTTLOffset = written + 5
        written += 11
        section = .additional
        currentHeader.additionalCount += 1
        currentHeader.write(to: buffer)
    }

    /// Appends one option with an opaque value (unknown options, padding).
    @inlinable
    public mutating func addOption(_ code: EDNSOptionCode, value: UnsafeRawBufferPointer) throws(BuildError) {
        try beginOption(code, valueLength: value.count)
        try writeBytes(value, 0, value.count)
        endOption()
    }

    /// COOKIE (RFC 7873 §4).
    @inlinable
    public mutating func addCookie(_ cookie: Cookie) throws(BuildError) {
        try beginOption(.cookie, valueLength: 8 + cookie.serverByteCount)
        storeU32(buffer, written, UInt32(truncatingIfNeeded: cookie.client >> 32))
        storeU32(buffer, written + 4, UInt32(truncatingIfNeeded: cookie.client))
        for i in 0..<cookie.serverByteCount { buffer[written + 8 + i] = cookie.server[i] }
        written += 8 + cookie.serverByteCount
        endOption()
    }

    /// Extended DNS Error (RFC 8914 §2) with UTF-8 `text` (may be empty).
    @inlinable
    public mutating func addExtendedError(_ code: EDECode, text: UnsafeRawBufferPointer) throws(BuildError) {
        try beginOption(.extendedError, valueLength: 2 + text.count)
        storeU16(buffer, written, code.rawValue)
        written += 2
        try writeBytes(text, 0, text.count)
        endOption()
    }

    /// Extended DNS Error with constant text.
    @inlinable
    public mutating func addExtendedError(_ code: EDECode, text: StaticString = "") throws(BuildError) {
        let raw = UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        try addExtendedError(code, text: raw)
    }

    /// Report-Channel (RFC 9567 §5.3): the agent domain, uncompressed.
    @inlinable
    public mutating func addReportChannel(_ agentDomain: Name) throws(BuildError) {
        try beginOption(.reportChannel, valueLength: agentDomain.byteCount)
        for i in 0..<agentDomain.byteCount { buffer[written + i] = agentDomain[byte: i] }
        written += agentDomain.byteCount
        endOption()
    }

    /// Padding (RFC 7830) so the message length becomes a multiple of
    /// `blockByteCount` (RFC 8467: 468 for responses, 128 for queries),
    /// or as close as the size limit allows.
    @inlinable
    public mutating func addPadding(blockByteCount: Int = Limits.responsePaddingBlockByteCount) throws(BuildError) {
        let afterHeader = written + 4
        var padding = blockByteCount > 0 ? (blockByteCount - afterHeader % blockByteCount) % blockByteCount : 0
        padding = min(padding, limit - afterHeader)
        try beginOption(.padding, valueLength: max(padding, 0))
        for i in 0..<padding { buffer[written + i] = 0 }  // zeros: no buffer bleed
        written += padding
        endOption()
    }

    /// Writes an option header after checking the whole option fits and the
    /// OPT RR is the last thing written.
    @inlinable
    mutating func beginOption(_ code: EDNSOptionCode, valueLength: Int) throws(BuildError) {
        guard optTTLOffset >= 0, optTTLOffset + 6 + Int(optRDataLength) == written else { throw .outOfOrder }
        guard valueLength <= 0xFFFF, Int(optRDataLength) + 4 + valueLength <= 0xFFFF else { throw .noSpace }
        try need(4 + valueLength)
        storeU16(buffer, written, code.rawValue)
        storeU16(buffer, written + 2, UInt16(valueLength))
        written += 4
    }

    /// Sets the OPT RDLENGTH to cover everything written after it.
    @inlinable
    mutating func endOption() {
        storeU16(buffer, optTTLOffset + 4, UInt16(written - optTTLOffset - 6))
    }

    @inlinable var optRDataLength: UInt16 {
        UInt16(buffer[optTTLOffset + 4]) << 8 | UInt16(buffer[optTTLOffset + 5])
    }
}
