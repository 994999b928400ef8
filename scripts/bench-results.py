#!/usr/bin/env python3
"""The figures of `make bench`, side by side with their peers, in one results file.

Runs the shared index harness (SHARED_BENCH, default ../shared/bench: run_peers.py) with
nginx serving the static tree and Wheelhouse in its default configuration (access log on),
in interleaved rounds (each round measures nginx, then Wheelhouse, with one run each), then
every figure script that exists (scripts/bench-*-figures.sh, and scripts/bench-scale.sh),
and writes bench/results/<date>-<commit>.json and .md with the date, machine (nproc, memory,
CPU model), load average before and after, and commit.

A figure row (the interface figure scripts print, a JSON array on stdout):
  {"figure": str, "unit": str, "wheelhouse": number, "peer_name": str, "peer": number,
   "ratio": number, "goal": str, "better": "higher" | "lower"}

Environment: BENCH_QUICK=1 (one round of 3 s), BENCH_COMMIT (where git cannot say), BENCH_ROUNDS, BENCH_DURATION, BENCH_STATE,
SHARED_BENCH, BENCH_FIGURES (space-separated scripts; default: all that exist), BENCH_SCALE=0
(skip the scale run). Every figure is a ratio against a peer measured in the same run; none is
a test.
"""
import argparse
import datetime
import glob
import json
import os
import re
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def machine():
    info = {"nproc": os.cpu_count()}
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["memory_mib"] = int(line.split()[1]) // 1024
    except OSError:
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["kernel"] = os.uname().release
    return info


def commit():
    def git(*args):
        return subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True).stdout.strip()
    head = git("rev-parse", "--short=10", "HEAD") or os.environ.get("BENCH_COMMIT", "unknown")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return head, dirty


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def met(row):
    """True/False for a goal `≥ x×` / `≤ x×` (the ratio against the peer) or `≤ x unit` (the
    value itself, e.g. `≤ 1 s`); None when there is no goal."""
    goal = row.get("goal") or ""
    m = re.match(r"\s*(≥|>=|≤|<=|<|>)\s*([0-9.]+)", goal)
    if not m:
        return None
    # A ratio goal names its bound with × or x ("≥ 0.8×", "<= 1.0x the time"); any other is a value.
    value = row.get("ratio") if re.search(r"[0-9.]\s*[×x](\s|$)", goal) else row.get("wheelhouse")
    if value is None:
        return None
    bound = float(m.group(2))
    return value >= bound if m.group(1) in ("≥", ">=", ">") else value <= bound


def run_harness(args, binary, rounds, duration, state):
    """Interleaved rounds of run_peers.py; returns the per-round result files."""
    runner = os.path.join(args.shared, "run_peers.py")
    files = []
    for i in range(rounds):
        out = os.path.join(state, f"round-{i + 1}.json")
        cmd = [sys.executable, runner, "--servers", "nginx-static", "--repeats", "1",
               "--duration", str(duration), "--threads", "2", "--conns", "32", "--state", state, "--json", out,
               "--extra-prepare", f"wheelhouse={binary} upload --store {{state}}/store {{root}}",
               "--extra", f"wheelhouse={binary} serve --store {{state}}/store --host {{host}} --port {{port}}"]
        log(f"round {i + 1}/{rounds}: nginx-static, wheelhouse (wrk {duration} s), load {loadavg()}")
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL if not args.verbose else None)
        if r.returncode != 0:
            raise SystemExit(f"run_peers.py failed (exit {r.returncode}) in round {i + 1}")
        files.append(out)
    return files


def harness_rows(files):
    samples = {}
    loads = []
    for path in files:
        with open(path) as f:
            data = json.load(f)
        for res in data["results"]:
            s = samples.setdefault(res["name"], {"rps": {}, "p99": {}, "dl": [], "cold": [], "rss": [], "pip": [], "uv": []})
            for page, runs in res.get("wrk", {}).items():
                for run in runs:
                    s["rps"].setdefault(page, []).append(run.get("rps"))
                    s["p99"].setdefault(page, []).append(run.get("p99_ms"))
            s["dl"] += [d.get("MBps") for d in res.get("dl", []) if d.get("code") == 200]
            s["cold"] += res.get("cold_s", [])
            s["rss"].append(res.get("rss_after_kib"))
            s["pip"].append((res.get("pip") or {}).get("median"))
            s["uv"].append((res.get("uv") or {}).get("median"))
            loads.append({"server": res["name"], "before": res.get("loadavg_before"), "after": res.get("loadavg_after")})
    wh, ng = samples.get("wheelhouse"), samples.get("nginx-static")
    if not wh or not ng:
        raise SystemExit("the harness did not measure both nginx-static and wheelhouse")
    rows = []
    pages = {"root": "/simple/", "hot": "500-file project page", "small": "small project page"}

    def add(figure, unit, w, p, goal, better):
        w, p = median(w), median(p)
        if w is None or p is None:
            return
        r = ratio(w, p)  # Wheelhouse over the peer, whichever way is better
        rows.append({"figure": figure, "unit": unit, "wheelhouse": round(w, 3), "peer_name": "nginx-static",
                     "peer": round(p, 3), "ratio": r, "goal": goal, "better": better})

    for key, name in pages.items():
        add(f"{name} req/s", "req/s", wh["rps"].get(key, []), ng["rps"].get(key, []), "≥ 0.8×", "higher")
    for key, name in pages.items():
        add(f"p99 latency of {name}", "ms", wh["p99"].get(key, []), ng["p99"].get(key, []), "≤ 2×", "lower")
    add("50 MB download", "MB/s", wh["dl"], ng["dl"], "≥ 1.0×", "higher")
    add("cold start to first page", "s", wh["cold"], ng["cold"], "", "lower")
    add("RSS after the wrk runs", "MiB", [v / 1024 for v in wh["rss"] if v], [v / 1024 for v in ng["rss"] if v], "", "lower")
    add("pip install of 20 projects", "s", wh["pip"], ng["pip"], "", "lower")
    add("uv pip install of 20 projects", "s", wh["uv"], ng["uv"], "", "lower")
    return rows, loads


def figure_scripts(args):
    if os.environ.get("BENCH_FIGURES"):
        return os.environ["BENCH_FIGURES"].split()
    scripts = sorted(glob.glob(os.path.join(REPO, "scripts", "bench-*-figures.sh")))
    scale = os.path.join(REPO, "scripts", "bench-scale.sh")
    if os.path.exists(scale) and os.environ.get("BENCH_SCALE", "1") != "0":
        scripts.append(scale)
    return scripts


def run_figures(scripts, binary):
    rows, notes = [], []
    env = dict(os.environ, WHEELHOUSE_BIN=binary)
    for script in scripts:
        log(f"figures: {os.path.relpath(script, REPO)}, load {loadavg()}")
        r = subprocess.run([script], capture_output=True, text=True, env=env, cwd=REPO)
        name = os.path.relpath(script, REPO)
        if r.returncode != 0:
            notes.append(f"{name} failed (exit {r.returncode}): {r.stderr.strip()[-300:]}")
            continue
        try:
            got = json.loads(r.stdout)
            assert isinstance(got, list)
        except (ValueError, AssertionError):
            notes.append(f"{name} printed no JSON array")
            continue
        for row in got:
            row.setdefault("source", name)
            rows.append(row)
    return rows, notes


def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:,.1f}"
    return f"{v:,.2f}"


def markdown(result):
    m = result["meta"]
    mach = m["machine"]
    lines = [
        f"Measured {m['date']} at commit `{m['commit']}`{' (uncommitted changes)' if m['dirty'] else ''}, release build, "
        f"on {mach.get('nproc')} cores ({mach.get('cpu', '?')}), {mach.get('memory_mib', 0) / 1024:.0f} GiB; "
        f"load average {m['loadavg_before'][0]:.2f} before, {m['loadavg_after'][0]:.2f} after. "
        f"{m['rounds']} interleaved round(s) of the shared harness (wrk -t2 -c32 -d{m['duration']}s, loopback), "
        f"medians; Wheelhouse in its default configuration (access log on).",
        "",
        "| figure | Wheelhouse | peer | ratio | goal | met |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        unit = row.get("unit", "")
        lines.append(
            f"| {row['figure']} | {fmt(row.get('wheelhouse'))} {unit} | {row.get('peer_name', '')} {fmt(row.get('peer'))} {unit} "
            f"| {fmt(row.get('ratio'))}× | {row.get('goal') or '–'} | {fmt(row.get('met'))} |")
    if result.get("notes"):
        lines += ["", *[f"- {n}" for n in result["notes"]]]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="the release wheelhouse binary")
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "results"))
    ap.add_argument("--shared", default=os.environ.get("SHARED_BENCH", os.path.join(REPO, "..", "shared", "bench")))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    quick = os.environ.get("BENCH_QUICK") == "1"
    rounds = int(os.environ.get("BENCH_ROUNDS", "1" if quick else "3"))
    duration = int(os.environ.get("BENCH_DURATION", "3" if quick else "10"))
    state = os.environ.get("BENCH_STATE", "/tmp/wheelhouse-bench/state")
    os.makedirs(state, exist_ok=True)
    binary = os.path.abspath(args.bin)

    before = loadavg()
    started = datetime.datetime.now(datetime.timezone.utc)
    head, dirty = commit()
    files = run_harness(args, binary, rounds, duration, state)
    rows, loads = harness_rows(files)
    more, notes = run_figures(figure_scripts(args), binary)
    rows += more
    for row in rows:
        row["met"] = met(row)
    result = {
        "meta": {"date": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": head, "dirty": dirty,
                 "machine": machine(), "loadavg_before": before, "loadavg_after": loadavg(),
                 "rounds": rounds, "duration": duration, "quick": quick, "harness_loads": loads},
        "rows": rows,
        "notes": notes,
    }
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, f"{started.strftime('%Y-%m-%d')}-{head}")
    with open(base + ".json", "w") as f:
        json.dump(result, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(base + ".md", "w") as f:
        f.write(f"# Benchmark {started.strftime('%Y-%m-%d')} ({head})\n\n" + markdown(result))
    log(f"wrote {base}.json and .md")
    print(markdown(result))


if __name__ == "__main__":
    main()
