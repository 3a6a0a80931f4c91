# A stand-in for what /etc/rc.common, /lib/functions.sh and
# /lib/functions/procd.sh give an OpenWrt init script, enough to run
# Board/openwrt/files/sprig.init off a router: every procd_* call is
# appended to $PROCD_LOG as one line (name and arguments), and config_get
# reads `option` lines of the config's 'main' section. Sourced by
# openwrt-init-test.sh.
# shellcheck shell=bash

procd_record() { printf '%s\n' "$*" >> "$PROCD_LOG"; }
procd_open_instance() { procd_record procd_open_instance "$@"; }
procd_set_param() { procd_record procd_set_param "$@"; }
procd_close_instance() { procd_record procd_close_instance "$@"; }
procd_add_reload_trigger() { procd_record procd_add_reload_trigger "$@"; }
procd_send_signal() { procd_record procd_send_signal "$@"; }

# config_load PACKAGE: remembers which file; config_get VAR SECTION OPTION DEFAULT.
config_load() { SHIM_CONFIG_FILE=$CONF; }
config_get() {
	local var=$1 option=$3 default=$4 value
	value=$(awk -v opt="$option" '
		$1 == "config" { inmain = ($3 == "'"'"'main'"'"'" || $3 == "main") }
		inmain && $1 == "option" && $2 == opt { v = $0; sub(/^[ \t]*option[ \t]+[^ \t]+[ \t]+/, "", v); gsub(/^'"'"'|'"'"'$/, "", v); print v; exit }
	' "$SHIM_CONFIG_FILE")
	[ -n "$value" ] || value=$default
	eval "$var=\$value"
}
