import DNSWire
import Fixed
import Validator

/// A client request the resolver is working on.
struct Request {
    var client: Int32 = -1
    var id: UInt16 = 0
    var recursionDesired = false
    var checkingDisabled = false
    var hasEDNS = false
    var dnssecOK = false
    /// The client set DE (draft-ietf-dnsop-delext-11 §5.1): echoed when
    /// DELEG is on (`ResolverCore.clientOPTFlags`).
    var delegationExtensions = false
    /// The client set AD: it understands the AD bit without DO (RFC 6840 §5.7).
    var authenticatedData = false
    /// Largest answer this client can take (512 without EDNS; TCP 65535).
    var answerByteCountMax = 512
    /// The COOKIE option every answer to it carries (RFC 7873 §5.2.3).
    var cookie: ResponseCookie? = nil
    /// Its COOKIE option had a length no cookie has (FORMERR, §5.2.2).
    var cookieMalformed = false

    /// Room kept after the records for the OPT RR and its options.
    var optReserveByteCount: Int {
        guard hasEDNS else { return 0 }
        return ResolverCore.optReserveByteCount + (cookie == nil ? 0 : ResponseCookie.optionByteCount)
    }
    var question = Question(name: .root, type: .a, rrClass: .in)
    /// The task it waits on, and the next request waiting on that task.
    var outgoing: Int32? = nil
    var nextWaiter: Int32? = nil
    var startMs: Int64 = 0
    /// Its answer waits for room in the action ring (DeferredAnswers.swift).
    var pending: PendingAnswer? = nil
}

/// A task: one question the engine works on, for the clients waiting on
/// it (aggregation keeps one task per question) or for a task above it (a
/// nameserver address, a DNSKEY or DS set). `state` says what it waits for;
/// `iteration` is what it knows about where the answer is.
struct OutgoingQuery {
    var question = Question(name: .root, type: .a, rrClass: .in)   // lowercased
    var dnssecOK = false
    var checkingDisabled = false
    var state = TaskState.ready
    /// Serial of this slot's sends: the `QueryRef` of the query in flight.
    var sendSerial: UInt32 = 0
    /// Forwarding: upstreams tried for the current question, and sends.
    var triedMask: UInt32 = 0
    var attempts = 0
    /// A BADCOOKIE was answered with a UDP retry already: the next goes
    /// over TCP (RFC 7873 §5.3).
    var badCookieRetried = false
    var waiters = WaiterList()
    var iteration = Iteration()

    /// The query in flight; only while `state` is `.asking`.
    var asked: Asked {
        guard case .asking(let asked) = state else { preconditionFailure("task has no query in flight") }
        return asked
    }
}

/// The clients waiting on a task, in the order they asked: a list through
/// `Request.nextWaiter` in the fixed request pool (`attach`, `detach`,
/// `takeWaiters`).
struct WaiterList {
    var first: Int32? = nil
    var last: Int32? = nil
}

/// What a task waits for: exactly one thing, and only that state's data.
enum TaskState {
    /// Between steps: it chooses whom to ask next, starts a sub-task, or
    /// ends. No event finds a task here: every step leaves it waiting or
    /// ended.
    case ready
    /// Its question (`iteration.sentName`/`sentType`) is out.
    case asking(Asked)
    /// A sub-task (slot) resolves what it needs first: a nameserver's
    /// address, or a DNSKEY or DS set for the chain of trust.
    case awaitingSubTask(Int32)
}

/// Where a task's question went and how: the server (an authoritative one,
/// or upstream `upstream` when forwarding), the query's ID, whether it
/// carried EDNS, whether it went over TCP, and when.
struct Asked {
    var server: ServerAddress
    var upstream: Int?
    var queryID: UInt16
    var withEDNS: Bool
    var overTCP: Bool
    /// TLS profile of the upstream asked over TLS; -1: plain.
    var tlsProfile: Int32 = -1
    var sentMs: Int64
}

/// Whom a task asks next: an authoritative server, or an upstream.
struct Destination {
    var server: ServerAddress
    var upstream: Int?
}

/// Where an iterative resolution stands: the name being resolved (it moves
/// along CNAMEs), the zone cut and its server addresses, QNAME
/// minimisation progress, and the budgets shared with its sub-resolutions.
struct Iteration {
    var target = Name.root
    var cnameCount = 0
    var zone = Name.root
    var servers = ServerSet()
    /// Position in the (NS name of `zone`, address type) pairs to look up
    /// next: A then, with IPv6, AAAA for each name (`startAddressLookup`).
    var nsLookupIndex = 0
    /// Labels of `target` asked in the current minimised query.
    var askedLabelCount = 0
    var minimise = true
    var minimisedQueries = 0
    /// The question asked last, or being asked (case randomised with
    /// 0x20): minimised while walking down, then the task's own.
    var sentName = Name.root
    var sentType = RRType.a
    var referrals = 0
    /// The task this one works for; nil for a client's task (or an orphan,
    /// whose parent ended first).
    var parent: Int32? = nil
    /// The top task of this tree, which holds the shared budgets, and (top
    /// task only) when it started: its deadline is the client's.
    var root: Int32 = -1
    var startMs: Int64 = 0
    var queriesLeft = 0
    var lookupsLeft = 0
    /// What the task is for: a client's question, a nameserver address, or
    /// a DNSKEY/DS set the chain of trust needs.
    var purpose = TaskPurpose.client
    /// TLSA names this task looked up (their hash32), each once (DANE.swift).
    var tlsaLookups = InlineArray<4, UInt32>(repeating: 0)
    var tlsaLookupCount = 0
    /// An in-tree hint's parent check: the hints are not used, so the
    /// parent's own delegation is seen (InTreeParentView.swift).
    var bypassesHints = false
    /// The last DNSKEY/DS set this task fetched in a sub-task: fetched once,
    /// then a still-unknown status means the keys are missing (no loops).
    var fetchedKeyName = Name.root
    var fetchedKeyType = RRType.a
    var hasFetchedKeys = false
    /// Root task only: DNSKEY/DS sub-tasks left, and the KeyTrap work budget
    /// shared by every validation done for this client query.
    var keyFetchesLeft = 0
    var budget = ValidationBudget()
    /// Why the task failed, for the client's SERVFAIL (RFC 8914): set where
    /// it gives up, passed up from a failed sub-task; nil says nothing.
    var failureEDE: EDECode? = nil
    /// What the EDE text adds to `failureEDE`.
    var failureDetail: FailureDetail? = nil
    /// The server this task asks without EDNS: it answered FORMERR/NOTIMP
    /// without an OPT in a zone known to be unsigned (RFC 6891 §7; this
    /// task only, EDNSFallback.swift).
    var withoutEDNS: ServerAddress? = nil
    /// Times this task went back to the parent's cut (`climbToParentCut`).
    var parentClimbs = 0
    /// Bogus answers re-asked elsewhere (`retryAfterBogus`).
    var bogusRetries = 0
    /// The final DS NODATA proved an unsigned delegation (cached so).
    var provesUnsignedDelegation = false
    /// RFC 9567: the agent a server of the failing zone named (a slot of
    /// `ErrorReports` and the agent name's hash; -1: none), and whether
    /// this task is itself a report query (never reported on).
    var reportAgentSlot: Int16 = -1
    var reportAgentHash: UInt32 = 0
    var isReport = false
    /// The final answer was bogus (validation failed): its EDE, for the
    /// report; the clients get SERVFAIL from the bogus-ranked cache entry.
    var bogusEDE: EDECode? = nil
    /// DELEGPARAM look-ups this task started (`startDelegparamLookup`).
    var delegparamLookups = 0
}

/// What a failure's EDE text says beyond its code (RFC 8914 §2 EXTRA-TEXT).
enum FailureDetail: Equatable {
    /// This server of a signed zone answered FORMERR/NOTIMP without an OPT:
    /// it was not asked without EDNS (EDNSFallback.swift).
    case noEDNS(ServerAddress)
    /// Strict DoT to this server failed (TLS refused, handshake or pin
    /// check failed, or it timed out); nothing was asked in plain.
    /// `name`: the serial of its NS name in `StrictFailureNames` (0: none known).
    case strictDoT(ServerAddress, StrictDoTFailure, name: UInt32)
    /// DoT to this upstream (its config index) failed so; nothing was
    /// asked of it in plain (RFC 8310 §5).
    case upstreamDoT(ServerAddress, upstream: Int, StrictDoTFailure)
    /// The referral's DELEG RRset exists but gives no usable server; NS
    /// is not used instead (draft-ietf-dnsop-delext-11 §5.3 step 2.2.1).
    case delegUnusable
}

/// Why a strict DoT server was not usable (the EDE text says it).
enum StrictDoTFailure: Equatable {
    case timedOut
    /// The certificate did not chain to the CA bundle or match the NS name.
    case certificate
    /// The certificate did not match the server's secure TLSA (DANE).
    case dane
    /// The SPKI matched no `tls_pin`.
    case pin
    /// The TLS handshake failed otherwise (alert, version, suites).
    case handshake
    /// The server settled on TLS 1.2: strict requires TLS 1.3 on a build
    /// whose mbedTLS has it (seed 004 requirement 11).
    case tlsVersion
    /// No TCP connection to port 853 (refused, unreachable, reset).
    case connection
    /// No NS name of the zone is known for this address: nothing to
    /// authenticate it by (AuthPolicy.swift).
    case noNSName
    case other
}

/// Why an iterative task exists.
enum TaskPurpose: Equatable {
    case client
    /// The address of a nameserver: steers iteration, never answers a client.
    case address
    /// A DNSKEY or DS RRset for the chain of trust.
    case keys
    /// A DELEGPARAM RRset an include-delegparam names (DelegReferral.swift):
    /// validated like a client's data (a bogus one is not used), steers
    /// iteration, never answers a client.
    case delegParams
    /// The TLSA RRset of a strict server's NS name (DANE.swift): validated,
    /// steers the transport, never answers a client.
    case tlsa
}

/// Up to `capacity` server addresses for the current zone cut, with which
/// have been tried. Fixed inline storage.
struct ServerSet {
    static let capacity = 16
    var addresses = InlineArray<16, ServerAddress>(repeating: ServerAddress(isIPv6: false, high: 0, low: 0, port: 0))
    var count = 0
    var triedMask: UInt32 = 0
    /// Servers whose last query timed out (a subset of the tried), and how
    /// often they were given another chance (`retryTimedOut`).
    var timedOutMask: UInt32 = 0
    var timeoutRounds = 0

    mutating func removeAll() {
        count = 0
        triedMask = 0
        timedOutMask = 0
        timeoutRounds = 0
    }

    /// Only through `ResolverCore.addServer`, which applies the loopback rule.
    mutating func add(_ a: ServerAddress) {
        for i in 0..<count where addresses[i] == a { return }
        guard count < ServerSet.capacity else { return }
        addresses[count] = a
        count += 1
    }

    func isTried(_ i: Int) -> Bool { triedMask & (1 << UInt32(i)) != 0 }
    mutating func markTried(_ a: ServerAddress) {
        for i in 0..<count where addresses[i] == a { triedMask |= 1 << UInt32(i) }
    }
    var hasUntried: Bool {
        for i in 0..<count where !isTried(i) { return true }
        return false
    }

    mutating func markTimedOut(_ a: ServerAddress) {
        for i in 0..<count where addresses[i] == a { timedOutMask |= 1 << UInt32(i) }
    }

    /// Servers that only timed out get `ServerSet.timeoutRoundsMax` more
    /// chances once every server was tried: a slow or lossy server of a
    /// zone is asked again (with the back-off its RTT estimate took), as
    /// RFC 1035 §7.2 retransmits, rather than the zone being given up after
    /// one lost datagram. False when none timed out or the rounds are spent.
    mutating func retryTimedOut() -> Bool {
        guard timedOutMask != 0, timeoutRounds < ServerSet.timeoutRoundsMax else { return false }
        triedMask &= ~timedOutMask
        timedOutMask = 0
        timeoutRounds += 1
        return true
    }

    /// Extra rounds for servers that timed out: two, so a server whose
    /// answers take up to three of its (doubling) timeouts is still heard,
    /// within the per-question query budget.
    static let timeoutRoundsMax = 2
}

/// What `ResolverCore.query` did with a client query.
public enum QueryOutcome: Equatable {
    /// Answered already (cache, error, refusal): the client slot is done.
    case answered
    /// Waiting for the network; the answer comes later as an action.
    case pending
    /// Not answerable (not a DNS query, or a response): dropped, counted.
    case dropped
}

/// Answers the server may send without the resolver's state.
public enum ShortAnswer {
    case refused, serverFailure, formatError
}

public struct EngineStats {
    public var queries = 0
    public var cacheHits = 0
    public var cacheMisses = 0
    public var staleAnswers = 0
    public var aggregated = 0
    public var upstreamQueries = 0
    public var upstreamTimeouts = 0
    public var upstreamTCPRetries = 0
    public var upstreamErrors = 0
    /// DoT queries to authoritative servers that failed or timed out and
    /// went again over Do53 (RFC 9539 fallback).
    public var authDoTFallbacks = 0
    /// Strict DoT queries that failed or timed out (never retried in plain).
    public var strictDoTFailures = 0
    /// Servers a DELEG record signalled DoT for (DelegInfo.signalsDoT).
    public var delegDoTSignals = 0
    /// DoT queries to upstreams that failed on TLS or timed out.
    public var upstreamDoTFailures = 0
    /// TLSA look-ups for strict servers (DANE.swift).
    public var tlsaLookups = 0
    public var mismatchedResponses = 0
    /// Responses for a query already given up on (its QueryRef is old).
    public var staleResponses = 0
    /// Answers that waited for room in the action ring (DeferredAnswers).
    public var deferredAnswers = 0
    public var servfailAnswers = 0
    /// RFC 9567 report queries started, and those held back (rate limit,
    /// the same report within the hour, an agent at the root or inside the
    /// failing zone, a name over 255 octets, no free outgoing slot).
    public var errorReports = 0
    public var errorReportsLimited = 0
    public var errorReportsRefused = 0
    public var formerrAnswers = 0
    /// Client queries with a COOKIE option of a length no cookie has
    /// (FORMERR, RFC 7873 §5.2.2).
    public var cookieMalformed = 0
    /// Queries to servers that carried our client cookie.
    public var upstreamCookiesSent = 0
    /// Server cookies learned (new or changed) from responses echoing ours.
    public var upstreamCookiesLearned = 0
    /// Responses dropped: a COOKIE option without our client cookie
    /// (spoofing, RFC 7873 §5.3), or malformed.
    public var upstreamCookieMismatch = 0
    public var upstreamCookieMalformed = 0
    /// BADCOOKIE answers, each retried (UDP once, then TCP).
    public var upstreamBadCookies = 0
    public var droppedNotQuery = 0
    public var noRequestSlot = 0
    public var noOutgoingSlot = 0
    public var answersTruncated = 0
    public var cacheStored = 0
    public var cacheRefused = 0
    public var nsLookups = 0
    /// Nameserver look-ups skipped because a task above already does them
    /// (names that can only be resolved through each other).
    public var nsLookupCycles = 0
    /// Referrals followed by their DELEG RRset (DelegReferral.swift).
    public var delegReferrals = 0
    /// DELEG referrals that gave no usable server: SERVFAIL, no NS fallback.
    public var delegUnusable = 0
    /// DELEG/DELEGPARAM records not used (draft-ietf-deleg-12 §5.1.2 steps 2–4).
    public var delegRecordsUnusable = 0
    /// CNAME steps taken in include-delegparam chains.
    public var delegIncludeSteps = 0
    /// Referrals ignored: Delegation Types stripped, injected or unsigned
    /// against the parent's keys (delext-11 §6.2).
    public var delegReferralsTampered = 0
    /// Include names dropped at `DelegLimits.includeNamesMax`.
    public var delegIncludeLimit = 0
    /// Validated trust-point key sets fed to RFC 5011.
    public var anchorObservations = 0
    /// Answers built from the final response because the cache refused it.
    public var answersFromResponse = 0
    public var lameResponses = 0
    public var budgetExhausted = 0
    public var cnameChainTooLong = 0
    /// DNSKEY/DS sub-resolutions started for the chain of trust.
    public var keyFetches = 0
    /// Final responses that failed DNSSEC validation.
    public var bogusResponses = 0
    /// Final responses left unvalidated because keys could not be fetched.
    public var keysUnavailable = 0
    /// NXDOMAIN/NODATA answers synthesised from validated NSECs (RFC 8198).
    public var aggressiveAnswers = 0
    /// A trust anchor's DNSKEY set could not be fetched, or did not match
    /// the anchor: nothing under it can validate (an upstream that strips
    /// DNSSEC records, a middlebox, a stale anchor). The server logs it.
    public var anchorKeysUnusable = 0
    /// Bogus answers asked again of another server or upstream.
    public var bogusRetries = 0
    /// Queries asked again without EDNS after a FORMERR/NOTIMP without OPT
    /// (RFC 6891 §7), in zones known to be unsigned.
    public var ednsFallbacks = 0
    /// The same in zones known to be signed: the server counts as failed.
    public var ednsRefusedInSignedZones = 0
    /// Client questions answered locally by QTYPE (meta-types, RFC 6895 §3.1).
    public var localQueryTypeAnswers = 0
    /// Questions answered from local data (LocalData: special-use names,
    /// locally served zones, the local domain), never asked of anyone.
    public var localAnswers = 0
    /// DNS rebinding protection: answers that had private addresses
    /// removed, the records removed, and answers refused (SERVFAIL) because
    /// the rest did not fit the guard's buffer.
    public var rebindAnswers = 0
    public var rebindRemoved = 0
    public var rebindRefused = 0
    /// Questions answered from the block list (EDE 15).
    public var blockedAnswers = 0
    /// Authoritative server addresses not queried because they are loopback
    /// or unspecified (glue, cached addresses, root hints; `query_loopback`).
    public var loopbackRefused = 0
    /// Zone cuts taken from an in-tree hint instead of a cached NS set or
    /// the parent (draft-kolkman-dns-in-tree-hints §2.1).
    public var inTreeHintCuts = 0
    /// RFC 8198 denials not used because a hint inside the denying zone
    /// covers the name (the parent may have withdrawn the delegation).
    public var inTreeHintDenialsSkipped = 0
    /// `_in-tree.<domain>` TXT fetches (§3.1).
    public var inTreeSignalFetches = 0
    /// §2.1 inconsistencies between a parent and a hint, counted once per
    /// change of the parent's view: a re-delegation (the parent's NS set
    /// a subset of the hint's), a withdrawn delegation, a conflict.
    public var inTreeRedelegations = 0
    public var inTreeWithdrawals = 0
    public var inTreeConflicts = 0
    /// §2.1 learning: hints whose servers followed the domain's validated
    /// NS set, and learned-state writes to flash.
    public var inTreeLearnedChanges = 0
    public var inTreeLearnedWrites = 0
}
