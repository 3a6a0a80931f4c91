// CompressionTable: where names already written into a message start, for
// RFC 1035 §4.1.4 compression. Fixed size (Limits.compressionEntriesMax);
// when full, later names are simply written uncompressed (lossy, never
// wrong). Each entry is a suffix hash (fast reject) and its offset.
// The InlineArray sizes below are Limits.compressionEntriesMax (64).

public struct CompressionTable: Sendable {
    @usableFromInline var hashes: InlineArray<64, UInt32>
    @usableFromInline var offsets: InlineArray<64, UInt16>
    @usableFromInline var count: Int

    @inlinable public init() {
        hashes = InlineArray(repeating: 0)
        offsets = InlineArray(repeating: 0)
        count = 0
    }

    /// Offset of a written name equal to the suffix of the uncompressed
    /// wire name `wire` from offset `start`, or nil.
    @inlinable
    func find(_ wire: UnsafeRawBufferPointer, from start: Int, hash: UInt32, in message: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        while i < count {
            if hashes[i] == hash && Name.suffixMatches(message, at: Int(offsets[i]), wire: wire, from: start) {
                return Int(offsets[i])
            }
            i += 1
        }
        return nil
    }

    /// Remembers a name at `offset`, if the table has room and a pointer can
    /// reach it (14-bit offsets).
    @inlinable
    mutating func add(hash: UInt32, offset: Int) {
        guard count < Limits.compressionEntriesMax, count < hashes.count, offset <= Limits.pointerTargetMax else { return }
        hashes[count] = hash
        offsets[count] = UInt16(offset)
        count += 1
    }
}
