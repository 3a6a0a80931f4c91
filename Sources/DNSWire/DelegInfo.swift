// One DELEG or DELEGPARAM record read for resolution: which of its server
// information keys a resolver may use (draft-ietf-deleg-12 §5.1.2 steps
// 1–4, §3.4, §3.5). The wire checks (key order, value lengths, names) are
// SVCParams.validate's; this reads an RDATA that passed them, but stays
// bounded and safe on any bytes.
//
// Owns: the per-record verdict and walking its addresses and names.
// Never: resolves names, follows include-delegparam, or builds SLIST (the
// resolver does, with its own limits).

/// What one DELEG/DELEGPARAM record gives SLIST.
public enum DelegRecordUse: Equatable, Sendable {
    /// server-ipv4 and/or server-ipv6 (§5.1.2 step 5).
    case addresses
    /// server-name: names to resolve like NS targets (step 6).
    case serverNames
    /// include-delegparam: names whose DELEGPARAM RRsets to read (step 7).
    case includes
    /// No supported key left, e.g. an empty DelegInfos or only unknown keys
    /// (steps 1 and 8): the record adds nothing, and is not an error.
    case nothing
    /// The record must not be used (steps 2–4): the reason says why.
    case unusable(DelegUnusableReason)
}

public enum DelegUnusableReason: Equatable, Sendable {
    /// A key listed by "mandatory" is missing or unsupported (§3.5, step 2),
    /// or "mandatory" lists itself (RFC 9460 §8, applied by §3.1).
    case mandatoryKeyMissing
    /// More than one kind of server information (step 3, §3.4).
    case mixedServerKeys
    /// A server-name or include-delegparam name at or under the delegated
    /// name (step 4): it could only be reached with certain cache content.
    case nameInsideDelegation
    /// The RDATA does not parse (it passed no wire check).
    case malformed
}

public enum DelegInfo {
    /// DelegInfoKeys this build understands (§8.2.2 initial contents).
    public static func isSupported(_ key: UInt16) -> Bool { key <= 4 }

    /// The verdict for one record `rdata`; `delegatedName` is the owner of
    /// the original DELEG record, also when `rdata` is a DELEGPARAM it
    /// included (step 4 is checked against it).
    public static func use(of rdata: UnsafeRawBufferPointer, delegatedName: Name) -> DelegRecordUse {
        var present: UInt8 = 0          // bit k: supported key k present
        var mandatory: UnsafeRawBufferPointer?
        var position = 0
        var count = 0
        while position < rdata.count {
            guard position + 4 <= rdata.count, count < Limits.svcParamsMax else { return .unusable(.malformed) }
            count += 1
            let key = loadU16(rdata, position)
            let length = Int(loadU16(rdata, position + 2))
            guard position + 4 + length <= rdata.count else { return .unusable(.malformed) }
            let value = UnsafeRawBufferPointer(rebasing: rdata[(position + 4)..<(position + 4 + length)])
            position += 4 + length
            guard isSupported(key) else { continue }                    // step 1
            guard present & (1 << key) == 0 else { return .unusable(.malformed) }  // duplicate
            present |= 1 << key
            if key == 0 { mandatory = value }
            if key == 3 || key == 4 {
                guard namesStayOutside(value, delegatedName) else {
                    return namesParse(value) ? .unusable(.nameInsideDelegation) : .unusable(.malformed)
                }
            }
        }
        if let mandatory {                                              // step 2
            guard mandatory.count > 0, mandatory.count % 2 == 0 else { return .unusable(.malformed) }
            for i in stride(from: 0, to: mandatory.count, by: 2) {
                let key = loadU16(mandatory, i)
                guard key != 0, isSupported(key), present & (1 << key) != 0 else {
                    return .unusable(.mandatoryKeyMissing)
                }
            }
        }
        let addresses = present & 0b0110 != 0
        let names = present & 0b1000 != 0
        let includes = present & 0b1_0000 != 0
        switch (addresses, names, includes) {                           // step 3
        case (false, false, false): return .nothing
        case (true, false, false): return .addresses
        case (false, true, false): return .serverNames
        case (false, false, true): return .includes
        default: return .unusable(.mixedServerKeys)
        }
    }

    /// Calls `body` with each address value (4 bytes for server-ipv4, 16 for
    /// server-ipv6) of `rdata`, in record order.
    public static func forEachAddress(in rdata: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        forEachValue(in: rdata) { key, value in
            let size = key == 1 ? 4 : key == 2 ? 16 : 0
            guard size > 0, value.count % size == 0 else { return }
            for i in stride(from: 0, to: value.count, by: size) {
                body(UnsafeRawBufferPointer(rebasing: value[i..<(i + size)]))
            }
        }
    }

    /// Calls `body` with each name of the server-name (key 3) or
    /// include-delegparam (key 4) value of `rdata`.
    public static func forEachName(in rdata: UnsafeRawBufferPointer, key: UInt16, _ body: (Name) -> Void) {
        forEachValue(in: rdata) { k, value in
            guard k == key else { return }
            var position = 0
            while position < value.count,
                  let (name, end) = try? Name.read(from: value, at: position, allowCompression: false) {
                body(name)
                position = end
            }
        }
    }

    /// The private-use key (RFC 9460 §14.3.2: 65280–65534, for local
    /// experiments) that this build reads as the parent's transport signal
    /// (seed 004: "leave room for parent-signalled transport"), until the
    /// DELEG work assigns one. Its value is an alpn-id list in RFC 9460
    /// §7.1.1 wire form; the id "dot" (RFC 7858's ALPN) says the record's
    /// servers speak DNS over TLS on port 853. Like any key this build does
    /// not support, it never makes a record usable or unusable by itself
    /// (§5.1.2 step 1); unless listed as mandatory it is ignored by
    /// resolvers that do not know it.
    public static let transportSignalKey: UInt16 = 65280

    /// Whether `rdata` carries the transport signal with the id "dot".
    public static func signalsDoT(_ rdata: UnsafeRawBufferPointer) -> Bool {
        var found = false
        forEachValue(in: rdata) { key, value in
            guard key == transportSignalKey else { return }
            var position = 0
            while position < value.count {
                let length = Int(value[position])
                guard length > 0, position + 1 + length <= value.count else { return }
                if length == 3 && value[position + 1] == 0x64 && value[position + 2] == 0x6F && value[position + 3] == 0x74 {
                    found = true
                }
                position += 1 + length
            }
        }
        return found
    }

    /// (key, value) of each DelegInfo, bounded like `use`.
    static func forEachValue(in rdata: UnsafeRawBufferPointer, _ body: (UInt16, UnsafeRawBufferPointer) -> Void) {
        var position = 0
        var count = 0
        while position + 4 <= rdata.count, count < Limits.svcParamsMax {
            count += 1
            let key = loadU16(rdata, position)
            let length = Int(loadU16(rdata, position + 2))
            guard position + 4 + length <= rdata.count else { return }
            body(key, UnsafeRawBufferPointer(rebasing: rdata[(position + 4)..<(position + 4 + length)]))
            position += 4 + length
        }
    }

    /// True when `value` is one or more uncompressed names, none at or
    /// under `delegated`.
    static func namesStayOutside(_ value: UnsafeRawBufferPointer, _ delegated: Name) -> Bool {
        guard !value.isEmpty else { return false }
        var position = 0
        while position < value.count {
            guard let (name, end) = try? Name.read(from: value, at: position, allowCompression: false),
                  !name.isSubdomain(of: delegated) else { return false }
            position = end
        }
        return true
    }

    static func namesParse(_ value: UnsafeRawBufferPointer) -> Bool {
        var position = 0
        while position < value.count {
            guard let (_, end) = try? Name.read(from: value, at: position, allowCompression: false) else { return false }
            position = end
        }
        return !value.isEmpty
    }
}
