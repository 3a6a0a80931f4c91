// In-tree hints (draft-kolkman-in-tree-hints §2.1): `config hint` sections
// become a hint table at start-up. A hinted domain's NS set comes from the
// hint, never from the parent, so it must not depend on names outside the
// domain: at least one nameserver must be in the domain and have an address.

import DNSWire

public enum InTreeHintProblem: Equatable, Sendable {
    /// The root has root hints; an in-tree hint for "." is a mistake.
    case rootDomain
    /// §2.1: no in-domain nameserver with an address.
    case noInDomainNameserver
    /// An in-domain nameserver without an address: it could only be found
    /// through the domain itself.
    case inDomainServerWithoutAddress(Name)
    case build(HintBuildError)
}

public struct InTreeHintError: Error, Equatable, Sendable {
    public let domain: Name
    public let problem: InTreeHintProblem

    public init(domain: Name, _ problem: InTreeHintProblem) {
        self.domain = domain
        self.problem = problem
    }

    public var message: String {
        let prefix = "hint " + domain.text + ": "
        switch problem {
        case .rootDomain: return prefix + "the root cannot be an in-tree hint (use root_hints)"
        case .noInDomainNameserver:
            return prefix + "needs a nameserver inside the domain with an address (draft-kolkman-in-tree-hints §2.1)"
        case .inDomainServerWithoutAddress(let name): return prefix + "in-domain nameserver " + name.text + " has no address"
        case .build: return prefix + "over the hint table limits"
        }
    }
}

public enum InTreeHints {
    /// Checks one hint as the draft requires (config time).
    public static func validate(_ hint: HintDomainSource) throws(InTreeHintError) {
        let domain = hint.domain
        guard !domain.isRoot else { throw InTreeHintError(domain: domain, .rootDomain) }
        var hasUsableInDomainServer = false
        for server in hint.servers where server.name.isSubdomain(of: domain) {
            guard !server.addresses.isEmpty else {
                throw InTreeHintError(domain: domain, .inDomainServerWithoutAddress(server.name))
            }
            hasUsableInDomainServer = true
        }
        guard hasUsableInDomainServer else { throw InTreeHintError(domain: domain, .noInDomainNameserver) }
        do throws(HintBuildError) {
            try HintTableBuilder.check(hint)
        } catch {
            throw InTreeHintError(domain: domain, .build(error))
        }
    }

    /// Validates every hint and builds their table (start-up; allocates
    /// once). Nil when no hints are configured.
    public static func table(_ hints: [HintDomainSource]) throws(InTreeHintError) -> HintTable? {
        guard let first = hints.first else { return nil }
        for hint in hints { try validate(hint) }
        do throws(HintBuildError) {
            return try HintTableBuilder.table(hints)
        } catch {
            if case .duplicateDomain(let name) = error { throw InTreeHintError(domain: name, .build(error)) }
            throw InTreeHintError(domain: first.domain, .build(error))
        }
    }
}
