#!/usr/bin/env bash
# Index pages against nginx serving the very bytes Wheelhouse serves.
#
# The shared harness's static tree (make_static_index.py) holds smaller pages than Wheelhouse's:
# its links carry no data-core-metadata, data-dist-info-metadata or data-requires-python, so
# nginx sends 87 KB where Wheelhouse sends 206 KB for the 500-file page. This compares equal
# bytes: the corpus is ingested into a store, Wheelhouse's answers (no Accept header, as wrk
# sends) for /simple/, the 500-file page and the small page are saved into a tree, and nginx
# (the harness's settings: sendfile, tcp_nopush, access log off) serves that tree. The two
# servers are measured in interleaved rounds with wrk -t2 -c32.
# Prints a JSON array of rows on stdout; progress goes to stderr.
# Usage: scripts/bench-same-bytes-figures.sh [BIN]
#   BIN: a release `wheelhouse` (default: WHEELHOUSE_BIN, which `make bench` sets). Env:
#   BENCH_CORPUS (/tmp/bench-corpus, made by the harness), SAME_BYTES_ROUNDS (3),
#   BENCH_DURATION (10).
set -euo pipefail
BIN=$(realpath "${1:-${WHEELHOUSE_BIN:?usage: bench-same-bytes-figures.sh BIN, or WHEELHOUSE_BIN set}}")
cd "$(dirname "$0")/.."
CORPUS=${BENCH_CORPUS:-/tmp/bench-corpus}
ROUNDS=${SAME_BYTES_ROUNDS:-3}
DURATION=${BENCH_DURATION:-10}
[ -f "$CORPUS/manifest.json" ] || { echo "no corpus at $CORPUS (the shared harness makes it)" >&2; exit 1; }
command -v nginx >/dev/null && command -v wrk >/dev/null || { echo "needs nginx and wrk" >&2; exit 1; }
WORK=$(mktemp -d /tmp/wh-bench-same-bytes.XXXX)
chmod 755 "$WORK"  # nginx workers run as another user when started as root
WH_PID=""; NGINX_PID=""
trap '[ -n "$WH_PID" ] && kill "$WH_PID" 2>/dev/null; [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
log() { echo "$@" >&2; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$1/simple/" && return 0; sleep 0.1; done; return 1; }

read -r HOT SMALL < <(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['hot_project'], m['small_project'])" "$CORPUS/manifest.json")
log "== ingesting $CORPUS into a store"
"$BIN" upload --store "$WORK/store" --jobs 2 "$CORPUS/packages" >/dev/null

WH_PORT=$(port)
"$BIN" serve --store "$WORK/store" --host 127.0.0.1 --port "$WH_PORT" >"$WORK/wheelhouse.log" 2>&1 &
WH_PID=$!
wait_up "$WH_PORT"
declare -A PATHS=([root]="/simple/" [hot]="/simple/$HOT/" [small]="/simple/$SMALL/")
for key in root hot small; do
  mkdir -p "$WORK/tree${PATHS[$key]}"
  curl -sf -H "Accept:" -o "$WORK/tree${PATHS[$key]}index.html" "http://127.0.0.1:$WH_PORT${PATHS[$key]}"
  log "$key: $(stat -c %s "$WORK/tree${PATHS[$key]}index.html") bytes"
done

NG_PORT=$(port)
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path $WORK/nginx/tmp_body;
    proxy_temp_path $WORK/nginx/tmp_proxy;
    fastcgi_temp_path $WORK/nginx/tmp_fcgi;
    uwsgi_temp_path $WORK/nginx/tmp_uwsgi;
    scgi_temp_path $WORK/nginx/tmp_scgi;
    server {
        listen 127.0.0.1:$NG_PORT;
        root $WORK/tree;
        index index.html;
    }
}
EOF
nginx -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
wait_up "$NG_PORT"
for key in root hot small; do
  cmp -s <(curl -sf -H "Accept:" "http://127.0.0.1:$NG_PORT${PATHS[$key]}") <(curl -sf -H "Accept:" "http://127.0.0.1:$WH_PORT${PATHS[$key]}") \
    || { log "$key: nginx and Wheelhouse do not send the same bytes"; exit 1; }
done

rps() { wrk -t2 -c32 -d"${DURATION}s" "http://127.0.0.1:$1$2" | awk '/Requests\/sec/ {print $2}'; }
declare -A WH NG
for round in $(seq "$ROUNDS"); do
  for key in root hot small; do
    NG[$key]+="$(rps "$NG_PORT" "${PATHS[$key]}") "
    WH[$key]+="$(rps "$WH_PORT" "${PATHS[$key]}") "
  done
  log "round $round/$ROUNDS (root hot small, req/s): nginx ${NG[root]}${NG[hot]}${NG[small]}; wheelhouse ${WH[root]}${WH[hot]}${WH[small]}; load $(cut -d' ' -f1 /proc/loadavg)"
done

median() { python3 -c 'import statistics, sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
declare -A NAMES=([root]="/simple/" [hot]="500-file project page" [small]="small project page")
ROWS=()
for key in root hot small; do
  # shellcheck disable=SC2086
  w=$(median ${WH[$key]}); n=$(median ${NG[$key]})
  ROWS+=("$(printf '{"figure": "%s req/s, same bytes", "unit": "req/s", "wheelhouse": %s, "peer_name": "nginx serving these pages", "peer": %s, "ratio": %s, "goal": "≥ 0.8×", "better": "higher"}' \
    "${NAMES[$key]}" "$w" "$n" "$(python3 -c "print(round($w / $n, 3))")")")
done
printf '[\n'
for i in "${!ROWS[@]}"; do
  printf '  %s%s\n' "${ROWS[$i]}" "$([ "$i" -lt $((${#ROWS[@]} - 1)) ] && echo ,)"
done
printf ']\n'
