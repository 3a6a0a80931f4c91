// Named code points: RCODE, OPCODE, EDNS option codes, EDE info-codes.

/// RCODE, 12 bits with EDNS (RFC 6891 §6.1.3): low 4 in the header, high 8 in OPT.
public struct RCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public static let noError = RCode(0)
    public static let formErr = RCode(1)
    public static let servFail = RCode(2)
    public static let nxDomain = RCode(3)
    public static let notImp = RCode(4)
    public static let refused = RCode(5)
    public static let yxDomain = RCode(6)
    public static let yxRRset = RCode(7)
    public static let nxRRset = RCode(8)
    public static let notAuth = RCode(9)
    public static let notZone = RCode(10)
    public static let badVers = RCode(16)   // RFC 6891 §9
    public static let badCookie = RCode(23) // RFC 7873 §8
}

/// OPCODE (RFC 1035 §4.1.1, RFC 6895 §2.2).
public struct Opcode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt8) { self.rawValue = rawValue }
    public static let query = Opcode(0)
    public static let iquery = Opcode(1)
    public static let status = Opcode(2)
    public static let notify = Opcode(4)
    public static let update = Opcode(5)
    public static let dso = Opcode(6)
}

/// EDNS(0) option codes (IANA "DNS EDNS0 Option Codes (OPT)").
public struct EDNSOptionCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public static let clientSubnet = EDNSOptionCode(8)   // RFC 7871
    public static let cookie = EDNSOptionCode(10)        // RFC 7873
    public static let tcpKeepalive = EDNSOptionCode(11)  // RFC 7828
    public static let padding = EDNSOptionCode(12)       // RFC 7830
    public static let extendedError = EDNSOptionCode(15) // RFC 8914
    public static let reportChannel = EDNSOptionCode(18) // RFC 9567
}

/// Extended DNS Error info-codes (RFC 8914 §4 and the IANA registry).
public struct EDECode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public static let other = EDECode(0)
    public static let unsupportedDNSKEYAlgorithm = EDECode(1)
    public static let unsupportedDSDigestType = EDECode(2)
    public static let staleAnswer = EDECode(3)
    public static let forgedAnswer = EDECode(4)
    public static let dnssecIndeterminate = EDECode(5)
    public static let dnssecBogus = EDECode(6)
    public static let signatureExpired = EDECode(7)
    public static let signatureNotYetValid = EDECode(8)
    public static let dnskeyMissing = EDECode(9)
    public static let rrsigsMissing = EDECode(10)
    public static let noZoneKeyBitSet = EDECode(11)
    public static let nsecMissing = EDECode(12)
    public static let cachedError = EDECode(13)
    public static let notReady = EDECode(14)
    public static let blocked = EDECode(15)
    public static let censored = EDECode(16)
    public static let filtered = EDECode(17)
    public static let prohibited = EDECode(18)
    public static let staleNXDomainAnswer = EDECode(19)
    public static let notAuthoritative = EDECode(20)
    public static let notSupported = EDECode(21)
    public static let noReachableAuthority = EDECode(22)
    public static let networkError = EDECode(23)
    public static let invalidData = EDECode(24)
    public static let signatureExpiredBeforeValid = EDECode(25)
    public static let tooEarly = EDECode(26)
    public static let unsupportedNSEC3IterationsValue = EDECode(27)
    public static let unableToConformToPolicy = EDECode(28)
    public static let synthesized = EDECode(29)
    public static let invalidQueryType = EDECode(30)
}

/// SVCB/HTTPS SvcParamKeys (RFC 9460 §14.3.2) and DELEG keys (draft-ietf-deleg).
public struct SVCParamKey: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public static let mandatory = SVCParamKey(0)
    public static let alpn = SVCParamKey(1)
    public static let noDefaultALPN = SVCParamKey(2)
    public static let port = SVCParamKey(3)
    public static let ipv4Hint = SVCParamKey(4)
    public static let ech = SVCParamKey(5)
    public static let ipv6Hint = SVCParamKey(6)
    // DELEG/DELEGPARAM keys share the number space of their own registry.
    public static let serverIPv4 = SVCParamKey(1)
    public static let serverIPv6 = SVCParamKey(2)
    public static let serverName = SVCParamKey(3)
    public static let includeDelegparam = SVCParamKey(4)
}
