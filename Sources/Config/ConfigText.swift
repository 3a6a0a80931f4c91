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
}
