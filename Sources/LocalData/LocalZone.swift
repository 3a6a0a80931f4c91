import DNSWire

/// What kind of local zone a name falls in; it decides the answer
/// (LocalAnswers.swift).
public enum LocalZoneKind: Equatable, Sendable {
    /// `localhost.` (RFC 6761 §6.3): loopback addresses for every name.
    case localhost
    /// `invalid.` (RFC 6761 §6.4): NXDOMAIN for every name.
    case invalid
    /// An RFC 6303 zone or `home.arpa` (RFC 8375): SOA and NS at the apex,
    /// NODATA for other types there, NXDOMAIN below it.
    case locallyServed
    /// `option local_domain`: like a locally served zone, with the
    /// household's own names in it.
    case localDomain
}

/// One zone of the table: its apex (wire bytes in the table's blob) and kind.
struct LocalZone {
    var offset: Int
    var byteCount: Int
    var kind: LocalZoneKind
}

/// The local zone a question falls in, and whether it asks about the
/// apex itself.
public struct LocalZoneMatch: Equatable {
    public var apex: Name
    public var kind: LocalZoneKind
    public var isApex: Bool
}

/// Whether the household's names (LocalNames) have the question's name.
public enum LocalNamesMatch: Equatable {
    case none
    /// The name has addresses in the table (A/AAAA answers).
    case forward
    /// A name of one label ("laptop.") whose name in the local domain
    /// ("laptop.lan.") is in the table, as dnsmasq answers bare names.
    case bare
    /// The name is the reverse name of an address in the table (PTR).
    case reverse(LocalAddress)
}

/// A question that is local: the zone it falls in (nil for a name from a
/// hosts file outside every local zone) and what the names table has.
public struct LocalMatch: Equatable {
    public var zone: LocalZoneMatch?
    public var names: LocalNamesMatch
}
