#!/usr/bin/env bash
# `make bench`: the benchmarks (never run by the tests). Release build; all traffic on 127.0.0.1.
# The default part, `results`, writes bench/results/<date>-<commit>.json and .md
# (scripts/bench-results.py): the shared index harness side by side with nginx in interleaved
# rounds, then every figure script that exists (scripts/bench-*-figures.sh, scripts/bench-scale.sh),
# with the machine, load average and commit; `scripts/bench-readme.py` then puts the latest of
# them into the README. BENCH_QUICK=1 for a short try (one round of 3 s).
# More parts, by name in BENCH_PARTS:
#   verify     wheel verification throughput and peak RSS vs python's own check (scripts/bench-verify.sh)
#   peers      the shared harness with every peer it knows (nginx, pypiserver, devpi) and Wheelhouse
#   upload     peak server RSS while a 1 GB wheel is uploaded over HTTP (scripts/bench-upload-rss.sh)
#   s3         the S3 store on moto (scripts/bench-s3.sh)
#   replicate  replication of 10,000 wheels between two moto buckets vs `aws s3 sync` (scripts/bench-replicate.sh)
#   mirror     pip install of 20 real packages through `serve --upstream` (scripts/bench-mirror.sh)
# Usage: scripts/bench.sh [OUT_DIR]   (OUT_DIR: scratch for the parts other than `results`)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/wheelhouse-bench}
PARTS=${BENCH_PARTS:-"results"}
mkdir -p "$OUT"
swift build -c release --product wheelhouse >/dev/null
BIN="$(swift build -c release --show-bin-path)/wheelhouse"
echo "wheelhouse binary: $BIN"

for part in $PARTS; do
  case "$part" in
    results)
      python3 ./scripts/bench-results.py --bin "$BIN" --out bench/results ;;
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
