// RDataList: the RDATAs of one RRset packed as [UInt16 length][bytes]…, in a
// caller-owned buffer, names decompressed (and lowercased where RFC 4034 §6.2
// says so). This is the Validator's input form: it can come from a message
// (RDataPacker) or from a cache blob, with no per-call allocation.
import DNSWire

public struct RDataList {
    public let bytes: UnsafeRawBufferPointer
    public let count: Int

    /// Checks the framing of `bytes`; at most `ValidatorLimits.rrsetRecordCountMax` entries.
    public init(bytes: UnsafeRawBufferPointer) throws(ValidatorError) {
        var offset = 0
        var count = 0
        while offset < bytes.count {
            guard offset + 2 <= bytes.count else { throw .malformedRDataList }
            let length = Int(readU16(bytes, offset))
            guard offset + 2 + length <= bytes.count else { throw .malformedRDataList }
            count += 1
            guard count <= ValidatorLimits.rrsetRecordCountMax else { throw .tooManyRecords }
            offset += 2 + length
        }
        self.bytes = bytes
        self.count = count
    }

    /// An empty list.
    public init() {
        bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        count = 0
    }

    /// The one-entry list made of the entry starting at `entryOffset`
    /// (framing already checked).
    func single(at entryOffset: Int) -> RDataList {
        let length = Int(readU16(bytes, entryOffset))
        return RDataList(checked: UnsafeRawBufferPointer(rebasing: bytes[entryOffset..<(entryOffset + 2 + length)]),
                         count: 1)
    }

    init(checked bytes: UnsafeRawBufferPointer, count: Int) {
        self.bytes = bytes
        self.count = count
    }

    /// The RDATA of the entry starting at `entryOffset`.
    func rdata(at entryOffset: Int) -> UnsafeRawBufferPointer {
        let length = Int(readU16(bytes, entryOffset))
        return UnsafeRawBufferPointer(rebasing: bytes[(entryOffset + 2)..<(entryOffset + 2 + length)])
    }
}

/// One entry of an RDataList.
public struct RDataItem {
    /// The RDATA bytes.
    public let rdata: UnsafeRawBufferPointer
    /// Where its length prefix starts in the list.
    public let entryOffset: Int
}

extension RDataList: Sequence {
    public struct Iterator: IteratorProtocol {
        let list: RDataList
        var offset = 0

        public mutating func next() -> RDataItem? {
            guard offset + 2 <= list.bytes.count else { return nil }
            let item = RDataItem(rdata: list.rdata(at: offset), entryOffset: offset)
            offset += 2 + item.rdata.count
            return item
        }
    }

    public func makeIterator() -> Iterator { Iterator(list: self) }
}

/// One RRset as the Validator sees it.
public struct RRsetView {
    public var owner: Name
    public var type: RRType
    public var rrClass: RRClass
    public var ttlSeconds: UInt32
    public var rdatas: RDataList

    public init(owner: Name, type: RRType, rrClass: RRClass, ttlSeconds: UInt32, rdatas: RDataList) {
        self.owner = owner
        self.type = type
        self.rrClass = rrClass
        self.ttlSeconds = ttlSeconds
        self.rdatas = rdatas
    }
}

/// Packs RDATAs into a caller-owned buffer as an RDataList.
public struct RDataPacker {
    public let buffer: UnsafeMutableRawBufferPointer
    public private(set) var byteCount = 0
    public private(set) var count = 0

    public init(buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    /// Appends a record's RDATA from a message in canonical form (names
    /// decompressed, lowercased for the RFC 4034 §6.2 / RFC 6840 §5.1 types).
    public mutating func append(_ record: Record, from message: UnsafeRawBufferPointer) throws(ValidatorError) {
        try reserveEntry()
        let body = UnsafeMutableRawBufferPointer(rebasing: buffer[(byteCount + 2)...])
        let written: Int
        do {
            written = try RData.copyCanonical(record, from: message, into: body, lowercaseNames: true)
        } catch {
            throw error == .rdataTooLong ? .noSpace : .wire(error)
        }
        try finishEntry(length: written)
    }

    /// Appends RDATA bytes that are already in canonical form.
    public mutating func append(rdata: UnsafeRawBufferPointer) throws(ValidatorError) {
        try reserveEntry()
        guard rdata.count <= 0xFFFF, byteCount + 2 + rdata.count <= buffer.count else { throw .noSpace }
        for i in 0..<rdata.count { buffer[byteCount + 2 + i] = rdata[i] }
        try finishEntry(length: rdata.count)
    }

    /// The packed list so far.
    public var list: RDataList {
        RDataList(checked: UnsafeRawBufferPointer(rebasing: buffer[0..<byteCount]), count: count)
    }

    private func reserveEntry() throws(ValidatorError) {
        guard count < ValidatorLimits.rrsetRecordCountMax else { throw .tooManyRecords }
        guard byteCount + 2 <= buffer.count else { throw .noSpace }
    }

    private mutating func finishEntry(length: Int) throws(ValidatorError) {
        guard length <= 0xFFFF else { throw .noSpace }
        buffer[byteCount] = UInt8(truncatingIfNeeded: length >> 8)
        buffer[byteCount + 1] = UInt8(truncatingIfNeeded: length)
        byteCount += 2 + length
        count += 1
    }
}
