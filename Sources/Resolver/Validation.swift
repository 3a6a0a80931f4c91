import Cache
import DNSWire
import Fixed
import Validator

/// DNSSEC validation state the iterative engine owns (RFC 4033–4035): the
/// trust anchors and negative trust anchors loaded at start-up, the
/// Validator's scratch memory, and fixed buffers where one RRset, its
/// RRSIGs, a zone's keys or DS set and the denial records of a response are
/// packed for the Validator. Reserved once; nothing here allocates later.
struct ValidationContext: ~Copyable {
    /// Whether wall-clock time can be believed (DESIGN.md §2.8): routers
    /// boot in 1970 until NTP syncs. Until then signatures are checked but
    /// not their dates.
    /// A fresh install has no saved floor: the build date stands in, so a
    /// clock already past it (RTC, or set before start) is believed.
    var clock = TrustedClock(persistedFloorSeconds: TrustedClock.buildFloorSeconds)
    var anchors = TrustAnchorStore()
    /// RFC 5011 state of the trust points (22.9 KB: reserved once, out of
    /// line, so no access ever copies it), its refresh timer and write policy.
    let anchorState: UnsafeMutablePointer<AnchorState>
    var anchorRefreshDueMs: Int64 = .max
    var anchorWrites = AnchorStateWritePolicy(startSeconds: 0)
    /// The state's trusted DNSKEYs, and revoked self-signers, packed for the Validator.
    let anchorKeysBuffer: UnsafeMutableRawBufferPointer
    let revokedBuffer: UnsafeMutableRawBufferPointer
    var negativeAnchors = NegativeTrustAnchors()
    let scratch: ValidatorScratch
    /// The RRset being verified, in canonical RDATA form (one message's worth).
    let rrsetBuffer: UnsafeMutableRawBufferPointer
    /// RRSIGs over it: at most `ValidatorLimits.rrsigsPerRRsetMax` are tried,
    /// each under 1 KiB even with RSA-4096 keys.
    let signatureBuffer: UnsafeMutableRawBufferPointer
    /// The signing zone's secure DNSKEY RRset, copied out of the cache.
    let keysBuffer: UnsafeMutableRawBufferPointer
    /// A zone's secure DS RRset, copied out of the cache.
    let dsBuffer: UnsafeMutableRawBufferPointer
    /// RDATAs of the verified NSEC/NSEC3 records of one response.
    let denialBuffer: UnsafeMutableRawBufferPointer
    let denialRecords: UnsafeMutableBufferPointer<DenialRecord>
    /// Validated NSECs for aggressive negative answers (RFC 8198): empty
    /// here; QueryEngine.init reserves it when the settings want it.
    var nsecTable = NSECTable(entryCount: 0)

    /// Bytes for RRSIGs, keys and denial records: a DNSKEY RRset of four
    /// RSA-4096 keys is ~2 KiB, eight NSEC3 records ~2.5 KiB; 16 KiB is room
    /// to spare without reserving whole messages.
    static let smallBufferByteCount = 16_384
    /// QTYPE ANY (RFC 1035 §3.2.3; RFC 8482).
    static let anyTypeValue: UInt16 = 255
    /// A DS RRset: ~40–60 bytes per DS; 4 KiB holds more than any zone publishes.
    static let dsBufferByteCount = 4_096

    /// `reserving: false` (DNSSEC off): only the small anchor bookkeeping;
    /// the buffers that validation packs into are not reserved.
    /// `clockVouchedFor`: `clock_trusted '1'` (TrustedClock).
    init(reserving: Bool = true, clockVouchedFor: Bool = false) {
        clock = TrustedClock(persistedFloorSeconds: TrustedClock.buildFloorSeconds, vouchedFor: clockVouchedFor)
        let small = reserving ? ValidationContext.smallBufferByteCount : 0
        scratch = ValidatorScratch(reserving: reserving)
        rrsetBuffer = ValidationContext.reserve(reserving ? Limits.messageByteCountMax : 0)
        signatureBuffer = ValidationContext.reserve(small)
        keysBuffer = ValidationContext.reserve(small)
        dsBuffer = ValidationContext.reserve(reserving ? ValidationContext.dsBufferByteCount : 0)
        denialBuffer = ValidationContext.reserve(small)
        anchorState = .allocate(capacity: 1)
        anchorState.initialize(to: AnchorState())
        anchorKeysBuffer = ValidationContext.reserve(small)
        revokedBuffer = ValidationContext.reserve(small)
        denialRecords = .allocate(capacity: reserving ? ValidatorLimits.denialRecordsMax : 0)
        denialRecords.initialize(repeating: DenialRecord(owner: .root, rdata: UnsafeRawBufferPointer(start: nil, count: 0)))
    }

    deinit {
        rrsetBuffer.deallocate()
        signatureBuffer.deallocate()
        keysBuffer.deallocate()
        dsBuffer.deallocate()
        denialBuffer.deallocate()
        anchorState.deinitialize(count: 1)
        anchorState.deallocate()
        anchorKeysBuffer.deallocate()
        revokedBuffer.deallocate()
        denialRecords.deallocate()
    }

    static func reserve(_ byteCount: Int) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 8)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        return buffer
    }

    static func byteCount(reserving: Bool) -> Int {
        let buffers = ValidatorScratch.footprintByteCount + Limits.messageByteCountMax + 3 * smallBufferByteCount
            + 2 * smallBufferByteCount + dsBufferByteCount
            + ValidatorLimits.denialRecordsMax * MemoryLayout<DenialRecord>.stride
        return (reserving ? buffers : 0) + MemoryLayout<AnchorState>.stride
            + TrustAnchorStore.rdataByteCountMax + TrustAnchorStore.ownerCountMax * 288
            + NegativeTrustAnchors.countMax * MemoryLayout<Name>.stride
    }

    /// True when some anchor covers `name` and no negative anchor does:
    /// only then can data at `name` be secure (or bogus).
    func isCovered(_ name: Name) -> Bool {
        anchors.closestAnchor(for: name) != nil && !negativeAnchors.covers(name)
    }
}

/// The security status of data, as validation concluded (RFC 4035 §4.3).
enum Security: Equatable {
    /// Not validated: validation is off, or the data only steers iteration.
    case unvalidated
    case secure
    case insecure
    case bogus(EDECode)

    var rank: TrustRank {
        switch self {
        case .unvalidated: return .authoritativeUnvalidated
        case .secure: return .secure
        case .insecure: return .insecure
        case .bogus: return .bogus
        }
    }

    /// A Validator verdict in the resolver's terms: a spent KeyTrap budget is
    /// a failure like any other (SERVFAIL; EDE 6 is the closest code).
    init(_ verdict: RRsetVerdict) {
        switch verdict {
        case .secure, .validIgnoringTime: self = .secure
        case .insecure: self = .insecure
        case .bogus(let code): self = .bogus(code)
        case .budgetExceeded: self = .bogus(.dnssecBogus)
        }
    }
}

extension QueryEngine {
    /// Adds trust anchors for `owner` (all records of one owner at once):
    /// `type` is `.ds` or `.dnskey`, each element one RDATA in wire form.
    /// Start-up only. False when the anchor store is full or the RDATA bad.
    /// The first `operatorAddedCount` came from `list trust_anchor`
    /// (`addTrustAnchors(owner:_:)` sorts them so).
    public mutating func addTrustAnchor(owner: Name, type: RRType, rdatas: [[UInt8]],
                                        operatorAddedCount: Int = 0) -> Bool {
        guard type == .ds || type == .dnskey, !rdatas.isEmpty else { return false }
        var packed: [UInt8] = []
        for rdata in rdatas {
            guard rdata.count <= 0xFFFF else { return false }
            packed.append(UInt8(truncatingIfNeeded: rdata.count >> 8))
            packed.append(UInt8(truncatingIfNeeded: rdata.count))
            packed += rdata
        }
        let added = packed.withUnsafeBytes { bytes -> Bool in
            guard let list = try? RDataList(bytes: bytes) else { return false }
            do throws(ValidatorError) {
                try validation.anchors.add(owner: owner, kind: type == .ds ? .ds : .dnskey, rdatas: list,
                                           operatorAddedCount: operatorAddedCount)
            } catch { return false }
            return true
        }
        if added { addTrustPoint(owner, dnskeys: type == .dnskey ? rdatas : []) }
        return added
    }

    /// Adds a negative trust anchor (`list insecure_domain`): names at or
    /// under it are treated as insecure (RFC 7646). False when the store is full.
    public mutating func addNegativeTrustAnchor(_ name: Name) -> Bool {
        do throws(ValidatorError) { try validation.negativeAnchors.add(name) } catch { return false }
        return true
    }

    /// Replaces every negative trust anchor (SIGHUP: `list insecure_domain`
    /// edited). Cached bogus verdicts expire within `bogusTTLMaxSeconds`.
    /// Returns how many were taken (the store holds `countMax`).
    public mutating func setNegativeTrustAnchors(_ names: [Name]) -> Int {
        validation.negativeAnchors.removeAll()
        var taken = 0
        for name in names where addNegativeTrustAnchor(name) { taken += 1 }
        return taken
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

    /// Data validated while the clock was untrusted (signatures checked,
    /// dates not) is cached at most this long, so it is validated again
    /// soon after the clock becomes trusted — the "re-check after sync".
    public static let untrustedClockTTLMaxSeconds: UInt32 = 60

    /// The time signatures are checked against: the wall clock once it is
    /// trusted, otherwise `.untrusted` (dates not checked).
    func validationClock(nowMs: Int64) -> ValidationClock {
        validation.clock.validationClock(wallSeconds: nowMs / 1000 + wallClockOffsetSeconds)
    }

    /// TTL cap for a verdict: the RRSIG validity for good signatures, the
    /// short untrusted-clock cap when dates could not be checked.
    func cacheTTLCap(_ result: RRsetValidation) -> UInt32 {
        switch result.verdict {
        case .validIgnoringTime: return min(result.ttlSecondsCap, QueryEngine.untrustedClockTTLMaxSeconds)
        case .secure: return result.ttlSecondsCap
        default: return .max
        }
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

    /// Whether task `index` validates what it learns: client and key tasks
    /// do when anchors are loaded; nameserver address look-ups only steer
    /// iteration and never answer a client, so they skip it.
    func validates(_ index: Int) -> Bool {
        isValidating && outgoing[index].iteration.purpose != .address
    }

    /// DNSSEC on and at least one trust anchor loaded (either mode).
    var isValidating: Bool {
        settings.validate && validation.anchors.ownerCount > 0
    }

    /// Forward mode that validates: every task asks the upstreams (RD set,
    /// CD set so bogus data comes back to be judged here) and trusts no AD
    /// bit from them.
    var validatesForwarding: Bool { !settings.recursive && isValidating }
}
