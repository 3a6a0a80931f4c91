/// The hash index: open addressing with linear probing over a fixed array
/// of slots, each a 32-bit key tag and the 32-bit arena offset of a live
/// record. Deletion shifts later cluster members back (Knuth's Algorithm R),
/// so there are no tombstones and probe lengths never degrade. At most
/// `entryCountMax` slots are used out of `slotCount` (≤ 75%), so a probe
/// always meets an empty slot; loops are still bounded by `slotCount`.
struct SlotIndex {
    static let emptyOffset = UInt32.max

    let slots: UnsafeMutablePointer<UInt64>
    let slotCount: Int

    func clear() {
        slots.update(repeating: SlotIndex.pack(tag: 0, offset: SlotIndex.emptyOffset), count: slotCount)
    }

    static func pack(tag: UInt32, offset: UInt32) -> UInt64 { UInt64(tag) << 32 | UInt64(offset) }
    static func tag(_ slot: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: slot >> 32) }
    static func offset(_ slot: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: slot) }

    /// The slot a tag starts probing at (Lemire's multiply-shift range map).
    func home(_ tag: UInt32) -> Int { Int((UInt64(tag) &* UInt64(slotCount)) >> 32) }

    func next(_ index: Int) -> Int { index + 1 == slotCount ? 0 : index + 1 }

    func isEmpty(_ index: Int) -> Bool { SlotIndex.offset(slots[index]) == SlotIndex.emptyOffset }

    func recordOffset(at index: Int) -> Int { Int(SlotIndex.offset(slots[index])) }

    /// Calls `isMatch` with the record offset of each slot carrying `tag`
    /// along the probe sequence; returns the first slot it accepts.
    func find(tag: UInt32, _ isMatch: (Int) -> Bool) -> Int? {
        var index = home(tag)
        for _ in 0..<slotCount {
            let slot = slots[index]
            let offset = SlotIndex.offset(slot)
            if offset == SlotIndex.emptyOffset { return nil }
            if SlotIndex.tag(slot) == tag && isMatch(Int(offset)) { return index }
            index = next(index)
        }
        return nil
    }

    /// The slot pointing at the record at `offset` (which carries `tag`).
    func find(tag: UInt32, recordOffset: Int) -> Int? {
        find(tag: tag) { $0 == recordOffset }
    }

    /// Adds a slot; the caller guarantees a free one exists (count < max).
    func insert(tag: UInt32, recordOffset: Int) {
        var index = home(tag)
        for _ in 0..<slotCount {
            if isEmpty(index) {
                slots[index] = SlotIndex.pack(tag: tag, offset: UInt32(recordOffset))
                return
            }
            index = next(index)
        }
        preconditionFailure("SlotIndex: no empty slot; entry count exceeds entryCountMax")
    }

    func repoint(_ index: Int, recordOffset: Int) {
        slots[index] = SlotIndex.pack(tag: SlotIndex.tag(slots[index]), offset: UInt32(recordOffset))
    }

    /// Empties slot `index`, shifting back later members of its cluster.
    func remove(_ index: Int) {
        var hole = index
        var probe = index
        for _ in 0..<slotCount {
            probe = next(probe)
            if isEmpty(probe) { break }
            let wanted = home(SlotIndex.tag(slots[probe]))
            // The entry at `probe` may move into the hole only if its home
            // is not cyclically within (hole, probe].
            let staysPut = hole <= probe
                ? (hole < wanted && wanted <= probe)
                : (hole < wanted || wanted <= probe)
            if staysPut { continue }
            slots[hole] = slots[probe]
            hole = probe
        }
        slots[hole] = SlotIndex.pack(tag: 0, offset: SlotIndex.emptyOffset)
    }
}
