#!/usr/bin/env bash
# Parses one ListObjectsV2 page of 1,000 keys (about 250 KB of XML, as S3 sends it) into
# (key, size, etag, last-modified) two ways, optimised (-O), and prints the time per page:
#   - the element tree on Foundation's XMLParser that WheelhouseAWS uses (AWSXMLElement);
#   - XMLCoder (CoreOffice/XMLCoder 0.18.2) decoding into Decodable structs.
# With --instructions, counts instructions per page with callgrind instead (repeatable on a
# busy machine). XMLCoder is not a dependency of the package: give its sources in
# XMLCODER_DIR (its Sources/XMLCoder folder, e.g. from a SwiftPM checkout of the package).
# Usage: XMLCODER_DIR=… scripts/bench-list-xml.sh [--instructions]
set -euo pipefail
cd "$(dirname "$0")/.."
: "${XMLCODER_DIR:?set XMLCODER_DIR to XMLCoder's Sources/XMLCoder folder}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
swiftc -O -module-name bench $(find "$XMLCODER_DIR" -name '*.swift') scripts/bench-list-xml/main.swift \
    -o "$WORK/bench" 2> "$WORK/build.log" || { cat "$WORK/build.log" >&2; exit 1; }
if [[ "${1:-}" != "--instructions" ]]; then
    "$WORK/bench"
    exit 0
fi
count() {  # parser, pages → instructions
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg" "$WORK/bench" "$1" "$2" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for parser in hand coder; do
    base="$(count "$parser" 0)"
    five="$(count "$parser" 5)"
    echo "$parser: $(( (five - base) / 5 )) instructions per 1000-key page"
done
