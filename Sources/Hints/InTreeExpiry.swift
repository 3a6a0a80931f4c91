// `_in-tree.<domain> TXT "<expiry>"` (draft-kolkman-in-tree-hints §3.1): the
// date until which the domain owner commits to the in-tree practices, as an
// RFC 3339 date-time. Pure functions, no allocation: time is a parameter.

import DNSWire

public enum InTreeExpiryError: Error, Equatable, Sendable {
    /// TXT RDATA is not exactly one well-formed character-string.
    case badTXT
    /// Not an RFC 3339 date-time ("2027-03-01T00:00:00Z").
    case badTimestamp
}

/// What the hint may do now, given the published expiry.
public enum InTreeHintStatus: Equatable, Sendable {
    /// Before the expiry.
    case committed(secondsLeft: Int64)
    /// Expired; still used until `secondsUntilDisabled` pass without renewal.
    case expired(secondsUntilDisabled: Int64)
    /// Expired more than `InTreeExpiry.graceSeconds` ago: stop using the hint.
    case disabled
}

public enum InTreeExpiry {
    /// §3.1: check for a renewal "not longer than 30 days after the
    /// expiration"; without one the hint is disabled.
    public static let graceSeconds: Int64 = 30 * 86_400
    /// Longest accepted timestamp: "YYYY-MM-DDTHH:MM:SS" + 9 fraction digits + "+HH:MM".
    static let timestampByteCountMax = 35

    /// "_in-tree." + domain: the owner of the signalling TXT record.
    public static func ownerName(for domain: Name) throws(WireError) -> Name {
        // (static text: no allocation, the resolver asks this daily)
        let label: StaticString = "_in-tree"
        return try domain.prepending(label: UnsafeRawBufferPointer(start: label.utf8Start, count: label.utf8CodeUnitCount))
    }

    /// Expiry (seconds since 1970, UTC) from TXT RDATA holding one string.
    public static func expirySeconds(txtRData rdata: UnsafeRawBufferPointer) throws(InTreeExpiryError) -> Int64 {
        guard rdata.count >= 1, Int(rdata[0]) + 1 == rdata.count else { throw .badTXT }
        return try expirySeconds(timestamp: UnsafeRawBufferPointer(rebasing: rdata[1...]))
    }

    /// Expiry (seconds since 1970, UTC) of an RFC 3339 date-time (§5.6):
    /// `YYYY-MM-DD("T"|"t"|" ")HH:MM:SS[.fraction]("Z"|"z"|("+"|"-")HH:MM)`.
    public static func expirySeconds(timestamp text: UnsafeRawBufferPointer) throws(InTreeExpiryError) -> Int64 {
        guard text.count >= 20, text.count <= timestampByteCountMax else { throw .badTimestamp }
        var cursor = RFC3339Cursor(text: text)
        let year = try cursor.digits(4, separator: 0x2D)
        let month = try cursor.digits(2, separator: 0x2D)
        let day = try cursor.digits(2, separator: nil)
        guard let t = cursor.next(), t == 0x54 || t == 0x74 || t == 0x20 else { throw .badTimestamp }
        let hour = try cursor.digits(2, separator: 0x3A)
        let minute = try cursor.digits(2, separator: 0x3A)
        let second = try cursor.digits(2, separator: nil)
        try cursor.skipFraction()
        let offsetSeconds = try cursor.offsetSeconds()
        guard cursor.atEnd, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { throw .badTimestamp }
        let days = daysFromCivil(year: year, month: month, day: day)
        return days * 86_400 + Int64(hour * 3_600 + minute * 60 + second) - offsetSeconds
    }

    /// Convenience for tests and the CLI.
    public static func expirySeconds(timestamp text: [UInt8]) throws(InTreeExpiryError) -> Int64 {
        let result = text.withUnsafeBytes { raw in
            Result { () throws(InTreeExpiryError) -> Int64 in try expirySeconds(timestamp: raw) }
        }
        return try result.get()
    }

    public static func status(expirySeconds: Int64, nowSeconds: Int64) -> InTreeHintStatus {
        if nowSeconds < expirySeconds { return .committed(secondsLeft: expirySeconds - nowSeconds) }
        let disableAt = expirySeconds + graceSeconds
        if nowSeconds < disableAt { return .expired(secondsUntilDisabled: disableAt - nowSeconds) }
        return .disabled
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// Reads an RFC 3339 timestamp left to right.
struct RFC3339Cursor {
    let text: UnsafeRawBufferPointer
    var index = 0

    var atEnd: Bool { index == text.count }

    mutating func next() -> UInt8? {
        guard index < text.count else { return nil }
        index += 1
        return text[index - 1]
    }

    /// `count` decimal digits, then `separator` if given.
    mutating func digits(_ count: Int, separator: UInt8?) throws(InTreeExpiryError) -> Int {
        var value = 0
        for _ in 0..<count {
            guard let c = next(), c >= 0x30, c <= 0x39 else { throw .badTimestamp }
            value = value * 10 + Int(c - 0x30)
        }
        if let separator { guard next() == separator else { throw .badTimestamp } }
        return value
    }

    /// "." and at least one digit; the fraction does not change the day.
    mutating func skipFraction() throws(InTreeExpiryError) {
        guard index < text.count, text[index] == 0x2E else { return }
        index += 1
        let start = index
        while index < text.count, text[index] >= 0x30, text[index] <= 0x39 { index += 1 }
        guard index > start else { throw .badTimestamp }
    }

    /// "Z" is 0; "+HH:MM" east of UTC is positive.
    mutating func offsetSeconds() throws(InTreeExpiryError) -> Int64 {
        guard let c = next() else { throw .badTimestamp }
        if c == 0x5A || c == 0x7A { return 0 }
        guard c == 0x2B || c == 0x2D else { throw .badTimestamp }
        let hours = try digits(2, separator: 0x3A)
        let minutes = try digits(2, separator: nil)
        guard hours <= 23, minutes <= 59 else { throw .badTimestamp }
        let seconds = Int64(hours * 3_600 + minutes * 60)
        return c == 0x2B ? seconds : -seconds
    }
}
