# tests/tap.sh: the TAP helpers that every tests/cli_*.sh script sources
# (`. "$(dirname "$0")/tap.sh"`).  It sets BUILDDIR (default build), the
# counters n and failures, and tmp, a scratch folder removed at exit.
#
#   pass NAME                  "ok N - NAME"
#   skip NAME WHY              "ok N - NAME # SKIP WHY"
#   fail NAME [DETAIL...]      "not ok N - NAME", each DETAIL as "#" lines
#   expect STATUS PATTERN NAME COMMAND...
#                              the command exits with STATUS and its output
#                              (stdout+stderr) has a line matching the
#                              extended regex PATTERN; a crash (status 128
#                              or more) never matches a usage status.
#                              SHOW=1 prints the matching line (a way to
#                              list the messages)
#   config KEY                 the value of KEY in build/config.mk
#   refuse NAME PATTERN COMMAND...
#                              the command (under timeout 20) exits 2 with
#                              exactly one line of output, matching the
#                              extended regex PATTERN
#   require_built PROG...      a failure and exit 1 unless every PROG is
#                              an executable (make builds them first)
#
# tests/run.sh counts the "ok" and "not ok" lines.
set -u
BUILDDIR=${BUILDDIR:-build}
n=0 failures=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

pass() { n=$((n + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
fail() {
    n=$((n + 1)) failures=$((failures + 1))
    echo "not ok $n - $1"
    shift
    for line in "$@"; do printf '%s\n' "$line" | sed 's/^/#   /' | tail -n 12; done
}

expect() {
    want_status=$1 pattern=$2 name=$3
    shift 3
    out=$("$@" 2>&1)
    status=$?
    if [ "$status" -eq "$want_status" ] && printf '%s\n' "$out" | grep -q -E -- "$pattern"; then
        pass "$name"
        [ -z "${SHOW:-}" ] || printf '%s\n' "$out" | grep -E -- "$pattern" | head -n 1 | sed 's/^/#   /'
    else
        fail "$name" "status $status (want $want_status), wanted a line matching: $pattern" \
            "$(printf '%s\n' "$out" | head -n 8)"
    fi
}

config() { sed -n "s/^$1 := //p" "$BUILDDIR/config.mk" 2>/dev/null | head -n 1; }

require_built() {
    for prog in "$@"; do
        if [ ! -x "$prog" ]; then
            fail "$prog is built (make $prog)"
            exit 1
        fi
    done
}

refuse() {
    name=$1 pattern=$2
    shift 2
    out=$(timeout 20 "$@" 2>&1)
    status=$?
    lines=$(printf '%s\n' "$out" | wc -l)
    if [ "$status" -eq 2 ] && [ "$lines" -eq 1 ] && printf '%s\n' "$out" | grep -q -E -- "$pattern"
    then
        pass "$name"
    else
        fail "$name" "status $status (want 2), $lines lines, wanted one matching: $pattern" \
            "$(printf '%s\n' "$out" | head -n 4 | cut -c 1-200)"
    fi
}
