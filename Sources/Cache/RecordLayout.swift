/// The byte layout of one record in the arena. Records start 8-aligned and
/// are padded to 8; fields are read and written through these offsets only.
///
///   0  UInt32 recordByteCount   whole record incl. padding
///   4  UInt8  state             RecordState
///   5  UInt8  kind              CacheEntryKind
///   6  UInt8  rank              TrustRank
///   7  UInt8  flags             bit 0 referenced, bit 1 awaiting clock sync
///   8  Int64  expirySeconds     absolute, in the caller's `now` timescale
///  16  UInt32 tag               32-bit key hash (finds the index slot)
///  20  UInt32 stamp             changes on every write: outdates handles
///  24  UInt32 originalTTLSeconds after the min/max caps
///  28  UInt16 blobByteCount
///  30  UInt16 type              CacheLimits.nxDomainKeyType for NXDOMAIN
///  32  UInt16 rrClass
///  34  UInt8  ownerByteCount
///  35  owner (lowercased wire form), then the blob, then padding
///
/// A pad record (state `.pad`) fills the arena's end when the ring wraps;
/// only its first 8 bytes are meaningful.
enum RecordLayout {
    static let byteCountOffset = 0
    static let stateOffset = 4
    static let kindOffset = 5
    static let rankOffset = 6
    static let flagsOffset = 7
    static let expiryOffset = 8
    static let tagOffset = 16
    static let stampOffset = 20
    static let originalTTLOffset = 24
    static let blobByteCountOffset = 28
    static let typeOffset = 30
    static let classOffset = 32
    static let ownerByteCountOffset = 34
    static let ownerOffset = 35
    static let headerByteCount = 35

    static let referencedFlag: UInt8 = 1
    static let awaitingClockSyncFlag: UInt8 = 2

    /// Index slot: UInt32 tag + UInt32 record offset.
    static let slotByteCount = 8

    static func recordByteCount(ownerByteCount: Int, blobByteCount: Int) -> Int {
        let raw = headerByteCount + ownerByteCount + blobByteCount
        let mask = CacheLimits.recordAlignment - 1
        return (raw + mask) & ~mask
    }
}

/// Whether the bytes at a record offset hold an answerable entry.
enum RecordState: UInt8 {
    case live = 1
    /// Removed or replaced; its bytes come back when the ring's tail passes.
    case dead = 2
    /// Filler from the ring's wrap point to the arena's end.
    case pad = 3
}

/// Typed access to the record fields at `offset` in the arena.
struct RecordView {
    let base: UnsafeMutableRawPointer

    init(arena: UnsafeMutableRawPointer, offset: Int) { base = arena + offset }

    var byteCount: Int { Int(base.load(fromByteOffset: RecordLayout.byteCountOffset, as: UInt32.self)) }
    var stateByte: UInt8 { base.load(fromByteOffset: RecordLayout.stateOffset, as: UInt8.self) }
    var isLive: Bool { stateByte == RecordState.live.rawValue }
    var kind: CacheEntryKind {
        CacheEntryKind(rawValue: base.load(fromByteOffset: RecordLayout.kindOffset, as: UInt8.self)) ?? .rrset
    }
    var rank: TrustRank {
        TrustRank(rawValue: base.load(fromByteOffset: RecordLayout.rankOffset, as: UInt8.self)) ?? .bogus
    }
    var flags: UInt8 { base.load(fromByteOffset: RecordLayout.flagsOffset, as: UInt8.self) }
    var expirySeconds: Int64 { base.load(fromByteOffset: RecordLayout.expiryOffset, as: Int64.self) }
    var tag: UInt32 { base.load(fromByteOffset: RecordLayout.tagOffset, as: UInt32.self) }
    var stamp: UInt32 { base.load(fromByteOffset: RecordLayout.stampOffset, as: UInt32.self) }
    var originalTTLSeconds: UInt32 { base.load(fromByteOffset: RecordLayout.originalTTLOffset, as: UInt32.self) }
    var blobByteCount: Int { Int(base.load(fromByteOffset: RecordLayout.blobByteCountOffset, as: UInt16.self)) }
    var type: UInt16 { base.load(fromByteOffset: RecordLayout.typeOffset, as: UInt16.self) }
    var rrClass: UInt16 { base.load(fromByteOffset: RecordLayout.classOffset, as: UInt16.self) }
    var ownerByteCount: Int { Int(base.load(fromByteOffset: RecordLayout.ownerByteCountOffset, as: UInt8.self)) }

    var isReferenced: Bool { flags & RecordLayout.referencedFlag != 0 }
    var isAwaitingClockSync: Bool { flags & RecordLayout.awaitingClockSyncFlag != 0 }

    var owner: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + RecordLayout.ownerOffset, count: ownerByteCount)
    }
    var blob: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + RecordLayout.ownerOffset + ownerByteCount, count: blobByteCount)
    }
    /// Blob bytes this record can hold without moving (in-place refresh).
    var blobCapacity: Int { byteCount - RecordLayout.headerByteCount - ownerByteCount }

    func setState(_ state: RecordState) {
        base.storeBytes(of: state.rawValue, toByteOffset: RecordLayout.stateOffset, as: UInt8.self)
    }
    func setFlags(_ flags: UInt8) {
        base.storeBytes(of: flags, toByteOffset: RecordLayout.flagsOffset, as: UInt8.self)
    }
    func markReferenced() { setFlags(flags | RecordLayout.referencedFlag) }
    func clearReferenced() { setFlags(flags & ~RecordLayout.referencedFlag) }

    /// Writes a pad record of `byteCount` bytes (≥ 8).
    func writePad(byteCount: Int) {
        base.storeBytes(of: UInt32(byteCount), toByteOffset: RecordLayout.byteCountOffset, as: UInt32.self)
        setState(.pad)
    }

    /// Writes everything but the owner (which stays for an in-place refresh).
    func writeMetadata(_ m: RecordMetadata, blob: UnsafeRawBufferPointer) {
        base.storeBytes(of: m.kind.rawValue, toByteOffset: RecordLayout.kindOffset, as: UInt8.self)
        base.storeBytes(of: m.rank.rawValue, toByteOffset: RecordLayout.rankOffset, as: UInt8.self)
        setFlags(m.awaitingClockSync ? RecordLayout.awaitingClockSyncFlag : 0)
        base.storeBytes(of: m.expirySeconds, toByteOffset: RecordLayout.expiryOffset, as: Int64.self)
        base.storeBytes(of: m.stamp, toByteOffset: RecordLayout.stampOffset, as: UInt32.self)
        base.storeBytes(of: m.originalTTLSeconds, toByteOffset: RecordLayout.originalTTLOffset, as: UInt32.self)
        base.storeBytes(of: UInt16(blob.count), toByteOffset: RecordLayout.blobByteCountOffset, as: UInt16.self)
        if let source = blob.baseAddress, blob.count > 0 {
            (base + RecordLayout.ownerOffset + ownerByteCount).copyMemory(from: source, byteCount: blob.count)
        }
        setState(.live)
    }

    /// Writes a whole new record: header, lowercased owner, blob.
    func writeNew(byteCount: Int, key: CacheKey, tag: UInt32, metadata: RecordMetadata,
                  blob: UnsafeRawBufferPointer) {
        base.storeBytes(of: UInt32(byteCount), toByteOffset: RecordLayout.byteCountOffset, as: UInt32.self)
        base.storeBytes(of: tag, toByteOffset: RecordLayout.tagOffset, as: UInt32.self)
        base.storeBytes(of: key.type, toByteOffset: RecordLayout.typeOffset, as: UInt16.self)
        base.storeBytes(of: key.rrClass, toByteOffset: RecordLayout.classOffset, as: UInt16.self)
        base.storeBytes(of: UInt8(key.owner.count), toByteOffset: RecordLayout.ownerByteCountOffset, as: UInt8.self)
        CacheHash.copyLowercased(key.owner, to: base + RecordLayout.ownerOffset)
        writeMetadata(metadata, blob: blob)
        let end = RecordLayout.ownerOffset + key.owner.count + blob.count
        if end < byteCount { (base + end).initializeMemory(as: UInt8.self, repeating: 0, count: byteCount - end) }
    }

    /// Whether this record holds `key` (owner compared case-insensitively).
    func matches(_ key: CacheKey) -> Bool {
        type == key.type && rrClass == key.rrClass && ownerByteCount == key.owner.count
            && CacheHash.equalsLowercased(key.owner, stored: base + RecordLayout.ownerOffset)
    }
}

/// A lookup key: owner wire bytes (any case), RR type and class.
struct CacheKey {
    let owner: UnsafeRawBufferPointer
    let type: UInt16
    let rrClass: UInt16
}

/// The fields an insert writes besides key and blob.
struct RecordMetadata {
    let kind: CacheEntryKind
    let rank: TrustRank
    let awaitingClockSync: Bool
    let expirySeconds: Int64
    let originalTTLSeconds: UInt32
    let stamp: UInt32
}
