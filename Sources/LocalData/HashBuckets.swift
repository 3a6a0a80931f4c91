/// Sizes the open hash indexes of the local tables (`LocalNames`,
/// `BlockList`). Owns: the bucket count rule. Never: hashing or probing.
enum HashBuckets {
    /// A power of two at least twice the capacity: probe chains stay short.
    static func count(forCapacity capacity: Int) -> Int {
        var n = 2
        while n < 2 * capacity { n <<= 1 }
        return n
    }
}
