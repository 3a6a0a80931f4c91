import DNSWire
import Fixed

/// Building answers for clients: errors, answers copied from an upstream
/// response, and answers that need nothing but the query.
extension ResolverCore {
    /// Bytes kept free while records are added, so the OPT RR and an EDE
    /// option always fit after them (11 OPT + 4 option header + 2 code + text).
    static let optReserveByteCount = 64

    /// An answer with `rcode` echoing the query's ID, opcode, RD, CD and
    /// question, for refusals and failures before any state exists. nil when
    /// the query is not worth answering (a response, or no header).
    public static func shortAnswer(to query: UnsafeRawBufferPointer, _ kind: ShortAnswer,
                                   into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        switch kind {
        case .refused: return shortAnswer(to: query, rcode: .refused, into: buffer)
        case .serverFailure: return shortAnswer(to: query, rcode: .servFail, into: buffer)
        case .formatError: return shortAnswer(to: query, rcode: .formErr, into: buffer)
        }
    }

    static func shortAnswer(to query: UnsafeRawBufferPointer, rcode: RCode, ede: EDECode? = nil,
                            cookie: ResponseCookie? = nil, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard var reader = try? MessageReader(query), !reader.header.qr else { return nil }
        var header = Header(id: reader.header.id)
        header.qr = true
        header.opcode = reader.header.opcode
        header.rd = reader.header.rd
        header.cd = reader.header.cd
        header.ra = true
        do throws(BuildError) {
            var b = try MessageBuilder(buffer: buffer, header: header)
            b.setMaxByteCount(512)
            if reader.header.questionCount == 1, let question = try? reader.nextQuestion() {
                try b.addQuestion(question.name, type: question.type, rrClass: question.rrClass)
            }
            // Echo EDNS when the query had a readable OPT (needed for BADVERS).
            if (try? reader.skipToEnd()) != nil, reader.opt != nil {
                try b.addOPT(udpPayloadSize: 1_232)
                if let cookie { try b.addCookie(cookie.option) }
                if let ede { try b.addExtendedError(ede) }
            }
            b.setRCode(rcode)
            return b.byteCount
        } catch {
            return nil
        }
    }

    func answerHeader(for request: Request, rcode: RCode) -> Header {
        var header = Header(id: request.id)
        header.qr = true
        header.opcode = .query
        header.rd = request.recursionDesired
        header.ra = true
        header.cd = request.checkingDisabled
        header.rcode = rcode
        return header
    }

    /// The EDNS flags of an answer to `request`: DO echoed (RFC 3225), and
    /// DE echoed when DELEG is on (draft-ietf-dnsop-delext-11 §5.1: a
    /// Delegation-Extension-aware recursive resolver MUST).
    func clientOPTFlags(_ request: Request) -> UInt16 {
        (request.dnssecOK ? EDNSFlags.dnssecOK : 0)
            | (settings.deleg && settings.recursive && request.delegationExtensions ? EDNSFlags.delegationExtensions : 0)
    }

    /// SERVFAIL (or another error) with an optional EDE for `request`, and
    /// the EDE text `detail` gives.
    func buildError(for request: Request, rcode: RCode, ede: EDECode?, detail: FailureDetail? = nil) -> Int? {
        do throws(BuildError) {
            var b = try MessageBuilder(buffer: scratch, header: answerHeader(for: request, rcode: rcode))
            b.setMaxByteCount(request.answerByteCountMax)
            try b.addQuestion(request.question.name, type: request.question.type, rrClass: request.question.rrClass)
            if request.hasEDNS {
                try b.addOPT(udpPayloadSize: settings.clientPayloadSizeMax, version: 0, flags: clientOPTFlags(request))
                if let cookie = request.cookie { try b.addCookie(cookie.option) }
                if let code = ede, let detail {
                    try addExtendedError(&b, code, detail)
                } else if let code = ede {
                    try b.addExtendedError(code)
                }
            }
            b.setRCode(rcode)
            return b.byteCount
        } catch {
            return nil
        }
    }

    /// The client's answer built from an upstream response: the client's
    /// ID, flags and question spelling, the response's records as minimal
    /// as a cached answer (`copyMinimal`), our own OPT.
    func buildAnswer(for request: Request, from message: UnsafeRawBufferPointer) -> Int? {
        guard let upstream = try? Header(from: message) else { return nil }
        var header = answerHeader(for: request, rcode: upstream.rcode)
        header.ad = upstream.ad && request.dnssecOK
        guard var b = try? MessageBuilder(buffer: scratch, header: header) else { return nil }
        b.setMaxByteCount(request.answerByteCountMax - request.optReserveByteCount)
        do throws(BuildError) {
            try b.addQuestion(request.question.name, type: request.question.type, rrClass: request.question.rrClass)
        } catch { return nil }
        var truncated = false
        guard copyMinimal(&b, from: message, request: request, section: .answer, truncated: &truncated),
              copyMinimal(&b, from: message, request: request, section: .authority, truncated: &truncated)
        else { return nil }
        return finishAnswer(&b, request: request, truncated: truncated, ede: nil)
    }

    /// Copies the records of `section` that a resolver's answer carries
    /// (minimal responses, as Unbound sends them): every answer record; of
    /// the authority section the SOA of a negative answer (RFC 2308 §3) and,
    /// for DO clients, the NSEC/NSEC3 records and the RRSIGs over them and
    /// the SOA (RFC 4035 §3.1.3). Never a delegation's NS set or its glue,
    /// nothing of the additional section. DNSSEC records go to DO clients
    /// only, unless asked for (RFC 4035 §3.2.1). False on a broken record;
    /// `truncated` when the room ran out (the caller sets TC).
    func copyMinimal(_ b: inout MessageBuilder, from message: UnsafeRawBufferPointer, request: Request,
                     section: Section, truncated: inout Bool) -> Bool {
        if truncated { return true }   // (nothing more fits)
        guard var reader = try? MessageReader(message) else { return false }
        let rdata = cache.rdataScratch
        while let record = try? reader.nextRecord() {
            guard record.section == section, keeps(record, message, request: request) else { continue }
            guard let owner = try? record.owner(in: message),
                  let n = try? RData.copyCanonical(record, from: message, into: rdata, lowercaseNames: false)
            else { return false }
            do throws(BuildError) {
                try b.addRecord(section, owner: owner, type: record.type, rrClass: record.rrClass,
                                ttlSeconds: record.ttlSeconds, rdata: UnsafeRawBufferPointer(rebasing: rdata[0..<n]))
            } catch {
                guard error == .noSpace else { return false }
                truncated = true
                return true
            }
        }
        return true
    }

    /// Whether a record of the answer or authority section goes to the client (see `copyMinimal`).
    func keeps(_ record: Record, _ message: UnsafeRawBufferPointer, request: Request) -> Bool {
        let asked = record.type == request.question.type
        switch record.section {
        case .answer:
            return record.type != .opt && (request.dnssecOK || asked || !ResolverCore.isDNSSECOnly(record.type))
        case .authority:
            switch record.type {
            case .soa: return true
            case .nsec, .nsec3: return request.dnssecOK
            case .rrsig:
                guard request.dnssecOK, record.rdataLength >= 2 else { return false }
                let covered = RRType(AnswerCache.loadU16(message, record.rdataOffset))
                return covered == .soa || covered == .nsec || covered == .nsec3
            default: return false
            }
        default:
            return false
        }
    }

    /// Adds the OPT RR (and EDE), or on truncation restarts with the
    /// question alone and TC set (RFC 2181 §9: no partial RRsets).
    func finishAnswer(_ b: inout MessageBuilder, request: Request, truncated: Bool, ede: EDECode?) -> Int? {
        do throws(BuildError) {
            if truncated {
                var header = b.header
                header.tc = true
                b = try MessageBuilder(buffer: scratch, header: header)
                try b.addQuestion(request.question.name, type: request.question.type,
                                  rrClass: request.question.rrClass)
            }
            b.setMaxByteCount(request.answerByteCountMax)
            if request.hasEDNS {
                try b.addOPT(udpPayloadSize: settings.clientPayloadSizeMax, version: 0, flags: clientOPTFlags(request))
                if let cookie = request.cookie { try b.addCookie(cookie.option) }
                if let code = ede { try b.addExtendedError(code) }
            }
            return b.byteCount
        } catch {
            return nil
        }
    }

    /// Types a client without the DO bit does not get unless it asked for
    /// them (RFC 4035 §3.2.1).
    static func isDNSSECOnly(_ type: RRType) -> Bool {
        type == .rrsig || type == .nsec || type == .nsec3
    }

    /// The EDE text after a strict server's address: why it was not used.
    static func strictDoTText(_ why: StrictDoTFailure) -> StaticString {
        switch why {
        case .timedOut: return " strict DoT: timed out; not asked in plain"
        case .certificate: return " strict DoT: certificate does not verify for the NS name (CA bundle); not asked in plain"
        case .dane: return " strict DoT: certificate does not match its secure TLSA (DANE); not asked in plain"
        case .pin: return " strict DoT: SPKI matches no tls_pin; not asked in plain"
        case .handshake: return " strict DoT: TLS handshake failed; not asked in plain"
        case .tlsVersion: return " strict DoT: TLS 1.2 only; strict requires TLS 1.3; not asked in plain"
        case .connection: return " strict DoT: no TLS connection to port 853; not asked in plain"
        case .noNSName: return " strict DoT: no NS name known for this address to authenticate; not asked"
        case .other: return " strict DoT: TLS failed; not asked in plain"
        }
    }

    /// The EDE text after an upstream's address: why DoT to it failed.
    static func upstreamDoTText(_ why: StrictDoTFailure) -> StaticString {
        switch why {
        case .timedOut: return " DoT: timed out; not asked in plain"
        case .certificate: return " DoT: certificate does not verify for tls_name; not asked in plain"
        case .pin: return " DoT: key does not match tls_pin; not asked in plain"
        case .handshake: return " DoT: TLS handshake failed; not asked in plain"
        case .connection: return " DoT: no TLS connection; not asked in plain"
        case .dane, .noNSName, .tlsVersion, .other: return " DoT: TLS failed; not asked in plain"
        }
    }

    /// EDE text "upstream N ADDRESS DoT: WHY; not asked in plain".
    func addUpstreamDoTError(_ b: inout MessageBuilder, _ code: EDECode, _ server: ServerAddress, upstream: Int,
                             _ why: StrictDoTFailure) throws(BuildError) {
        var text = EDEText(UnsafeMutableRawBufferPointer(rebasing: cache.rdataScratch[0..<192]))
        text.put("upstream ")
        text.putDecimal(max(upstream, 0))
        text.put(" ")
        text.put(server)
        text.put(ResolverCore.upstreamDoTText(why))
        try b.addExtendedError(code, text: text.bytes)
    }

    /// EDE text "NS-NAME (ADDRESS) strict DoT: WHY", or "ADDRESS strict
    /// DoT: WHY" when no NS name is known (or it would make the text over
    /// `strictNameTextByteCountMax`).
    func addStrictDoTError(_ b: inout MessageBuilder, _ code: EDECode, _ server: ServerAddress, _ name: Name?,
                           _ why: StrictDoTFailure) throws(BuildError) {
        var text = EDEText(UnsafeMutableRawBufferPointer(rebasing: cache.rdataScratch[0..<256]))
        if let name, text.put(name, byteCountMax: ResolverCore.strictNameTextByteCountMax) {
            text.put(" (")
            text.put(server)
            text.put(")")
        } else {
            text.put(server)
        }
        text.put(ResolverCore.strictDoTText(why))
        try b.addExtendedError(code, text: text.bytes)
    }

    /// The longest NS name an EDE text spells out: the text stays small
    /// (a long name gives the address alone).
    static let strictNameTextByteCountMax = 96

    /// EDE `code` with the text of `detail` (ASCII, under 100 bytes).
    func addExtendedError(_ b: inout MessageBuilder, _ code: EDECode, _ detail: FailureDetail) throws(BuildError) {
        let server: ServerAddress
        let suffix: StaticString
        switch detail {
        case .noEDNS(let s):
            server = s
            suffix = " answers without EDNS; the zone is signed"
        case .strictDoT(let s, let why, let nameSerial):
            return try addStrictDoTError(&b, code, s, strictFailureNames.name(nameSerial), why)
        case .upstreamDoT(let s, let upstream, let why):
            return try addUpstreamDoTError(&b, code, s, upstream: upstream, why)
        case .delegUnusable:
            let text: StaticString = "DELEG of the delegation gives no usable server; NS not used"
            return try b.addExtendedError(code, text: UnsafeRawBufferPointer(start: text.utf8Start,
                                                                            count: text.utf8CodeUnitCount))
        }
        var text = EDEText(UnsafeMutableRawBufferPointer(rebasing: cache.rdataScratch[0..<128]))
        text.put(server)
        text.put(suffix)
        try b.addExtendedError(code, text: text.bytes)
    }
}

/// An EDE text assembled in scratch memory, without allocating: the
/// callers size the scratch for their longest text (a static part under
/// 100 bytes, an address, a name of at most 96 bytes).
struct EDEText {
    let out: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ out: UnsafeMutableRawBufferPointer) { self.out = out }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: out[0..<count]) }

    mutating func put(_ text: StaticString) {
        let bytes = UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        UnsafeMutableRawBufferPointer(rebasing: out[count..<(count + bytes.count)]).copyMemory(from: bytes)
        count += bytes.count
    }

    mutating func put(_ server: ServerAddress) {
        count += server.writeText(into: UnsafeMutableRawBufferPointer(
            rebasing: out[count..<(count + ServerAddress.textByteCountMax)]))
    }

    /// The name without its final dot; false (nothing written) when it is
    /// longer than `byteCountMax`.
    mutating func put(_ name: Name, byteCountMax: Int) -> Bool {
        guard let n = name.writeText(into: UnsafeMutableRawBufferPointer(rebasing: out[count..<(count + byteCountMax)]))
        else { return false }
        count += n
        return true
    }

    mutating func putDecimal(_ value: Int) {
        var digits = 1
        while value / digits >= 10 { digits *= 10 }
        while digits > 0 {
            out[count] = 0x30 + UInt8(value / digits % 10)
            count += 1
            digits /= 10
        }
    }
}
