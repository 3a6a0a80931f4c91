#!/usr/bin/env bash
# Checks in about a second that a board's C toolchain can build a router
# binary's C side: its compiler runs, it compiles and links a small program
# against its C library, and against the mbedTLS and other static libraries
# of Board/libraries.sh for its architecture. When a check fails it names the
# Debian package to install, instead of the compiler's first error (a fresh
# machine once failed every board with "bits/libc-header-start.h: No such
# file or directory": the cross compilers only *recommend* their C library).
#
#   Board/preflight.sh BOARD...     BOARD names Board/BOARD.conf
#
# Board/build.sh runs it first; `make test` runs it for every test board
# before the board stages. Exit status 1 names every missing package.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=Board/libraries.sh
. "$ROOT/Board/libraries.sh"
[ $# -ge 1 ] || { echo "usage: Board/preflight.sh BOARD..." >&2; exit 2; }

failed=0
# check_board BOARD: prints one line per problem; returns 1 if any.
check_board() {
    local board=$1 conf="$ROOT/Board/$1.conf"
    [ -f "$conf" ] || { echo "preflight $board: no board file Board/$board.conf"; return 1; }
    local CROSS="" MULTIARCH="" DEB_ARCH="" TOOLCHAIN_PKGS="" SYSROOT_INCLUDE="" BOARD_CFLAGS="" BOARD_LDFLAGS=""
    # shellcheck source=/dev/null
    . "$conf"
    local cc="${CROSS}gcc" compiler_pkg libc_pkg
    read -r compiler_pkg libc_pkg <<< "$TOOLCHAIN_PKGS"
    if ! command -v "$cc" > /dev/null; then
        echo "preflight $board: $cc not found: install $compiler_pkg (Tests/tools/deps.sh --all)"
        return 1
    fi
    local work problems=0
    work=$(mktemp -d)
    # shellcheck disable=SC2064
    trap "rm -rf '$work'" RETURN

    # 1. The C library: headers and a static link.
    printf '#include <stdio.h>\n#include <stdint.h>\nint main(void) { uint8_t b = 1; printf("%%d\\n", b); return 0; }\n' \
        > "$work/libc.c"
    # shellcheck disable=SC2086
    if ! "$cc" $BOARD_CFLAGS -static $BOARD_LDFLAGS -o "$work/libc" "$work/libc.c" 2> "$work/libc.err"; then
        echo "preflight $board: $cc cannot compile and link against its C library: install $libc_pkg (Tests/tools/deps.sh --all)"
        sed 's/^/    /' "$work/libc.err" | head -5
        return 1
    fi

    # 2. The static libraries for this architecture, and the shared headers.
    local lib libs=()
    for lib in "${STATIC_LIBS[@]}"; do
        if [ -f "/usr/lib/$MULTIARCH/$lib" ]; then
            libs+=("/usr/lib/$MULTIARCH/$lib")
        else
            echo "preflight $board: /usr/lib/$MULTIARCH/$lib missing: install $(library_package "$lib"):$DEB_ARCH"
            problems=1
        fi
    done
    local h
    mkdir -p "$work/include"
    for h in "${SHARED_HEADERS[@]}"; do
        if [ -e "/usr/include/$h" ]; then
            ln -s "/usr/include/$h" "$work/include/$h"
        else
            echo "preflight $board: /usr/include/$h missing: install $(library_package "$h")"
            problems=1
        fi
    done
    [ "$problems" -eq 0 ] || return 1

    # 3. A program that calls mbedTLS (names common to 2.28 and 3.x), linked
    #    statically the way Board/build.sh links sprigd.
    cat > "$work/mbedtls.c" <<'C'
#include <stdio.h>
#include <mbedtls/sha256.h>
int main(void) {
    mbedtls_sha256_context ctx;
    mbedtls_sha256_init(&ctx);
    mbedtls_sha256_free(&ctx);
    puts("ok");
    return 0;
}
C
    local sysroot_flags=()
    [ -n "$SYSROOT_INCLUDE" ] && sysroot_flags=(-isystem "$work/include")
    [ -z "$SYSROOT_INCLUDE" ] && sysroot_flags=(-I "$work/include")
    # shellcheck disable=SC2086
    if ! "$cc" $BOARD_CFLAGS "${sysroot_flags[@]}" -static $BOARD_LDFLAGS -o "$work/mbedtls" "$work/mbedtls.c" \
            "${libs[@]}" 2> "$work/mbedtls.err"; then
        echo "preflight $board: $cc cannot link a program against /usr/lib/$MULTIARCH/libmbedcrypto.a:" \
             "reinstall $(library_package libmbedcrypto.a):$DEB_ARCH"
        sed 's/^/    /' "$work/mbedtls.err" | grep -v 'statically linked applications' | head -5
        return 1
    fi
    echo "preflight $board: $cc compiles and links against its C library and ${#libs[@]} static libraries"
}

for board in "$@"; do
    check_board "$board" || failed=1
done
exit "$failed"
