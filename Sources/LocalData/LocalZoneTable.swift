import DNSWire

/// The locally served zones, as wire names back to back in one blob
/// (about 100 zones in 2 KB, where 100 `Name`s would take 26 KB).
/// Built at start-up (and SIGHUP) from a once-parsed built-in part;
/// `closest` reads it without copying.
struct LocalZoneTable {
    var bytes: [UInt8] = []
    var entries: [LocalZone] = []
    /// The last labels of every zone (`arpa`, `localhost`, `invalid`, the
    /// local domain's): a name ending otherwise is not local, found in one
    /// comparison per top-level label.
    var topLabels: [LocalZone] = []
    /// Names of synthesised RDATA: the SOA's RNAME (RFC 6303 §3) and the
    /// target of the loopback PTRs; owners that have such a PTR.
    let nobodyInvalid: Name
    let localhostName: Name
    let loopbackPTROwners: [Name]

    init(localDomain: Name?) {
        self = LocalZoneTable.builtInZones
        guard let localDomain, !localDomain.isRoot else { return }
        // The local domain first: configured as `home.arpa`, it is served
        // with the household's names, not as the empty RFC 8375 zone (`add`
        // keeps the first entry of a name).
        let builtIn = self
        bytes = []
        entries = []
        topLabels = []
        add(localDomain, .localDomain)
        for e in builtIn.entries {
            guard let name = try? Name(wire: Array(builtIn.bytes[e.offset..<(e.offset + e.byteCount)])) else {
                preconditionFailure("a built-in zone does not read back")
            }
            add(name, e.kind)
        }
    }

    /// The built-in zones (RFC 6761, RFC 6303, RFC 8375), parsed from their
    /// text once per process: a table is built at start, at every SIGHUP,
    /// and per input by the resolver fuzzer, and parsing some 100 names was
    /// most of that work.
    private static let builtInZones = LocalZoneTable()

    private init() {
        nobodyInvalid = LocalZoneTable.builtIn("nobody.invalid.")
        localhostName = LocalZoneTable.builtIn("localhost.")
        loopbackPTROwners = SpecialUseZones.loopbackPTRs.map(LocalZoneTable.builtIn)
        for text in SpecialUseZones.localhost { add(text, .localhost) }
        for text in SpecialUseZones.invalid { add(text, .invalid) }
        for text in SpecialUseZones.locallyServed() { add(text, .locallyServed) }
    }

    mutating func add(_ text: String, _ kind: LocalZoneKind) {
        add(LocalZoneTable.builtIn(text), kind)
    }

    static func builtIn(_ text: String) -> Name {
        guard let name = try? Name(parsing: text) else { preconditionFailure("bad built-in name \(text)") }
        return name
    }

    /// Whether `name` is the reverse name of 127.0.0.1 or ::1.
    func hasLoopbackPTR(_ name: Name) -> Bool {
        loopbackPTROwners.contains { $0 == name }
    }

    mutating func add(_ name: Name, _ kind: LocalZoneKind) {
        for e in entries where e.byteCount == name.byteCount && equalsSuffix(name, at: 0, e) { return }
        let zone = LocalZone(offset: bytes.count, byteCount: name.byteCount, kind: kind)
        for i in 0..<name.byteCount { bytes.append(name[byte: i]) }
        entries.append(zone)
        let top = name.labelOffset(name.labelCount - 1)
        let topZone = LocalZone(offset: zone.offset + top, byteCount: name.byteCount - top, kind: kind)
        if !topLabels.contains(where: { $0.byteCount == topZone.byteCount && equalsSuffix(name, at: top, $0) }) {
            topLabels.append(topZone)
        }
    }

    /// The most specific zone `name` is at or below, or nil.
    func closest(to name: Name) -> LocalZoneMatch? {
        if name.isRoot { return nil }
        let top = name.labelOffset(name.labelCount - 1)
        guard topLabels.contains(where: { $0.byteCount == name.byteCount - top && equalsSuffix(name, at: top, $0) })
        else { return nil }
        // Longest suffix first: the first zone found is the closest.
        var offset = 0
        for _ in 0..<Limits.labelCountMax {
            guard offset < name.byteCount, name[byte: offset] != 0 else { return nil }
            let length = name.byteCount - offset
            for e in entries where e.byteCount == length && equalsSuffix(name, at: offset, e) {
                return LocalZoneMatch(apex: name.droppingFirstLabels(labelsBefore(offset, in: name)).lowercased(),
                                  kind: e.kind, isApex: offset == 0)
            }
            offset += Int(name[byte: offset]) + 1
        }
        return nil
    }

    /// The labels of `name` before byte `offset` (a label boundary).
    func labelsBefore(_ offset: Int, in name: Name) -> Int {
        var count = 0
        var at = 0
        while at < offset {
            at += Int(name[byte: at]) + 1
            count += 1
        }
        return count
    }

    /// Whether `name` from byte `offset` on equals the zone (ASCII case-insensitive, RFC 4343).
    func equalsSuffix(_ name: Name, at offset: Int, _ zone: LocalZone) -> Bool {
        for i in 0..<zone.byteCount where LocalZoneTable.lower(name[byte: offset + i]) != LocalZoneTable.lower(bytes[zone.offset + i]) {
            return false
        }
        return true
    }

    static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b | 0x20 : b }
}
