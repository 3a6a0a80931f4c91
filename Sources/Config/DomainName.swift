/// A domain name from the config, stored as lowercased labels. (A later
/// change moves this onto DNSWire's `Name`.)
public struct DomainName: Equatable, Sendable {
    /// Labels from the leftmost; empty for the root. Lowercased ASCII.
    public let labels: [[UInt8]]

    /// RFC 1035 §2.3.4.
    public static let maxLabelByteCount = 63
    /// RFC 1035 §2.3.4: 255 octets on the wire, root label included.
    public static let maxWireByteCount = 255

    public static let root = DomainName(uncheckedLabels: [])

    init(uncheckedLabels: [[UInt8]]) { labels = uncheckedLabels }

    /// Bytes on the wire (length prefixes and the root label included).
    public var wireByteCount: Int { labels.reduce(1) { $0 + $1.count + 1 } }

    /// Presentation form without the final dot (`.` for the root).
    public var text: String {
        if labels.isEmpty { return "." }
        var out: [UInt8] = []
        for (i, label) in labels.enumerated() {
            if i > 0 { out.append(0x2E) }
            for c in label { DomainName.appendEscaped(c, to: &out) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Presentation form with the final dot, as in zone files.
    public var absoluteText: String { labels.isEmpty ? "." : text + "." }

    /// True when self is `other` or below it.
    public func isSubdomain(of other: DomainName) -> Bool {
        if other.labels.count > labels.count { return false }
        return Array(labels.suffix(other.labels.count)) == other.labels
    }

    static func appendEscaped(_ c: UInt8, to out: inout [UInt8]) {
        if Bytes.isAlphanumeric(c) || c == 0x2D || c == 0x5F || c == 0x2A || c == 0x2F {
            out.append(c)
        } else if Bytes.isPrintableASCII(c) && c != 0x20 {
            out.append(0x5C)
            out.append(c)
        } else {
            out.append(0x5C)
            out.append(0x30 + c / 100)
            out.append(0x30 + (c / 10) % 10)
            out.append(0x30 + c % 10)
        }
    }

    public init?(_ text: String) {
        guard case .success(let name) = DomainName.parse(Array(text.utf8)) else { return nil }
        self = name
    }

    /// Presentation form: labels separated by dots, final dot optional,
    /// `\X` and `\DDD` escapes.
    static func parse(_ bytes: [UInt8]) -> Result<DomainName, ValueError> {
        let shown = Bytes.display(bytes)
        if bytes.isEmpty { return .failure(ValueError("empty domain name")) }
        if bytes == [0x2E] { return .success(.root) }
        var labels: [[UInt8]] = []
        var label: [UInt8] = []
        var index = 0
        var endsWithDot = false
        while index < bytes.count {   // each pass consumes at least one byte
            let c = bytes[index]
            endsWithDot = false
            if c == 0x2E {
                if label.isEmpty { return .failure(ValueError("'\(shown)' has an empty label")) }
                labels.append(label)
                label = []
                endsWithDot = true
                index += 1
                continue
            }
            if c == 0x5C {
                guard let (byte, next) = unescape(bytes, index) else {
                    return .failure(ValueError("'\(shown)' has a bad escape (use \\X or \\DDD)"))
                }
                label.append(Bytes.lowercased(byte))
                index = next
            } else if Bytes.isPrintableASCII(c) && c != 0x20 && !isSpecial(c) {
                label.append(Bytes.lowercased(c))
                index += 1
            } else {
                return .failure(ValueError("'\(shown)' is not a domain name (character \(Bytes.display([c])))"))
            }
            if label.count > maxLabelByteCount {
                return .failure(ValueError("'\(shown)' has a label longer than \(maxLabelByteCount) bytes"))
            }
        }
        if !endsWithDot { labels.append(label) }
        let name = DomainName(uncheckedLabels: labels)
        if name.wireByteCount > maxWireByteCount {
            return .failure(ValueError("'\(shown)' is longer than \(maxWireByteCount) bytes in wire form"))
        }
        return .success(name)
    }

    /// Characters with a meaning in zone files; they need an escape.
    static func isSpecial(_ c: UInt8) -> Bool {
        c == 0x22 || c == 0x27 || c == 0x28 || c == 0x29 || c == 0x3B || c == 0x40 || c == 0x24
    }

    /// `\X` or `\DDD` at `index`; returns the byte and the next index.
    static func unescape(_ bytes: [UInt8], _ index: Int) -> (UInt8, Int)? {
        guard index + 1 < bytes.count else { return nil }
        let first = bytes[index + 1]
        if !Bytes.isDigit(first) { return Bytes.isPrintableASCII(first) ? (first, index + 2) : nil }
        guard index + 3 < bytes.count else { return nil }
        let d = bytes[(index + 1)...(index + 3)]
        guard let value = ValueParser.digits(d), value <= 255 else { return nil }
        return (UInt8(value), index + 4)
    }
}
