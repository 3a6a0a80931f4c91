// Shared fixtures: zone-file text parsed with DNSWire's TextRecord, packed
// into RDataLists in memory the fixture owns (freed when it goes away).
//
// The signed zones were made with ldns (an independent implementation):
//   ldns-keygen -a ECDSAP256SHA256 [-k] example.
//   ldns-signzone -i 20250101000000 -e 20350101000000 example.zone K…
//   ldns-signzone -n -s aabbccdd -t 0 -p …   (NSEC3, opt-out)
// and checked with ldns-verify-zone; hashes with ldns-nsec3-hash.
import Crypto
import DNSWire
import XCTest
@testable import Validator

final class Fixture {
    private var blocks: [UnsafeMutableRawBufferPointer] = []
    let scratch = ValidatorScratch()

    init() { Signature.startUp() }

    deinit { for block in blocks { block.deallocate() } }

    func record(_ line: String) -> TextRecord {
        do { return try TextRecord(parsing: line) } catch { fatalError("bad fixture line: \(line) \(error)") }
    }

    func name(_ text: String) -> Name {
        do { return try Name(parsing: text) } catch { fatalError("bad fixture name: \(text)") }
    }

    /// Fixture-owned copy of `bytes`.
    func bytes(_ bytes: [UInt8]) -> UnsafeRawBufferPointer {
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        blocks.append(block)
        for i in 0..<bytes.count { block[i] = bytes[i] }
        return UnsafeRawBufferPointer(rebasing: block[0..<bytes.count])
    }

    /// Packs RDATAs verbatim (they must already be canonical).
    func list(_ rdatas: [[UInt8]]) -> RDataList {
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 70_000, alignment: 8)
        blocks.append(block)
        var packer = RDataPacker(buffer: block)
        for rdata in rdatas {
            let result = rdata.withUnsafeBytes { raw in Result { () throws(ValidatorError) in try packer.append(rdata: raw) } }
            if case .failure(let error) = result { fatalError("pack: \(error)") }
        }
        return packer.list
    }

    /// An RRset from zone-file lines of one owner and type.
    func rrset(_ lines: [String], ttlSeconds: UInt32? = nil, owner: String? = nil) -> RRsetView {
        let records = lines.map(record)
        let first = records[0]
        return RRsetView(owner: owner.map(name) ?? first.owner, type: first.type, rrClass: first.rrClass,
                         ttlSeconds: ttlSeconds ?? first.ttlSeconds, rdatas: list(records.map(\.rdata)))
    }

    func rdatas(_ lines: [String]) -> RDataList { list(lines.map { record($0).rdata }) }

    /// NSEC/NSEC3 records as the proofs take them.
    func denial(_ lines: [String]) -> [DenialRecord] {
        lines.map { line in
            let r = record(line)
            return DenialRecord(owner: r.owner, rdata: bytes(r.rdata))
        }
    }
}

/// Unix seconds for the test clocks.
enum Clock {
    static let inception2025: Int64 = 1_735_689_600   // 2025-01-01, RRSIG inception
    static let expiration2035: Int64 = 2_051_222_400  // 2035-01-01, RRSIG expiration
    static let now2026: Int64 = 1_767_225_600         // 2026-01-01
    static let before2024: Int64 = 1_704_067_200      // 2024-01-01
    static let after2036: Int64 = 2_082_758_400       // 2036-01-01
}

/// The ECDSA P-256 signed zone `example.` (NSEC), as signed by ldns.
enum ExampleZone {
    static let zsk = "example. 3600 IN DNSKEY 256 3 13 Zr473lBozOx1acNDFjuRhb973djlqF3vDIoY8wm5MgBhR9hLLiu7+nkVI/cv/aTC+ORFVzxSwo5SY7cBb8AaAw=="
    static let ksk = "example. 3600 IN DNSKEY 257 3 13 8l5KVYQCA+mq3Fcyib2ET0UpO9l+f+2CGLvA7ks1quUxZ9vcRJfx+lc5Fr8DOywq5LsZh6vgr6HJ3ZGZf55yvQ=="
    static let dnskeyRRSIG = "example. 3600 IN RRSIG DNSKEY 13 1 3600 20350101000000 20250101000000 7776 example. ujpEA67bUdb0LQ+omnyG69uz7IxURX1Xlg3aQNeJxUbnxqzHcJjQEdUC2VPFW5xDNC9/48yiJNlQLhrtuH/Ahg=="
    static let ds = "example. 3600 IN DS 7776 13 2 5371b04bc8cc16d4b657ed96e61411bb4e4024648bd904663edaf0506bb63f46"

    static let www = [
        "www.example. 3600 IN A 192.0.2.1",
        "www.example. 3600 IN A 192.0.2.2",
        "www.example. 3600 IN A 192.0.2.10",
    ]
    static let wwwRRSIG = "www.example. 3600 IN RRSIG A 13 2 3600 20350101000000 20250101000000 19547 example. eTiPREAPRD6HUrOSfw7g8+JGnuOSXdwWnfSMt23FYr+jSIXZJSnrYIiLtNKs/z/xncRuSubcLE/BKzjGMJC7tA=="

    static let mx = "mail.example. 3600 IN MX 10 MX1.Example."
    static let mxRRSIG = "mail.example. 3600 IN RRSIG MX 13 2 3600 20350101000000 20250101000000 19547 example. 9hfayu/+zkvGjwbLTClVkwXNs7CyXc8mQczN+OLbdUyHB4MW8zmonmXI4E5vJakJPMir/zrM6oXs69RHyLjuhA=="

    static let wildcardTXT = "*.w.example. 3600 IN TXT \"wild\""
    static let wildcardRRSIG = "*.w.example. 3600 IN RRSIG TXT 13 2 3600 20350101000000 20250101000000 19547 example. rlEhYWn1myC0BXopT9Hl4iBgnvnoeAfEDVvDVz0w4xMnVqJC/WNucFlXEvOiM/83ksbQ1ID7RGARMahkOlo3hQ=="

    static let entA = "a.b.ent.example. 3600 IN A 192.0.2.7"
    static let entRRSIG = "a.b.ent.example. 3600 IN RRSIG A 13 4 3600 20350101000000 20250101000000 19547 example. HIyWB5nJPkIUhh9gUuOptgOIgGY4aWsPiTZObGK5Gau2r6gpnnLM/6g0v55bLlhHiboJ4CFgnQVfopBa4XT6cQ=="

    static let nsecApex = "example. 300 IN NSEC a.b.ent.example. NS SOA RRSIG NSEC DNSKEY"
    static let nsecEnt = "a.b.ent.example. 300 IN NSEC mail.example. A RRSIG NSEC"
    static let nsecMail = "mail.example. 300 IN NSEC ns1.example. MX RRSIG NSEC"
    static let nsecNS1 = "ns1.example. 300 IN NSEC unsigned.example. A RRSIG NSEC"
    static let nsecUnsigned = "unsigned.example. 300 IN NSEC *.w.example. NS RRSIG NSEC"
    static let nsecWildcard = "*.w.example. 300 IN NSEC www.example. TXT RRSIG NSEC"
    static let nsecWWW = "www.example. 300 IN NSEC example. A RRSIG NSEC"
    static let nsecWWWRRSIG = "www.example. 300 IN RRSIG NSEC 13 2 300 20350101000000 20250101000000 19547 example. Z5YHnC9vJjVcpiD4X36LOlV0b+2loOkT1IHL2ZyjrAGpHbqrBSoXycpDdqevtdB7j8+GiMqSyoSqDyYgRiTqug=="
}

/// The same zone signed with NSEC3 (SHA-1, 0 extra iterations, salt
/// aabbccdd, opt-out on every record, as `ldns-signzone -p` does).
/// Hashes: example. dd2if2…, www af0up5…, nope dsieb4…, *.example ljrdka…,
/// unsigned 7dfpto…, ent ub9dk2…, b.ent 9k08jb…, a.b.ent cpe30p…,
/// w m0iisn…, *.w dujunp…, x.w iufv5b…, mail 61b73n…, ns1 fkh14u….
enum ExampleNSEC3 {
    static let records = [
        "61b73n7bkgd7bdac373qse1ora0cl2id.example. 300 IN NSEC3 1 1 0 aabbccdd 7dfpto5kinopc896c6guiurvego89fss MX RRSIG",
        "7dfpto5kinopc896c6guiurvego89fss.example. 300 IN NSEC3 1 1 0 aabbccdd 9k08jbi5bq7k1a8at5rlp38s3bfd6r70 NS",
        "9k08jbi5bq7k1a8at5rlp38s3bfd6r70.example. 300 IN NSEC3 1 1 0 aabbccdd af0up5396mhut4rvp9kh8idjerueellj",
        "af0up5396mhut4rvp9kh8idjerueellj.example. 300 IN NSEC3 1 1 0 aabbccdd cpe30pha8rdgsb1ejucsm30b3ub02b03 A RRSIG",
        "cpe30pha8rdgsb1ejucsm30b3ub02b03.example. 300 IN NSEC3 1 1 0 aabbccdd dd2if2e68kdccf63182ee63stusdmjic A RRSIG",
        "dd2if2e68kdccf63182ee63stusdmjic.example. 300 IN NSEC3 1 1 0 aabbccdd dujunpobnnb8mp7ds3d0e19u0j0o91ad NS SOA RRSIG DNSKEY NSEC3PARAM",
        "dujunpobnnb8mp7ds3d0e19u0j0o91ad.example. 300 IN NSEC3 1 1 0 aabbccdd fkh14uardkqf2jiuko7middutdito689 TXT RRSIG",
        "fkh14uardkqf2jiuko7middutdito689.example. 300 IN NSEC3 1 1 0 aabbccdd m0iisnih0ian1mpoa6n57162p8dhp250 A RRSIG",
        "m0iisnih0ian1mpoa6n57162p8dhp250.example. 300 IN NSEC3 1 1 0 aabbccdd ub9dk2psmn2drbtc6fhgsu30in733tgr",
        "ub9dk2psmn2drbtc6fhgsu30in733tgr.example. 300 IN NSEC3 1 1 0 aabbccdd 61b73n7bkgd7bdac373qse1ora0cl2id",
    ]

    /// The record whose owner hash starts with `prefix`, optionally with
    /// the opt-out flag cleared (flags 0).
    static func record(_ prefix: String, optOut: Bool = true) -> String {
        let line = records.first { $0.hasPrefix(prefix) }!
        return optOut ? line : line.replacingOccurrences(of: "NSEC3 1 1 0", with: "NSEC3 1 0 0")
    }
}

/// Ed25519 (RFC 8080 algorithm 15) and RSA/SHA-256 (RFC 5702 algorithm 8)
/// zones, one key each (KSK signs everything), signed by ldns.
enum OtherAlgorithms {
    static let edKey = "ed.example. 600 IN DNSKEY 257 3 15 tUVsJQWCCV3MGzXVTC8i162v2Qc1BYhyltCnlTS7szA="
    static let edDNSKEYRRSIG = "ed.example. 600 IN RRSIG DNSKEY 15 2 600 20350101000000 20250101000000 4051 ed.example. qxFVLjG6Y5b3XE+PBwkXOUt99NXU4yeoehQSzd8pgOSoQs69hxHoDf+vis9Dlp541bWgYHA5fjZR1FBJ+QD4AQ=="
    static let edA = "www.ed.example. 600 IN A 192.0.2.5"
    static let edARRSIG = "www.ed.example. 600 IN RRSIG A 15 3 600 20350101000000 20250101000000 4051 ed.example. 6azoSf7T1+UTbVPFmtjkPo1gcfL6beFrwHpxRuc8H0eePxvDMU7lB4ls4PjqEgCQJ4iXTvi0wHWJQJXH5A31DA=="
    static let edDS = "ed.example. 600 IN DS 4051 15 2 b2ce029a5f1875bb4843382be75f08cffe4d65850df4a7047c6e7b65fd8c8176"

    static let rsaKey = "rsa.example. 600 IN DNSKEY 257 3 8 AwEAAdgZb5+88I/QWmE6Ya0BMeRKUzATuftMI9yxUcoi63+6spX4TBTxvTSfql0rkzZvpSs/FxMxTqjSccYxkLWNLNkKskFW8eIxCTWdZH5xG+ylZqy+3UHcToYGMVlUDwBQl20n2XyF2r0EBUwZEqO5nc3yL3Znze5rfLEtvXYe/0EIRJevLJegfXKzWjbWc8EBuqfoJ44GAQJKmcGoOcm6NLmqHYDfV/V8w8jq539FfPwcXaiwU7Bmr7elUSG46hpLa/sDrQJy9nknqxc4iYqUv2deoP4xnPEXRwKoYUgpgBRINB2Tft7JTFMj5cp2nUhkOAvbB5nO2PT28FME67jAms0="
    static let rsaDNSKEYRRSIG = "rsa.example. 600 IN RRSIG DNSKEY 8 2 600 20350101000000 20250101000000 2552 rsa.example. Cbi6hGBSSzV7Dy/dVDJWmNytuSqnvEbiSVwBNHVakihQjOjVuZdizy51MB+e5+Y0h14DzuCjJ8hV9f7+R4X7yx+xMdzfjr1X/rS8j/Tt/hzvF5qrkGpTEwfUHki8qeYckZG0gPqiXVzF7BhId9kS2gFcllhBbu2TBFi/uAAabybdoCiQgemeuIvV9mZ9+MbNSn/WP1fzHzrSjtcXTDRJcIgjWqorkOgkRCsoAFGyeLUxm72nNLszhJ/z3c/1XgGdrcMcEZlayD0tR80tX9TSLuP/kzB+4mmURsuEcy2gmkDLD3q5QmxbNPUZ/Xm41q6rEMWSMW0U/184UirmfQ5+fQ=="
    static let rsaA = "www.rsa.example. 600 IN A 192.0.2.6"
    static let rsaARRSIG = "www.rsa.example. 600 IN RRSIG A 8 3 600 20350101000000 20250101000000 2552 rsa.example. rKrmId0YaQAAYkNLs6mIOWPPhyHeaByVa6ZiYRPlVHyH7l3Z948vcJwykDlckI8xJLNCjZuSYki8Rj61bz3R4RxWHtyrZEmKEQGGlJtjDrOBow/0K2dJP45iNDyUdTm0LJJseoOT65JbAgFBBU2z2OIZgBJ0uz6vHlAQy1oDd5doUeqgoXNfQ7LmQZiNA5ZnNNY2SlYHqWbwyGQmeGww9nKhn5ex5T/5nXZz383eOCRXVRYgjtZNsEOa8jc5i1oMF0xIyeX1kK3Fk4ejmLOX1vxfqZtUVUl+reUMBuwHIrE+ZPrsPdiYKk0JKNOWOtT0SUVgTqpOlM6f2HaU/t2USA=="
    static let rsaDS = "rsa.example. 600 IN DS 2552 8 2 bbfc0e01492ed90b3b4fa15db0ac8c1a20cce07009dc4e2c77e84bbe17ebb348"

    /// The root zone's KSK-2017 (key tag 20326), from /usr/share/dns/root.key.
    static let rootKSK2017 = ". 172800 IN DNSKEY 257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU="
    /// KSK-2024 (key tag 38696).
    static let rootKSK2024 = ". 172800 IN DNSKEY 257 3 8 AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpkyGwCJNnOAlFNKF2jBosZBU5eeHspaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApESjbUdpWWmEnhathWu1jo+siFUiRAAxm9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwuMoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBevYtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc="
    /// The root DS for KSK-2017 as IANA publishes it (root-anchors.xml).
    static let rootDS2017 = ". 86400 IN DS 20326 8 2 e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d"
    static let rootDS2024 = ". 86400 IN DS 38696 8 2 683d2d0acb8c9b712a1948b27f741219298d0a450d612c483af444a4c0fb2b16"
}
