import XCTest
@testable import Crypto

/// Known answers: the RFCs' own example records, verified through the public API.
final class SignatureKnownAnswerTests: XCTestCase {
    // RFC 8080 §6.1 with Errata ID 4935 (Labels 2; the original text's RRSIGs
    // were computed with Labels 3): example.com. MX 10 mail.example.com.
    static func rfc8080(key: String, keyTag: Int, labels: UInt8, signature: String) -> Fixture.Case {
        let rrsig = Fixture.RRSIGFields(typeCovered: Fixture.typeMX, algorithm: 15, labels: labels,
                                        originalTTL: 3600, expiration: 1_440_021_600, inception: 1_438_207_200,
                                        keyTag: keyTag, signer: "example.com.")
        let mx = Fixture.u16(10) + Fixture.name("mail.example.com.")
        return Fixture.Case(label: "RFC 8080 key \(keyTag) labels \(labels)", algorithm: 15, key: Fixture.base64(key),
                            signedData: Fixture.signedData(rrsig, owner: "example.com.", type: Fixture.typeMX,
                                                           rdatas: [mx]),
                            signature: Fixture.base64(signature))
    }

    static let ed25519Cases = [
        rfc8080(key: "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=", keyTag: 3613, labels: 2, signature: """
            oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeR
            AvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==
            """),
        rfc8080(key: "zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs=", keyTag: 35217, labels: 2, signature: """
            zXQ0bkYgQTEFyfLyi9QoiY6D8ZdYo4wyUhVioYZXFdT410QPRITQSqJSnzQoSm5poJ7gD7AQR0O7KuI5k2pcBg==
            """),
        // The RFC's original text, consistent with itself at Labels 3.
        rfc8080(key: "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=", keyTag: 3613, labels: 3, signature: """
            Edk+IB9KNNWg0HAjm7FazXyrd5m3Rk8zNZbvNpAcM+eysqcUOMIjWoevFkjH5GaMWeG96GUVZu6ECKOQmemHDg==
            """),
    ]

    // RFC 6605 §6.1 and §6.2: www.example.net. A 192.0.2.1.
    static let ecdsaCases = [
        Fixture.aRecordCase(
            "RFC 6605 P-256", algorithm: 13, keyTag: 55648, address: [192, 0, 2, 1],
            expiration: 1_284_026_679, inception: 1_281_607_479,
            key: """
                GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edb
                krSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==
                """,
            signature: """
                qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXA
                yGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw==
                """),
        Fixture.aRecordCase(
            "RFC 6605 P-384", algorithm: 14, keyTag: 10771, address: [192, 0, 2, 1],
            expiration: 1_284_027_625, inception: 1_281_608_425,
            key: """
                xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1
                w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8
                /uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40
                """,
            signature: """
                /L5hDKIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEqOiLP
                95hxQouuroGCeZOvzFaxsT8Glr74hbavRKayJNuydCuz
                WTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm
                """),
    ]

    // RFC 5702 §6.1 (512-bit key, Sprig's minimum) and §6.2 (1024-bit):
    // www.example.net. A 192.0.2.91.
    static let rfc5702SHA256 = Fixture.aRecordCase(
        "RFC 5702 RSA/SHA-256 512-bit", algorithm: 8, keyTag: 9033, address: [192, 0, 2, 91],
        expiration: 1_893_456_000, inception: 946_684_800,
        key: """
            AwEAAcFcGsaxxdgiuuGmCkVI
            my4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8P
            kxUdp6p/DlUmObdk=
            """,
        signature: """
            kRCOH6u7l0QGy9qpC9
            l1sLncJcOKFLJ7GhiUOibu4teYp5VE9RncriShZNz85mwlMgNEa
            cFYK/lPtPiVYP4bwg==
            """)
    static let rfc5702SHA512 = Fixture.aRecordCase(
        "RFC 5702 RSA/SHA-512 1024-bit", algorithm: 10, keyTag: 3740, address: [192, 0, 2, 91],
        expiration: 1_893_456_000, inception: 946_684_800,
        key: """
            AwEAAdHoNTOW+et86KuJOWRD
            p1pndvwb6Y83nSVXXyLA3DLroROUkN6X0O6pnWnjJQujX/AyhqFD
            xj13tOnD9u/1kTg7cV6rklMrZDtJCQ5PCl/D7QNPsgVsMu1J2Q8g
            pMpztNFLpPBz1bWXjDtaR7ZQBlZ3PFY12ZTSncorffcGmhOL
            """,
        signature: """
            tsb4wnjRUDnB1BUi+t
            6TMTXThjVnG+eCkWqjvvjhzQL1d0YRoOe0CbxrVDYd0xDtsuJRa
            eUw1ep94PzEWzr0iGYgZBWm/zpq+9fOuagYJRfDqfReKBzMweOL
            DiNa8iP5g9vMhpuv6OPlvpXwm9Sa9ZXIbNl1MBGk0fthPgxdDLw
            =
            """)

    // Signed here with ldns-signzone (ldnsutils) from keys made by ldns-keygen:
    // algorithms and key sizes the RFC examples do not cover.
    static let ldnsCases = [
        Fixture.aRecordCase(
            "ldns RSASHA1 1024", algorithm: 5, keyTag: 10033, address: [192, 0, 2, 1],
            expiration: 2_082_758_400, inception: 1_767_225_600,
            key: """
                AwEAAeGtBZ/X7L94+l6lpggIgroQuuJE3Pl2GXWqsz3aUvSDq6XciorqCv8xselwvXgsnKVtX3zO
                blMlcYVMGak/Axe6j9VXzYNH24ceD9q9GQsi1HOcDBt+59zfJOw1bbx4j+oCOjh6A1KGqDihgOrM
                9BvjCKIIp3c5YCji368KvMh9
                """,
            signature: """
                Pt8NpuzqanmMROmRkR9QON1Rykm83U+O/O/inWg+K7/KRNhrd3RoDqJuDFhuG+WFBVHO4enMkprD
                BZtk6rLukpCYaMrct2R/M+6MdATvMU8GtGhBYZYHldtPjA/2NJjgnEsCvuPWibdr67rmljctObpb
                QQoqbqXFeyH/NjUMCw8=
                """),
        Fixture.aRecordCase(
            "ldns RSASHA1-NSEC3-SHA1 1024", algorithm: 7, keyTag: 11132, address: [192, 0, 2, 1],
            expiration: 2_082_758_400, inception: 1_767_225_600,
            key: """
                AwEAAbWnbu6Mn72kudEDO1AvFd1AFxuIoXBXyb0FRf7HjInMG5EkNTL/SeGz59rqAKZKJeYjcc0U
                q42aHMY6Vp0ef6ChxMhVpvR102UVdGfhFYQphnmToL6s1eAl/bwSkf/xo8wMqZtzWfGQ/sPqNY1J
                maFTz1Q61+A0PHfTQn5xLkDZ
                """,
            signature: """
                iExeK7ZvQ+957J1UD2XasHoLz65Ixx0XauJT6ezW35e/7j7jAJXoZTzVFytQMg2MhjGhy3Q7I+wR
                DbDgWve1+0VN/N8B79oHLvuG5hu7pRjVbWgzhBHnsVxhpvYZfF43cWb4HydMYidYpsv7EY/ei8xj
                Ix+IPfDfNjCsZctcdTo=
                """),
        Fixture.aRecordCase(
            "ldns RSASHA256 2048", algorithm: 8, keyTag: 34113, address: [192, 0, 2, 1],
            expiration: 2_082_758_400, inception: 1_767_225_600,
            key: """
                AwEAAa4e+PzSh5G58a34LiLf167WBv+Ijznav0fUJxi0pQfb6McfaH2dtSD4B+lO5FEknW0FwZlD
                sMralkPv1YTM6ZZf6yB0ChPfcBylE0vd/l6lu5JOMuRk+h3unD8+5CPslHfVy98eT6mgejwVAPII
                zAlMfIf9QaY0xjmAG2SMLBRDIedkGwFzZN65jBHAgdb6TlGMX3jIaFDWMRFrWLS7wLbY167EBzJF
                VKCO1+WDVOALPPzqj3Ka3IkdSHAcgmlW6Yq8CVF8KwsiadjUeNhbPdfp+XAolvEPceYlNSLTorrS
                U3Cm/j89rGkn5b9fKJaGAqKzHg36F5uv0LIVGLyfSc0=
                """,
            signature: """
                pZKjKRzdUdaAPst0tl2xYXa8YXEYdqcpBc4oIuJ6mFrEcOjs+j/L3Oq1DSBXNTn8SWTDH3gYmWAx
                AkifVlGNRWJLZ8Sp8aFueauAbsRyQJQi4gtLjDLIasMQlQIN7sB51QZSO9z4Pc2v4REtnQllaGhM
                TLZNe/H+O8XBsZ17x1VwSdDIrwPAOf2SChb0qyy16D9+f8cDHhdCbRN5AsjXyb75+fyhk8Z+2hQV
                W7cXyNN1xoueaMdKEdhMb7eTp5Tfk5Vz5kG9eeO1TJUvUa2CrCjnyxeHACyYFtuq+iiznUsFMUYy
                kIHzxRZWslpsuQoz7eRd9VAi2xMouSfgdZetog==
                """),
        Fixture.aRecordCase(
            "ldns RSASHA512 4096", algorithm: 10, keyTag: 35693, address: [192, 0, 2, 1],
            expiration: 2_082_758_400, inception: 1_767_225_600,
            key: """
                AwEAAbMMJ/RNDwlK4GDdO2b49+vuxzFe2TAnVTlcTtl7o/pzygH9ShPRUul3W3kNji3PoGmWb9u5
                TG2II+7uq0/leGGlHsktbyIzYJ87gasJcxX1BjmWnvugqSpkaTinXlYY9naDvCFtVNclIb0t0xm4
                LA889RR6zdH7QCh/JxX+uhUdXGt4ndt9oKmSLAROu/A/PxXBwRJV66fboYf24NDr0TRkgGMTH3sP
                8aYtHuQNTLmvUjYHDdnTGp2LIT+J2z22sif0BCB6wTsczk0bTZjVuMVlgg8NnDq9wj6p1ulf6fsC
                m3PGhnWf9dxHyeA79VGkfSyG6xfDObLg2gYZ0svLP5eGxR+xxoktJRfA8hUeC44iuC/3au+ozWUn
                3eAVNa1zK/kcGhlUKAfXpIFET480d4y7F9ZEb3AuXhHiCfoSyFin59Lm5dsCssmEozL7IaHr4vJC
                e4aLFuU9RH3fagJjxCVKmUmdd8JxpEFADC1/92ViNqHa3a1bQUVmZjtmdtYmUfhTSPmMUiKnZpZx
                0eO/A+iuENQSw7jTDOva/PWp2S7LCu8Lh0OmMg0AZE/QEqEbFF/WxaGLxW5qsGFcZXoLN59g5b5h
                pttfYcx3LQvitMtHpAGiupBgOT/K49Qz+ZpgZrDa6kKAXNgupE0911WrDtpWVQIxP24xk/nbcOkk
                JL4l
                """,
            signature: """
                mLvxSwKixAUeypjLOtgTqN+YFnOcFVmR2jLQA8Zf9F0f9iaJd+xHg0kNE3G9BfHh/MdlUWF1muyy
                8mmXyGyYBu4NJ33YuIebdxKliHWAe6M+lzHXRdTs9gTKBEtc1U8kN85iCUGUSSsntFYMaj7kmb55
                hzKIay9p5z8pwa17YkWyBjrz4b4izs1ZjIDduaC26FWNEwRrM6lEFz/RJbpCXqoc43g+5n9s0FIG
                mXXXA3ghiskj0TBDv7e+pHJGRf56MlucLsCCMawWvXoGnJdwLNiMmCoW7y+W0bs9pnnhBsQEG9op
                w7n7x2bm+ji12tn/wkGS9BdC5p6GzVytmGSoIfmfJQSjg59fT7co5NZSUxny1Ctm8i9mDT01nbfq
                ipACdgjQoekpFM7Ae6uMbDKFXxdG+uqtQUjyfRizTEosXX9I8xGSmlmlBr/HyBunf7swDMH9n9+j
                EJO6NSkafh8HhXj7A0G4zWUWOZ7uwgaj3s60VO95tX0/gFKhfWipxZq62XIwOAMEGpdAj/PxF8sj
                InFM2AnDHaThmC94O96qnsvbXvyswcvkm5DYkBgoDomGgwdSmKkWI6w2oals/c4t/QieLbAAYzaE
                ghQRQ1QzhTh9+5Fin/+SgAxVWf9bk0nNjrXNoJu3FsSpj0JzucXIwLxXB1gXzL06WrxzGQsBYDY=
                """),
    ]

    static var allValidCases: [Fixture.Case] { ed25519Cases + ecdsaCases + [rfc5702SHA512] + ldnsCases }

    func testRFCAndLdnsExamplesVerify() {
        for testCase in Self.allValidCases {
            XCTAssertEqual(verify(testCase), .valid, testCase.label)
        }
    }

    func testRFC5702SHA256KeyOf512BitsIsAccepted() {
        let testCase = Self.rfc5702SHA256
        XCTAssertEqual(verify(testCase), .valid, "RFC 5702 §2.1: 512 bits is CryptoLimits.rsaModulusBitsMin")
        let result = testCase.key.withUnsafeBytes { k in
            testCase.signedData.withUnsafeBytes { d in
                testCase.signature.withUnsafeBytes { s in
                    Signature.verifyRSA(hashKind: 2, k, d, s, modulusBitsMin: 1024)
                }
            }
        }
        XCTAssertEqual(result, .malformedKey, "below a floor of 1024 bits it would be refused")
    }

    func testFlippedSignatureBitIsInvalid() {
        for testCase in Self.allValidCases {
            for bitIndex in [0, testCase.signature.count * 4, testCase.signature.count * 8 - 1] {
                var signature = testCase.signature
                signature[bitIndex / 8] ^= UInt8(1 << (bitIndex % 8))
                XCTAssertEqual(verify(testCase.algorithm, key: testCase.key, data: testCase.signedData,
                                      signature: signature), .invalid, "\(testCase.label) bit \(bitIndex)")
            }
        }
    }

    func testFlippedDataBitIsInvalid() {
        for testCase in Self.allValidCases {
            var data = testCase.signedData
            data[data.count - 1] ^= 0x01   // the last octet of the record's RDATA
            XCTAssertEqual(verify(testCase.algorithm, key: testCase.key, data: data, signature: testCase.signature),
                           .invalid, testCase.label)
        }
    }

    func testSignatureUnderAnotherAlgorithmNumberDoesNotVerify() {
        // The RSA/SHA-1 signature checked as RSA/SHA-256 with the same key.
        let rsaSHA1 = Self.ldnsCases[0]
        XCTAssertEqual(verify(8, key: rsaSHA1.key, data: rsaSHA1.signedData, signature: rsaSHA1.signature), .invalid)
    }
}
