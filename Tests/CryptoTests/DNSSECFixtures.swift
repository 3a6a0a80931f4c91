import Foundation
@testable import Crypto

/// Builds DNSSEC wire bytes by hand from presentation-form fields, so the
/// known-answer tests check Crypto against the RFCs' own records rather than
/// against anything Sprig itself produced.
enum Fixture {
    static func base64(_ text: String) -> [UInt8] {
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else { fatalError("bad base64 in fixture: \(text)") }
        return [UInt8](data)
    }

    static func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.filter { !$0.isWhitespace })
        precondition(digits.count % 2 == 0, "odd hex fixture")
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    static func hexString(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// RFC 4648 §7 base32hex, lower case, no padding (NSEC3 owner labels).
    static func base32hex(_ bytes: [UInt8]) -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuv")
        var output = ""
        var buffer = 0
        var bitCount = 0
        for byte in bytes {
            buffer = buffer << 8 | Int(byte)
            bitCount += 8
            while bitCount >= 5 {
                output.append(alphabet[(buffer >> (bitCount - 5)) & 31])
                bitCount -= 5
            }
        }
        if bitCount > 0 { output.append(alphabet[(buffer << (5 - bitCount)) & 31]) }
        return output
    }

    /// Uncompressed wire form of a presentation name, lower-cased (RFC 4034 §6.2).
    static func name(_ text: String) -> [UInt8] {
        var wire: [UInt8] = []
        for label in text.lowercased().split(separator: ".") {
            wire.append(UInt8(label.utf8.count))
            wire.append(contentsOf: label.utf8)
        }
        wire.append(0)
        return wire
    }

    static func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func u32(_ value: Int) -> [UInt8] { u16(value >> 16) + u16(value & 0xFFFF) }

    /// DNSKEY RDATA: flags, protocol 3, algorithm, public key (RFC 4034 §2.1).
    static func dnskeyRDATA(flags: Int, algorithm: UInt8, key: [UInt8]) -> [UInt8] {
        u16(flags) + [3, algorithm] + key
    }

    struct RRSIGFields {
        var typeCovered: Int
        var algorithm: UInt8
        var labels: UInt8
        var originalTTL: Int
        var expiration: Int
        var inception: Int
        var keyTag: Int
        var signer: String
    }

    /// RFC 4034 §3.1.8.1: RRSIG RDATA without the signature, then each RR of
    /// the RRset (already in canonical order) with the RRSIG's original TTL.
    static func signedData(_ rrsig: RRSIGFields, owner: String, type: Int, rdatas: [[UInt8]]) -> [UInt8] {
        var data = u16(rrsig.typeCovered) + [rrsig.algorithm, rrsig.labels] + u32(rrsig.originalTTL)
        data += u32(rrsig.expiration) + u32(rrsig.inception) + u16(rrsig.keyTag) + name(rrsig.signer)
        for rdata in rdatas {
            data += name(owner) + u16(type) + u16(1) + u32(rrsig.originalTTL) + u16(rdata.count) + rdata
        }
        return data
    }

    static let typeA = 1
    static let typeMX = 15

    /// One known signature: DNSKEY public key, RRSIG signature and signed data.
    struct Case {
        let label: String
        let algorithm: UInt8
        let key: [UInt8]
        let signedData: [UInt8]
        let signature: [UInt8]
    }

    /// `www.example.net. 3600 IN A <address>` signed by example.net., the shape of
    /// the RFC 5702 §6 and RFC 6605 §6 examples and of the ldns-signed fixtures.
    static func aRecordCase(_ label: String, algorithm: UInt8, keyTag: Int, address: [UInt8],
                            expiration: Int, inception: Int, key: String, signature: String) -> Case {
        let rrsig = RRSIGFields(typeCovered: typeA, algorithm: algorithm, labels: 3, originalTTL: 3600,
                                expiration: expiration, inception: inception, keyTag: keyTag,
                                signer: "example.net.")
        return Case(label: label, algorithm: algorithm, key: base64(key),
                    signedData: signedData(rrsig, owner: "www.example.net.", type: typeA, rdatas: [address]),
                    signature: base64(signature))
    }
}

/// Calls the public API with arrays.
func verify(_ algorithm: UInt8, key: [UInt8], data: [UInt8], signature: [UInt8]) -> SignatureResult {
    key.withUnsafeBytes { k in
        data.withUnsafeBytes { d in
            signature.withUnsafeBytes { s in
                Signature.verify(algorithm: algorithm, publicKey: k, signedData: d, signature: s)
            }
        }
    }
}

func verify(_ testCase: Fixture.Case) -> SignatureResult {
    verify(testCase.algorithm, key: testCase.key, data: testCase.signedData, signature: testCase.signature)
}
