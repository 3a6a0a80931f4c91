// The rules `sprig ds-check` applies to CDS/CDNSKEY (RFC 7344, RFC 8078,
// draft-ietf-dnsop-ds-automation-04 §2): which algorithms and digest types
// count, what a delete signal is, which keys a CDS/CDNSKEY designates, and
// whether a key signs an RRset (through the Validator's RRSIG check).
// Never: does I/O (DSCheckClient does) or prints (DSCheck does).
import Crypto
import DNSWire
import Fixed
import Platform
import Validator

enum DSCheckRules {
    /// A "Use for DNSSEC Validation" status (RFC 8624 §3 keywords).
    enum Requirement {
        case must, recommended, may, mustNot, unassigned

        /// The draft (§2.2.1) accepts only MUST and RECOMMENDED.
        var isDesignated: Bool { self == .must || self == .recommended }

        var text: String {
            switch self {
            case .must: return "MUST"
            case .recommended: return "RECOMMENDED"
            case .may: return "MAY"
            case .mustNot: return "MUST NOT"
            case .unassigned: return "not assigned for validation"
            }
        }
    }

    /// The "Use for DNSSEC Validation" status of a DNSKEY algorithm: RFC 8624
    /// §3.1 as carried into the IANA registry by RFC 9904. Update here when
    /// the registry moves.
    static func algorithmStatus(_ algorithm: UInt8) -> Requirement {
        switch algorithm {
        case 5, 7, 8, 10, 13: return .must              // RSASHA1, RSASHA1-NSEC3-SHA1, RSASHA256, RSASHA512, ECDSAP256SHA256
        case 14, 15, 16: return .recommended            // ECDSAP384SHA384, ED25519, ED448
        case 12: return .may                            // ECC-GOST
        case 1, 3, 6: return .mustNot                   // RSAMD5, DSA, DSA-NSEC3-SHA1
        default: return .unassigned
        }
    }

    /// The "Use for DNSSEC Validation" status of a DS digest type: RFC 8624
    /// §3.3, carried into the registry by RFC 9904.
    static func digestStatus(_ digestType: UInt8) -> Requirement {
        switch digestType {
        case 1, 2: return .must          // SHA-1, SHA-256
        case 4: return .recommended      // SHA-384
        case 3: return .may              // GOST R 34.11-94
        case 0: return .mustNot          // reserved; only the CDS delete signal uses it
        default: return .unassigned
        }
    }

    /// RFC 8078 §4: the delete signals, as RDATA. CDS "0 0 0 00" (key tag 0,
    /// algorithm 0, digest type 0, one zero byte); CDNSKEY "0 3 0 AA==" (flags 0,
    /// protocol 3, algorithm 0, one zero byte of key).
    static let cdsDelete: [UInt8] = [0, 0, 0, 0, 0]
    static let cdnskeyDelete: [UInt8] = [0, 0, 3, 0, 0]

    /// What an RRset of CDS or CDNSKEY asks for.
    enum Request: Equatable {
        case none               // empty: no request
        case delete             // exactly the delete signal
        case mixedDelete        // the delete signal beside other records: ambiguous
        case keys               // DS parameters
    }

    static func request(_ rdatas: [[UInt8]], deleteSignal: [UInt8]) -> Request {
        if rdatas.isEmpty { return .none }
        guard rdatas.contains(deleteSignal) else { return .keys }
        return rdatas.count == 1 ? .delete : .mixedDelete
    }

    /// "tag 12345 alg 13 digest 2" for a DS/CDS RDATA.
    static func describeDS(_ rdata: [UInt8]) -> String {
        guard rdata.count >= 4 else { return "(short CDS)" }
        return "CDS tag \(UInt16(rdata[0]) << 8 | UInt16(rdata[1])) alg \(rdata[2]) digest \(rdata[3])"
    }

    static func describeKey(_ rdata: [UInt8]) -> String {
        guard rdata.count >= 4 else { return "(short key)" }
        let tag = rdata.withUnsafeBytes { raw in DNSKEYView(rdata: raw).map { $0.keyTag } } ?? 0
        return "tag \(tag) alg \(rdata[3]) flags \(UInt16(rdata[0]) << 8 | UInt16(rdata[1]))"
    }

    /// The Validator's working memory, carved once for the run.
    static func makeScratch() -> ValidatorScratch {
        ValidatorScratch(arena: Arena(rows: ValidatorScratch.footprint(reserving: true)))
    }

    /// Does the DS (or CDS) RDATA `ds` designate the DNSKEY `key` of `owner`
    /// (RFC 4034 §5.1.4)? nil: the digest type cannot be computed here.
    static func dsMatches(_ ds: [UInt8], key: [UInt8], owner: Name, scratch: borrowing ValidatorScratch) -> Bool? {
        ds.withUnsafeBytes { dsRaw in
            key.withUnsafeBytes { keyRaw in
                guard let view = DSView(rdata: dsRaw) else { return false }
                switch DSMatch.matches(view, owner: owner, dnskey: keyRaw, scratch: scratch) {
                case .match: return true
                case .mismatch: return false
                case .unsupportedDigestType: return nil
                }
            }
        }
    }

    /// Does one of `keys` sign `rrset` (type `type` at `owner`, in `zone`, by
    /// default the zone at `owner`)
    /// with one of `signatures`, by the Validator's RFC 4035 §5.3 checks
    /// (dates included, against this machine's clock)? Returns nil when it
    /// does, else the EDE-style reason.
    static func verify(_ rrset: [[UInt8]], type: RRType, owner: Name, signatures: [[UInt8]], keys: [[UInt8]],
                       zone: Name? = nil, scratch: borrowing ValidatorScratch) -> String? {
        let records = packed(rrset), sigs = packed(signatures), keyList = packed(keys)
        let clock = ValidationClock.trusted(nowSeconds: Clock.realtimeSeconds())
        let result: RRsetVerdict? = records.withUnsafeBytes { r in
            sigs.withUnsafeBytes { s in
                keyList.withUnsafeBytes { k in
                    guard let rl = try? RDataList(bytes: r), let sl = try? RDataList(bytes: s),
                          let kl = try? RDataList(bytes: k) else { return nil }
                    var budget = ValidationBudget()
                    let view = RRsetView(owner: owner, type: type, rrClass: .in, ttlSeconds: 3600, rdatas: rl)
                    return RRSIGCheck.verify(view, signatures: sl, zone: zone ?? owner, keys: kl, clock: clock,
                                             budget: &budget, scratch: scratch).verdict
                }
            }
        }
        guard let result else { return "the RRset could not be framed" }
        switch result {
        case .secure, .validIgnoringTime: return nil
        case .bogus(let code): return reason(code)
        default: return "not validated (budget exceeded or unsupported)"
        }
    }

    static func reason(_ code: EDECode) -> String {
        switch code {
        case .signatureExpired: return "signature expired"
        case .signatureNotYetValid: return "signature not yet valid"
        case .dnskeyMissing: return "no RRSIG by that key"
        case .rrsigsMissing: return "no usable RRSIG"
        case .dnssecBogus: return "signature does not verify"
        default: return "bogus (EDE \(code.rawValue))"
        }
    }

    /// RDATAs framed as the Validator's RDataList: [length][bytes]…
    static func packed(_ rdatas: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        for r in rdatas {
            bytes.append(UInt8(truncatingIfNeeded: r.count >> 8))
            bytes.append(UInt8(truncatingIfNeeded: r.count))
            bytes += r
        }
        return bytes
    }
}
