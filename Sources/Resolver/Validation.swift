import Cache
import DNSWire
import Fixed
import Validator

/// The resolver's side of DNSSEC: whether and when it validates, and the
/// public calls the server makes at start-up and on housekeeping (trust
/// anchors, the router clock), forwarded to the `ValidationEngine` that
/// owns the state and makes the decisions (Validator module). The engine
/// never reads a clock: the wall-clock offset lives here, and every check
/// gets the `ValidationClock` it implies (`validationClock(nowMs:)`).
extension ResolverCore {
    /// Adds trust anchors for `owner` (all records of one owner at once):
    /// `type` is `.ds` or `.dnskey`, each element one RDATA in wire form.
    /// Start-up only. False when the anchor store is full or the RDATA bad.
    public mutating func addTrustAnchor(owner: Name, type: RRType, rdatas: [[UInt8]],
                                        operatorAddedCount: Int = 0) -> Bool {
        validation.addTrustAnchor(owner: owner, type: type, rdatas: rdatas, operatorAddedCount: operatorAddedCount)
    }

    /// Adds every anchor of `owner`, DS and DNSKEY forms mixed, the
    /// operator's first (`ValidationEngine.addTrustAnchors`). Start-up only.
    public mutating func addTrustAnchors(owner: Name, _ anchors: [ConfiguredAnchor]) -> Bool {
        validation.addTrustAnchors(owner: owner, anchors)
    }

    /// Adds a negative trust anchor (`list insecure_domain`): names at or
    /// under it are treated as insecure (RFC 7646). False when the store is full.
    public mutating func addNegativeTrustAnchor(_ name: Name) -> Bool {
        validation.addNegativeTrustAnchor(name)
    }

    /// Replaces every negative trust anchor (SIGHUP: `list insecure_domain`
    /// edited). Cached bogus verdicts expire within `bogusTTLMaxSeconds`.
    /// Returns how many were taken (the store holds `countMax`).
    public mutating func setNegativeTrustAnchors(_ names: [Name]) -> Int {
        validation.setNegativeTrustAnchors(names)
    }

    /// Trust anchors loaded (owners); 0 means iterative answers are not validated.
    public var trustAnchorCount: Int { validation.anchors.ownerCount }

    /// The engine never reads a clock: the server tells it how wall-clock
    /// time relates to the monotonic `nowMs` it passes with every event.
    /// Call at start-up and whenever the wall clock may have stepped (NTP).
    public mutating func setWallClock(realtimeSeconds: Int64, nowMs: Int64) {
        wallClockOffsetSeconds = realtimeSeconds - nowMs / 1000
        validation.clock.observe(wallSeconds: realtimeSeconds)
    }

    /// Data validated while the clock was untrusted is cached at most this
    /// long (`ValidationEngine.untrustedClockTTLMaxSeconds`).
    public static let untrustedClockTTLMaxSeconds = ValidationEngine.untrustedClockTTLMaxSeconds

    /// The time signatures are checked against: the wall clock once it is
    /// trusted, otherwise `.untrusted` (dates not checked).
    func validationClock(nowMs: Int64) -> ValidationClock {
        validation.clock.validationClock(wallSeconds: nowMs / 1000 + wallClockOffsetSeconds)
    }

    // MARK: router clock (DESIGN.md §2.8)

    /// The last known-good wall time saved in flash (start-up).
    public mutating func setClockFloor(_ floorSeconds: Int64?) {
        validation.clock = TrustedClock(persistedFloorSeconds: max(floorSeconds ?? 0, TrustedClock.buildFloorSeconds),
                                        vouchedFor: settings.clockTrusted)
    }

    /// NTP has synced (`sprig clock-synced`, a marker file, a hotplug hook).
    public mutating func noteClockSynced(realtimeSeconds: Int64) {
        validation.clock.noteSynced(wallSeconds: realtimeSeconds)
    }

    public var isClockTrusted: Bool { validation.clock.isTrusted }

    /// The operator vouches for the wall clock (`clock_trusted '1'`).
    public var isClockVouchedFor: Bool { validation.clock.isVouchedFor }

    /// A new floor to write to flash now (at most daily, and at shutdown).
    public func clockFloorToPersist(realtimeSeconds: Int64, isShutdown: Bool) -> Int64? {
        validation.clock.floorToPersist(wallSeconds: realtimeSeconds, isShutdown: isShutdown)
    }

    public mutating func didPersistClockFloor(_ floorSeconds: Int64) {
        validation.clock.didPersistFloor(floorSeconds)
    }

    // MARK: when the resolver validates

    /// Whether task `index` validates what it learns: client and key tasks
    /// do when anchors are loaded. Nameserver address look-ups only steer
    /// iteration and never answer a client, so they skip it, except with
    /// DELEG on: then the referrals they follow get the Delegation Types
    /// check (a DNSKEY-ADT parent's bitmap; draft-ietf-dnsop-delext-11 §6.2
    /// applies to every referral a DE-setting resolver follows, or a
    /// stripped DELEG on the way to a server name would pass as "no
    /// DELEG"), and an address from a signed zone that is bogus is not
    /// used (`addAddresses`): a DELEG server-name is as strong as its
    /// address (draft-ietf-deleg-12 §7.3).
    func validates(_ index: Int) -> Bool {
        isValidating && (outgoing[index].iteration.purpose != .address || settings.deleg)
    }

    /// DNSSEC on and at least one trust anchor loaded (either mode).
    var isValidating: Bool {
        settings.validate && validation.anchors.ownerCount > 0
    }

    /// Forward mode that validates: every task asks the upstreams (RD set,
    /// CD set so bogus data comes back to be judged here) and trusts no AD
    /// bit from them.
    var validatesForwarding: Bool { !settings.recursive && isValidating }

    /// RFC 8509 §3.2: true when a Secure answer to `request` must become
    /// SERVFAIL (the root key sentinel; `ValidationEngine.sentinelRefuses`).
    func sentinelRefuses(_ request: Request) -> Bool {
        isValidating && validation.sentinelRefuses(request.question.name, request.question.type,
                                                   checkingDisabled: request.checkingDisabled)
    }
}

extension EngineSettings {
    /// Aggressive NSEC entries to reserve: none unless validation and
    /// aggressive NSEC are both on; at most `NSECTable.entryCountDefault`.
    var nsecTableEntryCount: Int {
        guard validate && aggressiveNSEC else { return 0 }
        return min(max(aggressiveNSECEntryCount, 0), NSECTable.entryCountDefault)
    }
}
