#!/usr/bin/env bash
# The mirror, side by side (all on 127.0.0.1): `pip install` of 20 real packages (and their
# dependencies) from PyPI wheels
#   - straight from the upstream (a `wheelhouse serve` holding the wheels: JSON pages, PEP 658),
#   - through `wheelhouse serve --upstream` cold (empty store) and warm (everything fetched),
#   - through devpi-server's mirror index of the same upstream, cold and warm,
# medians of ROUNDS, the rounds interleaved; then warm page req/s (wrk) of a mirrored page on the
# mirror against the same page hosted on the upstream, same binary.
# Usage: scripts/bench-mirror.sh BIN OUT_DIR   (the wheels come from `make compat`'s cache)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:?wheelhouse binary}
OUT=${2:-/tmp/wheelhouse-bench}
ROUNDS=${ROUNDS:-3}
PY=${PYTHON:-.venv/bin/python}
CACHE=${COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wheelhouse-compat}
PKGS="requests pandas pyyaml attrs click jinja2 packaging pytz tzdata numpy six idna certifi charset-normalizer urllib3 python-dateutil markupsafe pyparsing filelock platformdirs"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/wheelhouse-bench-mirror.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

[ -d "$CACHE/popular" ] || COMPAT_JOBS=4 WHEELHOUSE_BIN=$BIN ./scripts/compat.sh >/dev/null 2>&1 || true
DEVPI=/tmp/bench-devpi-venv
if [ ! -x "$DEVPI/bin/devpi-server" ]; then
  python3 -m venv "$DEVPI" && "$DEVPI/bin/pip" install -q devpi-server devpi-client
fi

port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 300); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The upstream: the wheels of the popular set, hosted.
"$BIN" upload --store "$WORK/upstream" "$CACHE/popular" >/dev/null 2>&1 || true
UP_PORT=$(port)
"$BIN" serve --store "$WORK/upstream" --port "$UP_PORT" --log-level error & PIDS+=($!)
UP="http://127.0.0.1:$UP_PORT/simple/"
wait_up "$UP"

pip_install() {  # INDEX -> seconds
  local target=$WORK/target-$RANDOM$RANDOM start end
  start=$(now)
  "$PY" -m pip install -q --no-cache-dir --disable-pip-version-check --index-url "$1" --target "$target" $PKGS >/dev/null 2>"$WORK/pip.err" \
    || { cat "$WORK/pip.err" >&2; return 1; }
  end=$(now); rm -rf "$target"
  echo "$end - $start" | bc -l
}

start_mirror() {  # STORE -> pid via MIRROR_PID, url via MIRROR_URL
  local p; p=$(port)
  "$BIN" serve --store "$1" --port "$p" --log-level error --upstream "$UP" & MIRROR_PID=$!; PIDS+=($MIRROR_PID)
  MIRROR_URL="http://127.0.0.1:$p/simple/"; wait_up "$MIRROR_URL"
}

start_devpi() {  # DIR -> DEVPI_PID, DEVPI_URL
  local p; p=$(port)
  "$DEVPI/bin/devpi-init" --serverdir "$1" --no-root-pypi >/dev/null 2>&1
  "$DEVPI/bin/devpi-server" --serverdir "$1" --host 127.0.0.1 --port "$p" >"$1.log" 2>&1 & DEVPI_PID=$!; PIDS+=($DEVPI_PID)
  wait_up "http://127.0.0.1:$p/+api"
  local client=$1-client
  "$DEVPI/bin/devpi" use --clientdir "$client" "http://127.0.0.1:$p" >/dev/null
  "$DEVPI/bin/devpi" login --clientdir "$client" root --password '' >/dev/null
  "$DEVPI/bin/devpi" index --clientdir "$client" -c root/up type=mirror "mirror_url=$UP" >/dev/null
  DEVPI_URL="http://127.0.0.1:$p/root/up/+simple/"
}

declare -A T
for r in $(seq "$ROUNDS"); do
  T[direct]+="$(pip_install "$UP") "
  start_mirror "$WORK/mirror-$r"
  T[mirror_cold]+="$(pip_install "$MIRROR_URL") "
  T[mirror_warm]+="$(pip_install "$MIRROR_URL") "
  [ "$r" = "$ROUNDS" ] && KEEP_MIRROR=$MIRROR_URL || kill "$MIRROR_PID"
  start_devpi "$WORK/devpi-$r"
  T[devpi_cold]+="$(pip_install "$DEVPI_URL") "
  T[devpi_warm]+="$(pip_install "$DEVPI_URL") "
  kill "$DEVPI_PID"
done

m() { echo "${T[$1]}" | tr ' ' '\n' | grep -v '^$' | median; }
direct=$(m direct)
{
  echo "pip install of 20 packages with dependencies, medians of $ROUNDS rounds (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  printf "| route | seconds | ratio to direct |\n|---|---|---|\n"
  for k in direct mirror_cold mirror_warm devpi_cold devpi_warm; do
    v=$(m "$k"); printf "| %s | %.2f | %.2fx |\n" "$k" "$v" "$(echo "$v / $direct" | bc -l)"
  done
  # Warm pages: a mirrored page on the mirror vs the same page hosted on the upstream.
  hosted=$(wrk -t2 -c32 -d5s -H 'Accept: application/vnd.pypi.simple.v1+json' "${UP}requests/" | awk '/Requests\/sec/ {print $2}')
  mirrored=$(wrk -t2 -c32 -d5s -H 'Accept: application/vnd.pypi.simple.v1+json' "${KEEP_MIRROR}requests/" | awk '/Requests\/sec/ {print $2}')
  printf "warm JSON page req/s: mirrored %s, hosted %s (%.2fx)\n" "$mirrored" "$hosted" "$(echo "$mirrored / $hosted" | bc -l)"
} | tee "$OUT/mirror.txt"
