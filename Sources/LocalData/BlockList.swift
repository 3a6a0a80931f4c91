import DNSWire
import Fixed

/// Block lists (`list block_file`): domains answered NXDOMAIN or with
/// 0.0.0.0/:: (`option block_answer`), with EDE 15 "Blocked" (RFC 8914
/// §4.16). A listed domain blocks itself and every name below it.
///
/// Owns: a compact table carved at start-up (`block_names_max`): the
/// names' lowercased wire bytes back to back, their offsets and lengths,
/// and an open-addressing index. Filled by `BlockListLoader` in two passes
/// (count, then build), so a list over the limit is refused before the
/// old one is touched.
/// Never: reads files or allocates on the query path (`blocks` hashes
/// each suffix of the name in place).
public struct BlockList {
    public let capacity: Int
    let nameBytes: UnsafeMutableRawBufferPointer
    let offsets: UnsafeMutableBufferPointer<UInt32>
    let lengths: UnsafeMutableBufferPointer<UInt8>
    let index: UnsafeMutableBufferPointer<Int32>
    public private(set) var count = 0
    public private(set) var nameByteCount = 0
    /// Keeps the carving alive.
    let arena: Arena

    /// Average wire bytes per listed name: ad and tracker lists average
    /// ~22 ("ads.tracker.example.com" is 25).
    public static let nameByteCountAverage = 24

    public init(capacity: Int, arena: Arena) {
        self.capacity = capacity
        self.arena = arena
        let c = max(capacity, 1)
        nameBytes = arena.reserveBytes(c * BlockList.nameByteCountAverage, label: BlockList.bytesLabel, count: capacity)
        offsets = arena.reserve(UInt32.self, count: c, label: BlockList.offsetsLabel, rowCount: capacity)
        lengths = arena.reserve(UInt8.self, count: c, label: BlockList.lengthsLabel, rowCount: capacity)
        let buckets = BlockList.bucketCount(capacity)
        index = arena.reserve(Int32.self, count: buckets, label: BlockList.indexLabel, rowCount: buckets)
        removeAll()
    }

    static let bytesLabel = "block list names (block_names_max x 24)"
    static let offsetsLabel = "block list offsets (block_names_max)"
    static let lengthsLabel = "block list lengths (block_names_max)"
    static let indexLabel = "block list index"

    static func bucketCount(_ capacity: Int) -> Int { HashBuckets.count(forCapacity: capacity) }

    public static func footprint(capacity: Int) -> [Arena.Row] {
        let c = max(capacity, 1)
        let buckets = bucketCount(capacity)
        return [Arena.Row(bytesLabel, count: capacity, byteCount: Arena.carvingByteCount(c * nameByteCountAverage)),
                Arena.Row(offsetsLabel, count: capacity, byteCount: Arena.carvingByteCount(of: UInt32.self, count: c)),
                Arena.Row(lengthsLabel, count: capacity, byteCount: Arena.carvingByteCount(of: UInt8.self, count: c)),
                Arena.Row(indexLabel, count: buckets, byteCount: Arena.carvingByteCount(of: Int32.self, count: buckets))]
    }

    /// Room for `names` names of `bytes` wire bytes in all.
    public func fits(names: Int, bytes: Int) -> Bool { names <= capacity && bytes <= nameBytes.count }

    public mutating func removeAll() {
        count = 0
        nameByteCount = 0
        for i in 0..<index.count { index[i] = -1 }
    }

    /// Adds `name`; false when the table is full (the loader's first pass
    /// makes that impossible).
    @discardableResult
    public mutating func insert(_ name: Name) -> Bool {
        if name.isRoot { return true }
        var slot = bucket(name, from: 0)
        for _ in 0..<index.count {
            let e = index[slot]
            if e < 0 { break }
            if equals(Int(e), name, from: 0) { return true }   // listed twice
            slot = (slot + 1) & (index.count - 1)
        }
        guard count < capacity, nameByteCount + name.byteCount <= nameBytes.count else { return false }
        offsets[count] = UInt32(nameByteCount)
        lengths[count] = UInt8(name.byteCount - 1)   // ≤ 254: fits
        for k in 0..<name.byteCount { nameBytes[nameByteCount + k] = BlockList.lower(name[byte: k]) }
        nameByteCount += name.byteCount
        index[slot] = Int32(count)
        count += 1
        return true
    }

    /// Whether `name` or a domain above it (not the root) is listed.
    public func blocks(_ name: Name) -> Bool {
        guard count > 0 else { return false }
        var offset = 0
        for _ in 0..<Limits.labelCountMax {
            guard offset < name.byteCount, name[byte: offset] != 0 else { return false }
            if contains(name, from: offset) { return true }
            offset += Int(name[byte: offset]) + 1
        }
        return false
    }

    func contains(_ name: Name, from offset: Int) -> Bool {
        var slot = bucket(name, from: offset)
        for _ in 0..<index.count {
            let e = index[slot]
            if e < 0 { return false }
            if equals(Int(e), name, from: offset) { return true }
            slot = (slot + 1) & (index.count - 1)
        }
        return false
    }

    func equals(_ entry: Int, _ name: Name, from offset: Int) -> Bool {
        let length = Int(lengths[entry]) + 1
        guard length == name.byteCount - offset else { return false }
        let start = Int(offsets[entry])
        for k in 0..<length where nameBytes[start + k] != BlockList.lower(name[byte: offset + k]) { return false }
        return true
    }

    /// FNV-1a of the lowercased wire bytes from `offset` (a label boundary).
    func bucket(_ name: Name, from offset: Int) -> Int {
        var h: UInt32 = 2_166_136_261
        for i in offset..<name.byteCount { h = (h ^ UInt32(BlockList.lower(name[byte: i]))) &* 16_777_619 }
        return Int(h) & (index.count - 1)
    }

    static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b | 0x20 : b }
}

/// The text of a block file: one domain per line, or hosts format
/// (`0.0.0.0 ads.example.com`: every name after the address; `localhost`
/// and the like are skipped). `#` starts a comment.
public enum BlockListText {
    /// Names hosts-format block lists carry for the system, never blocked.
    static let systemNames: [StaticString] = ["localhost", "localhost.localdomain", "local", "broadcasthost",
                                              "ip6-localhost", "ip6-loopback", "0.0.0.0"]

    public static func parse(_ text: UnsafeRawBufferPointer, add: (Name, Int) -> Void, problem: (Int, String) -> Void) {
        var start = 0
        var lineNumber = 0
        while start < text.count {
            var end = start
            while end < text.count && text[end] != 0x0A { end += 1 }
            lineNumber += 1
            parseLine(UnsafeRawBufferPointer(rebasing: text[start..<end]), lineNumber, add: add, problem: problem)
            start = end + 1
        }
    }

    static func parseLine(_ line: UnsafeRawBufferPointer, _ number: Int, add: (Name, Int) -> Void,
                          problem: (Int, String) -> Void) {
        var i = 0
        var wordIndex = 0
        while i < line.count {
            let c = line[i]
            if c == 0x23 { return }
            if c == 0x20 || c == 0x09 || c == 0x0D { i += 1; continue }
            var j = i
            while j < line.count && line[j] != 0x20 && line[j] != 0x09 && line[j] != 0x0D && line[j] != 0x23 { j += 1 }
            let word = UnsafeRawBufferPointer(rebasing: line[i..<j])
            defer { i = j; wordIndex += 1 }
            if wordIndex == 0, IPAddress(text: Array(word)) != nil { continue }   // hosts format: the names follow
            if wordIndex == 0 {
                // One domain per line: nothing but a comment may follow.
                var k = j
                while k < line.count && (line[k] == 0x20 || line[k] == 0x09 || line[k] == 0x0D) { k += 1 }
                if k < line.count && line[k] != 0x23 {
                    problem(number, "more than one word on a domain-per-line line")
                    return
                }
            }
            if systemNames.contains(where: { LocalNameText.equals(word, $0) }) { continue }
            guard let name = LocalNameText.qualified(word, nil) else {
                problem(number, "'\(LocalNameText.text(word))' is not a domain name")
                continue
            }
            add(name, number)
        }
    }
}
