import DNSWire
import Fixed

/// The NS names strict DoT failures were about, so that a SERVFAIL's EDE
/// 23 text can say "ns1.example (192.0.2.1) strict DoT: …" (RFC 8914 §2
/// EXTRA-TEXT: for the operator) rather than the address alone.
///
/// A failure's reason travels in every task slot (`Iteration.failureDetail`)
/// and up to the waiting clients; a whole name there would cost 256 bytes
/// per outgoing slot. The detail carries a serial instead, and the name
/// waits here, in a small ring carved at start (none without a strict
/// section): a text built after `capacity` later strict failures finds its
/// entry reused and names the address alone. That can only shorten a text,
/// never name the wrong server (the serial must match).
///
/// Never: decides anything; only the EDE text reads it.
struct StrictFailureNames: ~Copyable {
    /// Names kept: the failures of one request's deadline (a few seconds)
    /// across every strict zone of a household are far fewer.
    static let capacity = 16
    static let label = "strict DoT failure names (EDE text)"

    struct Entry {
        var serial: UInt32 = 0
        var name = Name.root
    }

    let entries: UnsafeMutableBufferPointer<Entry>
    var lastSerial: UInt32 = 0
    /// Keeps the carving alive.
    let arena: Arena

    static func count(isOn: Bool) -> Int { isOn ? capacity : 0 }

    /// The plan's row: what `init` carves.
    static func footprint(isOn: Bool) -> Arena.Row {
        Arena.Row(label, count: count(isOn: isOn), byteCount: Arena.carvingByteCount(of: Entry.self, count: count(isOn: isOn)))
    }

    init(isOn: Bool, arena: Arena) {
        self.arena = arena
        entries = arena.reserve(Entry.self, count: StrictFailureNames.count(isOn: isOn), label: StrictFailureNames.label)
        for i in 0..<entries.count { (entries.baseAddress! + i).initialize(to: Entry()) }
    }

    /// Keeps `name`; the serial that finds it again (0 when off: none).
    mutating func remember(_ name: Name) -> UInt32 {
        guard entries.count > 0 else { return 0 }
        lastSerial = lastSerial == UInt32.max ? 1 : lastSerial + 1
        entries[Int(lastSerial % UInt32(entries.count))] = Entry(serial: lastSerial, name: name)
        return lastSerial
    }

    /// The name kept under `serial`, unless its entry was reused since.
    func name(_ serial: UInt32) -> Name? {
        guard serial != 0, entries.count > 0 else { return nil }
        let e = entries[Int(serial % UInt32(entries.count))]
        return e.serial == serial ? e.name : nil
    }
}
