#!/usr/bin/env bash
# Verify a ~200 MB wheel with wheelhouse-bench-verify (release build) and, side by side,
# unpack it with `python -m wheel unpack` (which also checks RECORD hashes); print time and
# peak RSS of each. Usage: scripts/bench-verify.sh [MEGABYTES]   (Python: $WHEELHOUSE_TEST_PYTHON
# or .venv/bin/python, with the `wheel` package).
set -euo pipefail
cd "$(dirname "$0")/.."
MB="${1:-200}"
PY="${WHEELHOUSE_TEST_PYTHON:-.venv/bin/python}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

swift build -c release --product wheelhouse-bench-verify >&2
BIN="$(swift build -c release --product wheelhouse-bench-verify --show-bin-path)/wheelhouse-bench-verify"
WHEEL="$("$PY" Tests/WheelhouseArchiveTests/Fixtures/make_fixtures.py big "$WORK/in" --megabytes "$MB" \
    | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["wheel"])')"
SIZE_MB="$(( $(stat -c %s "$WHEEL") / 1000000 ))"

measure() {  # label, command...
    local label="$1"; shift
    /usr/bin/time -v "$@" > "$WORK/out" 2> "$WORK/time" || { cat "$WORK/out" "$WORK/time" >&2; exit 1; }
    local wall rss
    wall="$(grep 'Elapsed (wall clock)' "$WORK/time" | awk '{print $NF}')"
    rss="$(grep 'Maximum resident set size' "$WORK/time" | awk '{print $NF}')"
    printf '%-34s %10s %10d MB\n' "$label" "$wall" "$(( rss / 1024 ))"
    echo "$rss" > "$WORK/rss-$label"
}

echo "wheel: $(basename "$WHEEL"), ${SIZE_MB} MB"
"$BIN" "$WHEEL"
printf '%-34s %10s %13s\n' "tool" "wall" "peak RSS"
measure "wheelhouse-bench-verify" "$BIN" "$WHEEL"
measure "python -m wheel unpack" "$PY" -m wheel unpack -d "$WORK/unpacked" "$WHEEL"
RSS_KB="$(cat "$WORK/rss-wheelhouse-bench-verify")"
if (( RSS_KB > 64 * 1024 )); then
    echo "FAIL: wheelhouse-bench-verify peak RSS ${RSS_KB} kB exceeds 64 MB" >&2
    exit 1
fi
