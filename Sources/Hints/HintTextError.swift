// Errors of the start-up text parsers (named.root, trust-anchor lines),
// always with the line they were found on (1-based; 0 for the whole file).

import DNSWire

public struct HintTextError: Error, Equatable, Sendable {
    public let line: Int
    public let problem: HintTextProblem

    public init(line: Int, _ problem: HintTextProblem) {
        self.line = line
        self.problem = problem
    }

    /// "line 12: ...", for logs and `sprig check-config`.
    public var message: String {
        (line > 0 ? "line \(line): " : "") + problem.text
    }
}

public enum HintTextProblem: Equatable, Sendable {
    case tooManyLines
    case unbalancedParentheses
    /// `$ORIGIN`, `$INCLUDE` and other directives (`$TTL` is ignored).
    case unsupportedDirective
    /// The line is not a resource record in presentation form.
    case record(PresentationError)
    case notClassIN
    /// Hints files hold NS, A and AAAA only; anchor files DS and DNSKEY only.
    case unexpectedType(RRType)
    /// An NS record whose owner is not the hinted domain.
    case nsOwnerNotDomain(Name)
    case addressForUnlistedServer(Name)
    case serverWithoutAddress(Name)
    case noServers
    case tooManyServers
    case tooManyAddresses(Name)
    case anchorOwnerNotDomain(Name)
    /// A line of an anchor file is not a usable DS or DNSKEY record.
    case anchor(TrustAnchorError)
    case noAnchors
    case build(HintBuildError)

    public var text: String {
        switch self {
        case .tooManyLines: return "more than \(HintLimits.textLineCountMax) lines"
        case .unbalancedParentheses: return "'(' without a matching ')'"
        case .unsupportedDirective: return "unsupported directive (only $TTL is accepted, and ignored)"
        case .record(let error): return "not a resource record: " + error.text
        case .notClassIN: return "class must be IN"
        case .unexpectedType(let type): return "unexpected record type " + type.mnemonic
        case .nsOwnerNotDomain(let name): return "NS record owner " + name.text + " is not the hinted domain"
        case .addressForUnlistedServer(let name): return "address for " + name.text + ", which is not a listed nameserver"
        case .serverWithoutAddress(let name): return "nameserver " + name.text + " has no A or AAAA record"
        case .noServers: return "no NS records"
        case .tooManyServers: return "more than \(HintLimits.serversPerDomainMax) nameservers"
        case .tooManyAddresses(let name): return name.text + " has more than \(HintLimits.addressesPerServerMax) addresses"
        case .anchorOwnerNotDomain(let name): return "trust anchor owner " + name.text + " is not the expected domain"
        case .anchor(let error): return "trust anchor: " + error.text
        case .noAnchors: return "no DS or DNSKEY records"
        case .build: return "the hints do not fit the table limits"
        }
    }
}
