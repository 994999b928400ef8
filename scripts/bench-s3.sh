#!/usr/bin/env bash
# S3 store benchmarks against moto_server on loopback (issue figures; never run by the tests):
#   1. a 1 GB wheel uploaded to S3: `wheelhouse upload` (full verification + multipart) vs
#      `aws s3 cp` of the same file, both timed, wheelhouse's peak RSS from /usr/bin/time
#   2. a 10,000-file index on S3: `wheelhouse list` (all records) and `wheelhouse index rebuild`
#   3. warm `/simple/{project}/` requests/s with wrk: server on the S3 store vs on a local store
# Usage: scripts/bench-s3.sh BIN OUT_DIR [CORPUS]   (CORPUS: a folder of wheels, default: generated)
#        BENCH_S3_PARTS="upload index pages" selects parts (pages needs index).
set -euo pipefail
BIN=$1; OUT=$2; CORPUS=${3:-}
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
MOTO=${MOTO_SERVER:-.venv/bin/moto_server}
WORK=$(mktemp -d /tmp/wh-bench-s3.XXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true

MPORT=$(port)
"$MOTO" -p "$MPORT" >"$WORK/moto.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$MPORT/moto-api/" >/dev/null && break; sleep 0.1; done
EP="http://127.0.0.1:$MPORT"
for b in big-wh big-cli corpus; do curl -sf -X PUT "$EP/$b" >/dev/null; done
store() { echo "s3://$1?region=us-east-1&endpoint=$EP"; }

PARTS=${BENCH_S3_PARTS:-"upload index pages"}
if [[ " $PARTS " == *" upload "* ]]; then
echo "== 1 GB wheel to S3 (moto)"
"$PY" Tests/Fixtures/make_dist.py "$WORK/dist" huge-wheel 1.0 --payload $((1000 * 1000 * 1000)) >/dev/null
WHEEL=$(ls "$WORK"/dist/*.whl | awk 'NR == 1')
SIZE=$(stat -c %s "$WHEEL")
/usr/bin/time -f "%e %M" -o "$WORK/wh.time" "$BIN" upload --store "$(store big-wh)" "$WHEEL" >/dev/null
read -r WH_S WH_KB <"$WORK/wh.time"
/usr/bin/time -f "%e %M" -o "$WORK/cli.time" aws s3 cp --quiet --endpoint-url "$EP" "$WHEEL" "s3://big-cli/huge.whl"
read -r CLI_S CLI_KB <"$WORK/cli.time"
rm -f "$WHEEL"
WH_MBS=$("$PY" -c "print(round($SIZE/1e6/$WH_S,1))"); CLI_MBS=$("$PY" -c "print(round($SIZE/1e6/$CLI_S,1))")
echo "wheelhouse upload: ${WH_S}s ${WH_MBS} MB/s peak RSS $((WH_KB / 1024)) MB (verifies every RECORD hash too)"
echo "aws s3 cp:         ${CLI_S}s ${CLI_MBS} MB/s peak RSS $((CLI_KB / 1024)) MB"
echo "ratio (throughput wheelhouse / aws s3 cp): $("$PY" -c "print(round($CLI_S/$WH_S,2))")"

fi

echo "== 10,000-file index on S3"
if [ -z "$CORPUS" ]; then
  CORPUS="$WORK/corpus"
  "$PY" - "$CORPUS" <<'EOF'
import os, sys, types, importlib.util
os.makedirs(sys.argv[1], exist_ok=True)
spec = importlib.util.spec_from_file_location("make_dist", "Tests/Fixtures/make_dist.py")
make_dist = importlib.util.module_from_spec(spec); spec.loader.exec_module(make_dist)
# 500 projects x 20 versions of small valid wheels.
for p in range(500):
    for v in range(20):
        make_dist.write_wheel(types.SimpleNamespace(
            out=sys.argv[1], name=f"bench-proj-{p}", version=f"1.{v}", requires_python=None, requires_dist=[],
            provides_extra=[], tag="py3-none-any", sdist=False, payload=64, summary="A benchmark distribution"))
EOF
fi
COUNT=$(find "$CORPUS" -name '*.whl' | wc -l)
/usr/bin/time -f "%e" -o "$WORK/ingest.time" "$BIN" upload --store "$(store corpus)" "$CORPUS" >/dev/null
echo "ingest of $COUNT wheels into S3: $(cat "$WORK/ingest.time")s"
/usr/bin/time -f "%e" -o "$WORK/list.time" "$BIN" list --store "$(store corpus)" --json >/dev/null
echo "list (every record): $(cat "$WORK/list.time")s"
/usr/bin/time -f "%e %M" -o "$WORK/rebuild.time" "$BIN" index rebuild --store "$(store corpus)" >/dev/null 2>&1
read -r RB_S RB_KB <"$WORK/rebuild.time"
echo "index rebuild from packages/ ($COUNT files): ${RB_S}s, peak RSS $((RB_KB / 1024)) MB"
# The floor on this emulator: every file must be read once to be hashed and inspected.
/usr/bin/time -f "%e" -o "$WORK/sync.time" aws s3 sync --quiet --endpoint-url "$EP" "s3://corpus/packages" "$WORK/sync-down"
echo "aws s3 sync download of the same packages/ (the read floor): $(cat "$WORK/sync.time")s"

[[ " $PARTS " == *" pages "* ]] || exit 0
echo "== warm /simple/{project}/ on S3 vs local"
"$BIN" upload --store "$WORK/local" "$CORPUS" >/dev/null
PROJECT=$(ls "$WORK/local/packages" | awk 'NR == 1')
bench_page() {  # store-url
  local p; p=$(port)
  "$BIN" serve --store "$1" --port "$p" --log-level warning &
  local pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$p/healthz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$p/simple/$PROJECT/" >/dev/null
  wrk -t2 -c32 -d5s "http://127.0.0.1:$p/simple/$PROJECT/" | awk '/Requests\/sec/ {print $2}'
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
# Three alternating rounds each (the machine may be busy); medians.
S3_ALL=(); LOCAL_ALL=()
for _ in 1 2 3; do
  S3_ALL+=("$(bench_page "$(store corpus)")")
  LOCAL_ALL+=("$(bench_page "$WORK/local")")
done
median() { printf '%s\n' "$@" | sort -n | awk 'NR == 2'; }
S3_RPS=$(median "${S3_ALL[@]}"); LOCAL_RPS=$(median "${LOCAL_ALL[@]}")
echo "warm page req/s (median of 3): S3 store $S3_RPS (${S3_ALL[*]}), local store $LOCAL_RPS (${LOCAL_ALL[*]}), ratio $("$PY" -c "print(round($S3_RPS/$LOCAL_RPS,2))")"
