import CSodium
import DNSWire

/// Signs test zones with Ed25519 (RFC 8080, algorithm 15) using libsodium,
/// so scenario tests can build signed hierarchies of any shape. The
/// canonical form (RFC 4034 §6) is built here independently of the
/// Validator; the records used have lowercase names, so RDATA is already
/// canonical. Signatures are valid 2025-01-01 … 2035-01-01.
struct TestSigner {
    static let inception: UInt32 = 1_735_689_600
    static let expiration: UInt32 = 2_051_222_400
    static let algorithm: UInt8 = 15

    let zone: String
    /// The RRSIG validity window (RFC 4034 §3.1.5); old-era signatures for
    /// clock tests set their own.
    var inception = TestSigner.inception
    var expiration = TestSigner.expiration
    var publicKey = [UInt8](repeating: 0, count: 32)
    var secretKey = [UInt8](repeating: 0, count: 64)

    /// A deterministic key from `seedByte` (tests must be reproducible).
    init(zone: String, seedByte: UInt8) {
        self.zone = zone
        _ = sodium_init()
        let seed = [UInt8](repeating: seedByte, count: 32)
        _ = crypto_sign_seed_keypair(&publicKey, &secretKey, seed)
    }

    /// DNSKEY flags: 257 (zone key, SEP); DELEG tests add ADT (0x0002,
    /// draft-ietf-dnsop-delext-11 §6.1).
    var flags: UInt16 = 257
    /// DNSKEY RDATA: flags, protocol 3, algorithm 15.
    var dnskeyRData: [UInt8] { [UInt8(flags >> 8), UInt8(flags & 0xFF), 3, TestSigner.algorithm] + publicKey }
    var dnskey: Wire.RR { Wire.RR(owner: zone, type: .dnskey, ttl: 3600, rdata: dnskeyRData) }

    /// RFC 4034 Appendix B.
    var keyTag: UInt16 {
        var sum: UInt32 = 0
        for (i, byte) in dnskeyRData.enumerated() { sum += i & 1 == 0 ? UInt32(byte) << 8 : UInt32(byte) }
        sum += (sum >> 16) & 0xFFFF
        return UInt16(truncatingIfNeeded: sum)
    }

    /// The DS (SHA-256, digest type 2) the parent publishes for this key.
    func ds(corrupt: Bool = false) -> Wire.RR {
        let input = Wire.name(zone).wireBytes + dnskeyRData
        var digest = [UInt8](repeating: 0, count: 32)
        _ = crypto_hash_sha256(&digest, input, UInt64(input.count))
        if corrupt { digest[0] ^= 0xFF }
        let rdata = [UInt8(keyTag >> 8), UInt8(keyTag & 0xFF), TestSigner.algorithm, 2] + digest
        return Wire.RR(owner: zone, type: .ds, ttl: 3600, rdata: rdata)
    }

    /// The RRSIG over `records` (one owner and type).
    func sign(_ records: [Wire.RR]) -> Wire.RR {
        let first = records[0]
        let owner = Wire.name(first.owner).wireBytes
        // RFC 4034 §3.1.3: a leading "*" label is not counted.
        let labels = UInt8(Wire.name(first.owner).labelCount - (first.owner.hasPrefix("*.") ? 1 : 0))
        var rdata = be16(first.type.rawValue) + [TestSigner.algorithm, labels] + be32(first.ttl)
            + be32(expiration) + be32(inception) + be16(keyTag) + Wire.name(zone).wireBytes
        var signed = rdata
        for r in records.map(\.rdata).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            signed += owner + be16(first.type.rawValue) + be16(1) + be32(first.ttl) + be16(UInt16(r.count)) + r
        }
        var signature = [UInt8](repeating: 0, count: 64)
        var length: UInt64 = 0
        _ = crypto_sign_detached(&signature, &length, signed, UInt64(signed.count), secretKey)
        rdata += signature
        var rr = Wire.RR(owner: first.owner, type: .rrsig, ttl: first.ttl, rdata: rdata)
        rr.section = first.section
        return rr
    }

    /// A wildcard answer as a server synthesises it (RFC 4592): `records`
    /// owned by `*.<encloser>`, re-owned by `name`, with their RRSIG (whose
    /// labels field shows the expansion).
    func expand(_ records: [Wire.RR], as name: String) -> [Wire.RR] {
        var out = records + [sign(records)]
        for i in out.indices { out[i].owner = name }
        return out
    }

    /// `records` followed by an RRSIG per (owner, type) group.
    func signAll(_ records: [Wire.RR]) -> [Wire.RR] {
        var out = records
        var groups: [String: [Wire.RR]] = [:]
        var order: [String] = []
        for r in records {
            let key = r.owner.lowercased() + "/" + String(r.type.rawValue)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(r)
        }
        for key in order { out.append(sign(groups[key]!)) }
        return out
    }

    /// An NSEC record (types below 256 only: one bitmap window).
    static func nsec(_ owner: String, next: String, types: [RRType]) -> Wire.RR {
        let highest = Int(types.map(\.rawValue).max() ?? 0)
        var bitmap = [UInt8](repeating: 0, count: highest / 8 + 1)
        for t in types { bitmap[Int(t.rawValue) / 8] |= 0x80 >> UInt8(t.rawValue % 8) }
        return Wire.RR(owner: owner, type: .nsec, ttl: 300,
                       rdata: Wire.name(next).wireBytes + [0, UInt8(bitmap.count)] + bitmap)
    }

    func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}
