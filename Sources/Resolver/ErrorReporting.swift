// The resolver's glue for DNS error reporting (RFC 9567 §6.1): note the
// Report-Channel option a server of the zone sends, and when the client's
// resolution fails, start one report query (ErrorReports.swift says what
// it looks like and how it is limited). The report is a task with no
// client, like root priming: it iterates and caches, and its own failure is
// never reported.
import DNSWire
import Fixed

extension ResolverCore {
    /// Options read from one OPT before giving up (each is ≥ 4 bytes: the
    /// message bounds it anyway; this keeps the loop's bound visible).
    static let reportChannelOptionsMax = 64

    /// A response for task `index`: if it carries a Report-Channel option
    /// (RFC 9567 §5.3), remember its agent with the zone being asked. The
    /// deepest zone's wins: a TLD's agent is not told of its children's
    /// failures when the children's servers name their own.
    mutating func noteReportChannel(_ index: Int, _ message: UnsafeRawBufferPointer) {
        guard settings.errorReporting, !outgoing[index].iteration.isReport,
              let agent = ResolverCore.reportChannel(in: message) else { return }
        let zone = outgoing[index].iteration.zone
        let slot = errorReports.remember(agent: agent, zone: zone)
        outgoing.pointer(index).pointee.iteration.reportAgentSlot = slot
        outgoing.pointer(index).pointee.iteration.reportAgentHash = agent.hash32
    }

    /// Task `index` reports to the agent in `slot` (a failed sub-task's)
    /// unless its own servers named one.
    mutating func noteReportAgent(_ index: Int, slot: Int16, hash: UInt32) {
        guard slot >= 0, outgoing[index].iteration.reportAgentSlot < 0 else { return }
        outgoing.pointer(index).pointee.iteration.reportAgentSlot = slot
        outgoing.pointer(index).pointee.iteration.reportAgentHash = hash
    }

    /// The agent domain of the first Report-Channel option, if any.
    static func reportChannel(in message: UnsafeRawBufferPointer) -> Name? {
        guard var reader = try? MessageReader(message), (try? reader.skipToEnd()) != nil,
              let opt = reader.opt, let edns = try? EDNS(opt, in: message) else { return nil }
        var options = edns.options(in: message)
        for _ in 0..<reportChannelOptionsMax {
            guard let option = try? options.next() else { return nil }
            if option.code == .reportChannel { return (try? ReportChannel(option, in: message))?.agentDomain.lowercased() }
        }
        return nil
    }

    /// A client's resolution of `question` failed (task `it`; `ede`: the
    /// validation failure of an answer that came, else `failureEDE`): send one
    /// report query to the agent its zone's servers named, if the rules
    /// allow (RFC 9567 §6.1).
    mutating func reportFailure(question: Question, _ it: Iteration, ede bogusEDE: EDECode? = nil, nowMs: Int64) {
        guard settings.errorReporting, !it.isReport, it.parent == nil,
              let (agent, zone) = errorReports.agent(it.reportAgentSlot, hash: it.reportAgentHash) else { return }
        // Never to the root; never to an agent inside the failing zone,
        // whose servers are the ones failing (RFC 9567 §6.1); only for a
        // failure at or below the zone whose server named the agent.
        guard !agent.isRoot, !agent.isSubdomain(of: zone), !agent.isSubdomain(of: it.zone),
              it.zone.isSubdomain(of: zone) || question.name.isSubdomain(of: zone) else {
            stats.errorReportsRefused += 1
            return
        }
        let ede = (bogusEDE ?? it.failureEDE)?.rawValue ?? EDECode.other.rawValue
        guard let name = ErrorReports.reportName(question: question, ede: ede, agent: agent) else {
            stats.errorReportsRefused += 1   // over 255 octets: not sent (§6.1.1)
            return
        }
        guard errorReports.admit(agent: agent, question: question, ede: ede, nowMs: nowMs) == .send else {
            stats.errorReportsLimited += 1
            return
        }
        guard let index = outgoing.acquire() else {
            stats.errorReportsRefused += 1
            return
        }
        var o = OutgoingQuery()
        o.question = Question(name: name.lowercased(), type: .txt, rrClass: .in)
        outgoing[index] = o
        stats.errorReports += 1
        beginIteration(index, parent: nil, nowMs: nowMs)
        outgoing.pointer(index).pointee.iteration.isReport = true
        iterate(index, nowMs: nowMs)
    }
}
