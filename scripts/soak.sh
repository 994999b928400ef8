#!/usr/bin/env bash
# `make soak`: SOAK_SECONDS (default 600) of mixed index reads, downloads and uploads against
# `wheelhouse serve` on a fresh local store on 127.0.0.1, 8 client threads, RSS and open fds
# sampled every 30 s; fails on any 5xx or when either grows after warm-up. Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${WHEELHOUSE_BIN:-$(swift build -c release --show-bin-path)/wheelhouse}
PY=${PYTHON:-.venv/bin/python}
WORK=$(mktemp -d /tmp/wheelhouse-soak.XXXXXX)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
TOKEN=$("$BIN" token create soak --store "$WORK/store" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --store "$WORK/store" --port "$PORT" --log-level error >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
mkdir -p "$WORK/dists"
"$PY" scripts/soak_client.py "http://127.0.0.1:$PORT" "$TOKEN" "$SERVER" "${SOAK_SECONDS:-600}" "$WORK/dists"
