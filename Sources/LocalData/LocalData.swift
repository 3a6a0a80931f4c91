// LocalData: the names Sprig answers itself, without asking anyone
// (DESIGN.md §3, Server's "local data"; issue 17).
//
// Owns: which questions are local and what their answers are —
//   - special-use names (RFC 6761): `localhost.` and every name below it
//     resolve to 127.0.0.1 and ::1 (§6.3), `invalid.` and below get
//     NXDOMAIN (§6.4);
//   - locally served zones (RFC 6303 §4, RFC 7793 for 100.64/10, RFC 8375
//     `home.arpa`): the private, loopback, link-local and documentation
//     reverse ranges; answered with their SOA (RFC 6303 §3), so a PTR query
//     for 192.168.1.20 never leaks to the AS112 servers or times out with
//     the WAN down;
//   - the household's local domain (`option local_domain 'lan'`):
//     authoritative, its SOA in negative answers, never forwarded.
// The resolver core asks `match` before its cache and before any task
// exists (ResolverCore.query), then has `write` put the records in.
//
// Never: reads files, clocks or sockets, or allocates on the query path
// (the zone table is built at start-up; the RDATA scratch is carved from
// the arena).
//
// Example:
//   let local = LocalData(localDomain: try Name(parsing: "lan."), arena: arena)
//   local.match(Question(name: "www.localhost.", type: .a, rrClass: .in))
//       // LocalMatch(zone: (localhost., .localhost, isApex: false), names: .none)
//   try local.write(match, question, into: &builder)   // A 127.0.0.1; rcode NOERROR
import DNSWire
import Fixed

public struct LocalData {
    let zones: LocalZoneTable
    /// Hosts files and DHCP leases (`list hosts_file`, `list lease_file`),
    /// reloaded by the server when they change (`reloadNames`).
    public internal(set) var names: LocalNames
    /// The local domain, which one-label names from the files go into.
    public let localDomain: Name?
    /// Where RDATA of synthesised records is put together (one at a time).
    let scratch: UnsafeMutableRawBufferPointer
    /// Keeps the carving alive.
    let arena: Arena

    /// The zone table for `localDomain` (nil: none); the scratch and a
    /// names table of `nameCapacity` entries carved from `arena` (the rows
    /// `footprint` names; none for the names when the capacity is 0).
    public init(localDomain: Name?, nameCapacity: Int = 0, arena: Arena) {
        zones = LocalZoneTable(localDomain: localDomain)
        self.localDomain = localDomain
        scratch = arena.reserveBytes(LocalData.scratchByteCount, label: LocalData.scratchLabel)
        names = LocalNames(capacity: nameCapacity, arena: arena)
        self.arena = arena
    }

    /// A SOA's RDATA: two names of at most 255 bytes and five 32-bit numbers.
    static let scratchByteCount = 2 * Limits.nameByteCountMax + 20
    static let scratchLabel = "local data scratch (RDATA)"

    /// The plan's rows: what `init` carves.
    public static func footprint(nameCapacity: Int = 0) -> [Arena.Row] {
        [Arena.Row(scratchLabel, count: 1, byteCount: Arena.carvingByteCount(scratchByteCount))]
            + LocalNames.footprint(capacity: nameCapacity)
    }

    /// How many zones are served locally (for the start-up log and tests).
    public var zoneCount: Int { zones.entries.count }

    /// What local data has for `question`, or nil when it is not local.
    /// The names table first (a hosts file may name anything), then the zones.
    public func match(_ question: Question) -> LocalMatch? {
        var names = LocalNamesMatch.none
        if self.names.count > 0 {
            if self.names.forEachAddress(of: question.name, { _ in }) {
                names = .forward
            } else if let address = ReverseName.address(question.name), self.names.name(for: address) != nil {
                names = .reverse(address)
            } else if let full = qualified(question.name), self.names.forEachAddress(of: full, { _ in }) {
                names = .bare
            }
        }
        let zone = zones.closest(to: question.name)
        if zone == nil && names == .none { return nil }
        return LocalMatch(zone: zone, names: names)
    }

    /// `name` (one label) in the local domain, or nil.
    func qualified(_ name: Name) -> Name? {
        guard let localDomain, name.labelCount == 1 else { return nil }
        return try? name.appending(localDomain)
    }

    /// Replaces the names table's content: `body` adds every pair of every
    /// file (the server's LocalFiles reads them).
    public mutating func reloadNames(_ body: (inout LocalNames) -> Void) {
        names.removeAll()
        body(&names)
    }
}
