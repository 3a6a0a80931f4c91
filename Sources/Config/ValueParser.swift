import DNSWire

/// Why one value was rejected; the message completes
/// "option 'NAME': ...".
struct ValueError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Strict parsers for option values. Each returns the typed value or a
/// message saying what was expected.
enum ValueParser {
    /// Digits of the longest number we look at (no option needs more).
    static let maxDigitCount = 15

    static func integer(_ bytes: [UInt8], in range: ClosedRange<Int>) -> Result<Int, ValueError> {
        let shown = Bytes.display(bytes)
        let outOfRange = ValueError("\(shown) is out of range (\(range.lowerBound) to \(range.upperBound))")
        guard let value = digits(bytes[...]) else {
            let allDigits = !bytes.isEmpty && bytes.allSatisfy(Bytes.isDigit)
            return .failure(allDigits ? outOfRange : ValueError("'\(shown)' is not a whole number"))
        }
        return range.contains(value) ? .success(value) : .failure(outOfRange)
    }

    /// Plain decimal digits only: no sign, spaces or trailing junk; nil
    /// also when the number does not fit in Int (32 bits on ARMv7 and MIPS).
    static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        if bytes.isEmpty || bytes.count > maxDigitCount { return nil }
        var value = 0
        for c in bytes {
            guard Bytes.isDigit(c) else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(c - 0x30))
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }

    /// Bytes, or a number with K, M or G (powers of 1024).
    static func size(_ bytes: [UInt8], in range: ClosedRange<Int>) -> Result<Int, ValueError> {
        let shown = Bytes.display(bytes)
        let notSize = ValueError("'\(shown)' is not a size (use bytes, or a number with K, M or G)")
        guard let last = bytes.last else { return .failure(notSize) }
        var multiplier = 1
        var number = bytes[...]
        switch Bytes.lowercased(last) {
        case 0x6B: multiplier = 1 << 10   // k
        case 0x6D: multiplier = 1 << 20   // m
        case 0x67: multiplier = 1 << 30   // g
        default: break
        }
        if multiplier > 1 { number = bytes.dropLast() }
        let outOfRange = ValueError("\(shown) is out of range (\(sizeText(range.lowerBound)) to \(sizeText(range.upperBound)))")
        guard let value = digits(number) else {
            let allDigits = !number.isEmpty && number.allSatisfy(Bytes.isDigit)
            return .failure(allDigits ? outOfRange : notSize)
        }
        let (total, overflow) = value.multipliedReportingOverflow(by: multiplier)
        if overflow || !range.contains(total) { return .failure(outOfRange) }
        return .success(total)
    }

    /// The shortest exact K/M/G form of a byte count.
    static func sizeText(_ byteCount: Int) -> String {
        if byteCount > 0 && byteCount % (1 << 30) == 0 { return "\(byteCount >> 30)G" }
        if byteCount > 0 && byteCount % (1 << 20) == 0 { return "\(byteCount >> 20)M" }
        if byteCount > 0 && byteCount % (1 << 10) == 0 { return "\(byteCount >> 10)K" }
        return "\(byteCount)"
    }

    /// Booleans as OpenWrt's scripts read them.
    static func boolean(_ bytes: [UInt8]) -> Result<Bool, ValueError> {
        for word: StaticString in ["1", "yes", "on", "true", "enabled"] where Bytes.equalsIgnoringCase(bytes, word) {
            return .success(true)
        }
        for word: StaticString in ["0", "no", "off", "false", "disabled"] where Bytes.equalsIgnoringCase(bytes, word) {
            return .success(false)
        }
        return .failure(ValueError("'\(Bytes.display(bytes))' is not a boolean (use 1 or 0)"))
    }

    /// One of a fixed set of words; returns its index.
    static func choice(_ bytes: [UInt8], _ words: [StaticString]) -> Result<Int, ValueError> {
        for (i, word) in words.enumerated() where Bytes.equals(bytes, word) { return .success(i) }
        var list = ""
        for (i, word) in words.enumerated() { list += (i == 0 ? "" : ", ") + Bytes.string(word) }
        return .failure(ValueError("'\(Bytes.display(bytes))' is not one of: \(list)"))
    }

    /// An absolute path of printable ASCII.
    static func path(_ bytes: [UInt8], maxByteCount: Int = ConfigLimits.maxPathByteCount) -> Result<ConfigText, ValueError> {
        let shown = Bytes.display(bytes)
        if bytes.first != 0x2F { return .failure(ValueError("'\(shown)' is not an absolute path")) }
        if bytes.count > maxByteCount {
            return .failure(ValueError("path is \(bytes.count) bytes long; the limit is \(maxByteCount)"))
        }
        if !bytes.allSatisfy(Bytes.isPrintableASCII) {
            return .failure(ValueError("'\(shown)' has characters other than printable ASCII"))
        }
        return .success(ConfigText(bytes: bytes))
    }

    /// A user name (empty means: do not drop privileges).
    static func userName(_ bytes: [UInt8]) -> Result<ConfigText, ValueError> { accountName(bytes, kind: "user") }

    /// A user or group name (`kind`): busybox's rules and length.
    static func accountName(_ bytes: [UInt8], kind: String) -> Result<ConfigText, ValueError> {
        let shown = Bytes.display(bytes)
        if bytes.count > ConfigLimits.maxUserNameByteCount {
            return .failure(ValueError("\(kind) name is longer than \(ConfigLimits.maxUserNameByteCount) bytes"))
        }
        let ok = bytes.allSatisfy { Bytes.isAlphanumeric($0) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E }
        if !ok || bytes.first == 0x2D {
            return .failure(ValueError("'\(shown)' is not a \(kind) name (letters, digits, '_', '-', '.')"))
        }
        return .success(ConfigText(bytes: bytes))
    }

    /// A domain name in presentation form (DNSWire's one parser; escapes as
    /// in zone files, final dot optional), lowercased.
    static func domainName(_ bytes: [UInt8]) -> Result<Name, ValueError> {
        do throws(PresentationError) {
            return .success(try Name(parsingBytes: bytes).lowercased())
        } catch {
            return .failure(ValueError(error.nameMessage(for: bytes)))
        }
    }

    /// One DS or DNSKEY record (DNSWire's one trust-anchor parser).
    static func trustAnchor(_ bytes: [UInt8]) -> Result<TrustAnchor, ValueError> {
        do throws(TrustAnchorError) {
            return .success(try TrustAnchor(parsing: bytes))
        } catch {
            return .failure(ValueError(error.text))
        }
    }

    static func address(_ bytes: [UInt8]) -> Result<IPAddress, ValueError> {
        if bytes.contains(0x25) {   // '%'
            return .failure(ValueError("'\(Bytes.display(bytes))': zone indexes (%...) are not supported"))
        }
        guard let a = IPAddress(text: bytes) else {
            return .failure(ValueError("'\(Bytes.display(bytes))' is not a numeric IPv4 or IPv6 address"))
        }
        return .success(a)
    }

    static func port(_ bytes: [UInt8]) -> Result<UInt16, ValueError> {
        integer(bytes, in: 1...65535).map { UInt16($0) }
    }

    /// `address[/length]`; host bits must be zero.
    static func prefix(_ bytes: [UInt8]) -> Result<IPPrefix, ValueError> {
        let shown = Bytes.display(bytes)
        let slash = bytes.firstIndex(of: 0x2F)
        let addressPart = slash.map { Array(bytes[..<$0]) } ?? bytes
        let address: IPAddress
        switch ValueParser.address(addressPart) {
        case .success(let a): address = a
        case .failure: return .failure(ValueError("'\(shown)' is not an address prefix (like 192.168.0.0/16 or fc00::/7)"))
        }
        let maxLength = address.family == .ipv4 ? 32 : 128
        var length = maxLength
        if let slash {
            guard let l = digits(bytes[(slash + 1)...]), l <= maxLength else {
                return .failure(ValueError("'\(shown)': prefix length must be 0 to \(maxLength)"))
            }
            length = l
        }
        guard let p = IPPrefix(address: address, length: length) else {
            return .failure(ValueError("'\(shown)' has bits set after the prefix length"))
        }
        return .success(p)
    }

    /// `a.b.c.d[:port]`, `v6`, `[v6]` or `[v6]:port`.
    static func listen(_ bytes: [UInt8]) -> Result<ListenAddress, ValueError> {
        let shown = Bytes.display(bytes)
        let bad = ValueError("'\(shown)' is not address[:port] (like 192.168.1.1, 192.168.1.1:53 or [::1]:53)")
        var addressPart = bytes
        var portPart: [UInt8]? = nil
        if bytes.first == 0x5B {   // '['
            guard let close = bytes.firstIndex(of: 0x5D) else { return .failure(bad) }
            addressPart = Array(bytes[1..<close])
            let rest = bytes[(close + 1)...]
            if !rest.isEmpty {
                guard rest.first == 0x3A else { return .failure(bad) }
                portPart = Array(rest.dropFirst())
            }
        } else {
            let colons = bytes.filter { $0 == 0x3A }.count
            if colons == 1, let colon = bytes.firstIndex(of: 0x3A) {
                addressPart = Array(bytes[..<colon])
                portPart = Array(bytes[(colon + 1)...])
            }
        }
        let address: IPAddress
        switch ValueParser.address(addressPart) {
        case .success(let a): address = a
        case .failure(let e): return .failure(addressPart.isEmpty ? bad : e)
        }
        if bytes.first == 0x5B && address.family != .ipv6 { return .failure(bad) }
        var port = ListenAddress.defaultPort
        if let portPart {
            switch ValueParser.port(portPart) {
            case .success(let p): port = p
            case .failure(let e): return .failure(ValueError("port: \(e.message)"))
            }
        }
        return .success(ListenAddress(address: address, port: port))
    }

    /// `sha256/<base64 of 32 bytes>`: an SPKI pin as in RFC 7469.
    static func tlsPin(_ bytes: [UInt8]) -> Result<[UInt8], ValueError> {
        let prefix: [UInt8] = Array("sha256/".utf8)
        let bad = ValueError("'\(Bytes.display(bytes))' is not a pin (sha256/ followed by the base64 SHA-256 of the key)")
        guard bytes.count > prefix.count, Array(bytes[..<prefix.count]) == prefix,
              let digest = Base64.decode(Array(bytes[prefix.count...])), digest.count == 32 else {
            return .failure(bad)
        }
        return .success(digest)
    }
}

extension Name {
    /// Presentation form without the final dot ("." for the root), as
    /// UCI files write names: the normalised config and messages use it.
    var uciText: String {
        let absolute = text
        return isRoot ? absolute : String(decoding: absolute.utf8.dropLast(), as: UTF8.self)
    }
}
