// Typed views of the RDATA the resolver and cache read most, straight from a
// message (names decompressed, numbers decoded, no allocation).

extension Record {
    /// The single name of NS, CNAME, DNAME and PTR RDATA.
    @inlinable
    public func targetName(in message: UnsafeRawBufferPointer) throws(WireError) -> Name {
        guard type == .ns || type == .cname || type == .dname || type == .ptr else { throw .badRData }
        let (name, end) = try Name.read(from: message, at: rdataOffset, inlineLimit: rdataEnd)
        guard end == rdataEnd else { throw .badRData }
        return name
    }
}

/// SOA RDATA (RFC 1035 §3.3.13).
public struct SOAData: Equatable, Sendable {
    public var primaryServer: Name
    public var responsibleMailbox: Name
    public var serial: UInt32
    public var refreshSeconds: UInt32
    public var retrySeconds: UInt32
    public var expireSeconds: UInt32
    /// Negative-caching TTL (RFC 2308 §4).
    public var minimumSeconds: UInt32

    @inlinable
    public init(_ record: Record, in message: UnsafeRawBufferPointer) throws(WireError) {
        guard record.type == .soa else { throw .badRData }
        let (mname, afterM) = try Name.read(from: message, at: record.rdataOffset, inlineLimit: record.rdataEnd)
        let (rname, afterR) = try Name.read(from: message, at: afterM, inlineLimit: record.rdataEnd)
        guard afterR + 20 == record.rdataEnd else { throw .badRData }
        primaryServer = mname
        responsibleMailbox = rname
        serial = loadU32(message, afterR)
        refreshSeconds = loadU32(message, afterR + 4)
        retrySeconds = loadU32(message, afterR + 8)
        expireSeconds = loadU32(message, afterR + 12)
        minimumSeconds = loadU32(message, afterR + 16)
    }
}

/// MX RDATA (RFC 1035 §3.3.9).
public struct MXData: Equatable, Sendable {
    public var preference: UInt16
    public var exchange: Name

    @inlinable
    public init(_ record: Record, in message: UnsafeRawBufferPointer) throws(WireError) {
        guard record.type == .mx, record.rdataLength >= 3 else { throw .badRData }
        preference = loadU16(message, record.rdataOffset)
        let (name, end) = try Name.read(from: message, at: record.rdataOffset + 2, inlineLimit: record.rdataEnd)
        guard end == record.rdataEnd else { throw .badRData }
        exchange = name
    }
}

/// SRV RDATA (RFC 2782).
public struct SRVData: Equatable, Sendable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    public var target: Name

    @inlinable
    public init(_ record: Record, in message: UnsafeRawBufferPointer) throws(WireError) {
        guard record.type == .srv, record.rdataLength >= 7 else { throw .badRData }
        priority = loadU16(message, record.rdataOffset)
        weight = loadU16(message, record.rdataOffset + 2)
        port = loadU16(message, record.rdataOffset + 4)
        let (name, end) = try Name.read(from: message, at: record.rdataOffset + 6, inlineLimit: record.rdataEnd)
        guard end == record.rdataEnd else { throw .badRData }
        target = name
    }
}

/// RRSIG RDATA (RFC 4034 §3.1); the signature stays a range of the message.
public struct RRSIGData: Equatable, Sendable {
    public var typeCovered: RRType
    public var algorithm: UInt8
    public var labels: UInt8
    public var originalTTLSeconds: UInt32
    public var expiration: UInt32
    public var inception: UInt32
    public var keyTag: UInt16
    public var signer: Name
    public var signatureOffset: Int
    public var signatureLength: Int

    @inlinable
    public init(_ record: Record, in message: UnsafeRawBufferPointer) throws(WireError) {
        guard record.type == .rrsig, record.rdataLength >= 19 else { throw .badRData }
        let p = record.rdataOffset
        typeCovered = RRType(loadU16(message, p))
        algorithm = message[p + 2]
        labels = message[p + 3]
        originalTTLSeconds = loadU32(message, p + 4)
        expiration = loadU32(message, p + 8)
        inception = loadU32(message, p + 12)
        keyTag = loadU16(message, p + 16)
        let (name, end) = try Name.read(from: message, at: p + 18, inlineLimit: record.rdataEnd)
        guard end <= record.rdataEnd else { throw .badRData }
        signer = name
        signatureOffset = end
        signatureLength = record.rdataEnd - end
    }
}

/// NSEC RDATA (RFC 4034 §4.1): next owner and the type bitmap range.
public struct NSECData: Equatable, Sendable {
    public var nextOwner: Name
    public var bitmapOffset: Int
    public var bitmapLength: Int

    @inlinable
    public init(_ record: Record, in message: UnsafeRawBufferPointer) throws(WireError) {
        guard record.type == .nsec else { throw .badRData }
        let (name, end) = try Name.read(from: message, at: record.rdataOffset, inlineLimit: record.rdataEnd)
        guard end <= record.rdataEnd else { throw .badRData }
        try TypeBitmap.validate(message, end, record.rdataEnd)
        nextOwner = name
        bitmapOffset = end
        bitmapLength = record.rdataEnd - end
    }

    @inlinable
    public func hasType(_ type: RRType, in message: UnsafeRawBufferPointer) -> Bool {
        TypeBitmap.contains(type, message, bitmapOffset, bitmapOffset + bitmapLength)
    }
}
