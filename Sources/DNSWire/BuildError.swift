// Why the builder refused an addition. After any error the message in the
// buffer is unchanged and consistent (counts match what was written).

public enum BuildError: Error, Equatable, Sendable {
    /// Does not fit: the caller sets TC (or drops the section) and stops.
    case noSpace
    /// Questions after records, records of an earlier section, or options
    /// with no OPT RR (or after a record following the OPT).
    case outOfOrder
    /// The given RDATA does not match its type's schema.
    case badRData(WireError)
    /// A second OPT RR (RFC 6891 §6.1.1).
    case duplicateOPT
}
