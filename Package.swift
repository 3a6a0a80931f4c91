// swift-tools-version:6.1
// Sprig: a static-memory validating DNS resolver for home routers.
// Dependency direction is top to bottom only (see ../shared/DESIGN.md §3):
//   sprigd, sprig → Server → Resolver → Config, Crypto, Platform, DNSWire → C modules.
// Server and Resolver read the typed config (`ServerLimits(config:)`,
// `EngineSettings(config:)`); Config itself stands on DNSWire's types.
// Server → Resolver, Transport; Transport never imports Resolver.
// Fixed (the arena every pool is carved from, slot pools, timer heaps) is
// imported by every module that reserves memory; it imports nothing.
import PackageDescription

/// Release builds skip Swift's dynamic exclusivity checks: the engine and
/// server are single-threaded, and the checks cost ~10% of a cache hit.
let releaseSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Sprig",
    products: [
        .executable(name: "sprigd", targets: ["sprigd"]),
        .executable(name: "sprig", targets: ["sprig"]),
    ],
    targets: [
        // C shim compiled by each board's own C compiler: libc constants,
        // struct layouts and syscalls stay on the C side.
        .target(name: "CPlatform", path: "Sources/CPlatform"),
        // DNSSEC digests, RSA and ECDSA on nettle + GMP, and the fixed arena GMP
        // allocates from (Sources/CNettle/include/CNettle.h).
        .target(name: "CNettle", path: "Sources/CNettle",
                linkerSettings: [.linkedLibrary("hogweed"), .linkedLibrary("nettle"), .linkedLibrary("gmp")]),
        // mbedTLS: the TLS client (DESIGN.md); no DNSSEC code uses it. Linked
        // from the static archives with calloc/free wrapped, so every
        // mbedTLS allocation lands in Sprig's fixed TLS arena
        // (Sources/CMbedTLS/include/CMbedTLS.h); Board/build.sh does the same.
        .target(name: "CMbedTLS", path: "Sources/CMbedTLS",
                linkerSettings: [.unsafeFlags(["-Xlinker", "--wrap=calloc", "-Xlinker", "--wrap=free",
                                               "-Xlinker", "-l:libmbedtls.a", "-Xlinker", "-l:libmbedx509.a",
                                               "-Xlinker", "-l:libmbedcrypto.a"])]),
        .systemLibrary(name: "CSodium", path: "Sources/CSodium"),
        .target(name: "Platform", dependencies: ["CPlatform"]),
        .target(name: "DNSWire", swiftSettings: releaseSettings),
        .target(name: "Config", dependencies: ["DNSWire"]),
        .target(name: "Crypto", dependencies: ["CNettle", "CSodium"]),
        .target(name: "Validator", dependencies: ["DNSWire", "Crypto", "Cache", "Fixed"]),
        .target(name: "Fixed", swiftSettings: releaseSettings),
        .target(name: "Hints", dependencies: ["DNSWire"]),
        .target(name: "Cache", dependencies: ["Fixed"], swiftSettings: releaseSettings),
        // Names answered without asking anyone (RFC 6761, RFC 6303, the local domain).
        .target(name: "LocalData", dependencies: ["DNSWire", "Fixed"]),
        .target(name: "Resolver", dependencies: ["Fixed", "DNSWire", "Cache", "Validator", "Config", "Crypto", "Hints", "LocalData"], swiftSettings: releaseSettings),
        .target(name: "Transport", dependencies: ["Platform", "Fixed", "CMbedTLS"], swiftSettings: releaseSettings),
        .target(name: "Server", dependencies: ["Platform", "DNSWire", "Fixed", "Cache", "LocalData", "Resolver", "Validator", "Config", "Transport", "Crypto"], swiftSettings: releaseSettings),
        .executableTarget(
            name: "sprigd",
            dependencies: ["Platform", "DNSWire", "Config", "Cache", "Crypto", "Fixed", "Resolver", "Server", "Hints", "Validator"]),
        .executableTarget(
            name: "sprig",
            dependencies: ["Platform", "DNSWire", "Config", "Hints", "Crypto", "Validator", "Fixed", "Transport", "CMbedTLS"]),

        .testTarget(name: "DNSWireTests", dependencies: ["DNSWire"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "DNSWire"], exclude: ["broken"]),
        .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"]),
        .testTarget(name: "ValidatorTests", dependencies: ["Validator", "DNSWire", "Crypto", "Cache", "Fixed"]),
        .testTarget(name: "FixedTests", dependencies: ["Fixed"]),
        .testTarget(name: "HintsTests", dependencies: ["Hints", "DNSWire"]),
        .testTarget(name: "CacheTests", dependencies: ["Cache", "Fixed"]),
        .testTarget(name: "LocalDataTests", dependencies: ["LocalData", "DNSWire", "Fixed"]),
        .testTarget(name: "ResolverTests", dependencies: ["Resolver", "LocalData", "Validator", "DNSWire", "Cache", "CSodium", "Fixed", "Crypto", "Hints"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "Platform", "Fixed"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "LocalData", "Platform", "Config", "Resolver", "Validator", "Transport", "Cache", "DNSWire", "Fixed", "Crypto"]),
    ]
)
