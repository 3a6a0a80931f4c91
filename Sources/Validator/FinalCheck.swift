// The words the Resolver and the ValidationEngine speak about a final
// response: what it answers (`FinalQuestion`, `ResponseShape`), and what
// validating it concluded (`FinalCheck`, `Security`). Types only: the
// checks are in ResponseCheck.swift.
//
// Example: the servers of `example.` answer `www.example. A`. The Resolver
// classifies the response (`.answer`) and asks with
// `FinalQuestion(name: www.example., type: .a, zone: example., isForwarded: false)`;
// the engine answers `.needKeys(example., .dnskey)` until that key set is
// cached, then `.done(.secure, ttlCapSeconds: 3600)`: the Resolver caches
// the answer at `Security.secure.rank` for at most an hour.
import Cache
import DNSWire

/// The security status of data, as validation concluded (RFC 4035 §4.3).
public enum Security: Equatable {
    /// Not validated: validation is off, or the data only steers iteration.
    case unvalidated
    case secure
    case insecure
    case bogus(EDECode)

    /// The cache rank that stores this verdict.
    public var rank: TrustRank {
        switch self {
        case .unvalidated: return .authoritativeUnvalidated
        case .secure: return .secure
        case .insecure: return .insecure
        case .bogus: return .bogus
        }
    }

    /// An RRset verdict in the resolver's terms: a spent KeyTrap budget is
    /// a failure like any other (SERVFAIL; EDE 6 is the closest code).
    public init(_ verdict: RRsetVerdict) {
        switch verdict {
        case .secure, .validIgnoringTime: self = .secure
        case .insecure: self = .insecure
        case .bogus(let code): self = .bogus(code)
        case .budgetExceeded: self = .bogus(.dnssecBogus)
        }
    }
}

/// What validating the response that ends a task concluded.
public enum FinalCheck: Equatable {
    /// The verdict, and the longest TTL the data may be cached with.
    case done(Security, ttlCapSeconds: UInt32)
    /// A DS NODATA whose signed NSEC/NSEC3 at the name shows NS without DS:
    /// the answer is secure (AD), the delegation provably unsigned.
    case unsignedDelegation(ttlCapSeconds: UInt32)
    /// The signing zone's DNSKEY set (or, for a zone's own DNSKEY set, its
    /// DS set) is not known yet: fetch it, then ask again.
    case needKeys(Name, RRType)
}

/// The question a final response answers, as the task asked it.
public struct FinalQuestion {
    /// The name the response is about (the end of the task's CNAME chain so far).
    public var name: Name
    /// The type asked.
    public var type: RRType
    /// The zone whose servers were asked (when forwarding: the closest
    /// trust anchor above the name).
    public var zone: Name
    /// Asked of an upstream resolver, which shows no zone cuts: any DNSKEY
    /// RRset at the name is a zone's apex.
    public var isForwarded: Bool

    public init(name: Name, type: RRType, zone: Name, isForwarded: Bool) {
        self.name = name
        self.type = type
        self.zone = zone
        self.isForwarded = isForwarded
    }
}

/// What the Resolver found a final response to be.
public enum ResponseShape: Equatable {
    /// The RRset asked for.
    case answer
    /// A CNAME at the name (maybe synthesised from a DNAME above it).
    case cname
    case noData
    case nxDomain
    /// A referral or a lame response: never a final answer.
    case other
}

/// What checking a trust point's own DNSKEY set did besides its verdict;
/// the Resolver counts these (`dnssec.anchor_observations`,
/// `dnssec.anchor_keys_unusable`).
public struct TrustPointEvents: Equatable {
    /// The validated key set was fed to RFC 5011.
    public var observed = false
    /// The trust point's key set did not validate with its anchors.
    public var keysUnusable = false

    public init() {}
}
