// What the router clock means for DNSSEC, as the log tells the operator
// (DESIGN.md §2.8). The decision is logged when it changes, never again
// while it stands: the NTP marker file is looked at once a second, and a
// clock that reads before the build date stays untrusted however often a
// sync is reported (issue 12 item 9: that once printed "clock: synced"
// every second). Pure: wall times are parameters.
// Never: decides trust itself — TrustedClock (Validator) does.
import DNSWire

enum ClockDecision: Equatable {
    /// `clock_trusted '1'`: the operator vouches for the clock as it reads.
    case vouchedFor
    /// NTP synced (signal or marker file), or the clock passed the saved floor.
    case trusted
    /// The wall clock reads before this build's date: no sync signal is
    /// believed until it is set.
    case beforeBuildFloor
    /// Waiting for NTP, or for the clock to pass the saved floor.
    case awaitingSync

    static func current(isTrusted: Bool, isVouchedFor: Bool, wallSeconds: Int64,
                        buildFloorSeconds: Int64) -> ClockDecision {
        if isVouchedFor { return .vouchedFor }
        if isTrusted { return .trusted }
        return wallSeconds < buildFloorSeconds ? .beforeBuildFloor : .awaitingSync
    }

    /// The log line, and whether it is a warning (else a notice).
    func line(wallSeconds: Int64, buildFloorSeconds: Int64) -> (text: String, isWarning: Bool) {
        let now = CalendarDate.text(unixSeconds: wallSeconds)
        switch self {
        case .vouchedFor:
            return ("clock: trusted as configured (clock_trusted '1'); DNSSEC signature dates are checked "
                    + "against the system clock as it reads (\(now))", false)
        case .trusted:
            return ("clock: synced; DNSSEC signature dates are checked from now on", false)
        case .beforeBuildFloor:
            return ("clock: the wall clock reads \(now), before this build's date "
                    + "(\(CalendarDate.text(unixSeconds: buildFloorSeconds))): DNSSEC signature dates are not "
                    + "checked until it is set, whatever sync is reported (option clock_trusted '1' trusts "
                    + "it as it is)", true)
        case .awaitingSync:
            return ("clock: not trusted yet; DNSSEC signature dates are not checked until NTP sync", false)
        }
    }
}

/// The decision last logged: a line only when it changes.
struct ClockDecisionLog {
    private(set) var logged: ClockDecision?

    mutating func lineToLog(_ decision: ClockDecision, wallSeconds: Int64,
                            buildFloorSeconds: Int64) -> (text: String, isWarning: Bool)? {
        guard decision != logged else { return nil }
        logged = decision
        return decision.line(wallSeconds: wallSeconds, buildFloorSeconds: buildFloorSeconds)
    }
}
