#!/usr/bin/env bash
# Installs what building, running and testing Sprig need on Debian 12.
# Idempotent: does nothing when every package is already there.
set -euo pipefail

HOST_PKGS="libmbedtls-dev libsodium-dev"
TEST_PKGS="qemu-user-static gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-mipsel-linux-gnu
  dnsutils knot-dnsutils nsd unbound dnsmasq-base dnsperf ldnsutils bind9 bind9-utils iproute2 valgrind
  python3 gcc binutils util-linux libc6-dev perl"
CROSS_ARCHS="arm64 armhf mipsel"
CROSS_PKGS=""
for a in $CROSS_ARCHS; do CROSS_PKGS="$CROSS_PKGS libmbedtls-dev:$a libsodium-dev:$a"; done

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
