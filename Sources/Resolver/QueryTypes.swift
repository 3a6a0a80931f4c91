import DNSWire

/// The QTYPEs a client may not have resolved: Sprig answers them itself,
/// before any state exists, and never sends them to an upstream or an
/// authoritative server. A question of the client's choosing must not be
/// able to change how Sprig talks to a server (issue 19: BIND's FORMERR to
/// a forwarded TYPE128 turned EDNS off towards it for good).
///
/// - 0: FORMERR, EDE 30. Reserved (RFC 6895 §3.1): no data has it.
/// - 41 OPT: FORMERR, EDE 30. A pseudo-RR of the additional section only
///   (RFC 6891 §6.1.1).
/// - 128–248, 249 TKEY, 250 TSIG, 253 MAILB, 254 MAILA: FORMERR, EDE 30.
///   Meta-types and obsolete QTYPEs (RFC 6895 §3.1); NXNAME (128) "MUST"
///   get FORMERR and a resolver "MUST NOT" forward it (RFC 9824 §3.5).
///   Unbound answers exactly these types FORMERR itself.
/// - 251 IXFR, 252 AXFR: NOTIMP. Zone transfers are an authoritative
///   server's job.
/// - 255 ANY: resolved. The servers answer it as RFC 8482 says; the
///   answer is never secure (a collection, not an RRset).
///
/// Never: looks at anything but the QTYPE (class, opcode and syntax are
/// `parseQuery`'s).
enum LocalQueryType {
    /// EDE 30 "Invalid Query Type" (RFC 9824 §3.5, §9): generally
    /// applicable to types that have no place in a question.
    static let invalidTypeEDE = EDECode.invalidQueryType

    /// The rcode (and EDE) Sprig answers a question of `type` with, or nil
    /// when it is resolved.
    static func answer(for type: RRType) -> (RCode, EDECode?)? {
        switch type.rawValue {
        case 0, RRType.opt.rawValue:
            return (.formErr, invalidTypeEDE)
        case RRType.ixfr.rawValue, RRType.axfr.rawValue:
            return (.notImp, nil)
        case RRType.any.rawValue:
            return nil
        case 128...254:
            return (.formErr, invalidTypeEDE)
        default:
            return nil
        }
    }
}
