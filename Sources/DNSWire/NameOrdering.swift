// Canonical DNS name order (RFC 4034 §6.1): compare label by label from the
// rightmost, each label as lowercased octets, a missing label sorting first.

extension Name: Comparable {
    /// Canonical DNSSEC order (RFC 4034 §6.1).
    public static func < (lhs: Name, rhs: Name) -> Bool { lhs.canonicalCompare(rhs) < 0 }

    /// -1, 0 or 1 in canonical DNSSEC order (RFC 4034 §6.1).
    public func canonicalCompare(_ other: Name) -> Int {
        var mine = InlineArray<128, UInt8>(repeating: 0)
        var theirs = InlineArray<128, UInt8>(repeating: 0)
        let mineCount = labelStarts(&mine)
        let theirCount = other.labelStarts(&theirs)
        var k = 1
        while k <= mineCount && k <= theirCount {
            let a = Int(mine[mineCount - k])
            let b = Int(theirs[theirCount - k])
            let order = compareLabel(at: a, with: other, at: b)
            if order != 0 { return order }
            k += 1
        }
        return mineCount == theirCount ? 0 : (mineCount < theirCount ? -1 : 1)
    }

    /// Fills `starts` with the offset of each label's length byte; returns the
    /// label count (root excluded). 255-byte names have ≤ 127 labels.
    func labelStarts(_ starts: inout InlineArray<128, UInt8>) -> Int {
        var count = 0
        var offset = 0
        while offset < byteCount && storage[offset] != 0 && count < 128 {
            starts[count] = UInt8(offset)
            count += 1
            offset += Int(storage[offset]) + 1
        }
        return count
    }

    func compareLabel(at a: Int, with other: Name, at b: Int) -> Int {
        let lengthA = Int(storage[a])
        let lengthB = Int(other.storage[b])
        var i = 1
        while i <= lengthA && i <= lengthB {
            let x = asciiLower(storage[a + i])
            let y = asciiLower(other.storage[b + i])
            if x != y { return x < y ? -1 : 1 }
            i += 1
        }
        return lengthA == lengthB ? 0 : (lengthA < lengthB ? -1 : 1)
    }
}
