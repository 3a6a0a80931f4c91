// Name: a domain name in uncompressed wire form, held in inline fixed storage
// (255 bytes + length, no heap), so names can live in packet-path structs,
// cache slots and arrays without allocation.
//
// Invariant: `storage[0..<byteCount]` is a valid uncompressed wire name ending
// in the root label; every label ≤ 63 bytes; byteCount ≤ 255.
// Equality and hashing are case-insensitive (RFC 4343); case is preserved.

public struct Name: Sendable {
    @usableFromInline var storage: InlineArray<255, UInt8>
    @usableFromInline var length: UInt8

    /// The root name ".".
    @inlinable public init() {
        storage = InlineArray(repeating: 0)
        length = 1
    }

    public static var root: Name { Name() }

    /// Length of the wire form, including the root label.
    @inlinable public var byteCount: Int { Int(length) }

    @inlinable public var isRoot: Bool { length == 1 }

    /// Byte `index` of the wire form (index < byteCount).
    @inlinable public subscript(byte index: Int) -> UInt8 { storage[index] }

    /// Builds a name from uncompressed wire bytes that must hold exactly one
    /// name (no pointers).
    public init(wire bytes: UnsafeRawBufferPointer) throws(WireError) {
        let (name, end) = try Name.read(from: bytes, at: 0, allowCompression: false)
        guard end == bytes.count else { throw .trailingBytes }
        self = name
    }

    /// Convenience for tests and configuration code.
    public init(wire bytes: [UInt8]) throws(WireError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) -> Name in try Name(wire: raw) }
        }
        self = try result.get()
    }

    /// Calls `body` with the wire bytes.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let count = byteCount
        return storage.span.withUnsafeBytes { raw in
            body(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
        }
    }

    /// The wire bytes as an array (allocates; tests and presentation).
    public var wireBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(byteCount)
        for i in 0..<byteCount { out.append(storage[i]) }
        return out
    }

    /// Number of labels, not counting the root ("www.example." has 2).
    @inlinable public var labelCount: Int {
        var count = 0
        var offset = 0
        while offset < byteCount {
            let len = Int(storage[offset])
            if len == 0 { break }
            count += 1
            offset += len + 1
        }
        return count
    }

    /// Offset in the wire form where label `index` (0 = leftmost) starts, or
    /// where the root label is when index == labelCount.
    @inlinable public func labelOffset(_ index: Int) -> Int {
        var offset = 0
        var i = 0
        while i < index && offset < byteCount && storage[offset] != 0 {
            offset += Int(storage[offset]) + 1
            i += 1
        }
        return offset
    }

    /// Label `index` (0 = leftmost) as (offset of its first byte, byte count).
    @inlinable public func label(_ index: Int) -> (offset: Int, byteCount: Int) {
        let offset = labelOffset(index)
        return (offset + 1, Int(storage[offset]))
    }

    /// The name without its `count` leftmost labels ("a.b.c." dropping 1 → "b.c.").
    public func droppingFirstLabels(_ count: Int) -> Name {
        let start = labelOffset(count)
        var out = Name()
        let newLength = byteCount - start
        for i in 0..<newLength { out.storage[i] = storage[start + i] }
        out.length = UInt8(newLength)
        return out
    }

    /// The suffix made of the rightmost `count` labels.
    public func suffix(labelCount count: Int) -> Name {
        let total = labelCount
        return droppingFirstLabels(count >= total ? 0 : total - count)
    }

    /// The parent name, or nil for the root.
    public var parent: Name? { isRoot ? nil : droppingFirstLabels(1) }

    /// True if self equals `other` or is below it (case-insensitive).
    public func isSubdomain(of other: Name) -> Bool {
        let mine = labelCount
        let theirs = other.labelCount
        guard mine >= theirs else { return false }
        return droppingFirstLabels(mine - theirs) == other
    }

    /// The name with ASCII letters lowercased (RFC 4034 §6.2 canonical form).
    public func lowercased() -> Name {
        var out = self
        out.lowercaseInPlace()
        return out
    }

    /// Lowercases label bytes (length bytes are < 64 so never change).
    public mutating func lowercaseInPlace() {
        for i in 0..<byteCount { storage[i] = asciiLower(storage[i]) }
    }

    /// Prepends one label ("www" + "example." → "www.example.").
    public func prepending(label bytes: UnsafeRawBufferPointer) throws(WireError) -> Name {
        guard bytes.count <= Limits.labelByteCountMax else { throw .labelTooLong }
        guard byteCount + bytes.count + 1 <= Limits.nameByteCountMax else { throw .nameTooLong }
        guard !bytes.isEmpty else { throw .badRData }
        var out = Name()
        out.storage[0] = UInt8(bytes.count)
        for i in 0..<bytes.count { out.storage[1 + i] = bytes[i] }
        for i in 0..<byteCount { out.storage[1 + bytes.count + i] = storage[i] }
        out.length = UInt8(byteCount + bytes.count + 1)
        return out
    }

    /// Appends `suffix` to a relative name: self's labels followed by suffix's
    /// (used for zone-file origins).
    public func appending(_ suffix: Name) throws(WireError) -> Name {
        let head = byteCount - 1
        guard head + suffix.byteCount <= Limits.nameByteCountMax else { throw .nameTooLong }
        var out = self
        for i in 0..<suffix.byteCount { out.storage[head + i] = suffix.storage[i] }
        out.length = UInt8(head + suffix.byteCount)
        return out
    }

    /// A 32-bit FNV-1a hash of the lowercased wire form; stable across runs
    /// (no random seed), for fixed-geometry tables.
    @inlinable public var hash32: UInt32 {
        var h: UInt32 = 2_166_136_261
        for i in 0..<byteCount {
            h = (h ^ UInt32(asciiLower(storage[i]))) &* 16_777_619
        }
        return h
    }
}

extension Name: Equatable {
    /// Case-insensitive comparison (RFC 4343 §3).
    @inlinable public static func == (lhs: Name, rhs: Name) -> Bool {
        guard lhs.length == rhs.length else { return false }
        for i in 0..<lhs.byteCount where asciiLower(lhs.storage[i]) != asciiLower(rhs.storage[i]) {
            return false
        }
        return true
    }
}

extension Name: Hashable {
    @inlinable public func hash(into hasher: inout Hasher) {
        for i in 0..<byteCount { hasher.combine(asciiLower(storage[i])) }
    }
}
