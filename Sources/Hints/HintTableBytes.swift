// Bounds-checked reads from table bytes: every read says where it failed.
// No allocation; names go through DNSWire's reader without compression.

import DNSWire

struct HintTableBytes {
    let bytes: [UInt8]

    func u8(_ offset: Int) throws(HintTableError) -> Int {
        guard offset >= 0, offset < bytes.count else { throw .truncated(offset: offset) }
        return Int(bytes[offset])
    }

    func u16(_ offset: Int) throws(HintTableError) -> Int {
        guard offset >= 0, offset + 2 <= bytes.count else { throw .truncated(offset: offset) }
        return Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
    }

    func u32(_ offset: Int) throws(HintTableError) -> UInt32 {
        guard offset >= 0, offset + 4 <= bytes.count else { throw .truncated(offset: offset) }
        var value: UInt32 = 0
        for i in 0..<4 { value = value << 8 | UInt32(bytes[offset + i]) }
        return value
    }

    /// Checks that `byteCount` bytes exist at `offset`.
    func require(_ offset: Int, _ byteCount: Int) throws(HintTableError) {
        guard offset >= 0, byteCount >= 0, offset + byteCount <= bytes.count else {
            throw .truncated(offset: offset)
        }
    }

    /// The lowercased wire name at `offset` and the offset after it.
    func name(_ offset: Int) throws(HintTableError) -> (name: Name, end: Int) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) -> (name: Name, end: Int) in
                try Name.read(from: raw, at: offset, allowCompression: false)
            }
        }
        switch result {
        case .success(let read):
            // Length bytes are < 64, so any byte in "A"..."Z" is a label letter.
            for i in offset..<read.end where bytes[i] >= 0x41 && bytes[i] <= 0x5A {
                throw .nameNotLowercase(offset: offset)
            }
            return read
        case .failure(let error):
            if error == .truncatedName { throw .truncated(offset: offset) }
            throw .badName(offset: offset, error)
        }
    }

    /// Like `name`, for offsets already validated: failing is a programmer error.
    func validatedName(_ offset: Int) -> (name: Name, end: Int) {
        do throws(HintTableError) {
            return try name(offset)
        } catch {
            preconditionFailure("hint table changed after validation")
        }
    }
}
