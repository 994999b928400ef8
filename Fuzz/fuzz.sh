#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/Package.swift and runs each for a bounded time.
#
#   FUZZ_SECONDS=60       seconds per target
#   FUZZ_TARGETS="..."    which targets (default: all, see Fuzz/Package.swift)
#   FUZZ_SCRATCH=.build-fuzz      build folder; the grown corpora live in $FUZZ_SCRATCH/corpus
#   FUZZ_CRASHES=Fuzz/crashes     where crash, timeout and out-of-memory inputs are saved
#
# Exits non-zero when a target found anything (its input is in $FUZZ_CRASHES/<target>/).
# Reproduce one: SWIFT_BACKTRACE=enable=no .build-fuzz/release/fuzz-<target> Fuzz/crashes/<target>/crash-...
# (Swift's own backtracer, left on, reads memory ASan reports as an overflow: noise.)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_EACH=${FUZZ_SECONDS:-60}
SCRATCH=${FUZZ_SCRATCH:-$ROOT/.build-fuzz}
CRASHES=${FUZZ_CRASHES:-$ROOT/Fuzz/crashes}
ALL="filename metadata version requirement requirements-file upstream-page multipart wheel sdist"
TARGETS=${FUZZ_TARGETS:-$ALL}
PY=${PYTHON:-python3}

echo "== building the fuzz targets (release, -sanitize=fuzzer,address) into $SCRATCH"
swift build --package-path Fuzz -c release --scratch-path "$SCRATCH" --sanitize fuzzer --sanitize address 2>&1 \
    | grep -v "ld.gold: warning: Cannot export local symbol" || true
BIN=$SCRATCH/release
test -x "$BIN/fuzz-filename" || { echo "fuzz build failed" >&2; exit 2; }

echo "== seeds"
rm -rf "$SCRATCH/seeds"
"$PY" Fuzz/make_seeds.py "$SCRATCH/seeds"

failed=()
for target in $TARGETS; do
    exe=$BIN/fuzz-$target
    test -x "$exe" || { echo "unknown fuzz target: $target" >&2; exit 2; }
    corpus=$SCRATCH/corpus/$target
    mkdir -p "$corpus" "$CRASHES/$target"
    before=$(ls "$CRASHES/$target" | wc -l)
    echo "== fuzz-$target for ${SECONDS_EACH}s (corpus $corpus)"
    # -timeout: an input taking 30 s is a hang (generous: a loaded machine slows ASan builds); -rss_limit_mb / -malloc_limit_mb: unbounded memory.
    status=0
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} "$exe" "$corpus" "$SCRATCH/seeds/$target" \
        -max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -artifact_prefix="$CRASHES/$target/" -print_final_stats=1 \
        > "$SCRATCH/fuzz-$target.log" 2>&1 || status=$?
    grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)" "$SCRATCH/fuzz-$target.log" || true
    after=$(ls "$CRASHES/$target" | wc -l)
    if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
        echo "!! fuzz-$target found a problem (exit $status); log: $SCRATCH/fuzz-$target.log; inputs: $CRASHES/$target/"
        tail -40 "$SCRATCH/fuzz-$target.log"
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]}" >&2
    exit 1
fi
echo "fuzzing: no crash, hang or memory blow-up in: $TARGETS (${SECONDS_EACH}s each)"
