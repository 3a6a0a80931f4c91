# The C libraries every router binary links, shared by Board/build.sh and
# Board/preflight.sh. Shell-sourced; defines variables and one function.

# Static libraries from /usr/lib/<multiarch>/ linked into every executable
# (unreferenced members are not pulled in), in link order. nettle + GMP:
# DNSSEC digests, RSA and ECDSA (Sources/CNettle); libsodium: Ed25519;
# mbedTLS: TLS.
STATIC_LIBS=(libhogweed.a libnettle.a libgmp.a libmbedtls.a libmbedx509.a libmbedcrypto.a libsodium.a)
# Architecture-independent headers of those libraries, made visible to the
# cross builds one by one (never the host's whole /usr/include).
SHARED_HEADERS=(mbedtls sodium sodium.h nettle)
# Per-architecture headers, from /usr/include/<multiarch>/ (GMP's limb size).
ARCH_HEADERS=(gmp.h)

# The Debian package (without :arch) that ships static library or header $1.
library_package() {
    case $1 in
        libmbedtls.a|libmbedx509.a|libmbedcrypto.a|mbedtls) echo libmbedtls-dev ;;
        libsodium.a|sodium|sodium.h) echo libsodium-dev ;;
        libhogweed.a|libnettle.a|nettle) echo nettle-dev ;;
        libgmp.a|gmp.h) echo libgmp-dev ;;
        *) echo "the -dev package that ships $1" ;;
    esac
}
