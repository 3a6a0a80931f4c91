/// Seeded hashing and ASCII case folding over owner names in wire form.
///
/// The hash is wyhash-style (64×64→128-bit multiply, fold the halves), with
/// both multiplicands mixed with secrets derived from the per-process random
/// seed, so an attacker who cannot learn the seed cannot aim names at one
/// index slot (hash flooding). Not cryptographic. Case folding only touches
/// 'A'...'Z': label length bytes are ≤ 63 and so never change.
struct CacheHash {
    let secret0: UInt64
    let secret1: UInt64
    let secret2: UInt64

    init(seed: UInt64) {
        var state = seed
        secret0 = CacheHash.splitMix(&state)
        secret1 = CacheHash.splitMix(&state)
        secret2 = CacheHash.splitMix(&state)
    }

    /// Hash of the owner's lowercased bytes; combine with `tag(nameHash:...)`.
    func nameHash(_ owner: UnsafeRawBufferPointer) -> UInt64 {
        var h = secret0 ^ UInt64(owner.count)
        var index = 0
        while index + 16 <= owner.count {
            let a = CacheHash.lowercased(owner.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let b = CacheHash.lowercased(owner.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self))
            h = CacheHash.mix(a ^ secret1, b ^ h)
            index += 16
        }
        let a = CacheHash.lowercased(CacheHash.partialWord(owner, from: index))
        let b = CacheHash.lowercased(CacheHash.partialWord(owner, from: index + 8))
        return CacheHash.mix(a ^ secret1, b ^ h ^ secret2)
    }

    /// The 32-bit key tag stored in the index and the record.
    func tag(nameHash: UInt64, type: UInt16, rrClass: UInt16) -> UInt32 {
        let typeAndClass = UInt64(type) << 16 | UInt64(rrClass)
        let h = CacheHash.mix(nameHash ^ secret2, typeAndClass ^ secret0)
        return UInt32(truncatingIfNeeded: h ^ (h >> 32))
    }

    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Eight bytes with 'A'...'Z' turned into 'a'...'z' (SWAR, no branches).
    static func lowercased(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let low7 = word & ~highBits
        let atLeastA = low7 &+ (0x80 - 0x41) &* ones      // high bit set if byte ≥ 'A'
        let aboveZ = low7 &+ (0x80 - 0x5B) &* ones        // high bit set if byte > 'Z'
        let upper = atLeastA & ~aboveZ & ~word & highBits  // and the byte is ASCII
        return word | (upper >> 2)                         // 0x80 >> 2 == 0x20
    }

    /// Up to eight bytes from `start`, zero-filled past the end.
    static func partialWord(_ bytes: UnsafeRawBufferPointer, from start: Int) -> UInt64 {
        if start + 8 <= bytes.count { return bytes.loadUnaligned(fromByteOffset: start, as: UInt64.self) }
        var word: UInt64 = 0
        var index = bytes.count - 1
        while index >= start {
            word = word << 8 | UInt64(bytes[index])
            index -= 1
        }
        return word.littleEndian
    }

    static func lowercasedByte(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// Copies `owner` to `destination`, lowercased.
    static func copyLowercased(_ owner: UnsafeRawBufferPointer, to destination: UnsafeMutableRawPointer) {
        for index in 0..<owner.count {
            destination.storeBytes(of: lowercasedByte(owner[index]), toByteOffset: index, as: UInt8.self)
        }
    }

    /// Whether `owner`, lowercased, equals the `owner.count` bytes at `stored`.
    static func equalsLowercased(_ owner: UnsafeRawBufferPointer, stored: UnsafeRawPointer) -> Bool {
        var index = 0
        while index + 8 <= owner.count {
            let query = lowercased(owner.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            if query != stored.loadUnaligned(fromByteOffset: index, as: UInt64.self) { return false }
            index += 8
        }
        while index < owner.count {
            if lowercasedByte(owner[index]) != stored.load(fromByteOffset: index, as: UInt8.self) { return false }
            index += 1
        }
        return true
    }
}
