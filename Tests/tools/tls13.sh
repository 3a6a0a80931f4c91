#!/usr/bin/env bash
# `make test-tls13`: Sprig's TLS 1.3 path, which Debian 12's mbedTLS 2.28
# cannot build. Builds mbedTLS 3.6 into out/mbedtls-3.6 (Tests/tools/
# mbedtls3.sh, cached), sprigd and sprig against it in .build-mbedtls3
# (its headers before /usr/include, its archives before /usr/lib), checks
# the binary really is the 3.6 build (its start-up line), then runs the
# DoT integration tests (tests_dot.py) on it: TLS 1.3 to Unbound and NSD
# (OpenSSL), TLS 1.2 still allowed and resumed with a 1.2-only peer, and
# strict failing closed against a 1.2-only peer.
#
#   Tests/tools/tls13.sh [harness arguments, e.g. --filter dot.auth_dot_strict -v]
#   Tests/tools/tls13.sh --build-only    build and check the binary, no tests
#                                        (`make test` builds in a background lane)
set -euo pipefail
BUILD_ONLY=0
if [ "${1:-}" = --build-only ]; then BUILD_ONLY=1; shift; fi

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SWIFT=${SWIFT:-swift}
BUILD=.build-mbedtls3

PREFIX=$(bash Tests/tools/mbedtls3.sh)
"$SWIFT" build --build-path "$BUILD" --product sprigd -Xcc "-I$PREFIX/include" -Xlinker "-L$PREFIX/lib"
"$SWIFT" build --build-path "$BUILD" --product sprig -Xcc "-I$PREFIX/include" -Xlinker "-L$PREFIX/lib"
BIN=$("$SWIFT" build --build-path "$BUILD" --show-bin-path)

# The start-up line names the linked library (Serve.swift, tlsBuildNote):
# a build that picked up Debian's 2.28 headers or archives fails here.
CONF=$(mktemp -d)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$CONF/sprig" <<EOF
config sprig 'main'
	list listen '127.0.0.1:$PORT'
	option mode 'forward'
	option user ''
	option state_dir '$CONF'
	option control_socket '$CONF/sprig.sock'

config upstream
	option address '127.0.0.1'
	option transport 'tls'
	option tls_pin 'sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='
EOF
"$BIN/sprigd" -c "$CONF/sprig" >"$CONF/log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q "TLS: mbedTLS" "$CONF/log" && break; sleep 0.1; done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
line=$(grep -m1 "TLS: mbedTLS" "$CONF/log" || true)
[ -n "$line" ] || { cat "$CONF/log" >&2; rm -rf "$CONF"; echo "tls13: sprigd printed no TLS line" >&2; exit 1; }
rm -rf "$CONF"
echo "tls13: $line"
case "$line" in
    *"mbedTLS 3.6."*"TLS 1.3 and 1.2"*) ;;
    *) echo "tls13: $BIN/sprigd is not the mbedTLS 3.6 build with TLS 1.3" >&2; exit 1 ;;
esac

[ "$BUILD_ONLY" -eq 0 ] || exit 0
exec bash Tests/Integration/run.sh --sprigd "$BIN/sprigd" --sprigd-ready forward,recursive,dnssec \
    --filter dot. "$@"
