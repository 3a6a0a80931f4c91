import DNSWire
import Fixed

/// One in-tree hint as start-up hands it to the core
/// (draft-kolkman-dns-in-tree-hints §2.1): the domain and the addresses of
/// its hinted NS set, the in-domain nameservers' first. sprigd reads it from
/// the compact hint table it built from `config hint` (Hints module); the
/// domain's trust anchor goes to the anchor store like any other.
public struct InTreeHint: Equatable, Sendable {
    public var domain: Name
    /// In-domain servers' addresses first, then the others'.
    public var addresses: [ServerAddress]
    /// How many of `addresses` belong to in-domain nameservers.
    public var inDomainCount: Int
    /// The hinted NS names (compared with the parent's, §2.1).
    public var nameservers: [Name]
    /// For each address, the index of its name in `nameservers` (the
    /// learned state keeps them together); empty: unknown.
    public var addressOwners: [Int]
    /// Read from the learned state (`hints.learned`), not the config.
    public var isLearned: Bool

    public init(domain: Name, addresses: [ServerAddress], inDomainCount: Int, nameservers: [Name] = [],
                addressOwners: [Int] = [], isLearned: Bool = false) {
        self.domain = domain
        self.addresses = addresses
        self.inDomainCount = inDomainCount
        self.nameservers = nameservers
        self.addressOwners = addressOwners
        self.isLearned = isLearned
    }
}

/// The hinted domains the core starts iteration from, carved at start-up
/// (one entry per `config hint`) and read-only afterwards.
///
/// Owns: which domains are hinted, each one's server addresses, and the
/// lookups the query path makes: the hint for exactly this zone, and the
/// most specific hint enclosing a name (§2.1: "When a tree-hint exists for
/// a subordinate domain, that trust anchor MUST take precedence").
/// Never: holds anchors (the ValidationEngine's store does), or changes
/// after start-up except for the `_in-tree` signal state (InTreeSignals.swift;
/// learning a changed NS set is not carried out by this build).
struct InTreeHintSet: ~Copyable {
    /// Addresses kept per hint: one iteration's server set
    /// (`ServerSet.capacity`); config refuses a hint with more.
    static let addressesPerHintMax = ServerSet.capacity

    struct Entry {
        var domain: Name
        var addresses: InlineArray<16, ServerAddress>
        var count: Int
        var inDomainCount: Int
        /// §3.1: the hint stopped being used (its `_in-tree` expiry passed
        /// more than 30 days ago); never undone before restart.
        var disabled = false
        /// What the last look at `_in-tree.<domain>` TXT found.
        var signal = InTreeSignal.unchecked
        /// The last validated expiry (seconds since 1970, UTC); 0: none seen.
        var expirySeconds: Int64 = 0
        /// When the record is next fetched, or while `fetchPending` when
        /// the fetch is given up (monotonic ms).
        var nextFetchMs: Int64 = 0
        var fetchPending = false
        /// A change the server has not logged yet.
        var hasNotice = false
        /// The hint's NS names, and the parent's as last seen (§2.1
        /// inconsistency reporting: InTreeParentView.swift).
        var hintNS: NameSet = NameSet()
        var parentNS: NameSet = NameSet()
        var parentView = InTreeParentView.unchecked
        var parentDSDiffers = false
        var parentNextCheckMs: Int64 = 0
        var parentCheckPending = false
        var hasParentNotice = false
        /// Learning (§2.1): the name (index in `hintNS`) each address
        /// belongs to, whether the set was learned, and the re-check.
        var addressOwners = InlineArray<16, UInt8>(repeating: 0)
        /// `addressOwners` was given (sprigd's hints and learned sets
        /// carry it): each address's NS name is known, for strict DoT's
        /// authentication by name (`nsName(ofAddress:)`).
        var ownersKnown = false
        var isLearned = false
        var learnNextMs: Int64 = 0
        var learnPending = false
        var learnRounds = 0
        var hasLearnNotice = false
    }

    /// NS names of one delegation: up to 13 (ConfigLimits.maxHintNameserverCount).
    struct NameSet {
        static let capacity = 13
        var names = InlineArray<13, Name>(repeating: Name.root)
        var count = 0
        mutating func insert(_ n: Name) {
            guard count < NameSet.capacity, !contains(n) else { return }
            names[count] = n.lowercased()
            count += 1
        }
        func contains(_ n: Name) -> Bool {
            for i in 0..<count where names[i] == n { return true }
            return false
        }
        func isSubset(of other: NameSet) -> Bool {
            for i in 0..<count where !other.contains(names[i]) { return false }
            return true
        }
        var text: String {
            var t = ""
            for i in 0..<count { t += (i == 0 ? "" : " ") + names[i].text }
            return t
        }
    }

    let entries: UnsafeMutableBufferPointer<Entry>
    private(set) var count = 0
    /// Keeps the carving alive.
    let arena: Arena

    static let label = "in-tree hints (config hint: domains, NS addresses)"

    init(capacity: Int, arena: Arena) {
        self.arena = arena
        entries = arena.reserve(Entry.self, count: capacity, label: InTreeHintSet.label)
    }

    /// The plan's row: what `init` carves (none without hints).
    static func footprint(capacity: Int) -> [Arena.Row] {
        [Arena.Row(label, count: capacity, byteCount: Arena.carvingByteCount(of: Entry.self, count: capacity))]
    }

    var capacity: Int { entries.count }

    /// Adds a hint (start-up). False when the set is full, the domain is
    /// there already, or it has no address or more than the set keeps.
    mutating func add(_ hint: InTreeHint) -> Bool {
        guard count < capacity, index(of: hint.domain, orDisabled: true) == nil, !hint.addresses.isEmpty,
              hint.addresses.count <= InTreeHintSet.addressesPerHintMax,
              hint.inDomainCount > 0, hint.inDomainCount <= hint.addresses.count else { return false }
        var entry = Entry(domain: hint.domain.lowercased(),
                          addresses: InlineArray(repeating: ServerAddress(isIPv6: false, high: 0, low: 0, port: 0)),
                          count: hint.addresses.count, inDomainCount: hint.inDomainCount)
        for (i, a) in hint.addresses.enumerated() { entry.addresses[i] = a }
        for n in hint.nameservers { entry.hintNS.insert(n) }
        for (i, o) in hint.addressOwners.enumerated() where i < InTreeHintSet.addressesPerHintMax && o >= 0 && o < 13 {
            entry.addressOwners[i] = UInt8(o)
        }
        entry.ownersKnown = !hint.nameservers.isEmpty && hint.addressOwners.count == hint.addresses.count
        entry.isLearned = hint.isLearned
        (entries.baseAddress! + count).initialize(to: entry)
        count += 1
        return true
    }

    /// The hint for exactly `zone` (a disabled one only with `orDisabled`).
    func index(of zone: Name, orDisabled: Bool = false) -> Int? {
        for i in 0..<count where entries[i].domain == zone && (orDisabled || !entries[i].disabled) { return i }
        return nil
    }

    /// The most specific hinted domain at or above `name`.
    func closest(enclosing name: Name) -> Int? {
        var best: Int? = nil
        for i in 0..<count where !entries[i].disabled && name.isSubdomain(of: entries[i].domain) {
            if let b = best, entries[b].domain.labelCount >= entries[i].domain.labelCount { continue }
            best = i
        }
        return best
    }

    /// The NS name hint `i` gives `server`'s address (any port), or nil
    /// when it does not list the address or its owners are unknown.
    func nsName(ofAddress server: ServerAddress, inHint i: Int) -> Name? {
        let e = entries[i]
        guard e.ownersKnown else { return nil }
        for j in 0..<e.count where e.addresses[j].sameHost(as: server) {
            let owner = Int(e.addressOwners[j])
            return owner < e.hintNS.count ? e.hintNS.names[owner] : nil
        }
        return nil
    }

    subscript(i: Int) -> Entry {
        get { entries[i] }
        nonmutating set { entries[i] = newValue }
    }
}
