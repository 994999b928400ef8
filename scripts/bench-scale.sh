#!/usr/bin/env bash
# The scale run (scripts/bench-scale.py): 10,000 and 100,000 generated files, Wheelhouse beside
# nginx; prints figure rows as a JSON array. WHEELHOUSE_BIN names the release binary.
set -euo pipefail
exec python3 "$(dirname "$0")/bench-scale.py" "$@"
