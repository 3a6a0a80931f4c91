#!/usr/bin/env bash
# Builds mbedTLS 3.6 (static archives and headers) into a cache folder, so
# Sprig's TLS 1.3 path can be built and tested on Debian 12, whose own
# libmbedtls-dev is 2.28 (no TLS 1.3). OpenWrt ships mbedTLS 3.x: this is
# the library a router links, built here from Debian's own copy of the
# upstream release (the orig tarball of trixie's source package), pinned
# by name and SHA-256. Nothing is installed outside the cache folder.
#
#   Tests/tools/mbedtls3.sh            prints the prefix (include/, lib/)
#
# Idempotent: a prefix whose stamp names this tarball is reused as it is.
# Environment: OUT (default out). Needs gcc, make, python3, curl, bzip2
# (Tests/tools/deps.sh installs them).
set -euo pipefail

VERSION=3.6.6
TARBALL="mbedtls_${VERSION}.orig.tar.bz2"
SHA256=8fb65fae8dcae5840f793c0a334860a411f884cc537ea290ce1c52bb64ca007a
URL="http://deb.debian.org/debian/pool/main/m/mbedtls/$TARBALL"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT_ROOT=${OUT:-out}
case "$OUT_ROOT" in /*) ;; *) OUT_ROOT="$ROOT/$OUT_ROOT" ;; esac
CACHE="$OUT_ROOT/mbedtls-3.6"
PREFIX="$CACHE/prefix"
STAMP="$PREFIX/.built-from"

die() { echo "mbedtls3: $*" >&2; exit 1; }

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$TARBALL $SHA256" ] \
    && [ -f "$PREFIX/lib/libmbedtls.a" ]; then
    echo "$PREFIX"
    exit 0
fi

mkdir -p "$CACHE"
if ! echo "$SHA256  $CACHE/$TARBALL" | sha256sum -c --status 2>/dev/null; then
    echo "mbedtls3: fetching $TARBALL" >&2
    curl -fsS --retry 2 --max-time 300 -o "$CACHE/$TARBALL.part" "$URL" || die "cannot fetch $URL"
    mv "$CACHE/$TARBALL.part" "$CACHE/$TARBALL"
    echo "$SHA256  $CACHE/$TARBALL" | sha256sum -c --status || die "$TARBALL: SHA-256 differs from the pinned $SHA256"
fi

SRC="$CACHE/src"
rm -rf "$SRC" "$PREFIX"
mkdir -p "$SRC"
tar xjf "$CACHE/$TARBALL" -C "$SRC" --strip-components=1

# The default configuration is what Sprig needs: TLS 1.3 and 1.2, session
# tickets, PSA crypto (TLS 1.3's key schedule; tls_client.c calls
# psa_crypto_init). Checked rather than assumed; nothing is switched.
CONFIG_PY="$SRC/scripts/config.py"
for option in MBEDTLS_SSL_PROTO_TLS1_3 MBEDTLS_SSL_PROTO_TLS1_2 MBEDTLS_SSL_SESSION_TICKETS \
              MBEDTLS_PSA_CRYPTO_C MBEDTLS_SSL_KEEP_PEER_CERTIFICATE MBEDTLS_SSL_CLI_C; do
    python3 "$CONFIG_PY" -f "$SRC/include/mbedtls/mbedtls_config.h" get "$option" >/dev/null \
        || die "$option is off in mbedTLS $VERSION's default config"
done
# Like Debian's 2.28, the allocator is libc's calloc/free (the link wraps
# them into Sprig's TLS arena, CMbedTLS.h); a library built with
# MBEDTLS_PLATFORM_MEMORY takes the same arena through its hooks instead.

echo "mbedtls3: building mbedTLS $VERSION in $SRC" >&2
# -fPIC: the archives go into Swift's position-independent executables.
make -C "$SRC/library" -j"$(nproc)" CC="${CC:-gcc}" CFLAGS="-O2 -fPIC" \
    libmbedcrypto.a libmbedx509.a libmbedtls.a >"$CACHE/build.log" 2>&1 \
    || { tail -30 "$CACHE/build.log" >&2; die "build failed (log: $CACHE/build.log)"; }

mkdir -p "$PREFIX/lib" "$PREFIX/include"
cp "$SRC"/library/libmbedcrypto.a "$SRC"/library/libmbedx509.a "$SRC"/library/libmbedtls.a "$PREFIX/lib/"
cp -R "$SRC/include/mbedtls" "$SRC/include/psa" "$PREFIX/include/"
echo "$TARBALL $SHA256" >"$STAMP"
rm -rf "$SRC"
echo "$PREFIX"
