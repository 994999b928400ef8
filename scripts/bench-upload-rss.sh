#!/usr/bin/env bash
# Peak RSS of `wheelhouse serve` while a 1 GB wheel is uploaded to it over HTTP (twine's API),
# sampled from /proc every 50 ms. Usage: scripts/bench-upload-rss.sh BIN OUT_DIR
set -euo pipefail
BIN=$1; OUT=$2
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
WORK=$(mktemp -d /tmp/wh-upload-rss.XXXX)
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
"$PY" Tests/Fixtures/make_dist.py "$WORK/dist" huge-wheel 1.0 --payload $((1000 * 1000 * 1000)) >/dev/null
WHEEL=$(ls "$WORK"/dist/*.whl)
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TOKEN=$("$BIN" token create bench --store "$WORK/store" 2>/dev/null)
"$BIN" serve --store "$WORK/store" --port "$PORT" --log-level warning --spool-dir "$WORK" &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
peak=0
( while kill -0 $SERVER 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status 2>/dev/null || echo 0)
    echo "$rss"; sleep 0.05
  done ) > "$WORK/rss.txt" &
SAMPLER=$!
idle=$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status)
start=$(date +%s.%N)
"$BIN" upload --repository-url "http://127.0.0.1:$PORT/legacy/" --token "$TOKEN" "$WHEEL"
end=$(date +%s.%N)
kill $SAMPLER 2>/dev/null || true
peak=$(sort -n "$WORK/rss.txt" | tail -1)
size=$(stat -c %s "$WHEEL")
printf 'upload of %s (%d bytes) over HTTP: %.1f s, %.0f MB/s; server RSS idle %d MB, peak %d MB\n' \
  "$(basename "$WHEEL")" "$size" "$(echo "$end - $start" | bc)" "$(echo "$size / ($end - $start) / 1000000" | bc -l)" \
  $((idle / 1024)) $((peak / 1024)) | tee "$OUT/upload-rss.txt"
