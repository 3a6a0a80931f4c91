// Question and Record: what the reader yields. A Record points back into the
// message (offsets), never copies (Unbound's parser does the same).

/// One question entry (RFC 1035 §4.1.2).
public struct Question: Equatable, Sendable {
    public var name: Name
    public var type: RRType
    public var rrClass: RRClass
    @inlinable public init(name: Name, type: RRType, rrClass: RRClass) {
        self.name = name
        self.type = type
        self.rrClass = rrClass
    }
}

/// One resource record inside a message (RFC 1035 §4.1.3), as offsets.
public struct Record: Equatable, Sendable {
    public var section: Section
    /// Offset of the owner name (possibly compressed) in the message.
    public var ownerOffset: Int
    public var type: RRType
    public var rrClass: RRClass
    /// For OPT this is the extended-RCODE/version/flags word (RFC 6891 §6.1.3).
    public var ttlSeconds: UInt32
    public var rdataOffset: Int
    public var rdataLength: Int

    @inlinable
    public init(section: Section, ownerOffset: Int, type: RRType, rrClass: RRClass,
                ttlSeconds: UInt32, rdataOffset: Int, rdataLength: Int) {
        self.section = section
        self.ownerOffset = ownerOffset
        self.type = type
        self.rrClass = rrClass
        self.ttlSeconds = ttlSeconds
        self.rdataOffset = rdataOffset
        self.rdataLength = rdataLength
    }

    @inlinable public var rdataEnd: Int { rdataOffset + rdataLength }

    /// The owner name, decompressed.
    @inlinable public func owner(in message: UnsafeRawBufferPointer) throws(WireError) -> Name {
        try Name.read(from: message, at: ownerOffset).name
    }

    /// The RDATA bytes (still possibly holding compression pointers).
    @inlinable public func rdata(in message: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: message[rdataOffset..<rdataEnd])
    }
}
