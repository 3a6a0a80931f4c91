#!/usr/bin/env bash
# Runs the integration tests: real NSD/Unbound/dnsmasq/sprigd on 127.53.x,
# inside a private network namespace when possible (netns.sh).
# Arguments go to harness.py: --filter NAME, --list, --plan, --keep, -v,
# --sprigd PATH, --sprigd-resolves. See README.md.
set -euo pipefail
here=$(dirname "$0")
exec "$here/netns.sh" python3 "$here/harness.py" "$@"
