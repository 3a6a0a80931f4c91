// Type bitmaps of NSEC and NSEC3 (RFC 4034 §4.1.2, RFC 5155 §3.2.1):
// windows in increasing order, each 1..32 bytes, last byte non-zero.

public enum TypeBitmap {
    /// Checks the bitmap in `bytes[start..<end]`.
    @inlinable
    public static func validate(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) throws(WireError) {
        var position = start
        var previousWindow = -1
        while position < end {
            guard position + 2 <= end else { throw .badTypeBitmap }
            let window = Int(bytes[position])
            let length = Int(bytes[position + 1])
            guard window > previousWindow, length >= 1, length <= 32,
                  position + 2 + length <= end else { throw .badTypeBitmap }
            // RFC 4034 §4.1.2: trailing zero octets must be omitted.
            guard bytes[position + 1 + length] != 0 else { throw .badTypeBitmap }
            previousWindow = window
            position += 2 + length
        }
    }

    /// True if `type` is set in the (validated) bitmap `bytes[start..<end]`.
    @inlinable
    public static func contains(_ type: RRType, _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        let window = Int(type.rawValue >> 8)
        let bit = Int(type.rawValue & 0xFF)
        var position = start
        while position + 2 <= end {
            let length = Int(bytes[position + 1])
            if Int(bytes[position]) == window {
                let byteIndex = bit / 8
                guard byteIndex < length, position + 2 + byteIndex < end else { return false }
                return bytes[position + 2 + byteIndex] & (0x80 >> UInt8(bit % 8)) != 0
            }
            position += 2 + length
        }
        return false
    }

    /// Builds a bitmap for `types` (any order, duplicates allowed).
    /// Presentation/config path: allocates.
    public static func make(_ types: [RRType]) -> [UInt8] {
        var sorted = types.map { $0.rawValue }.sorted()
        sorted = sorted.enumerated().filter { $0.offset == 0 || sorted[$0.offset - 1] != $0.element }.map { $0.element }
        var out: [UInt8] = []
        var index = 0
        while index < sorted.count {
            let window = sorted[index] >> 8
            var bits = [UInt8](repeating: 0, count: 32)
            var used = 0
            while index < sorted.count && sorted[index] >> 8 == window {
                let low = Int(sorted[index] & 0xFF)
                bits[low / 8] |= 0x80 >> UInt8(low % 8)
                used = low / 8 + 1
                index += 1
            }
            out.append(UInt8(window))
            out.append(UInt8(used))
            out += bits[0..<used]
        }
        return out
    }

    /// The types in a (validated) bitmap, ascending. Allocates.
    public static func types(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> [RRType] {
        var out: [RRType] = []
        var position = start
        while position + 2 <= end {
            let window = UInt16(bytes[position])
            let length = Int(bytes[position + 1])
            for byteIndex in 0..<length where position + 2 + byteIndex < end {
                let byte = bytes[position + 2 + byteIndex]
                for bit in 0..<8 where byte & (0x80 >> UInt8(bit)) != 0 {
                    out.append(RRType(window << 8 | UInt16(byteIndex * 8 + bit)))
                }
            }
            position += 2 + length
        }
        return out
    }
}
