#!/usr/bin/env bash
# Replication against `aws s3 sync` on one moto_server (not a test; run by hand):
# 10,000 small wheels (100 projects x 100 versions, plus their .metadata and records) replicated
# from one bucket to another, first run and a no-change run, each timed against `aws s3 sync`
# of the same source bucket into a fresh bucket.
# Usage: scripts/bench-replicate.sh BIN OUT_DIR   (BIN: a built `wheelhouse`)
set -euo pipefail
BIN=$(realpath "$1"); OUT=$2
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
MOTO=${MOTO_SERVER:-$(dirname "$PY")/moto_server}
PROJECTS=${PROJECTS:-100}; VERSIONS=${VERSIONS:-100}; JOBS=${JOBS:-16}
WORK=$(mktemp -d /tmp/wh-bench-replicate.XXXX)
mkdir -p "$OUT"
MOTO_PID=""
trap '[ -n "$MOTO_PID" ] && kill $MOTO_PID 2>/dev/null; rm -rf "$WORK"' EXIT
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$MOTO" -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$PORT/moto-api/" >/dev/null && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
EP="http://127.0.0.1:$PORT"
for b in bench-src bench-wheelhouse bench-sync; do curl -sf -X PUT "$EP/$b" >/dev/null; done
url() { echo "s3://$1?region=us-east-1&endpoint=$EP&path-style=true"; }

"$PY" Tests/Fixtures/make_many_dists.py "$WORK/dists" "$PROJECTS" "$VERSIONS" >/dev/null
"$BIN" upload --store "$WORK/local" --jobs 2 "$WORK/dists" >/dev/null
"$BIN" replicate --source "$WORK/local" --target "$(url bench-src)" --jobs "$JOBS" >/dev/null
objects=$(aws s3 ls --recursive --endpoint-url "$EP" s3://bench-src | wc -l)

now() { date +%s.%N; }
t0=$(now); "$BIN" replicate --source "$(url bench-src)" --target "$(url bench-wheelhouse)" --jobs "$JOBS" >/dev/null; t1=$(now)
aws s3 sync --quiet --endpoint-url "$EP" s3://bench-src s3://bench-sync; t2=$(now)
"$BIN" replicate --source "$(url bench-src)" --target "$(url bench-wheelhouse)" --jobs "$JOBS" >/dev/null; t3=$(now)
aws s3 sync --quiet --endpoint-url "$EP" s3://bench-src s3://bench-sync; t4=$(now)
"$BIN" replicate --source "$(url bench-src)" --target "$(url bench-wheelhouse)" --verify >/dev/null 2>&1 || { echo "verify found differences" >&2; exit 1; }

first=$(echo "$t1 - $t0" | bc); sync_first=$(echo "$t2 - $t1" | bc)
again=$(echo "$t3 - $t2" | bc); sync_again=$(echo "$t4 - $t3" | bc)
{
  printf 'source: %d objects (%d wheels); --jobs %d\n' "$objects" $((PROJECTS * VERSIONS)) "$JOBS"
  printf 'first replication: wheelhouse %.1f s, aws s3 sync %.1f s: %.2fx the speed of aws s3 sync\n' \
    "$first" "$sync_first" "$(echo "$sync_first / $first" | bc -l)"
  printf 'no-change run:     wheelhouse %.2f s, aws s3 sync %.2f s: %.3fx its time\n' \
    "$again" "$sync_again" "$(echo "$again / $sync_again" | bc -l)"
} | tee "$OUT/replicate.txt"
