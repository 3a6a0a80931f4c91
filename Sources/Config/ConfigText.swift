/// Text from the config (paths, user and section names) kept as bytes:
/// comparing `String`s would pull Unicode normalisation tables into
/// Embedded builds, which some router targets lack.
public struct ConfigText: Equatable, Sendable, ExpressibleByStringLiteral {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { bytes = Array(string.utf8) }
    public init(stringLiteral value: StaticString) {
        bytes = Array(UnsafeBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// As a path: `self` lies inside folder `dir` (byte comparison: Embedded
    /// builds have no Unicode tables).
    public func isInside(folder dir: ConfigText) -> Bool {
        bytes.count > dir.bytes.count + 1 && bytes[dir.bytes.count] == UInt8(ascii: "/")
            && bytes[0..<dir.bytes.count].elementsEqual(dir.bytes)
    }

    /// The path of `self` inside folder `dir`, from its "/" on ("/x" for
    /// "dir/x"); nil when it is not inside.
    public func path(inside dir: ConfigText) -> String? {
        isInside(folder: dir) ? String(decoding: bytes[dir.bytes.count...], as: UTF8.self) : nil
    }
}
