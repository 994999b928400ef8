#!/usr/bin/env bash
# `make compat`: do real packages from PyPI upload? Downloads (with `pip download --no-deps`)
#   - the newest cp311 manylinux x86_64 or pure wheel of each project in compat/popular.txt,
#   - the 2016-2020 wheels pinned in compat/old.txt (for Python 3.7 on manylinux1),
#   - the sdists pinned in compat/sdists.txt,
# into a cache outside the repository, ingests them all into a fresh store with
# `wheelhouse upload --json`, and prints every refusal with its reason. Exits 1 if any file
# that pip installs was refused. Not part of `make test`: it downloads about 1 GB.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wheelhouse-compat}
JOBS=${COMPAT_JOBS:-6}
PY=${PYTHON:-.venv/bin/python}
BIN=${WHEELHOUSE_BIN:-$(swift build --show-bin-path)/wheelhouse}
mkdir -p "$CACHE/popular" "$CACHE/old" "$CACHE/sdists" "$CACHE/logs"

names() { grep -v '^\s*#' "$1" | grep -v '^\s*$' | sort -u; }

# One `pip download` per requirement, in parallel; a requirement with nothing for the target
# is noted (it is not a refusal: pip would not install it there either).
fetch() {  # fetch LIST DEST PIP-ARGS...
  local list=$1 dest=$2; shift 2
  names "$list" | xargs -P "$JOBS" -I{} sh -c '
    req="$1"; dest="$2"; shift 2
    log="'"$CACHE"'/logs/$(echo "$req" | tr "/=<>" "____").log"
    [ -f "$log.ok" ] && exit 0
    if "$@" "$req" -d "$dest" >"$log" 2>&1; then touch "$log.ok"; else echo "not fetched (nothing pip would install for this target; see $log): $req"; fi
  ' _ {} "$dest" "$PY" -m pip download --quiet --no-deps --disable-pip-version-check "$@"
}

echo "compat: downloading into $CACHE"
fetch scripts/compat/popular.txt "$CACHE/popular" --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform manylinux_2_5_x86_64 --platform manylinux1_x86_64 --platform any
fetch scripts/compat/old.txt "$CACHE/old" --only-binary=:all: --python-version 3.7 --implementation cp --abi cp37m --abi abi3 --abi none \
  --platform manylinux1_x86_64 --platform any
# An sdist of exactly that project (its build requirements may still come as wheels).
names scripts/compat/sdists.txt | xargs -P "$JOBS" -I{} sh -c '
  req="$1"; name=${req%%==*}
  log="'"$CACHE"'/logs/sdist-$name.log"
  [ -f "$log.ok" ] && exit 0
  if "'"$PY"'" -m pip download --quiet --no-deps --disable-pip-version-check --no-binary "$name" "$req" -d "'"$CACHE"'/sdists" >"$log" 2>&1
  then touch "$log.ok"; else echo "no download: sdist $req (see $log)"; fi
' _ {}

STORE=$(mktemp -d /tmp/wheelhouse-compat-store.XXXXXX)
trap 'rm -rf "$STORE"' EXIT
echo "compat: ingesting into a fresh store ($STORE)"
set +e
"$BIN" upload --store "$STORE" --json "$CACHE/popular" "$CACHE/old" "$CACHE/sdists" > "$CACHE/upload.json"
status=$?
set -e
"$PY" - "$CACHE/upload.json" <<'PY'
import json, sys, collections
results = json.load(open(sys.argv[1]))
by_status = collections.Counter(r["status"] for r in results)
refused = [r for r in results if r["status"] == "failed"]
warned = [r for r in results if r.get("warnings")]
kinds = collections.Counter("wheel" if r["path"].endswith(".whl") else "sdist" for r in results)
print(f"files: {len(results)} ({kinds['wheel']} wheels, {kinds['sdist']} sdists)")
print(f"accepted: {by_status['added'] + by_status['unchanged']}, refused: {len(refused)}, accepted with warnings: {len(warned)}")
reasons = collections.Counter()
for r in warned:
    for w in r["warnings"]:
        reasons[w.split(",")[0].split(" but ")[0]] += 1
for reason, n in reasons.most_common():
    print(f"  warning x{n}: {reason}")
for r in refused:
    print(f"REFUSED {r['path'].rsplit('/', 1)[-1]}: {r.get('error')}")
PY
verify=0
"$BIN" verify --store "$STORE" >/dev/null 2>&1 || verify=$?
if [ "$verify" -eq 0 ]; then echo "verify: the store is consistent"; else echo "compat: verify reported problems"; fi
[ "$status" -eq 0 ] && [ "$verify" -eq 0 ]
