#!/usr/bin/env bash
# Installs what building, running and testing Sprig need on Debian 12.
# Idempotent: does nothing when every package is already there.
set -euo pipefail

# Every package a stage of `make run`, `make test`, `make bench` or
# `make demo` uses. apt runs with --no-install-recommends, so a package that
# another one only *recommends* must be named here: the cross compilers
# recommend, and do not depend on, their C library (libc6-dev-*-cross).
# Board/preflight.sh names the package when a board's toolchain lacks one.
# curl, bzip2, make: `make test-tls13` fetches and builds mbedTLS 3.6
# (Tests/tools/mbedtls3.sh; Debian 12's libmbedtls-dev is 2.28, no TLS 1.3).
HOST_PKGS="libmbedtls-dev libsodium-dev nettle-dev libgmp-dev"
CROSS_TOOLCHAIN_PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
  gcc-mipsel-linux-gnu libc6-dev-mipsel-cross"
# `make bench` only: the resolvers Sprig is compared with that no test uses
# (PowerDNS Recursor: DoT to authoritative servers, cold_auth_dot).
BENCH_PKGS="pdns-recursor"
TEST_PKGS="qemu-user-static $CROSS_TOOLCHAIN_PKGS
  dnsutils knot-dnsutils nsd unbound dnsmasq-base dnsperf ldnsutils bind9 bind9-utils iproute2 valgrind shellcheck openssl
  python3 gcc binutils util-linux libc6-dev perl faketime libfaketime
  curl bzip2 make
  $BENCH_PKGS"
CROSS_ARCHS="arm64 armhf mipsel"
CROSS_PKGS=""
for a in $CROSS_ARCHS; do CROSS_PKGS="$CROSS_PKGS libmbedtls-dev:$a libsodium-dev:$a nettle-dev:$a libgmp-dev:$a"; done

want="$HOST_PKGS"
[ "${1:-}" = "--all" ] && want="$HOST_PKGS $TEST_PKGS $CROSS_PKGS"

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
for a in $CROSS_ARCHS; do
  dpkg --print-foreign-architectures | grep -qx "$a" || $SUDO dpkg --add-architecture "$a"
done
# A mirror mid-sync can fail one index; the install below still works
# from the others, so do not stop on a partial update.
$SUDO apt-get update -qq || echo "deps: apt-get update reported errors; continuing"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
