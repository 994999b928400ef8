#!/usr/bin/env python3
"""Soak load for `make soak`: mixed index reads, downloads and uploads (of at most 400 distinct files) against one server on
loopback for a bounded time, sampling the server's RSS and open fds every 30 s.

    soak_client.py BASE_URL TOKEN SERVER_PID SECONDS WORKDIR

Exits 1 on any 5xx, or when RSS or fds are not flat after warm-up (the first sample after 60 s):
RSS may grow at most 25% (and 32 MB), fds at most 16.
"""
import argparse, base64, hashlib, io, json, os, random, sys, threading, time, urllib.request, uuid, zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures"))
from make_dist import write_wheel  # noqa: E402


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def multipart(fields, filename, data):
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for k, v in fields.items():
        out.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode())
    out.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; filename=\"{filename}\"\r\n"
              "Content-Type: application/octet-stream\r\n\r\n".encode())
    out.write(data)
    out.write(f"\r\n--{boundary}--\r\n".encode())
    return boundary, out.getvalue()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base"); p.add_argument("token"); p.add_argument("pid", type=int)
    p.add_argument("seconds", type=int); p.add_argument("work")
    a = p.parse_args()
    auth = "Basic " + base64.b64encode(f"__token__:{a.token}".encode()).decode()
    stop = time.monotonic() + a.seconds
    counts, lock = {}, threading.Lock()
    files = []  # (project, filename)

    def request(method, path, body=None, headers=None):
        req = urllib.request.Request(a.base + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        except Exception:
            status = "error"
        with lock:
            counts[status] = counts.get(status, 0) + 1
        return status

    def upload(n):
        # 400 distinct files at most: later uploads repeat identical bytes (200, unchanged), so the
        # store stops growing and RSS measures the server, not the data.
        n %= 400
        ns = argparse.Namespace(out=a.work, name=f"soak-{n % 40}", version=f"1.{n}", requires_python=None,
                                requires_dist=[], sdist=False, payload=200_000 if n % 4 == 0 else 0,
                                summary="soak", tag="py3-none-any", provides_extra=[])
        path = write_wheel(ns)
        data = open(path, "rb").read()
        os.remove(path)
        fields = {":action": "file_upload", "protocol_version": "1", "name": ns.name, "version": ns.version,
                  "filetype": "bdist_wheel", "pyversion": "py3", "sha256_digest": hashlib.sha256(data).hexdigest()}
        boundary, body = multipart(fields, os.path.basename(path), data)
        status = request("POST", "/legacy/", body, {"Authorization": auth, "Content-Type": f"multipart/form-data; boundary={boundary}"})
        if status == 200:
            with lock:
                if (f"soak-{n % 40}", os.path.basename(path)) not in files:
                    files.append((f"soak-{n % 40}", os.path.basename(path)))

    counter = iter(range(10**9))

    def worker():
        rnd = random.Random()
        while time.monotonic() < stop:
            r = rnd.random()
            if r < 0.05 or not files:
                upload(next(counter))
            elif r < 0.45:
                request("GET", "/simple/", headers={"Accept": rnd.choice(["text/html", "application/vnd.pypi.simple.v1+json"]), "Accept-Encoding": "gzip"})
            elif r < 0.75:
                project, _ = rnd.choice(files)
                request("GET", f"/simple/{project}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
            else:
                project, filename = rnd.choice(files)
                request("GET", f"/packages/{project}/{filename}" + rnd.choice(["", ".metadata"]))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(8)]
    for t in threads:
        t.start()
    samples, started = [], time.monotonic()
    while time.monotonic() < stop:
        time.sleep(min(30, max(0, stop - time.monotonic())))
        s = (round(time.monotonic() - started), rss_kb(a.pid), fds(a.pid), sum(v for v in counts.values()))
        samples.append(s)
        print(f"t={s[0]:4d}s rss={s[1] / 1024:7.1f} MB fds={s[2]:4d} requests={s[3]}", flush=True)
    for t in threads:
        t.join(timeout=60)
    errors = sum(v for k, v in counts.items() if k == "error" or (isinstance(k, int) and k >= 500))
    print("statuses:", json.dumps({str(k): v for k, v in sorted(counts.items(), key=str)}))
    warm = next((s for s in samples if s[0] >= 60), samples[0])
    last = samples[-1]
    ok = errors == 0
    if last[1] > max(warm[1] * 1.25, warm[1] + 32 * 1024):
        print(f"RSS grew after warm-up: {warm[1] / 1024:.1f} -> {last[1] / 1024:.1f} MB"); ok = False
    if last[2] > warm[2] + 16:
        print(f"open fds grew after warm-up: {warm[2]} -> {last[2]}"); ok = False
    print(f"soak: {'flat' if ok else 'NOT flat'}; {errors} 5xx or failed requests")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
