import DNSWire

/// The text formats of `list hosts_file` and `list lease_file`, one line at
/// a time, read from a caller's buffer (no allocation per line):
///
/// - hosts (`/etc/hosts`, and odhcpd's hosts file `/tmp/hosts/odhcpd`):
///   `ADDRESS NAME [ALIAS...]`, `#` to the end of a line is a comment;
/// - dnsmasq leases (`/tmp/dhcp.leases`): `EXPIRY MAC ADDRESS HOSTNAME
///   CLIENT-ID` for IPv4, and after a `duid SERVER-DUID` line `EXPIRY IAID
///   ADDRESS HOSTNAME CLIENT-DUID` for IPv6; HOSTNAME `*` means none; an
///   EXPIRY of 0 never expires.
///
/// A lease file may hold either format: a line whose first word is a
/// number is a dnsmasq lease, any other a hosts line. A name of one label
/// ("laptop") is put in the local domain ("laptop.lan.") when there is one.
/// Expired leases are skipped (never served as fresh). A bad line is
/// reported through `problem` with its number and skipped; the rest load.
/// Never: reads files or logs (the caller does both).
public enum LocalNameText {
    /// Bytes of one line; longer lines are reported and skipped (a hosts
    /// line with many aliases is still far shorter).
    public static let lineByteCountMax = 1_024
    /// Words of one line (an address and its aliases).
    public static let wordsPerLineMax = 34

    public enum Format: Equatable, Sendable {
        case hosts
        /// dnsmasq's lease file, or a hosts-format file (odhcpd's).
        case leases
    }

    /// Parses `text`; `add` gets each (name, address), `problem` each bad
    /// line with its 1-based number.
    public static func parse(_ text: UnsafeRawBufferPointer, format: Format, localDomain: Name?, nowSeconds: Int64,
                             add: (Name, IPAddress) -> Void, problem: (Int, String) -> Void) {
        var start = 0
        var lineNumber = 0
        while start < text.count {
            var end = start
            while end < text.count && text[end] != 0x0A { end += 1 }
            lineNumber += 1
            let line = UnsafeRawBufferPointer(rebasing: text[start..<end])
            if line.count > lineByteCountMax {
                problem(lineNumber, "line longer than \(lineByteCountMax) bytes")
            } else if let message = parseLine(line, format: format, localDomain: localDomain, nowSeconds: nowSeconds, add: add) {
                problem(lineNumber, message)
            }
            start = end + 1
        }
    }

    /// nil when the line was good (or empty, or a comment); else what is wrong.
    static func parseLine(_ line: UnsafeRawBufferPointer, format: Format, localDomain: Name?, nowSeconds: Int64,
                          add: (Name, IPAddress) -> Void) -> String? {
        var words = InlineArray<34, (Int, Int)>(repeating: (0, 0))
        var count = 0
        var i = 0
        while i < line.count {
            let c = line[i]
            if c == 0x23 { break }   // '#': comment to the end
            if c == 0x20 || c == 0x09 || c == 0x0D { i += 1; continue }
            var j = i
            while j < line.count && line[j] != 0x20 && line[j] != 0x09 && line[j] != 0x0D && line[j] != 0x23 { j += 1 }
            guard count < wordsPerLineMax else { return "more than \(wordsPerLineMax) words" }
            words[count] = (i, j - i)
            count += 1
            i = j
        }
        if count == 0 { return nil }
        func word(_ k: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: line[words[k].0..<(words[k].0 + words[k].1)]) }
        if format == .leases && isNumber(word(0)) {
            return parseLease(count, word, localDomain: localDomain, nowSeconds: nowSeconds, add: add)
        }
        if format == .leases && count == 2 && equals(word(0), "duid") { return nil }
        guard let address = IPAddress(text: Array(word(0))) else { return "'\(text(word(0)))' is not an IP address" }
        guard count >= 2 else { return "an address without a name" }
        var bad: String? = nil
        for k in 1..<count {
            guard let name = qualified(word(k), localDomain) else {
                bad = bad ?? "'\(text(word(k)))' is not a host name"
                continue
            }
            add(name, address)
        }
        return bad
    }

    /// `EXPIRY MAC|IAID ADDRESS HOSTNAME ID` (dnsmasq's lease_update_file).
    static func parseLease(_ count: Int, _ word: (Int) -> UnsafeRawBufferPointer, localDomain: Name?, nowSeconds: Int64,
                           add: (Name, IPAddress) -> Void) -> String? {
        guard count >= 4 else { return "a lease needs EXPIRY, MAC or IAID, ADDRESS and HOSTNAME" }
        guard let expiry = number(word(0)) else { return "'\(text(word(0)))' is not an expiry time" }
        guard let address = IPAddress(text: Array(word(2))) else { return "'\(text(word(2)))' is not an IP address" }
        if equals(word(3), "*") { return nil }   // a client that sent no name
        if expiry != 0 && expiry < nowSeconds { return nil }   // expired: never served
        guard let name = qualified(word(3), localDomain) else { return "'\(text(word(3)))' is not a host name" }
        add(name, address)
        return nil
    }

    /// A host name (letters, digits, '-', '_' and dots), fully qualified:
    /// one label goes into the local domain.
    static func qualified(_ word: UnsafeRawBufferPointer, _ localDomain: Name?) -> Name? {
        for c in word {
            let ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == 0x2D || c == 0x5F || c == 0x2E
            if !ok { return nil }
        }
        guard let name = try? Name(parsingBytes: Array(word)), !name.isRoot else { return nil }
        if name.labelCount == 1, let localDomain {
            guard let full = try? name.appending(localDomain) else { return nil }
            return full
        }
        return name
    }

    static func isNumber(_ w: UnsafeRawBufferPointer) -> Bool { !w.isEmpty && w.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }

    static func number(_ w: UnsafeRawBufferPointer) -> Int64? {
        guard isNumber(w), w.count <= 18 else { return nil }
        var v: Int64 = 0
        for c in w { v = v * 10 + Int64(c - 0x30) }
        return v
    }

    static func equals(_ w: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        guard w.count == s.utf8CodeUnitCount else { return false }
        for k in 0..<w.count where w[k] != s.utf8Start[k] { return false }
        return true
    }

    /// A word for a message: printable ASCII, at most 64 bytes.
    static func text(_ w: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        for c in w.prefix(64) { out.append(c >= 0x20 && c < 0x7F ? c : 0x3F) }
        return String(decoding: out, as: UTF8.self)
    }
}
