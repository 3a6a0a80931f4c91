import DNSWire

/// TTLs of synthesised records, with their reasons.
enum LocalTTL {
    /// RFC 6303 §3: the locally served zones' SOA has MINIMUM 10800; the
    /// special-use names never change either.
    static let builtInSeconds: UInt32 = 10_800
    /// The household's names come and go with DHCP leases: a minute, so a
    /// negative answer for a device about to join is not kept for hours.
    static let localDomainSeconds: UInt32 = 60
}

extension LocalData {
    /// Puts the answer to `question`, which `match` found local, into `b`'s
    /// answer and authority sections and returns its RCODE. The caller sets
    /// AA (these zones are ours) and adds the OPT RR. Throws only what the
    /// builder throws (`.noSpace`: the caller sets TC).
    public func write(_ m: LocalMatch, _ question: Question, into b: inout MessageBuilder) throws(BuildError) -> RCode {
        switch m.names {
        case .forward: return try writeHost(m.zone, question, lookup: question.name, into: &b)
        case .bare:
            guard let full = qualified(question.name) else { preconditionFailure("a bare match without local domain") }
            return try writeHost(m.zone, question, lookup: full, into: &b)
        case .reverse(let address): return try writeHostPTR(m.zone, address, question, into: &b)
        case .none: break
        }
        guard let zone = m.zone else { preconditionFailure("a local match without zone or names") }
        switch zone.kind {
        case .invalid:
            // RFC 6761 §6.4: "invalid." and below never exist.
            try addSOA(zone, into: &b)
            return .nxDomain
        case .localhost:
            // RFC 6761 §6.3: loopback addresses for every name at or below
            // localhost., negative answers for other types.
            return try writeLocalhost(zone, question, into: &b)
        case .locallyServed, .localDomain:
            return try writeServedZone(zone, question, into: &b)
        }
    }

    /// A name from a hosts or lease file: its addresses of the type asked,
    /// or NODATA (with the enclosing local zone's SOA, if any).
    func writeHost(_ zone: LocalZoneMatch?, _ q: Question, lookup: Name,
                   into b: inout MessageBuilder) throws(BuildError) -> RCode {
        var answered = false
        var failure: BuildError? = nil
        names.forEachAddress(of: lookup) { address in
            guard failure == nil, q.type == .any || q.type == (address.isIPv6 ? .aaaa : .a) else { return }
            let n = address.write(into: scratch)
            do throws(BuildError) {
                try b.addRecord(.answer, owner: q.name, type: address.isIPv6 ? .aaaa : .a, rrClass: .in,
                                ttlSeconds: LocalTTL.localDomainSeconds, rdata: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                answered = true
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        if !answered, let zone { try addSOA(zone, into: &b) }
        return .noError
    }

    /// The reverse name of an address in the table: PTR to its name.
    func writeHostPTR(_ zone: LocalZoneMatch?, _ address: LocalAddress, _ q: Question,
                      into b: inout MessageBuilder) throws(BuildError) -> RCode {
        guard q.type == .ptr || q.type == .any, let target = names.name(for: address) else {
            if let zone { try addSOA(zone, into: &b) }
            return .noError
        }
        UnsafeMutableRawBufferPointer(rebasing: scratch[0..<target.count]).copyMemory(from: target)
        try b.addRecord(.answer, owner: q.name, type: .ptr, rrClass: .in, ttlSeconds: LocalTTL.localDomainSeconds,
                        rdata: UnsafeRawBufferPointer(rebasing: scratch[0..<target.count]))
        return .noError
    }

    func writeLocalhost(_ m: LocalZoneMatch, _ q: Question, into b: inout MessageBuilder) throws(BuildError) -> RCode {
        var answered = false
        if q.type == .a || q.type == .any {
            try addLoopback(owner: q.name, ipv6: false, into: &b)
            answered = true
        }
        if q.type == .aaaa || q.type == .any {
            try addLoopback(owner: q.name, ipv6: true, into: &b)
            answered = true
        }
        if m.isApex { answered = try writeApex(m, q, into: &b) || answered }
        if !answered { try addSOA(m, into: &b) }   // NODATA (RFC 2308 §2.2)
        return .noError
    }

    /// RFC 6303 §3: SOA and NS at the apex, NODATA for other types there,
    /// NXDOMAIN below it; RFC 2308 §3: the SOA in every negative answer.
    func writeServedZone(_ m: LocalZoneMatch, _ q: Question, into b: inout MessageBuilder) throws(BuildError) -> RCode {
        if q.type == .ptr || q.type == .any, zones.hasLoopbackPTR(q.name) {
            try addName(.answer, owner: q.name, type: .ptr, ttl: LocalTTL.builtInSeconds, zones.localhostName, into: &b)
            return .noError
        }
        if m.isApex {
            if !(try writeApex(m, q, into: &b)) { try addSOA(m, into: &b) }
            return .noError
        }
        if zones.hasLoopbackPTR(q.name) {
            try addSOA(m, into: &b)   // the name exists (it has a PTR): NODATA
            return .noError
        }
        try addSOA(m, into: &b)
        return .nxDomain
    }

    /// The apex's own SOA and NS when asked for; false when neither was.
    func writeApex(_ m: LocalZoneMatch, _ q: Question, into b: inout MessageBuilder) throws(BuildError) -> Bool {
        var answered = false
        if q.type == .soa || q.type == .any {
            try addSOA(m, section: .answer, into: &b)
            answered = true
        }
        if q.type == .ns || q.type == .any {
            try addName(.answer, owner: m.apex, type: .ns, ttl: ttl(m), m.apex, into: &b)
            answered = true
        }
        return answered
    }

    func ttl(_ m: LocalZoneMatch) -> UInt32 {
        m.kind == .localDomain ? LocalTTL.localDomainSeconds : LocalTTL.builtInSeconds
    }

    /// The zone's SOA (RFC 6303 §3: `@ SOA @ nobody.invalid. 1 3600 1200
    /// 604800 10800`; MINIMUM and TTL are the zone's negative TTL).
    func addSOA(_ m: LocalZoneMatch, section: Section = .authority, into b: inout MessageBuilder) throws(BuildError) {
        var n = copyName(m.apex, at: 0)
        n = copyName(zones.nobodyInvalid, at: n)
        let minimum = ttl(m)
        for value in [UInt32(1), 3600, 1200, 604_800, minimum] {
            for shift in [24, 16, 8, 0] { scratch[n] = UInt8(truncatingIfNeeded: value >> UInt32(shift)); n += 1 }
        }
        try b.addRecord(section, owner: m.apex, type: .soa, rrClass: .in, ttlSeconds: minimum,
                        rdata: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
    }

    /// A record whose RDATA is one name (NS, PTR).
    func addName(_ section: Section, owner: Name, type: RRType, ttl: UInt32, _ target: Name,
                 into b: inout MessageBuilder) throws(BuildError) {
        let n = copyName(target, at: 0)
        try b.addRecord(section, owner: owner, type: type, rrClass: .in, ttlSeconds: ttl,
                        rdata: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
    }

    /// Copies `name`'s wire form into the scratch at `offset`; the end.
    func copyName(_ name: Name, at offset: Int) -> Int {
        for i in 0..<name.byteCount { scratch[offset + i] = name[byte: i] }
        return offset + name.byteCount
    }

    /// 127.0.0.1 or ::1 for `owner`.
    func addLoopback(owner: Name, ipv6: Bool, into b: inout MessageBuilder) throws(BuildError) {
        let count = ipv6 ? 16 : 4
        for i in 0..<count { scratch[i] = 0 }
        if ipv6 { scratch[15] = 1 } else { scratch[0] = 127; scratch[3] = 1 }
        try b.addRecord(.answer, owner: owner, type: ipv6 ? .aaaa : .a, rrClass: .in,
                        ttlSeconds: LocalTTL.builtInSeconds, rdata: UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
    }
}
