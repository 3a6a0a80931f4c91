import Cache
import DNSWire
import Fixed
import Validator

/// EDNS towards authoritative servers (RFC 6891 §7, the 2019 DNS flag day):
/// every query carries an OPT with DO. Only a FORMERR or NOTIMP *without*
/// an OPT may mean the server does not implement EDNS; then, in a zone known
/// to be unsigned, that one query is asked again without EDNS, and if that
/// works the server is asked without EDNS for `InfraCache.noEDNSWindowMs`.
/// An error that carries an OPT proves EDNS: it is about the question, and
/// the server is only tried as failed for that question. A signed zone is
/// never asked without EDNS (no DO, no RRSIGs): the client gets SERVFAIL
/// with an EDE naming the server.
///
/// Never: changes a server's state from a response that carries an OPT
/// (other than clearing a mark), or lets a mark outlive its window.
extension ResolverCore {
    /// Whether task `index` asks `server` with EDNS now.
    mutating func asksWithEDNS(_ index: Int, _ server: ServerAddress, nowMs: Int64) -> Bool {
        guard settings.recursive else { return true }
        let it = outgoing[index].iteration
        guard it.withoutEDNS == server || infra.lacksEDNS(server, nowMs: nowMs) else { return true }
        return signing(of: it.zone, nowMs: nowMs) != .unsigned
    }

    /// What an authoritative response says about `server`'s EDNS, before
    /// its rcode is looked at. True when it was handled here: a FORMERR or
    /// NOTIMP without an OPT to an EDNS query.
    mutating func checkEDNS(_ index: Int, _ message: UnsafeRawBufferPointer, rcode: RCode,
                                            nowMs: Int64) -> Bool {
        guard settings.recursive else { return false }
        let it = outgoing[index].iteration
        let asked = outgoing[index].asked
        let server = asked.server
        let refused = rcode == .formErr || rcode == .notImp
        if asked.withEDNS {
            // A response with an OPT proves EDNS (a mark from before is void).
            if refused || infra.lacksEDNS(server, nowMs: nowMs) {
                if ResolverCore.carriesOPT(message) {
                    infra.recordEDNS(server, nowMs: nowMs)
                    return false
                }
                if refused {
                    fallBackFromEDNS(index, nowMs: nowMs)
                    return true
                }
            }
            return false
        }
        // The same question without EDNS worked: remember it, for a while.
        if it.withoutEDNS == server && (rcode == .noError || rcode == .nxDomain) {
            infra.recordNoEDNS(server, nowMs: nowMs)
        }
        return false
    }

    /// FORMERR/NOTIMP without an OPT to an EDNS query of task `index`.
    mutating func fallBackFromEDNS(_ index: Int, nowMs: Int64) {
        let it = outgoing[index].iteration
        switch signing(of: it.zone, nowMs: nowMs) {
        case .unsigned:
            stats.ednsFallbacks += 1
            let asked = outgoing[index].asked
            outgoing.pointer(index).pointee.iteration.withoutEDNS = asked.server
            if !sendIterative(index, to: Destination(server: asked.server, upstream: asked.upstream), nowMs: nowMs) {
                retryElsewhere(index, nowMs: nowMs)
            }
        case .unknown:
            // Learn whether the zone is signed (its DS set), then ask again:
            // the server answers the same way, and the answer is known then.
            emitCancel(index)
            if startKeyFetch(index, name: it.zone, type: .ds, nowMs: nowMs) { return }
            refuseWithoutEDNS(index, nowMs: nowMs)
        case .signed:
            refuseWithoutEDNS(index, nowMs: nowMs)
        }
    }

    /// A server of a signed zone that will not speak EDNS is a failed
    /// server; the task goes on with the others, and if it fails, the EDE
    /// says which server it was.
    mutating func refuseWithoutEDNS(_ index: Int, nowMs: Int64) {
        stats.ednsRefusedInSignedZones += 1
        noteFailure(index, .noReachableAuthority, detail: .noEDNS(outgoing[index].asked.server))
        retryElsewhere(index, nowMs: nowMs)
    }

    /// Whether `zone` is known to be signed (RFC 4035 §5;
    /// `ValidationEngine.signing(of:)`): never when DNSSEC is off.
    mutating func signing(of zone: Name, nowMs: Int64) -> ZoneSigning {
        guard isValidating, settings.requestDNSSEC else { return .unsigned }
        return validation.signing(of: zone, cache: &cache, nowMs: nowMs)
    }

    /// Whether a response has an OPT record (RFC 6891 §6.1.1).
    static func carriesOPT(_ message: UnsafeRawBufferPointer) -> Bool {
        guard var reader = try? MessageReader(message), (try? reader.skipToEnd()) != nil else { return false }
        return reader.opt != nil
    }
}
