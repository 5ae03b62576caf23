#!/bin/sh
# make install / make uninstall into a scratch DESTDIR: every public header,
# the library and descent.pc land under PREFIX; a program built only from the
# installed header, library and `pkg-config --cflags --libs descent` links
# and takes an Adam step; uninstall leaves no file behind (it once missed
# the headers added after descent_optimizers.h).
. "$(dirname "$0")/tap.sh"

root=$tmp/root
prefix=/opt/descent
inst=$root$prefix
if ! make -s install DESTDIR="$root" PREFIX="$prefix" SANITIZE="${SANITIZE:-}" \
    >"$tmp/install.out" 2>&1; then
    fail "make install DESTDIR=... PREFIX=$prefix" "$(cat "$tmp/install.out")"
    exit 1
fi
missing=
for h in include/*.h; do
    [ -f "$inst/$h" ] || missing="$missing $h"
done
for f in lib/libdescent.a lib/pkgconfig/descent.pc bin/descent; do
    [ -f "$inst/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
    pass "make install: every include/*.h, libdescent.a, descent.pc and descent under PREFIX"
else
    fail "make install: every public header, the library, descent.pc and the CLI" \
        "missing:$missing"
fi

# A user's program: the installed files only (not the source tree's
# include/), the flags from descent.pc.  The sanitizer build's library needs
# the sanitizer runtime, which descent.pc does not name: checked in the
# normal build only.
if [ "${SANITIZE:-}" = 1 ]; then
    skip "a program links against the installed library" "the sanitizer build's library"
else
    cat >"$tmp/user.c" <<'EOF'
#include <descent.h>
#include <stdio.h>

int main(void)
{
    float param[2] = {1.0f, -2.0f}, grad[2] = {0.5f, -3.0f};
    descent_hparams h;
    descent_optimizer *opt;
    descent_hparams_default(DESCENT_ADAM, &h);
    h.lr = 0.1;
    if (descent_optimizer_create(DESCENT_ADAM, &h, 2, &opt) != DESCENT_OK)
        return 1;
    const descent_status s = descent_optimizer_step(opt, param, grad);
    descent_optimizer_free(opt);
    /* Adam's first step moves each parameter by lr against its gradient's sign. */
    printf("%.6f %.6f\n", param[0], param[1]);
    return s == DESCENT_OK ? 0 : 1;
}
EOF
    flags=$(PKG_CONFIG_PATH=$inst/lib/pkgconfig pkg-config --define-variable=prefix="$inst" \
        --cflags --libs descent 2>&1)
    # shellcheck disable=SC2086  # flags: pkg-config's words
    if ${CC:-cc} -std=c11 -o "$tmp/user" "$tmp/user.c" $flags >"$tmp/cc.out" 2>&1 &&
        out=$("$tmp/user") && [ "$out" = "0.900000 -1.900000" ]; then
        pass "a program built from the installed header, library and descent.pc takes an Adam step"
    else
        fail "a program links against the installed library" "flags: $flags" \
            "$(cat "$tmp/cc.out")" "output: ${out:-}"
    fi
fi

# With MPI: descent_mpi.pc names libdescent_mpi.a, MPI's flags and (through
# Requires) descent.pc's, so a program calling descent_mpi.h links from them.
if ! grep -q '^HAVE_MPI := 1$' "${BUILDDIR:-build}/config.mk" 2>/dev/null; then
    skip "a program links against the installed MPI library" "configure found no MPI"
elif [ "${SANITIZE:-}" = 1 ]; then
    skip "a program links against the installed MPI library" "the sanitizer build's library"
else
    cat >"$tmp/user_mpi.c" <<'EOF'
#include <descent_mpi.h>

int main(int argc, char **argv)
{
    descent_mpi *m = NULL;
    MPI_Init(&argc, &argv);
    const descent_status s = descent_mpi_create(MPI_COMM_WORLD, &m);
    descent_mpi_free(m);
    MPI_Finalize();
    return s == DESCENT_OK ? 0 : 1;
}
EOF
    flags=$(PKG_CONFIG_PATH=$inst/lib/pkgconfig pkg-config --define-variable=prefix="$inst" \
        --cflags --libs descent_mpi 2>&1)
    # shellcheck disable=SC2086  # flags: pkg-config's words
    if [ -f "$inst/lib/pkgconfig/descent_mpi.pc" ] &&
        ${CC:-cc} -std=c11 -o "$tmp/user_mpi" "$tmp/user_mpi.c" $flags >"$tmp/cc_mpi.out" 2>&1; then
        pass "a program built from descent_mpi.h and descent_mpi.pc links (libdescent_mpi.a, MPI, descent)"
    else
        fail "a program links against the installed MPI library" "flags: $flags" \
            "$(cat "$tmp/cc_mpi.out" 2>/dev/null)"
    fi
fi

if make -s uninstall DESTDIR="$root" PREFIX="$prefix" SANITIZE="${SANITIZE:-}" \
    >"$tmp/uninstall.out" 2>&1; then
    left=$(find "$root" -type f)
    if [ -z "$left" ]; then
        pass "make uninstall removes every file make install wrote"
    else
        fail "make uninstall removes every file make install wrote" "left: $left"
    fi
else
    fail "make uninstall" "$(cat "$tmp/uninstall.out")"
fi
[ "$failures" -eq 0 ]
