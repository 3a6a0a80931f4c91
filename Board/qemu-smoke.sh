#!/usr/bin/env bash
# Smoke test of a board's cross-built binaries under qemu-user (natively for
# the host board): sprigd starts with a loopback-only config, logs
# "started", optionally answers one query, and exits 0 on SIGTERM; and
# `sprig --help` exits 0. Build first with Board/build.sh BOARD.
#
#   Board/qemu-smoke.sh BOARD
#
# Environment: OUT (default out); SMOKE_QUERY=1 also sends one dig query and
# requires a DNS reply (off until sprigd answers queries), and then checks
# DNSSEC validation on the board: a second sprigd (dnssec 1) must answer a
# name in each of four zones an NSD on loopback serves, signed with
# algorithms 8, 13, 14 and 15 (ldns-keygen/ldns-signzone), with AD set.
set -euo pipefail

STARTUP_TIMEOUT_SECONDS=20   # qemu start-up of a static binary on a busy 2-core CI box
STOP_TIMEOUT_SECONDS=5       # SIGTERM to exit: the event loop wakes at least every second
NSD_START_TIMEOUT_SECONDS=10 # NSD loading four small zones
# The validated-answer check: one zone per DNSSEC algorithm sprigd verifies
# (RSA and ECDSA on nettle, Ed25519 on libsodium).
SIGNED_ALGORITHMS="8:RSASHA256 13:ECDSAP256SHA256 14:ECDSAP384SHA384 15:ED25519"
SIGNATURE_VALIDITY_SECONDS=86400   # the zones live as long as the test
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
NSD_PID=""
cleanup() {
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
    fi
    if [ -n "$UPSTREAM_PID" ]; then kill -TERM "$UPSTREAM_PID" 2>/dev/null || true; fi
    if [ -n "$NSD_PID" ]; then   # NSD writes its files until it has exited
        kill -TERM "$NSD_PID" 2>/dev/null || true
        wait "$NSD_PID" 2>/dev/null || true
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

# start_daemon CONFIG: sprigd (under qemu) until it logs "started" on stderr.
start_daemon() {
    : > "$TMP/stderr"
    "${RUN[@]}" "$BIN/sprigd" -c "$1" > "$TMP/stdout" 2> "$TMP/stderr" &
    DAEMON_PID=$!
    local deadline=$(( SECONDS + STARTUP_TIMEOUT_SECONDS )) rc
    until grep -qs started "$TMP/stderr"; do
        if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
            wait "$DAEMON_PID" && rc=0 || rc=$?
            DAEMON_PID=""
            die "sprigd exited ($rc) before logging 'started'; stderr: $(cat "$TMP/stderr")"
        fi
        [ $SECONDS -lt $deadline ] || die "sprigd did not log 'started' within ${STARTUP_TIMEOUT_SECONDS}s; stderr: $(cat "$TMP/stderr")"
        sleep 0.2
    done
}

# stop_daemon: SIGTERM, then a clean exit with status 0 within the stop timeout.
stop_daemon() {
    kill -TERM "$DAEMON_PID"
    local deadline=$(( SECONDS + STOP_TIMEOUT_SECONDS )) rc
    while kill -0 "$DAEMON_PID" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || die "sprigd still running ${STOP_TIMEOUT_SECONDS}s after SIGTERM"
        sleep 0.2
    done
    wait "$DAEMON_PID" && rc=0 || rc=$?
    DAEMON_PID=""
    [ "$rc" -eq 0 ] || die "sprigd exited with status $rc on SIGTERM; stderr: $(cat "$TMP/stderr")"
}

# 2. sprigd starts and logs "started" on stderr.
start_daemon "$TMP/sprig.cfg"
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
stop_daemon
echo "  ok: sprigd exited 0 on SIGTERM"

# sign_zones: one zone per SIGNED_ALGORITHMS entry under $TMP/zones; sets
# ANCHORS (config lines), NSD_ZONES (nsd.conf lines) and NAMES (one per zone).
sign_zones() {
    local now entry algorithm mnemonic zone file key owner tag ds_algorithm digest_type digest bits
    now=$(date +%s)
    ANCHORS="" NSD_ZONES="" NAMES=""
    mkdir -p "$TMP/zones"
    for entry in $SIGNED_ALGORITHMS; do
        algorithm=${entry%%:*} mnemonic=${entry#*:}
        zone="a$algorithm.smoke.sprig.test."
        file="$TMP/zones/a$algorithm.zone"
        printf '$ORIGIN %s\n$TTL 300\n@ IN SOA ns hostmaster 1 3600 900 604800 300\n@ IN NS ns\nns IN A 127.0.0.1\nwww IN A 192.0.2.%s\n' \
            "$zone" "$algorithm" > "$file"
        bits=()
        [ "$algorithm" = 8 ] && bits=(-b 2048)
        key=$(cd "$TMP/zones" && ldns-keygen -a "$mnemonic" -k "${bits[@]}" "$zone") || die "ldns-keygen failed for $zone"
        ldns-signzone -f "$file.signed" -o "$zone" -i $(( now - 3600 )) -e $(( now + SIGNATURE_VALIDITY_SECONDS )) \
            "$file" "$TMP/zones/$key" || die "ldns-signzone failed for $zone"
        # ldns-key2ds prints "owner ttl IN DS tag algorithm digest-type digest".
        read -r owner _ _ _ tag ds_algorithm digest_type digest < <(ldns-key2ds -n -2 "$TMP/zones/$key.key")
        ANCHORS+="	list trust_anchor '$owner IN DS $tag $ds_algorithm $digest_type $digest'"$'\n'
        NSD_ZONES+="zone:"$'\n'"  name: \"$zone\""$'\n'"  zonefile: \"$file.signed\""$'\n'
        NAMES+=" www.$zone"
    done
}

# start_nsd PORT: NSD serving the signed zones on 127.0.0.1#PORT, until it answers.
start_nsd() {
    cat > "$TMP/nsd.conf" <<NSDCONF
server:
  ip-address: 127.0.0.1
  port: $1
  do-ip6: no
  server-count: 1
  username: ""
  chroot: ""
  database: ""
  zonesdir: "$TMP/zones"
  pidfile: "$TMP/nsd.pid"
  xfrdfile: "$TMP/xfrd.state"
  xfrdir: "$TMP"
  zonelistfile: "$TMP/zone.list"
  logfile: "$TMP/nsd.log"
remote-control:
  control-enable: no
$NSD_ZONES
NSDCONF
    nsd -d -c "$TMP/nsd.conf" > "$TMP/nsd.out" 2>&1 &
    NSD_PID=$!
    local deadline=$(( SECONDS + NSD_START_TIMEOUT_SECONDS ))
    until dig @127.0.0.1 -p "$1" a8.smoke.sprig.test SOA +norec +time=1 +tries=1 2>/dev/null | grep -q 'status: NOERROR'; do
        kill -0 "$NSD_PID" 2>/dev/null || die "nsd exited: $(cat "$TMP/nsd.out" "$TMP/nsd.log" 2>/dev/null)"
        [ $SECONDS -lt $deadline ] || die "nsd did not answer within ${NSD_START_TIMEOUT_SECONDS}s"
        sleep 0.2
    done
}

# 5. Validated answers: sprigd (dnssec 1, each zone's DS as a trust anchor)
#    forwards to the NSD and answers www.<zone> with AD, for each algorithm.
if [ "$SMOKE_QUERY" = 1 ]; then
    command -v nsd >/dev/null || PATH="$PATH:/usr/sbin:/sbin"
    for tool in nsd ldns-keygen ldns-signzone ldns-key2ds; do
        command -v "$tool" >/dev/null || die "SMOKE_QUERY=1 needs $tool (nsd, ldnsutils)"
    done
    NSD_PORT=$(free_port) || die "no free loopback port found"
    sign_zones
    start_nsd "$NSD_PORT"
    mkdir -p "$TMP/state"
    cat > "$TMP/validating.cfg" <<CFG
# qemu-smoke validating config: forward to the loopback NSD serving the
# signed zones; each zone's DS is a trust anchor.
config sprig 'main'
	list listen '127.0.0.1:$PORT'
	option user ''
	option mode 'forward'
	option dnssec '1'
	option state_dir '$TMP/state'
$ANCHORS
config upstream 'signed'
	option address '127.0.0.1'
	option port '$NSD_PORT'
CFG
    start_daemon "$TMP/validating.cfg"
    for name in $NAMES; do
        dig @127.0.0.1 -p "$PORT" "$name" A +adflag +time=5 +tries=2 > "$TMP/dig.out" 2>&1 || true
        grep -q 'status: NOERROR' "$TMP/dig.out" && grep -Eq '^;; flags:[^;]* ad[ ;]' "$TMP/dig.out" \
            && grep -q '192\.0\.2\.' "$TMP/dig.out" \
            || die "no validated answer for $name: $(cat "$TMP/dig.out"); stderr: $(cat "$TMP/stderr")"
    done
    echo "  ok: validated answers (AD) for algorithms 8, 13, 14, 15:$NAMES"
    stop_daemon
    echo "  ok: validating sprigd exited 0 on SIGTERM"
fi
echo "qemu-smoke $BOARD: passed"
