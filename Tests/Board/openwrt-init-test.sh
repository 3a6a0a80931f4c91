#!/usr/bin/env bash
# Runs Board/openwrt/files/sprig.init under a procd shim (procd-shim.sh)
# that records every procd_* call, with the real `sprig check-config` as
# its gate, and checks the default /etc/config/sprig. No OpenWrt here: what
# the shim cannot show (procd's respawn, logd, the reload trigger firing on
# `uci commit`) is listed in Board/openwrt/README.md.
# Usage: Tests/Board/openwrt-init-test.sh [BUILD_DIR]   (default .build/debug)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/.build/debug}
[ -x "$BUILD/sprig" ] || { echo "openwrt-init-test: no $BUILD/sprig (swift build first)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_log() { grep -qxF -- "$1" "$PROCD_LOG" || fail "procd call missing: '$1' (got: $(tr '\n' '|' < "$PROCD_LOG"))"; }

# The default config passes check-config as shipped.
"$BUILD/sprig" check-config "$ROOT/Board/openwrt/files/sprig.config" > "$WORK/normalised" \
	|| fail "default /etc/config/sprig fails check-config"
grep -q "option memory 'small'" "$WORK/normalised" || fail "default config: memory preset not small"
grep -q "option local_domain 'lan'" "$WORK/normalised" || fail "default config: no local domain"

run_init() {   # run_init FUNCTION: sources the init script in a subshell and calls it
	(
		# shellcheck source=/dev/null
		. "$ROOT/Tests/Board/procd-shim.sh"
		# shellcheck source=/dev/null
		. "$ROOT/Board/openwrt/files/sprig.init"
		# shellcheck disable=SC2034 # read by the sourced init script
		SPRIG=$BUILD/sprig
		# shellcheck disable=SC2034
		CONF=$WORK/sprig
		"$1"
	)
}

export PROCD_LOG=$WORK/procd.log
sed -e "s|option state_dir '/etc/sprig'|option state_dir '$WORK/state'|" -e "s|option user 'nobody'|option user ''|" \
	"$ROOT/Board/openwrt/files/sprig.config" > "$WORK/sprig"

: > "$PROCD_LOG"
run_init start_service || fail "start_service failed on the default config"
expect_log "procd_open_instance sprig"
expect_log "procd_set_param command /usr/sbin/sprigd -c $WORK/sprig"
expect_log "procd_set_param respawn 3600 5 5"
expect_log "procd_set_param stderr 1"
expect_log "procd_set_param file $WORK/sprig"
expect_log "procd_close_instance"
[ -d "$WORK/state" ] || fail "state_dir not created"
[ "$(stat -c %a "$WORK/state")" = 700 ] || fail "state_dir mode $(stat -c %a "$WORK/state"), expected 700"

: > "$PROCD_LOG"
run_init service_triggers
expect_log "procd_add_reload_trigger sprig"

: > "$PROCD_LOG"
run_init reload_service || fail "reload_service failed on a good config"
expect_log "procd_send_signal sprig sprig HUP"

# The gate: a broken config starts nothing and signals nothing.
printf "config sprig 'main'\n\toption memory 'huge'\n" > "$WORK/sprig"
: > "$PROCD_LOG"
if run_init start_service 2> "$WORK/err"; then fail "start_service succeeded with a broken config"; fi
grep -q "has errors" "$WORK/err" || fail "no message for a broken config"
[ ! -s "$PROCD_LOG" ] || fail "procd called with a broken config: $(cat "$PROCD_LOG")"
if run_init reload_service 2> /dev/null; then fail "reload_service succeeded with a broken config"; fi
[ ! -s "$PROCD_LOG" ] || fail "reload signalled with a broken config"

# The NTP hook does nothing for other events and never fails.
ACTION=periodic sh "$ROOT/Board/openwrt/files/sprig.hotplug-ntp" || fail "ntp hook failed"

if command -v shellcheck > /dev/null; then
	shellcheck "$ROOT/Board/openwrt/files/sprig.init" "$ROOT/Tests/Board/openwrt-init-test.sh" || fail "shellcheck"
	shellcheck -s sh "$ROOT/Board/openwrt/files/sprig.hotplug-ntp" "$ROOT/Board/openwrt/sdk-board.sh" || fail "shellcheck"
else
	echo "openwrt-init-test: shellcheck not installed; scripts not linted" >&2
fi

[ "$failures" -eq 0 ] || { echo "openwrt-init-test: $failures failures" >&2; exit 1; }
echo "openwrt-init-test: init script, procd calls, check-config gate, default config: ok"
