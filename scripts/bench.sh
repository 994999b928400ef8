#!/usr/bin/env bash
# `make bench`: the benchmarks (never run by the tests). Release build; all traffic on 127.0.0.1.
#   1. wheel verification throughput and peak RSS vs python's own check (scripts/bench-verify.sh)
#   2. the side-by-side index harness of ../shared/bench with Wheelhouse as a row
#   3. peak server RSS while a 1 GB wheel is uploaded over HTTP (scripts/bench-upload-rss.sh)
#   4. the S3 store on moto: 1 GB upload vs `aws s3 cp`, list and rebuild of a 10,000-file index,
#      warm index pages on S3 vs local (scripts/bench-s3.sh; BENCH_PARTS=s3)
#   5. replication of 10,000 wheels between two moto buckets vs `aws s3 sync`, first and no-change
#      runs (scripts/bench-replicate.sh; BENCH_PARTS=replicate)
#   6. pip install of 20 real packages through `serve --upstream` (cold, warm) vs straight from the
#      upstream and vs devpi-server's mirror (scripts/bench-mirror.sh; BENCH_PARTS=mirror)
# Usage: scripts/bench.sh [OUT_DIR]   (BENCH_PARTS="verify peers upload" selects parts)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/wheelhouse-bench}
PARTS=${BENCH_PARTS:-"verify peers upload s3 replicate mirror"}
mkdir -p "$OUT"
swift build -c release --product wheelhouse >/dev/null
BIN="$(swift build -c release --show-bin-path)/wheelhouse"
echo "wheelhouse binary: $BIN"

for part in $PARTS; do
  case "$part" in
    verify)
      ./scripts/bench-verify.sh 200 | tee "$OUT/verify.txt" ;;
    peers)
      SHARED=${SHARED_BENCH:-../shared/bench}
      "$SHARED/run_peers.sh" --servers "${BENCH_PEERS:-nginx-static,pypiserver-cached,devpi}" \
        --repeats "${BENCH_REPEATS:-3}" --json "$OUT/results-wheelhouse.json" --md "$OUT/RESULTS-wheelhouse.md" \
        --extra-prepare "wheelhouse=$BIN upload --store {state}/store {root}" \
        --extra "wheelhouse=$BIN serve --store {state}/store --host {host} --port {port} --log-level warning" ;;
    upload)
      ./scripts/bench-upload-rss.sh "$BIN" "$OUT" ;;
    s3)
      ./scripts/bench-s3.sh "$BIN" "$OUT" | tee "$OUT/s3.txt" ;;
    replicate)
      ./scripts/bench-replicate.sh "$BIN" "$OUT" | tee "$OUT/replicate.txt" ;;
    mirror)
      ./scripts/bench-mirror.sh "$BIN" "$OUT" ;;
    *) echo "unknown part $part" >&2; exit 2 ;;
  esac
done
