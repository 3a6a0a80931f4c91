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
cleanup() {
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
    fi
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

cat > "$TMP/sprig.cfg" <<EOF
# qemu-smoke config: loopback only, no privilege drop (runs as the caller);
# the upstream is a loopback port nobody answers on (no traffic leaves).
config sprig 'main'
	list listen '127.0.0.1:$PORT'
	option user ''
	option mode 'forward'

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

# 3. (hook) one query answered with a DNS header.
if [ "$SMOKE_QUERY" = 1 ]; then
    dig @127.0.0.1 -p "$PORT" example.org +time=2 +tries=1 > "$TMP/dig.out" 2>&1 || true
    grep -q -- '->>HEADER<<-' "$TMP/dig.out" || die "no DNS reply from sprigd: $(cat "$TMP/dig.out")"
    echo "  ok: query answered ($(grep -o 'status: [A-Z]*' "$TMP/dig.out"))"
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
