// The data an RRSIG signs (RFC 4034 §3.1.8.1), built into ValidatorScratch:
//   RRSIG RDATA without the signature (signer name lowercased)
//   | RR(1) | RR(2) | …   each = owner | type | class | original TTL | RDLENGTH | RDATA
// with owners in canonical form (lowercase, `*.` restored for wildcards, RFC
// 4035 §5.3.2), RRs in canonical order and duplicates removed (RFC 4034 §6.3).
// RDATAs arrive already canonical (RDataPacker lowercases the listed types).
import DNSWire

enum CanonicalRRset {
    /// Sorts the entries of `list` into `scratch.order` in canonical RDATA
    /// order without duplicates; returns how many remain. Insertion sort over
    /// ≤ rrsetRecordCountMax entries: bounded and allocation-free.
    static func sortUnique(_ list: RDataList, scratch: borrowing ValidatorScratch) -> Int {
        let order = scratch.order
        var count = 0
        for item in list {
            guard count < order.count else { break }  // RDataList caps the count already
            var position = count
            var duplicate = false
            while position > 0 {
                let comparison = compareBytes(list.rdata(at: Int(order[position - 1])), item.rdata)
                if comparison == 0 { duplicate = true; break }
                if comparison < 0 { break }
                position -= 1
            }
            if duplicate { continue }
            var shift = count
            while shift > position { order[shift] = order[shift - 1]; shift -= 1 }
            order[position] = Int32(item.entryOffset)
            count += 1
        }
        return count
    }

    /// Writes the signed data for `rrsig` over `rrset` with owner `signedOwner`;
    /// returns its byte count, or nil if it does not fit the scratch buffer.
    static func signedData(rrsig: RRSIGView, rrset: RRsetView, signedOwner: Name,
                           scratch: borrowing ValidatorScratch) -> Int? {
        var writer = ScratchWriter(buffer: scratch.signedData)
        guard writer.copy(UnsafeRawBufferPointer(rebasing: rrsig.rdata[0..<RRSIGView.fixedByteCount])),
              writer.lowercased(rrsig.signer) else { return nil }
        let count = sortUnique(rrset.rdatas, scratch: scratch)
        for index in 0..<count {
            let rdata = rrset.rdatas.rdata(at: Int(scratch.order[index]))
            guard writer.lowercased(signedOwner),
                  writer.u16(rrset.type.rawValue), writer.u16(rrset.rrClass.rawValue),
                  writer.u32(rrsig.originalTTLSeconds), writer.u16(UInt16(rdata.count)),
                  writer.copy(rdata) else { return nil }
        }
        return writer.count
    }

    /// The owner the RRSIG signed (RFC 4035 §5.3.2): the owner itself, or
    /// `*.` + its rightmost `labels` labels when it came from a wildcard.
    /// Nil when the labels field exceeds the owner's label count (bogus).
    static func signedOwner(owner: Name, labels: Int) -> (name: Name, isWildcardExpansion: Bool)? {
        let ownerLabels = owner.labelCount - (isWildcard(owner) ? 1 : 0)
        if labels == ownerLabels { return (owner, false) }
        guard labels < ownerLabels else { return nil }
        let encloser = owner.suffix(labelCount: labels)
        let asterisk: UInt8 = 0x2A
        let wildcard = withUnsafeBytes(of: asterisk) { label in try? encloser.prepending(label: label) }
        guard let wildcard else { return nil }
        return (wildcard, true)
    }

    /// True if the leftmost label is exactly `*` (RFC 4592 §2.1.1).
    static func isWildcard(_ name: Name) -> Bool {
        name.byteCount >= 3 && name[byte: 0] == 1 && name[byte: 1] == 0x2A
    }
}

/// Appends to a fixed buffer; every write reports whether it fit.
struct ScratchWriter {
    let buffer: UnsafeMutableRawBufferPointer
    var count = 0

    init(buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    mutating func copy(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard count + bytes.count <= buffer.count else { return false }
        for i in 0..<bytes.count { buffer[count + i] = bytes[i] }
        count += bytes.count
        return true
    }

    mutating func lowercased(_ name: Name) -> Bool {
        guard count + name.byteCount <= buffer.count else { return false }
        for i in 0..<name.byteCount { buffer[count + i] = lowerASCII(name[byte: i]) }
        count += name.byteCount
        return true
    }

    mutating func u16(_ value: UInt16) -> Bool {
        guard count + 2 <= buffer.count else { return false }
        buffer[count] = UInt8(truncatingIfNeeded: value >> 8)
        buffer[count + 1] = UInt8(truncatingIfNeeded: value)
        count += 2
        return true
    }

    mutating func u32(_ value: UInt32) -> Bool {
        u16(UInt16(truncatingIfNeeded: value >> 16)) && u16(UInt16(truncatingIfNeeded: value))
    }
}
