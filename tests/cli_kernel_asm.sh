#!/bin/sh
# The generated code, not the source, decides whether a kernel is vector
# code: gcc keeps a loop that calls sqrtf scalar while math errno is on,
# whatever the pragmas say.  For every compiled vector kernel object, check
# that it uses the ISA's full-width registers and calls no scalar libm
# function that belongs in the loop (sqrt, exp, log, tanh, fmax, fmin, in
# float or double; pow for the per-step scalars before the loop is fine, and
# so is the softmax's one logf per row, for the example's loss, after its
# loops: once_per_call below).
set -u
BUILDDIR=${BUILDDIR:-build}
n=0
once_per_call() { # KERNEL (family/name): the libm functions it calls outside its loops
    case $1 in
    mlp/elementwise) echo logf ;;
    esac
}
check() { # ISA REGISTER-PATTERN
    isa=$1 reg=$2
    for obj in "$BUILDDIR"/obj/"$isa"/kernels/*/*.o; do
        [ -f "$obj" ] || continue
        case $obj in */table.o) continue ;; esac
        n=$((n + 1))
        kernel="$(basename "$(dirname "$obj")")/$(basename "$obj" .o)"
        name="$isa $kernel"
        dis=$(objdump -dr "$obj")
        allowed=$(once_per_call "$kernel")
        calls=$(printf '%s\n' "$dis" | grep -E 'R_X86_64_PLT32' | awk '{print $3}' | sed 's/-0x4$//' |
            grep -E '^(sqrt|exp|log|tanh|fmax|fmin)f?$' | grep -v -x -F "${allowed:-none}" |
            sort -u | tr '\n' ' ')
        if ! printf '%s\n' "$dis" | grep -q "%$reg"; then
            echo "not ok $n - $name uses no %$reg register"
        elif [ -n "$calls" ]; then
            echo "not ok $n - $name calls $calls"
        else
            echo "ok $n - $name: $reg code, no scalar libm calls"
        fi
    done
}
if ! command -v objdump >/dev/null 2>&1; then
    echo "ok 1 - kernel assembly # SKIP objdump not installed"
    exit 0
fi
check avx2 ymm
check avx512 zmm
# sqrt and divide must be the vector instructions in the optimizer kernels
for isa in avx2 avx512; do
    obj=$BUILDDIR/obj/$isa/kernels/optim/adam.o
    [ -f "$obj" ] || continue
    n=$((n + 1))
    if objdump -d "$obj" | grep -qE 'vsqrtps' && objdump -d "$obj" | grep -qE 'vdivps'; then
        echo "ok $n - $isa adam: vsqrtps and vdivps"
    else
        echo "not ok $n - $isa adam: no vsqrtps/vdivps"
    fi
done
[ "$n" -gt 0 ] || echo "ok 1 - kernel assembly # SKIP no x86 vector kernels built"
