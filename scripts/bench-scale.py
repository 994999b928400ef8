#!/usr/bin/env python3
"""The scale run of `make bench`: generated stores of 10 files per project, at two sizes
(default 1,000 and 10,000 projects: 10,000 and 100,000 files), each served by Wheelhouse
beside nginx serving the same root list as a static file.

Per size: cold start to the first `/simple/` page (process start to the first 200), RSS after
a wrk run over random project pages, and `/simple/` req/s against nginx's. Prints figure rows
(a JSON array, the interface of scripts/bench-results.py) on stdout; progress on stderr.

The store is written in its normal layout (`_wheelhouse/projects/<name>.json` records and
`packages/<name>/<file>`), with small placeholder files: the index never reads the files.
Environment: WHEELHOUSE_BIN (required), SCALE_PROJECTS ("1000 10000"), BENCH_QUICK=1 (3 s wrk
runs), BENCH_DURATION, SCALE_DIR (/tmp/wheelhouse-bench/scale).
"""
import hashlib
import json
import os
import random
import statistics
import shutil
import signal
import socket
import subprocess
import sys
import time

BIN = os.environ.get("WHEELHOUSE_BIN")
QUICK = os.environ.get("BENCH_QUICK") == "1"
DURATION = int(os.environ.get("BENCH_DURATION", "3" if QUICK else "10"))
# Rounds of the root list's wrk run per server, interleaved; medians.
ROUNDS = int(os.environ.get("SCALE_ROUNDS", "1" if QUICK else "3"))
SIZES = [int(x) for x in os.environ.get("SCALE_PROJECTS", "1000 10000").split()]
BASE = os.environ.get("SCALE_DIR", "/tmp/wheelhouse-bench/scale")
FILES_PER_PROJECT = 10


def log(msg):
    print(f"[scale] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generate(root, projects):
    stamp = os.path.join(root, ".generated-2")  # bumped when the generated store or static root changes
    if os.path.exists(stamp):
        return
    shutil.rmtree(root, ignore_errors=True)
    records = os.path.join(root, "store", "_wheelhouse", "projects")
    os.makedirs(records)
    os.makedirs(os.path.join(root, "static", "simple"))
    started = time.time()
    names = []
    for p in range(projects):
        name = f"scale-pkg-{p:05d}"
        names.append(name)
        stem = name.replace("-", "_")
        folder = os.path.join(root, "store", "packages", name)
        os.makedirs(folder)
        files = []
        for v in range(FILES_PER_PROJECT):
            filename = f"{stem}-1.{v}.0-py3-none-any.whl"
            data = f"placeholder {filename}\n".encode()
            with open(os.path.join(folder, filename), "wb") as f:
                f.write(data)
            files.append({"filename": filename, "package_type": "bdist_wheel", "python_tag": "py3",
                          "requires_python": ">=3.8", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                          "upload_time": "2026-11-30T00:00:00.000000Z", "version": f"1.{v}.0", "yanked": False})
        with open(os.path.join(records, f"{name}.json"), "w") as f:
            json.dump({"display_name": name, "files": files, "name": name, "schema_version": 1}, f, separators=(",", ":"))
    # nginx's root list: the same links as Wheelhouse's, as a static file.
    links = "".join(f'    <a href="{n}/">{n}</a>\n' for n in names)
    with open(os.path.join(root, "static", "simple", "index.html"), "w") as f:
        f.write('<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n'
                f'    <title>Simple index</title>\n  </head>\n  <body>\n{links}  </body>\n</html>\n')
    open(stamp, "w").close()
    log(f"generated {projects} projects, {projects * FILES_PER_PROJECT} files in {time.time() - started:.1f} s")


def wait_ok(url, deadline):
    import urllib.request
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    r.read()
                    return True
        except OSError:
            time.sleep(0.005)
    return False


def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def wrk(url, script=None):
    cmd = ["wrk", "-t2", "-c32", f"-d{DURATION}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise RuntimeError(f"wrk printed no rate: {out[-300:]}")


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def measure(projects):
    root = os.path.join(BASE, f"p{projects}")
    generate(root, projects)
    files = projects * FILES_PER_PROJECT
    rows = []
    # Random project pages for wrk.
    script = os.path.join(root, "random.lua")
    with open(script, "w") as f:
        f.write(f'math.randomseed(42)\nrequest = function()\n  return wrk.format("GET", string.format("/simple/scale-pkg-%05d/", math.random(0, {projects - 1})))\nend\n')

    # nginx: the root list as a static file.
    nport = free_port()
    conf = os.path.join(root, "nginx.conf")
    for d in ("tmp_body", "tmp_proxy", "tmp_fcgi", "tmp_uwsgi", "tmp_scgi"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    with open(conf, "w") as f:
        f.write(f"""worker_processes auto; daemon off; pid {root}/nginx.pid; error_log {root}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{ include /etc/nginx/mime.types; default_type application/octet-stream; access_log off; sendfile on;
  tcp_nopush on; keepalive_requests 100000; client_body_temp_path {root}/tmp_body; proxy_temp_path {root}/tmp_proxy;
  fastcgi_temp_path {root}/tmp_fcgi; uwsgi_temp_path {root}/tmp_uwsgi; scgi_temp_path {root}/tmp_scgi;
  server {{ listen 127.0.0.1:{nport}; root {root}/static; index index.html; }} }}
""")
    started = time.time()
    nginx = subprocess.Popen(["nginx", "-c", conf], start_new_session=True, stderr=subprocess.DEVNULL)
    if not wait_ok(f"http://127.0.0.1:{nport}/simple/", time.time() + 10):
        stop(nginx)
        raise RuntimeError("nginx did not start")
    nginx_cold = time.time() - started
    nginx_rates = [wrk(f"http://127.0.0.1:{nport}/simple/")]
    nginx_pids = [nginx.pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(nginx.pid)], capture_output=True, text=True).stdout.split()]
    nginx_rss = rss_kib(nginx_pids)

    # Wheelhouse, default configuration; its log goes to a file.
    wport = free_port()
    with open(os.path.join(root, "server.log"), "ab") as logf:
        started = time.time()
        server = subprocess.Popen([BIN, "serve", "--store", os.path.join(root, "store"), "--host", "127.0.0.1", "--port", str(wport)],
                                  start_new_session=True, stdout=logf, stderr=logf)
        try:
            if not wait_ok(f"http://127.0.0.1:{wport}/simple/", time.time() + 60):
                raise RuntimeError("wheelhouse did not answer /simple/")
            cold = time.time() - started
            wrk(f"http://127.0.0.1:{wport}/", script)  # every project page, randomly
            rss = rss_kib([server.pid])
            # The root list, in interleaved rounds with nginx's (which is still running).
            rates = [wrk(f"http://127.0.0.1:{wport}/simple/")]
            for _ in range(ROUNDS - 1):
                nginx_rates.append(wrk(f"http://127.0.0.1:{nport}/simple/"))
                rates.append(wrk(f"http://127.0.0.1:{wport}/simple/"))
        finally:
            stop(server)
            stop(nginx)
    rps, nginx_rps = statistics.median(rates), statistics.median(nginx_rates)
    label = f"{files:,} files in {projects:,} projects"
    rows.append({"figure": f"scale, {label}: cold start to the first /simple/", "unit": "s", "wheelhouse": round(cold, 3),
                 "peer_name": "nginx-static", "peer": round(nginx_cold, 3), "ratio": round(cold / nginx_cold, 2),
                 "goal": "≤ 1 s" if files >= 100_000 else "", "better": "lower"})
    rows.append({"figure": f"scale, {label}: RSS after wrk over random project pages", "unit": "MiB",
                 "wheelhouse": round(rss / 1024, 1), "peer_name": "nginx-static", "peer": round(nginx_rss / 1024, 1),
                 "ratio": round(rss / nginx_rss, 2) if nginx_rss else None,
                 "goal": "≤ 200 MiB" if files >= 100_000 else "", "better": "lower"})
    rows.append({"figure": f"scale, {label}: /simple/ req/s", "unit": "req/s", "wheelhouse": round(rps, 1),
                 "peer_name": "nginx-static", "peer": round(nginx_rps, 1), "ratio": round(rps / nginx_rps, 3),
                 "goal": "≥ 0.8×", "better": "higher"})
    log(f"{label}: cold {cold:.3f} s, RSS {rss / 1024:.0f} MiB, /simple/ {rps:,.0f} vs nginx {nginx_rps:,.0f} req/s")
    return rows


def main():
    if not BIN:
        raise SystemExit("WHEELHOUSE_BIN must name the wheelhouse binary")
    rows = []
    for projects in SIZES:
        rows += measure(projects)
    json.dump(rows, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
