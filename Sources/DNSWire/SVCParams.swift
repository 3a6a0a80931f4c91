// SvcParams of SVCB/HTTPS (RFC 9460 §2.2) and the key/values of DELEG and
// DELEGPARAM (draft-ietf-deleg): a sequence of (key u16, length u16, value)
// in strictly increasing key order.

public enum SVCParams {
    /// Checks order, lengths, the count limit and the value format of the
    /// keys defined for SVCB (`deleg == false`) or DELEG (`deleg == true`).
    @inlinable
    public static func validate(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int,
                                deleg: Bool) throws(WireError) {
        var position = start
        var previousKey = -1
        var count = 0
        while position < end {
            guard position + 4 <= end else { throw .badSVCParams }
            let key = Int(loadU16(bytes, position))
            let length = Int(loadU16(bytes, position + 2))
            let valueStart = position + 4
            guard key > previousKey, valueStart + length <= end else { throw .badSVCParams }
            count += 1
            guard count <= Limits.svcParamsMax else { throw .badSVCParams }
            let ok = deleg
                ? delegValueIsValid(key, bytes, valueStart, length)
                : svcbValueIsValid(key, bytes, valueStart, length)
            guard ok else { throw .badSVCParams }
            previousKey = key
            position = valueStart + length
        }
    }

    @inlinable
    static func svcbValueIsValid(_ key: Int, _ bytes: UnsafeRawBufferPointer, _ start: Int, _ length: Int) -> Bool {
        switch SVCParamKey(UInt16(key)) {
        case .mandatory: return length > 0 && length % 2 == 0
        case .alpn: return length > 0 && stringsAreValid(bytes, start, start + length)
        case .noDefaultALPN: return length == 0
        case .port: return length == 2
        case .ipv4Hint: return length > 0 && length % 4 == 0
        case .ipv6Hint: return length > 0 && length % 16 == 0
        default: return true  // ech and unknown keys: opaque
        }
    }

    @inlinable
    static func delegValueIsValid(_ key: Int, _ bytes: UnsafeRawBufferPointer, _ start: Int, _ length: Int) -> Bool {
        switch key {
        case 0: return length > 0 && length % 2 == 0             // mandatory
        case 1: return length > 0 && length % 4 == 0             // server-ipv4
        case 2: return length > 0 && length % 16 == 0            // server-ipv6
        case 3, 4: return length > 0 && namesAreValid(bytes, start, start + length)
        default: return true
        }
    }

    /// A DELEG value given in the generic keyNNNNN form, checked as on the wire.
    static func delegRawValueIsValid(_ key: UInt16, _ value: [UInt8]) -> Bool {
        value.withUnsafeBytes { delegValueIsValid(Int(key), $0, 0, value.count) }
    }

    /// Non-empty length-prefixed strings filling the range exactly (alpn).
    @inlinable
    static func stringsAreValid(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        var position = start
        while position < end {
            let length = Int(bytes[position])
            guard length > 0 else { return false }
            position += 1 + length
        }
        return position == end
    }

    /// Uncompressed wire names filling the range exactly (server-name).
    @inlinable
    static func namesAreValid(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        var position = 0
        while position < slice.count {
            guard let next = try? Name.skip(in: slice, at: position, allowCompression: false) else {
                return false
            }
            position = next
        }
        return true
    }
}
