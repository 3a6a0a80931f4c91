#!/usr/bin/env bash
# Smoke test of a board's cross-built binaries under qemu-user (natively for
# the host board): sprigd starts with a loopback-only config, logs
# "started", optionally answers one query, and exits 0 on SIGTERM; and
# `sprig --help` exits 0. Build first with Board/build.sh BOARD.
#
#   Board/qemu-smoke.sh BOARD
#
# Environment: OUT (default out); SMOKE_QUERY=1 also sends one dig query and
# requires a DNS reply (off until sprigd answers queries).
set -euo pipefail

STARTUP_TIMEOUT_SECONDS=20   # qemu start-up of a static binary on a busy 2-core CI box
STOP_TIMEOUT_SECONDS=5       # SIGTERM to exit: the event loop wakes at least every second
SMOKE_QUERY=${SMOKE_QUERY:-0}

die() { echo "qemu-smoke: FAIL: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: Board/qemu-smoke.sh BOARD"
BOARD=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONF="$ROOT/Board/$BOARD.conf"
[ -f "$CONF" ] || die "no board file $CONF"
# shellcheck source=/dev/null
. "$CONF"
OUT_ROOT=${OUT:-out}
case "$OUT_ROOT" in /*) ;; *) OUT_ROOT="$ROOT/$OUT_ROOT" ;; esac
BIN="$OUT_ROOT/$BOARD"
for exe in sprigd sprig; do
    [ -x "$BIN/$exe" ] || die "$BIN/$exe missing: run 'make board BOARD=$BOARD' first"
done
RUN=()
if [ -n "$QEMU" ]; then
    command -v "$QEMU" >/dev/null || die "$QEMU not found (run Tests/tools/deps.sh --all)"
    RUN=("$QEMU")
fi

TMP=$(mktemp -d)
DAEMON_PID=""
UPSTREAM_PID=""
cleanup() {
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
    fi
    if [ -n "$UPSTREAM_PID" ]; then kill -TERM "$UPSTREAM_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# A loopback UDP+TCP port nobody listens on (bounded tries).
free_port() {
    local port try
    for try in $(seq 1 50); do
        port=$(( 20000 + RANDOM % 40000 ))
        if ! ss -Htuln 2>/dev/null | awk '{print $5}' | grep -q ":$port\$"; then
            echo "$port"; return 0
        fi
    done
    return 1
}
PORT=$(free_port) || die "no free loopback port found"
UPSTREAM_PORT=$(free_port) || die "no free loopback port found"

# The upstream: a dnsmasq on loopback that answers one test name itself
# (no traffic leaves the machine). Without dnsmasq the query check is off.
if [ "$SMOKE_QUERY" = 1 ]; then
    command -v dnsmasq >/dev/null || PATH="$PATH:/usr/sbin:/sbin"
    command -v dnsmasq >/dev/null || die "SMOKE_QUERY=1 needs dnsmasq (dnsmasq-base)"
    dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
        --listen-address=127.0.0.1 --port="$UPSTREAM_PORT" --user="$(id -un)" --group="$(id -gn)" \
        --pid-file="$TMP/dnsmasq.pid" --local-ttl=300 --address=/smoke.sprig.test/192.0.2.53 \
        > "$TMP/dnsmasq.log" 2>&1 &
    UPSTREAM_PID=$!
fi

cat > "$TMP/sprig.cfg" <<EOF
# qemu-smoke config: loopback only, no privilege drop (runs as the caller);
# the upstream is the dnsmasq above (or a silent loopback port). Forward
# mode queries an upstream on loopback whatever query_loopback says (that
# option only guards recursive mode's authoritative servers), so it is unset.
config sprig 'main'
	list listen '127.0.0.1:$PORT'
	option user ''
	option mode 'forward'
	# dnsmasq's local name is unsigned and it has no root keys to pass on.
	option dnssec '0'

config upstream 'smoke'
	option address '127.0.0.1'
	option port '$UPSTREAM_PORT'
EOF

echo "qemu-smoke $BOARD: ${RUN[*]:-native} $BIN/sprigd -c <cfg> (127.0.0.1:$PORT)"

# 1. sprig --help exits 0 and prints its usage.
"${RUN[@]}" "$BIN/sprig" --help > "$TMP/help.out" 2>&1 || die "sprig --help exited $?: $(cat "$TMP/help.out")"
grep -q usage "$TMP/help.out" || die "sprig --help printed no usage: $(cat "$TMP/help.out")"
echo "  ok: sprig --help"

# 2. sprigd starts and logs "started" on stderr.
: > "$TMP/stderr"
"${RUN[@]}" "$BIN/sprigd" -c "$TMP/sprig.cfg" > "$TMP/stdout" 2> "$TMP/stderr" &
DAEMON_PID=$!
deadline=$(( SECONDS + STARTUP_TIMEOUT_SECONDS ))
until grep -qs started "$TMP/stderr"; do
    if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
        wait "$DAEMON_PID" && rc=0 || rc=$?
        DAEMON_PID=""
        die "sprigd exited ($rc) before logging 'started'; stderr: $(cat "$TMP/stderr")"
    fi
    [ $SECONDS -lt $deadline ] || die "sprigd did not log 'started' within ${STARTUP_TIMEOUT_SECONDS}s; stderr: $(cat "$TMP/stderr")"
    sleep 0.2
done
echo "  ok: sprigd started"

# 3. One query answered through the cross-built daemon: the upstream's
#    address, over UDP and then over TCP (from the cache).
if [ "$SMOKE_QUERY" = 1 ]; then
    for transport in +notcp +tcp; do
        dig @127.0.0.1 -p "$PORT" www.smoke.sprig.test A +time=5 +tries=2 $transport > "$TMP/dig.out" 2>&1 || true
        grep -q 'status: NOERROR' "$TMP/dig.out" && grep -q '192\.0\.2\.53' "$TMP/dig.out" \
            || die "no answer from sprigd ($transport): $(cat "$TMP/dig.out"); stderr: $(cat "$TMP/stderr")"
    done
    echo "  ok: www.smoke.sprig.test answered over UDP and TCP"
fi

# 4. SIGTERM: clean exit with status 0 within the stop timeout.
kill -TERM "$DAEMON_PID"
deadline=$(( SECONDS + STOP_TIMEOUT_SECONDS ))
while kill -0 "$DAEMON_PID" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || die "sprigd still running ${STOP_TIMEOUT_SECONDS}s after SIGTERM"
    sleep 0.2
done
wait "$DAEMON_PID" && rc=0 || rc=$?
DAEMON_PID=""
[ "$rc" -eq 0 ] || die "sprigd exited with status $rc on SIGTERM; stderr: $(cat "$TMP/stderr")"
echo "  ok: sprigd exited 0 on SIGTERM"
echo "qemu-smoke $BOARD: passed"
