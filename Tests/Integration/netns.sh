#!/usr/bin/env bash
# Runs a command in a private network namespace with only loopback up, so
# that the test servers on 127.53.x:53 neither collide with nor disturb
# anything on the host (a system NSD on 0.0.0.0:53, other test runs).
# Falls back to the host's network when namespaces are not available
# (not root, or a container without CAP_SYS_ADMIN), or SPRIG_IT_NETNS=0.
#
#   Tests/Integration/netns.sh python3 Tests/Integration/harness.py ...
set -euo pipefail

if [ "${SPRIG_IT_NETNS:-1}" = "1" ] && [ "$(id -u)" -eq 0 ] \
   && command -v unshare >/dev/null && command -v ip >/dev/null \
   && unshare --net true 2>/dev/null; then
    exec unshare --net -- env SPRIG_IT_IN_NETNS=1 bash -c 'ip link set lo up && exec "$@"' netns "$@"
fi
echo "netns: running on the host network (no private network namespace)" >&2
exec "$@"
