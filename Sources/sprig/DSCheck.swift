// `sprig ds-check [-c CONFIG] DOMAIN`: would a parent accept the DS update
// the child requests with CDS/CDNSKEY? The acceptance checks of
// draft-ietf-dnsop-ds-automation-04 §2.1 item 1 (and RFC 7344 §4.1,
// RFC 8078 §4, draft-ietf-dnsop-cds-consistency), one verdict line each:
//
//   delegation    the parent's NS set for DOMAIN, from the config's root hints
//   servers       every authoritative server answers CDS, CDNSKEY, DNSKEY
//   servers-agree they all publish the same CDS and the same CDNSKEY RRset
//   denial        an empty CDS or CDNSKEY answer is proven by NSEC/NSEC3
//                 records the zone's DNSKEY RRset signs (DSCheckDenial)
//   request       what is asked: DS parameters, the delete signal, or nothing
//   cds-cdnskey   CDS and CDNSKEY designate the same keys
//   algorithms    a key with an algorithm and digest the draft designates
//                 (MUST or RECOMMENDED for validation, RFC 8624 / RFC 9904)
//   continuity    the DS set they imply validates every server's DNSKEY
//                 RRset: a designated key signs it (RFC 6840 §5.11)
//   authenticated the CDS/CDNSKEY RRsets are signed by the DNSKEY RRset that
//                 the parent's current DS set secures (RFC 7344 §4.1)
//
// `--json`: the same verdicts as one JSON array, one object per check
// (`{"check": "servers", "verdict": "PASS", "reason": "..."}`).
// Every server is asked over the transport the config's auth_transport
// sections choose for its zone (DSCheckTransport): plain DNS, opportunistic
// DoT, or strict DoT, which fails that server with its reason rather than
// ask it in plain.
// Exit: 0 every check passed (WARN lines are advice), 1 a check failed
// (the parent should cancel the update), 2 usage or config error.
// Never: changes anything anywhere; it only asks.
import Config
import DNSWire
import Hints
import Platform
import Validator

enum DSCheck {
    static let usage = "usage: sprig ds-check [--json] [-c CONFIG] DOMAIN\n"

    enum Status {
        case pass, warn, fail, skip

        var word: String {
            switch self {
            case .pass: return "PASS"
            case .warn: return "WARN"
            case .fail: return "FAIL"
            case .skip: return "SKIP"
            }
        }
    }

    /// One authoritative server's view of the child.
    struct ServerView {
        var label: String
        var cds: [[UInt8]] = []
        var cdnskey: [[UInt8]] = []
        var dnskey: [[UInt8]] = []
        var cdsSignatures: [[UInt8]] = []
        var cdnskeySignatures: [[UInt8]] = []
        var dnskeySignatures: [[UInt8]] = []
        /// The whole response to an empty CDS or CDNSKEY answer: its
        /// NSEC/NSEC3 records must prove the absence (`checkDenial`).
        var cdsEmptyResponse: FetchedResponse? = nil
        var cdnskeyEmptyResponse: FetchedResponse? = nil
        var error: String? = nil
        /// Asked over DNS over TLS (auth_transport).
        var overDoT = false
    }

    struct Report {
        var failed = false
        var json = false
        private var entries: [(Status, String, String)] = []

        init(json: Bool) { self.json = json }

        mutating func say(_ status: Status, _ check: StaticString, _ reason: String) {
            if status == .fail { failed = true }
            if json {
                entries.append((status, "\(check)", reason))
            } else {
                Output.out("\(status.word) \(check): \(reason)\n")
            }
        }

        /// With --json: every verdict so far as one JSON array.
        func finish() {
            guard json else { return }
            var text = "["
            for (i, e) in entries.enumerated() {
                text += (i == 0 ? "\n  " : ",\n  ") + "{\"check\": " + JSONText.string(e.1) + ", \"verdict\": "
                    + JSONText.string(e.0.word) + ", \"reason\": " + JSONText.string(e.2) + "}"
            }
            Output.out(text + (entries.isEmpty ? "]\n" : "\n]\n"))
        }
    }

    static func run(arguments: [String]) -> Int32 {
        var configPath = "/etc/config/sprig"
        var configGiven = false
        let json = arguments.contains { matches($0, "--json") }
        var rest = arguments.filter { !matches($0, "--json") }
        if rest.count == 3 && matches(rest[0], "-c") {
            configPath = rest[1]
            configGiven = true
            rest = [rest[2]]
        }
        guard rest.count == 1, rest[0].utf8.first != UInt8(ascii: "-") else { Output.err(usage); return 2 }
        let domain: Name
        do throws(PresentationError) { domain = try Name(parsing: rest[0]).lowercased() } catch {
            Output.err("sprig ds-check: '\(rest[0])' is not a domain name\n")
            return 2
        }
        guard let config = loadConfig(configPath, required: configGiven), let roots = rootServers(config) else { return 2 }
        var iteration = DSCheckIteration(roots: roots, allowLoopback: config.queryLoopback, allowIPv6: config.doIPv6,
                                         transport: DSCheckTransport(config: config))
        var report = Report(json: json)
        check(domain, config: config, iteration: &iteration, report: &report)
        report.finish()
        return report.failed ? 1 : 0
    }

    static func check(_ domain: Name, config: SprigConfig, iteration: inout DSCheckIteration, report: inout Report) {
        let delegation: Delegation
        do throws(IterationFailure) { delegation = try iteration.delegation(of: domain) } catch {
            report.say(.fail, "delegation", error.reason)
            return
        }
        let nsText = delegation.nameservers.map { ns in
            ns.name.text + (ns.addresses.isEmpty ? " (no address)" : " " + ns.addresses.map { $0.text }.joined(separator: " "))
        }.joined(separator: ", ")
        report.say(.pass, "delegation", "\(delegation.parent.text) delegates \(domain.text) to \(nsText)"
            + (delegation.parentServesChild ? " (the parent's server is authoritative for the child too)" : ""))
        let views = fetchViews(domain, delegation, via: iteration.transport)
        guard checkServers(views, report: &report) else { return }
        let answered = views.filter { $0.error == nil }
        guard checkAgreement(answered, report: &report) else { return }
        let scratch = DSCheckRules.makeScratch()
        guard checkDenial(answered, domain, scratch: scratch, report: &report) else { return }
        let first = answered[0]
        let cdsRequest = DSCheckRules.request(first.cds, deleteSignal: DSCheckRules.cdsDelete)
        let cdnskeyRequest = DSCheckRules.request(first.cdnskey, deleteSignal: DSCheckRules.cdnskeyDelete)
        guard checkRequest(cdsRequest, cdnskeyRequest, domain, report: &report) else { return }
        let isDelete = cdsRequest == .delete || cdnskeyRequest == .delete
        if isDelete {
            report.say(.skip, "cds-cdnskey", "delete signal: no keys to compare")
            report.say(.skip, "algorithms", "delete signal: no DS set results")
            report.say(.skip, "continuity", "delete signal: the zone becomes insecure, nothing to validate")
        } else {
            guard checkCDSMatchesCDNSKEY(first, domain, scratch: scratch, report: &report) else { return }
            guard checkAlgorithms(first, report: &report) else { return }
            checkContinuity(answered, domain, scratch: scratch, report: &report)
        }
        checkAuthenticated(answered, domain, delegation, config: config, transport: iteration.transport, scratch: scratch,
                           report: &report)
    }

    /// CDS, CDNSKEY and DNSKEY from every address of every NS name.
    static func fetchViews(_ domain: Name, _ delegation: Delegation, via transport: DSCheckTransport) -> [ServerView] {
        var views: [ServerView] = []
        for ns in delegation.nameservers {
            if ns.addresses.isEmpty {
                views.append(ServerView(label: ns.name.text, error: "no usable address"))
            }
            for address in ns.addresses {
                var view = ServerView(label: "\(ns.name.text) \(address.text)")
                for type in [RRType.cds, .cdnskey, .dnskey] {
                    do throws(FetchError) {
                        let fetched = try DSCheckClient.fetch(domain, type, from: address, zone: domain, via: transport)
                        let response = fetched.response
                        if fetched.overTLS { view.overDoT = true }
                        guard response.rcode == .noError else {
                            view.error = "\(type.mnemonic): rcode \(response.rcode.rawValue)"
                            break
                        }
                        guard response.authoritative else {
                            view.error = "\(type.mnemonic): not authoritative (lame delegation)"
                            break
                        }
                        let rdatas = response.rdatas(.answer, owner: domain, type: type)
                        let sigs = response.signatures(.answer, owner: domain, covering: type)
                        switch type {
                        case .cds:
                            view.cds = rdatas; view.cdsSignatures = sigs
                            if rdatas.isEmpty { view.cdsEmptyResponse = response }
                        case .cdnskey:
                            view.cdnskey = rdatas; view.cdnskeySignatures = sigs
                            if rdatas.isEmpty { view.cdnskeyEmptyResponse = response }
                        default: view.dnskey = rdatas; view.dnskeySignatures = sigs
                        }
                    } catch {
                        view.error = "\(type.mnemonic): \(error.text)"
                        break
                    }
                }
                views.append(view)
            }
        }
        return views
    }

    /// draft-ietf-dnsop-cds-consistency: every server must answer; one that
    /// does not could hold a different request.
    static func checkServers(_ views: [ServerView], report: inout Report) -> Bool {
        let broken = views.filter { $0.error != nil }
        guard broken.isEmpty else {
            report.say(.fail, "servers", broken.map { "\($0.label): \($0.error ?? "")" }.joined(separator: "; "))
            return false
        }
        let overDoT = views.filter { $0.overDoT }.count
        report.say(.pass, "servers", "all \(views.count) server addresses answered CDS, CDNSKEY and DNSKEY authoritatively"
            + (overDoT > 0 ? " (\(overDoT) over DoT)" : ""))
        return true
    }

    /// draft-ietf-dnsop-ds-automation-04 §2.1 item 1a: the same request
    /// from every nameserver of the delegation.
    static func checkAgreement(_ views: [ServerView], report: inout Report) -> Bool {
        let first = views[0]
        var differences: [String] = []
        for v in views.dropFirst() {
            if v.cds != first.cds { differences.append("CDS at \(v.label) differs from \(first.label)") }
            if v.cdnskey != first.cdnskey { differences.append("CDNSKEY at \(v.label) differs from \(first.label)") }
        }
        guard differences.isEmpty else {
            report.say(.fail, "servers-agree", differences.joined(separator: "; "))
            return false
        }
        report.say(.pass, "servers-agree", "\(views.count) servers publish the same \(first.cds.count) CDS "
            + "and \(first.cdnskey.count) CDNSKEY records")
        return true
    }

    /// RFC 4035 §5.4: an empty CDS or CDNSKEY answer counts as "not
    /// published" only with its denial proven by NSEC/NSEC3 records that the
    /// zone's DNSKEY RRset signs (whether that RRset is the one the parent's
    /// DS secures is the `authenticated` check). An unsigned zone cannot
    /// prove anything: a warning. False (stop) when a proof fails.
    static func checkDenial(_ views: [ServerView], _ domain: Name, scratch: borrowing ValidatorScratch,
                            report: inout Report) -> Bool {
        var proven: [String] = []
        var unsigned: [String] = []
        var failures: [String] = []
        for v in views {
            for (type, response) in [(RRType.cds, v.cdsEmptyResponse), (.cdnskey, v.cdnskeyEmptyResponse)] {
                guard let response else { continue }
                guard !v.dnskey.isEmpty else {
                    unsigned.append("\(type.mnemonic) at \(v.label)")
                    continue
                }
                switch DSCheckDenial.noData(response, qname: domain, qtype: type, zone: domain, keys: v.dnskey,
                                            scratch: scratch) {
                case .noData(let how), .insecureDelegation(let how):
                    proven.append("\(type.mnemonic) at \(v.label) (\(how))")
                case .notProven(let why):
                    failures.append("\(type.mnemonic) at \(v.label): \(why)")
                }
            }
        }
        guard failures.isEmpty else {
            report.say(.fail, "denial", "an empty answer without a valid denial of existence (a record may have been "
                + "stripped): " + failures.joined(separator: "; "))
            return false
        }
        if !unsigned.isEmpty {
            report.say(.warn, "denial", "the zone has no DNSKEY RRset: the absence of "
                + unsigned.joined(separator: ", ") + " cannot be proven")
        } else if proven.isEmpty {
            report.say(.skip, "denial", "CDS and CDNSKEY are both published: no absence to prove")
        } else {
            report.say(.pass, "denial", "the absence is proven: " + proven.joined(separator: "; "))
        }
        return true
    }

    /// RFC 7344 §4 / RFC 8078 §4: what is requested, and is it unambiguous.
    static func checkRequest(_ cds: DSCheckRules.Request, _ cdnskey: DSCheckRules.Request, _ domain: Name,
                             report: inout Report) -> Bool {
        if cds == .none && cdnskey == .none {
            report.say(.fail, "request", "\(domain.text) publishes neither CDS nor CDNSKEY: no DS update is requested")
            return false
        }
        if cds == .mixedDelete || cdnskey == .mixedDelete {
            report.say(.fail, "request", "the delete signal (RFC 8078 §4) stands beside other records in the same RRset: ambiguous")
            return false
        }
        let deletes = (cds == .delete || cdnskey == .delete)
        if deletes && (cds == .keys || cdnskey == .keys) {
            report.say(.fail, "request", "one of CDS/CDNSKEY is the delete signal (RFC 8078 §4), the other lists keys: they disagree")
            return false
        }
        if deletes {
            report.say(.pass, "request", "delete signal (RFC 8078 §4: \(cds == .delete ? "CDS 0 0 0 00" : "")"
                + "\(cds == .delete && cdnskey == .delete ? ", " : "")\(cdnskey == .delete ? "CDNSKEY 0 3 0 AA==" : ""))"
                + ": remove the DS RRset; the zone becomes insecure")
            return true
        }
        report.say(.pass, "request", "DS parameters: \(cds == .keys ? "CDS" : "")\(cds == .keys && cdnskey == .keys ? " and " : "")"
            + "\(cdnskey == .keys ? "CDNSKEY" : "") published")
        return true
    }

    /// draft-ietf-dnsop-ds-automation-04 §2.1 item 1a: CDS and CDNSKEY
    /// designate the same keys (each CDS digests a CDNSKEY, each CDNSKEY has
    /// a CDS). One type alone is accepted, with the §2.1 item 3 advice.
    static func checkCDSMatchesCDNSKEY(_ view: ServerView, _ domain: Name, scratch: borrowing ValidatorScratch,
                                       report: inout Report) -> Bool {
        if view.cds.isEmpty || view.cdnskey.isEmpty {
            report.say(.warn, "cds-cdnskey", "only \(view.cds.isEmpty ? "CDNSKEY" : "CDS") is published; "
                + "draft-ietf-dnsop-ds-automation-04 §2.1 item 3 recommends both")
            return true
        }
        var problems: [String] = []
        for cds in view.cds {
            var found = false
            var computable = true
            for key in view.cdnskey {
                switch DSCheckRules.dsMatches(cds, key: key, owner: domain, scratch: scratch) {
                case true?: found = true
                case nil: computable = false
                case false?: break
                }
            }
            if !computable { problems.append("\(DSCheckRules.describeDS(cds)): digest type cannot be compared") }
            else if !found { problems.append("\(DSCheckRules.describeDS(cds)) matches no CDNSKEY") }
        }
        for key in view.cdnskey {
            let covered = view.cds.contains { DSCheckRules.dsMatches($0, key: key, owner: domain, scratch: scratch) == true }
            if !covered { problems.append("CDNSKEY \(DSCheckRules.describeKey(key)) has no CDS") }
        }
        guard problems.isEmpty else {
            report.say(.fail, "cds-cdnskey", "CDS and CDNSKEY disagree: " + problems.joined(separator: "; "))
            return false
        }
        report.say(.pass, "cds-cdnskey", "the \(view.cds.count) CDS records and \(view.cdnskey.count) CDNSKEY records designate the same keys")
        return true
    }

    /// draft-ietf-dnsop-ds-automation-04 §2.2.1: at least one DS record with
    /// an algorithm and digest type designated MUST or RECOMMENDED for validation.
    static func checkAlgorithms(_ view: ServerView, report: inout Report) -> Bool {
        var usable: [String] = []
        var other: [String] = []
        for cds in view.cds where cds.count >= 4 {
            let a = DSCheckRules.algorithmStatus(cds[2]), d = DSCheckRules.digestStatus(cds[3])
            let text = "\(DSCheckRules.describeDS(cds)) (algorithm \(a.text), digest \(d.text))"
            if a.isDesignated && d.isDesignated { usable.append(text) } else { other.append(text) }
        }
        for key in view.cdnskey where key.count >= 4 {
            let a = DSCheckRules.algorithmStatus(key[3])
            let text = "CDNSKEY \(DSCheckRules.describeKey(key)) (algorithm \(a.text))"
            if a.isDesignated { usable.append(text) } else { other.append(text) }
        }
        guard !usable.isEmpty else {
            report.say(.fail, "algorithms", "no record has an algorithm and digest designated MUST or RECOMMENDED: "
                + other.joined(separator: "; "))
            return false
        }
        report.say(other.isEmpty ? .pass : .warn, "algorithms", usable.joined(separator: "; ")
            + (other.isEmpty ? "" : "; not designated, ignored: " + other.joined(separator: "; ")))
        return true
    }

    /// The keys of `dnskeys` the request designates with a designated
    /// algorithm and digest: a CDNSKEY equal to the key (RFC 7344 §3.2), or a
    /// CDS whose digest matches it (RFC 4034 §5.1.4).
    static func designatedKeys(_ dnskeys: [[UInt8]], cds: [[UInt8]], cdnskey: [[UInt8]], _ domain: Name,
                               scratch: borrowing ValidatorScratch) -> [[UInt8]] {
        dnskeys.filter { key in
            guard key.count >= 4, DSCheckRules.algorithmStatus(key[3]).isDesignated else { return false }
            if cdnskey.contains(key) { return true }
            return cds.contains { ds in
                ds.count >= 4 && DSCheckRules.digestStatus(ds[3]).isDesignated
                    && DSCheckRules.dsMatches(ds, key: key, owner: domain, scratch: scratch) == true
            }
        }
    }

    /// draft-ietf-dnsop-ds-automation-04 §2.2.1 item 2 (RFC 7344 §4.1,
    /// RFC 6840 §5.11): at every server, a key the new DS set designates
    /// signs the DNSKEY RRset.
    static func checkContinuity(_ views: [ServerView], _ domain: Name, scratch: borrowing ValidatorScratch,
                                report: inout Report) {
        var failures: [String] = []
        var signers: [[UInt8]] = []
        for v in views {
            let keys = designatedKeys(v.dnskey, cds: v.cds, cdnskey: v.cdnskey, domain, scratch: scratch)
            guard !keys.isEmpty else {
                failures.append("\(v.label): no key of its DNSKEY RRset (\(v.dnskey.count) keys) is designated by the CDS/CDNSKEY")
                continue
            }
            var why = "no designated key signs the DNSKEY RRset"
            var ok = false
            for key in keys {
                if let failure = DSCheckRules.verify(v.dnskey, type: .dnskey, owner: domain, signatures: v.dnskeySignatures,
                                                     keys: [key], scratch: scratch) {
                    why = "key \(DSCheckRules.describeKey(key)): \(failure)"
                } else {
                    ok = true
                    if !signers.contains(key) { signers.append(key) }
                    break
                }
            }
            if !ok { failures.append("\(v.label): \(why)") }
        }
        guard failures.isEmpty else {
            report.say(.fail, "continuity", "the resulting DS set would not validate the DNSKEY RRset: "
                + failures.joined(separator: "; "))
            return
        }
        report.say(.pass, "continuity", "the resulting DS set validates the DNSKEY RRset at all \(views.count) servers "
            + "(signed by key \(signers.map { DSCheckRules.describeKey($0) }.joined(separator: ", ")))")
    }

    /// RFC 7344 §4.1: the CDS/CDNSKEY RRsets must validate from the parent's
    /// current DS set, itself validated from the config's trust anchors
    /// (DSCheckChain). No DS at the parent: the request cannot be
    /// authenticated in-band (RFC 9615 bootstrapping is not checked here).
    static func checkAuthenticated(_ views: [ServerView], _ domain: Name, _ delegation: Delegation,
                                   config: SprigConfig, transport: DSCheckTransport,
                                   scratch: borrowing ValidatorScratch, report: inout Report) {
        let currentDS: [[UInt8]]
        let provenance: String
        var status = Status.pass
        switch DSCheckChain.currentDS(domain, delegation, config: config, via: transport, scratch: scratch) {
        case .secure(let ds, let anchorText):
            currentDS = ds
            provenance = "validated from the trust \(anchorText)"
        case .insecure(let why):
            report.say(.warn, "authenticated", "the delegation is insecure: \(why); the request is not authenticated "
                + "in-band (bootstrapping, RFC 9615, is not checked by sprig)")
            return
        case .bogus(let why):
            report.say(.fail, "authenticated", "the chain of trust to the parent's DS does not validate: \(why)")
            return
        case .unchecked(let why):
            // Fall back to the DS as the parent serves it, and say so.
            guard let ds = DSCheckChain.fetch(domain, .ds, from: delegation.parentServers, zone: delegation.parent,
                                              via: transport) else {
                report.say(.fail, "authenticated", "cannot read the current DS RRset from \(delegation.parent.text)")
                return
            }
            guard !ds.rdatas.isEmpty else {
                report.say(.warn, "authenticated", "\(delegation.parent.text) has no DS for \(domain.text): the request is "
                    + "not authenticated in-band (bootstrapping, RFC 9615, is not checked by sprig)")
                return
            }
            currentDS = ds.rdatas
            provenance = "NOT validated: \(why)"
            status = .warn
        }
        var failures: [String] = []
        for v in views {
            let anchors = designatedKeys(v.dnskey, cds: currentDS, cdnskey: [], domain, scratch: scratch)
            let keySigned = anchors.contains { key in
                DSCheckRules.verify(v.dnskey, type: .dnskey, owner: domain, signatures: v.dnskeySignatures,
                                    keys: [key], scratch: scratch) == nil
            }
            guard keySigned else {
                failures.append("\(v.label): no key designated by the current DS signs the DNSKEY RRset")
                continue
            }
            if !v.cds.isEmpty, let f = DSCheckRules.verify(v.cds, type: .cds, owner: domain, signatures: v.cdsSignatures,
                                                           keys: v.dnskey, scratch: scratch) {
                failures.append("\(v.label): CDS: \(f)")
            }
            if !v.cdnskey.isEmpty, let f = DSCheckRules.verify(v.cdnskey, type: .cdnskey, owner: domain,
                                                               signatures: v.cdnskeySignatures, keys: v.dnskey,
                                                               scratch: scratch) {
                failures.append("\(v.label): CDNSKEY: \(f)")
            }
        }
        guard failures.isEmpty else {
            report.say(.fail, "authenticated", "not signed under the current DS (RFC 7344 §4.1): " + failures.joined(separator: "; "))
            return
        }
        report.say(status, "authenticated", "CDS/CDNSKEY are signed by the DNSKEY RRset the parent's current DS "
            + "(\(currentDS.count) records, \(provenance)) secures, at all \(views.count) servers")
    }

    /// The config (defaults when the default file is missing).
    static func loadConfig(_ path: String, required: Bool) -> SprigConfig? {
        let text: [UInt8]
        do throws(Errno) { text = try File.readAll(path, limit: ConfigLimits.maxFileByteCount) } catch {
            if error.kind == .noEntry && !required { return SprigConfig() }
            Output.err("sprig ds-check: \(path): \(error.message)\n")
            return nil
        }
        switch SprigConfig.load(text: text, fileName: path, groupID: { try? Process.lookUpGroup($0) }) {
        case .success(let config): return config
        case .failure(let errors):
            Output.err(errors.text)
            return nil
        }
    }

    /// Root server addresses: `option root_hints`, or the compiled-in table.
    static func rootServers(_ config: SprigConfig) -> [Nameserver]? {
        let table: HintTable
        if let path = config.rootHintsPath?.string {
            guard let text = try? File.readAll(path, limit: HintLimits.tableByteCountMax * 4) else {
                Output.err("sprig ds-check: option root_hints '\(path)' cannot be read\n")
                return nil
            }
            do throws(HintTextError) { table = try RootHints.load(hintsText: text, anchorsText: nil) } catch {
                Output.err("sprig ds-check: \(path): \(error.message)\n")
                return nil
            }
        } else {
            do throws(HintTableError) { table = try RootHints.compiled() } catch {
                Output.err("sprig ds-check: the compiled-in root hints are corrupt\n")
                return nil
            }
        }
        guard table.domainCount > 0 else { return [] }
        let root = table.domain(0)
        var list: [Nameserver] = []
        for i in 0..<root.serverCount {
            let server = root.server(i)
            var addresses: [Address] = []
            for j in 0..<server.addressCount {
                if let a = Address(bytes: server.address(j).bytes, port: 53) { addresses.append(a) }
            }
            list.append(Nameserver(name: server.name, addresses: addresses))
        }
        return list
    }
}
