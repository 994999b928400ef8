#!/usr/bin/env bash
# The S3 figures of issue 15, each beside the AWS CLI doing the same job on the same moto_server
# in the same run (never run by the tests; `make bench` collects its output):
#   1. a 1 GB wheel uploaded into S3: `wheelhouse upload` (full verification, parts sent while
#      it runs) vs `aws s3 cp` of the same file: MB/s, and wheelhouse's peak RSS;
#   2. the first replication of 10,000 small wheels between two buckets: `wheelhouse replicate`
#      (CopyObject after HeadObject's stored sha256 matched the record) vs `aws s3 sync`;
#   3. `wheelhouse index rebuild` of those 10,000 files vs `aws s3 ls --recursive` of the bucket.
# Prints a JSON array of rows on stdout; progress goes to stderr.
# Usage: scripts/bench-s3-figures.sh BIN [WORK_DIR]
#   BIN: a release `wheelhouse` (default: WHEELHOUSE_BIN, which `make bench` sets). Env: PYTHON (the venv with moto, default .venv/bin/python),
#   AWSCLI_VENV (a private venv for the AWS CLI, created with pip when missing; default
#   /tmp/wheelhouse-bench-awscli), BENCH_S3_PARTS ("upload replicate rebuild"),
#   PROJECTS x VERSIONS (100 x 100), UPLOAD_MB (1000), JOBS (16).
set -euo pipefail
BIN=$(realpath "${1:-${WHEELHOUSE_BIN:?usage: bench-s3-figures.sh BIN [WORK_DIR], or WHEELHOUSE_BIN set}}")
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
MOTO=${MOTO_SERVER:-$(dirname "$PY")/moto_server}
AWSCLI_VENV=${AWSCLI_VENV:-/tmp/wheelhouse-bench-awscli}
PARTS=${BENCH_S3_PARTS:-"upload replicate rebuild"}
PROJECTS=${PROJECTS:-100}; VERSIONS=${VERSIONS:-100}; JOBS=${JOBS:-16}; UPLOAD_MB=${UPLOAD_MB:-1000}
WORK=${2:-$(mktemp -d /tmp/wh-bench-s3-figures.XXXX)}
mkdir -p "$WORK"
MOTO_PID=""
trap '[ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
log() { echo "$@" >&2; }

if [ ! -x "$AWSCLI_VENV/bin/aws" ]; then
  log "== installing the AWS CLI into $AWSCLI_VENV"
  python3 -m venv "$AWSCLI_VENV" >&2
  "$AWSCLI_VENV/bin/pip" install --quiet awscli >&2
fi
AWS="$AWSCLI_VENV/bin/aws"

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$MOTO" -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$PORT/moto-api/" >/dev/null && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
EP="http://127.0.0.1:$PORT"
for b in up-wh up-cli rep-src rep-wh rep-sync; do curl -sf -X PUT "$EP/$b" >/dev/null; done
url() { echo "s3://$1?region=us-east-1&endpoint=$EP&path-style=true"; }
now() { date +%s.%N; }
calc() { "$PY" -c "print(round($1, 3))"; }

ROWS=()
row() {  # figure unit wheelhouse peer_name peer ratio goal better
  ROWS+=("$(printf '{"figure": "%s", "unit": "%s", "wheelhouse": %s, "peer_name": "%s", "peer": %s, "ratio": %s, "goal": "%s", "better": "%s"}' "$@")")
}

if [[ " $PARTS " == *" upload "* ]]; then
  log "== ${UPLOAD_MB} MB wheel into S3"
  "$PY" Tests/Fixtures/make_dist.py "$WORK/big" huge-wheel 1.0 --payload $((UPLOAD_MB * 1000 * 1000)) >/dev/null
  WHEEL=$(ls "$WORK"/big/*.whl | awk 'NR == 1')
  SIZE=$(stat -c %s "$WHEEL")
  cat "$WHEEL" >/dev/null  # both start from the page cache
  /usr/bin/time -f "%e %M" -o "$WORK/wh.time" "$BIN" upload --store "$(url up-wh)" "$WHEEL" >/dev/null
  read -r WH_S WH_KB <"$WORK/wh.time"
  /usr/bin/time -f "%e %M" -o "$WORK/cli.time" "$AWS" s3 cp --quiet --endpoint-url "$EP" "$WHEEL" "s3://up-cli/huge.whl"
  read -r CLI_S CLI_KB <"$WORK/cli.time"
  rm -f "$WHEEL"
  WH_MBS=$(calc "$SIZE / 1e6 / $WH_S"); CLI_MBS=$(calc "$SIZE / 1e6 / $CLI_S")
  log "wheelhouse upload ${WH_S}s (${WH_MBS} MB/s, RSS $((WH_KB / 1024)) MB); aws s3 cp ${CLI_S}s (${CLI_MBS} MB/s, RSS $((CLI_KB / 1024)) MB)"
  row "S3 upload of a $UPLOAD_MB MB wheel" "MB/s" "$WH_MBS" "aws s3 cp" "$CLI_MBS" "$(calc "$WH_MBS / $CLI_MBS")" ">= 1.0x" "higher"
  row "S3 upload of a $UPLOAD_MB MB wheel: peak RSS" "MB" "$((WH_KB / 1024))" "aws s3 cp" "$((CLI_KB / 1024))" \
    "$(calc "$WH_KB / $CLI_KB")" "< 100 MB" "lower"
fi

if [[ " $PARTS " == *" replicate "* || " $PARTS " == *" rebuild "* ]]; then
  log "== $((PROJECTS * VERSIONS)) small wheels into s3://rep-src"
  "$PY" Tests/Fixtures/make_many_dists.py "$WORK/dists" "$PROJECTS" "$VERSIONS" >/dev/null
  "$BIN" upload --store "$WORK/local" --jobs 2 "$WORK/dists" >/dev/null
  "$BIN" replicate --source "$WORK/local" --target "$(url rep-src)" --jobs "$JOBS" >/dev/null
  OBJECTS=$("$AWS" s3 ls --recursive --endpoint-url "$EP" s3://rep-src | wc -l)
  log "source: $OBJECTS objects"
fi

if [[ " $PARTS " == *" replicate "* ]]; then
  log "== first replication"
  t0=$(now); "$BIN" replicate --source "$(url rep-src)" --target "$(url rep-wh)" --jobs "$JOBS" >/dev/null; t1=$(now)
  "$AWS" s3 sync --quiet --endpoint-url "$EP" s3://rep-src s3://rep-sync; t2=$(now)
  "$BIN" replicate --source "$(url rep-src)" --target "$(url rep-wh)" --verify >/dev/null 2>&1 \
    || { log "replicate --verify found differences"; exit 1; }
  "$BIN" verify --store "$(url rep-wh)" >/dev/null 2>&1 || { log "verify of the replica found problems"; exit 1; }
  WH=$(calc "$t1 - $t0"); CLI=$(calc "$t2 - $t1")
  log "wheelhouse replicate ${WH}s; aws s3 sync ${CLI}s"
  row "first replication of $((PROJECTS * VERSIONS)) files ($OBJECTS objects), S3 to S3" "s" "$WH" "aws s3 sync" "$CLI" \
    "$(calc "$WH / $CLI")" "<= 1.0x the time" "lower"
fi

if [[ " $PARTS " == *" rebuild "* ]]; then
  log "== index rebuild"
  t0=$(now); "$BIN" index rebuild --store "$(url rep-src)" >/dev/null 2>&1; t1=$(now)
  "$AWS" s3 ls --recursive --endpoint-url "$EP" s3://rep-src >/dev/null; t2=$(now)
  "$BIN" verify --store "$(url rep-src)" >/dev/null 2>&1 || { log "verify after the rebuild found problems"; exit 1; }
  WH=$(calc "$t1 - $t0"); CLI=$(calc "$t2 - $t1")
  log "wheelhouse index rebuild ${WH}s; aws s3 ls --recursive ${CLI}s"
  row "index rebuild of $((PROJECTS * VERSIONS)) files on S3" "s" "$WH" "aws s3 ls --recursive" "$CLI" \
    "$(calc "$WH / $CLI")" "<= 3.0x the time" "lower"
fi

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average at the end: $LOAD"
printf '[\n'
for i in "${!ROWS[@]}"; do
  printf '  %s%s\n' "${ROWS[$i]}" "$([ "$i" -lt $((${#ROWS[@]} - 1)) ] && echo ,)"
done
printf ']\n'
