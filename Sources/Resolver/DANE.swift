import Cache
import Crypto
import DNSWire
import Fixed

/// DANE for strict authoritative servers (RFC 7671, RFC 6698; seed 004:
/// "a DNSSEC-validated TLSA at `_853._tcp.<ns name>`").
///
/// Owns: finding the TLSA RRset of a strict server's NS name, deciding
/// whether it is usable, and packing its usable records for Transport
/// (`DANEAssociations`, checked in the C shim once the handshake is done,
/// before any query byte is written).
///
/// Usable: the RRset is in the cache with rank secure (DNSSEC-validated;
/// RFC 6698 §4.1: an insecure or bogus TLSA is not used, and the server is
/// then authenticated by the CA bundle with the NS name instead), and holds
/// at least one record with usage DANE-TA(2) or DANE-EE(3) (RFC 7671 §5;
/// PKIX-TA(0) and PKIX-EE(1) are not used for DoT here), selector Cert(0)
/// or SPKI(1), matching Full(0), SHA2-256(1) or SHA2-512(2) with the
/// digest's exact length. A secure TLSA RRset with no usable record counts
/// as none (RFC 7671 §4.1: "unusable"). A secure TLSA that is usable
/// decides alone: a certificate that does not match it fails that server,
/// whatever the CA bundle says.
///
/// Requirement 5: the TLSA look-up for a server of zone Z is a sub-task
/// (`purpose .tlsa`). A TLSA sub-task, and anything under it, never starts
/// another one, nor does a DNSKEY/DS fetch for a zone at or above the
/// TLSA's name (the TLSA is validated with those keys, so it cannot come
/// first; such a fetch uses a TLSA already cached secure, else the CA
/// path): when it reaches Z's strict servers (the TLSA name of an
/// in-zone NS name lies in Z), it can only use them authenticated by pins
/// or by the CA bundle with their NS name. So a TLSA never waits on the
/// TLSA of the server it is for, and a server only DANE can authenticate
/// whose TLSA lives in its own zone fails closed with its reason. Each task
/// looks up at most `lookupsPerTaskMax` TLSA names, each once.
///
/// Never: writes DNS data, or weakens the order (pins, else DANE, else CA
/// bundle with the NS name).
public struct DANEAssociations: Equatable, Sendable {
    /// Records kept from one RRset: a server rolling its key publishes two
    /// or three; more are ignored.
    public static let countMax = 4
    /// 1 count byte, then per record: usage, selector, matching, length,
    /// then the data (a SHA-256 or SHA-512 digest; Full data as its SHA-256).
    public static let byteCountMax = 1 + countMax * (4 + 64)
    var storage = InlineArray<273, UInt8>(repeating: 0)
    public private(set) var byteCount = 1
    public var count: Int { Int(storage[0]) }

    public init() {}

    /// The packed records, for Transport.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let n = byteCount
        return storage.span.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }

    init?(packed: UnsafeRawBufferPointer) {
        guard packed.count >= 1, packed.count <= DANEAssociations.byteCountMax else { return nil }
        for i in 0..<packed.count { storage[i] = packed[i] }
        byteCount = packed.count
    }

    public static func == (a: DANEAssociations, b: DANEAssociations) -> Bool {
        guard a.byteCount == b.byteCount else { return false }
        for i in 0..<a.byteCount where a.storage[i] != b.storage[i] { return false }
        return true
    }

    /// Adds one TLSA RDATA when usable (see above); false when not.
    mutating func add(tlsa rdata: UnsafeRawBufferPointer) -> Bool {
        guard count < DANEAssociations.countMax, rdata.count > 3 else { return false }
        let usage = rdata[0], selector = rdata[1], matching = rdata[2]
        let data = UnsafeRawBufferPointer(rebasing: rdata[3...])
        guard usage == 2 || usage == 3, selector <= 1 else { return false }
        var at = byteCount
        storage[at] = usage
        storage[at + 1] = selector
        storage[at + 2] = matching
        switch matching {
        case 0:   // Full: kept as its SHA-256; the shim hashes the peer's the same way
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digest in
                Digest.compute(.sha256, data, into: UnsafeMutableRawBufferPointer(digest))
                for i in 0..<32 { storage[at + 4 + i] = digest[i] }
            }
            storage[at + 3] = 32
        case 1, 2:
            let length = matching == 1 ? 32 : 64
            guard data.count == length else { return false }   // RFC 6698 §2.1.3: a digest of another length is unusable
            for i in 0..<length { storage[at + 4 + i] = data[i] }
            storage[at + 3] = UInt8(length)
        default:
            return false
        }
        at += 4 + Int(storage[at + 3])
        byteCount = at
        storage[0] += 1
        return true
    }
}

/// What the cache says of a strict server's TLSA.
enum TLSAStatus {
    case usable(DANEAssociations)
    /// Known: no TLSA, not secure, or no usable record.
    case none
    /// Not in the cache.
    case unknown
}

extension ResolverCore {
    /// TLSA names one task may look up (each once): a zone's servers with
    /// different NS names, within the task's look-up budget.
    static let tlsaLookupsPerTaskMax = 4

    /// `_853._tcp.<ns name>` (RFC 7671 §3 with RFC 7858's port).
    static func tlsaName(for ns: Name) -> Name? {
        let tcp: [UInt8] = [0x5F, 0x74, 0x63, 0x70]          // "_tcp"
        let port: [UInt8] = [0x5F, 0x38, 0x35, 0x33]         // "_853"
        guard let withTCP = tcp.withUnsafeBytes({ try? ns.prepending(label: $0) }) else { return nil }
        return port.withUnsafeBytes { try? withTCP.prepending(label: $0) }
    }

    mutating func tlsaStatus(_ name: Name, nowMs: Int64) -> TLSAStatus {
        switch cache.lookup(name, .tlsa, nowSeconds: nowMs / 1000) {
        case .fresh(let hit, _):
            guard hit.kind == .rrset, hit.rank == .secure else { return .none }
            var dane = DANEAssociations()
            _ = cache.withBlob(hit) { blob in
                AnswerCache.forEachRData(blob) { rdata in _ = dane.add(tlsa: rdata) }
            }
            return dane.count > 0 ? .usable(dane) : .none
        default:
            return .unknown
        }
    }

    /// True when a TLSA look-up for `name` would wait on itself: task
    /// `index` or a task it works for is a TLSA look-up, or fetches the
    /// keys of a zone at or above `name` (the TLSA is validated with those
    /// keys, so it cannot come before them).
    func tlsaLookupWouldWait(_ index: Int, _ name: Name) -> Bool {
        var current: Int32? = Int32(index)
        for _ in 0..<outgoing.capacity {
            guard let task = current, outgoing.isInUse(Int(task)) else { return false }
            let o = outgoing[Int(task)]
            if o.iteration.purpose == .tlsa { return true }
            if o.iteration.purpose == .keys && name.isSubdomain(of: o.question.name) { return true }
            current = o.iteration.parent
        }
        return true   // a parent chain longer than the pool: corrupt, refuse
    }

    /// Starts the sub-task for `name`'s TLSA unless the rules above forbid
    /// it; true when task `index` now waits for it.
    mutating func startTLSALookup(_ index: Int, _ name: Name, nowMs: Int64) -> Bool {
        let it = outgoing[index].iteration
        let hash = name.lowercased().hash32
        for i in 0..<it.tlsaLookupCount where it.tlsaLookups[i] == hash { return false }   // asked once
        guard settings.recursive, isValidating, it.tlsaLookupCount < ResolverCore.tlsaLookupsPerTaskMax,
              !tlsaLookupWouldWait(index, name), !ancestorAsks(index, name: name, type: .tlsa),
              outgoing[Int(it.root)].iteration.lookupsLeft > 0 else { return false }
        let o = outgoing.pointer(index)
        o.pointee.iteration.tlsaLookups[it.tlsaLookupCount] = hash
        o.pointee.iteration.tlsaLookupCount += 1
        stats.tlsaLookups += 1
        return startSubTask(index, name: name, type: .tlsa, purpose: .tlsa, nowMs: nowMs)
    }
}
