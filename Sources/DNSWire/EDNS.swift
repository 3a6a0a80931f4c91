// EDNS(0) (RFC 6891): the OPT RR's fixed fields and its options, read in
// place. Option values stay offsets into the message (no copies).

/// The EDNS header flag bits (RFC 6891 §6.1.4, IANA "EDNS Header Flags"):
/// bit 0 is the most significant of the 16.
public enum EDNSFlags {
    /// Bit 0, DO (RFC 3225).
    public static let dnssecOK: UInt16 = 0x8000
    /// Bit 2, DE: the sender is Delegation-Extension-aware, which means
    /// DELEG-aware (draft-ietf-dnsop-delext-11 §5.1 and §8.1, the value
    /// draft-ietf-deleg asked for; bit 1 is CO, RFC 9824).
    public static let delegationExtensions: UInt16 = 0x2000
}

public struct EDNS: Equatable, Sendable {
    /// Requestor's UDP payload size (CLASS field, RFC 6891 §6.1.2).
    public var udpPayloadSize: UInt16
    /// Upper 8 bits of the 12-bit RCODE (RFC 6891 §6.1.3).
    public var extendedRCodeHigh: UInt8
    public var version: UInt8
    /// The 16 flag bits; bit 15 is DO (RFC 3225).
    public var flags: UInt16
    /// The options, as a range of the message.
    public var optionsOffset: Int
    public var optionsLength: Int

    @inlinable public var dnssecOK: Bool { flags & EDNSFlags.dnssecOK != 0 }
    /// DE, Delegation Extensions (draft-ietf-dnsop-delext-11 §5.1).
    @inlinable public var delegationExtensions: Bool { flags & EDNSFlags.delegationExtensions != 0 }

    /// Reads the OPT record (as found by `MessageReader.opt`) and checks
    /// that its options fill the RDATA exactly.
    @inlinable
    public init(_ record: Record, in message: UnsafeRawBufferPointer) throws(WireError) {
        udpPayloadSize = record.rrClass.rawValue
        extendedRCodeHigh = UInt8(truncatingIfNeeded: record.ttlSeconds >> 24)
        version = UInt8(truncatingIfNeeded: record.ttlSeconds >> 16)
        flags = UInt16(truncatingIfNeeded: record.ttlSeconds)
        optionsOffset = record.rdataOffset
        optionsLength = record.rdataLength
        var options = EDNSOptionIterator(message: message, start: optionsOffset, end: optionsOffset + optionsLength)
        while try options.next() != nil {}
    }

    /// The full RCODE of a message with this OPT (RFC 6891 §6.1.3).
    @inlinable public func rcode(header: Header) -> RCode {
        header.extendedRCode(optHighBits: extendedRCodeHigh)
    }

    @inlinable
    public func options(in message: UnsafeRawBufferPointer) -> EDNSOptionIterator {
        EDNSOptionIterator(message: message, start: optionsOffset, end: optionsOffset + optionsLength)
    }
}

/// One EDNS option: code and value range in the message.
public struct EDNSOption: Equatable, Sendable {
    public var code: EDNSOptionCode
    public var valueOffset: Int
    public var valueLength: Int

    @inlinable public init(code: EDNSOptionCode, valueOffset: Int, valueLength: Int) {
        self.code = code
        self.valueOffset = valueOffset
        self.valueLength = valueLength
    }
}

/// Walks the options of an OPT RDATA.
public struct EDNSOptionIterator {
    public let message: UnsafeRawBufferPointer
    @usableFromInline var position: Int
    @usableFromInline let end: Int

    @inlinable public init(message: UnsafeRawBufferPointer, start: Int, end: Int) {
        self.message = message
        self.position = start
        self.end = end
    }

    @inlinable
    public mutating func next() throws(WireError) -> EDNSOption? {
        guard position < end else { return nil }
        guard position + 4 <= end else { throw .badEDNSOption }
        let length = Int(loadU16(message, position + 2))
        guard position + 4 + length <= end else { throw .badEDNSOption }
        let option = EDNSOption(code: EDNSOptionCode(loadU16(message, position)),
                                valueOffset: position + 4, valueLength: length)
        position += 4 + length
        return option
    }
}

/// COOKIE option (RFC 7873 §4): 8-byte client cookie, optional 8..32-byte
/// server cookie. Inline storage.
public struct Cookie: Equatable, Sendable {
    public var client: UInt64
    public var serverByteCount: Int
    public var server: InlineArray<32, UInt8>

    public init(client: UInt64) {
        self.client = client
        self.serverByteCount = 0
        self.server = InlineArray(repeating: 0)
    }

    @inlinable
    public init(_ option: EDNSOption, in message: UnsafeRawBufferPointer) throws(WireError) {
        let length = option.valueLength
        // RFC 7873 §5.2.2: 8 (client only) or 16..40 bytes, else FORMERR.
        guard length == 8 || (length >= 16 && length <= 8 + Limits.serverCookieByteCountMax) else {
            throw .badEDNSOption
        }
        client = UInt64(loadU32(message, option.valueOffset)) << 32 | UInt64(loadU32(message, option.valueOffset + 4))
        serverByteCount = length - 8
        server = InlineArray(repeating: 0)
        for i in 0..<serverByteCount { server[i] = message[option.valueOffset + 8 + i] }
    }

    public static func == (lhs: Cookie, rhs: Cookie) -> Bool {
        guard lhs.client == rhs.client, lhs.serverByteCount == rhs.serverByteCount else { return false }
        for i in 0..<lhs.serverByteCount where lhs.server[i] != rhs.server[i] { return false }
        return true
    }
}

/// What a message says about cookies: no COOKIE option, a malformed one
/// (RFC 7873 §5.2.2: a server answers FORMERR), or the first one (§5.2:
/// only the first COOKIE option counts).
public enum CookieInMessage: Equatable, Sendable {
    case none
    case malformed
    case present(Cookie)
}

extension Cookie {
    /// The first COOKIE option of `message`'s OPT RR. A message that cannot
    /// be read to its end, or without OPT, has `.none` (its other faults are
    /// the reader's to report).
    public static func first(in message: UnsafeRawBufferPointer) -> CookieInMessage {
        guard var reader = try? MessageReader(message), (try? reader.skipToEnd()) != nil,
              let opt = reader.opt, let edns = try? EDNS(opt, in: message) else { return .none }
        var options = edns.options(in: message)
        while let option = try? options.next() {
            guard option.code == .cookie else { continue }
            guard let cookie = try? Cookie(option, in: message) else { return .malformed }
            return .present(cookie)
        }
        return .none
    }
}

/// Extended DNS Error (RFC 8914 §2): info-code plus UTF-8 text (a range).
public struct ExtendedError: Equatable, Sendable {
    public var code: EDECode
    public var textOffset: Int
    public var textLength: Int

    @inlinable
    public init(_ option: EDNSOption, in message: UnsafeRawBufferPointer) throws(WireError) {
        guard option.valueLength >= 2 else { throw .badEDNSOption }
        code = EDECode(loadU16(message, option.valueOffset))
        textOffset = option.valueOffset + 2
        textLength = option.valueLength - 2
    }
}

/// Report-Channel (RFC 9567 §5.3): the agent domain, uncompressed.
public struct ReportChannel: Equatable, Sendable {
    public var agentDomain: Name

    @inlinable
    public init(_ option: EDNSOption, in message: UnsafeRawBufferPointer) throws(WireError) {
        let value = UnsafeRawBufferPointer(rebasing: message[option.valueOffset..<(option.valueOffset + option.valueLength)])
        do { agentDomain = try Name(wire: value) } catch { throw .badEDNSOption }
    }
}
