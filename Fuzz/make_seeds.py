#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: `make_seeds.py OUT_DIR` fills OUT_DIR/<target>/.

Seeds come from what the repository already has: the test vectors in
Tests/WheelhouseCoreTests/Vectors (generated from pypa/packaging), a tiny real wheel and sdists
written by Tests/Fixtures/make_dist.py, and the hand-written samples below (simple-API pages,
twine upload bodies, requirements files). Deterministic: the same repository writes the same
files. Standard library only.
"""
import base64
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VECTORS = os.path.join(ROOT, "Tests", "WheelhouseCoreTests", "Vectors")
MAKE_DIST = os.path.join(ROOT, "Tests", "Fixtures", "make_dist.py")


def tsv_column(name, column=0, limit=400):
    """Up to `limit` distinct values of one column, spread evenly over the file."""
    values = []
    with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) > column and cols[column] not in values:
                values.append(cols[column])
    step = max(1, len(values) // limit)
    return values[::step][:limit]


def write(out, target, seeds):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    for seed in seeds:
        data = seed.encode("utf-8", "surrogateescape") if isinstance(seed, str) else seed
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
    return len(seeds)


def make_dist(workdir, *args):
    out = subprocess.run([sys.executable, MAKE_DIST, workdir, *args], check=True, capture_output=True, text=True)
    with open(out.stdout.strip(), "rb") as f:
        return f.read()


def sdist_zip(tar_gz):
    """The same sdist as a .zip (the legacy format indexes still carry)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(tar_gz), mode="r:gz") as t, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for member in t.getmembers():
            data = t.extractfile(member).read() if member.isfile() else b""
            z.writestr(zipfile.ZipInfo(member.name, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def metadata_seeds():
    seeds = []
    with open(os.path.join(VECTORS, "metadata_parse.jsonl"), encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            if "input" in entry:
                seeds.append(base64.b64decode(entry["input"]))
    return seeds


def multipart(boundary, fields, content=None, filename="demo-1.0-py3-none-any.whl", chunk=0):
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    if content is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return bytes([chunk]) + boundary.encode() + b"\n" + body


HTML_PAGE = """<!DOCTYPE html>
<html><head><meta name="pypi:repository-version" content="1.1"><title>Links for demo</title></head><body>
<h1>Links for demo</h1>
<a href="../../packages/demo/demo-1.0-py3-none-any.whl#sha256=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" data-core-metadata="true">demo-1.0-py3-none-any.whl</a><br/>
<a href="https://files.example/demo-1.0.tar.gz#sha256=cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" data-yanked="broken build">demo-1.0.tar.gz</a><br/>
<a href='demo-2.0.zip#md5=0123' data-yanked>demo-2.0.zip</a>
<a href=demo-0.1.tar.gz>demo-0.1.tar.gz</a>
<!-- <a href="x">comment</a> -->
</body></html>
"""

JSON_PAGE = {
    "meta": {"api-version": "1.1", "_last-serial": 7},
    "name": "demo",
    "versions": ["1.0", "2.0"],
    "files": [
        {"filename": "demo-1.0-py3-none-any.whl", "url": "https://files.example/demo-1.0-py3-none-any.whl",
         "hashes": {"sha256": "a" * 64}, "requires-python": ">=3.8", "core-metadata": {"sha256": "b" * 64},
         "size": 1234, "upload-time": "2024-01-01T00:00:00.000000Z", "yanked": False},
        {"filename": "demo-2.0.tar.gz", "url": "../../packages/demo-2.0.tar.gz", "hashes": {"sha256": "c" * 64},
         "dist-info-metadata": True, "yanked": "reason"},
    ],
}

REQUIREMENTS = [
    "requests>=2.31\nnumpy==2.1.0 --hash=sha256:" + "a" * 64 + " \\\n    --hash=sha256:" + "b" * 64 + "\n",
    "# comment\n-r other.txt\n-c constraints.txt\n--index-url https://x.example/simple\nflask[async] ; python_version >= '3.9'\n",
    "-e .\n--extra-index-url=https://y.example\n--pre\nurllib3<3,>=1.26 # trailing comment\n",
    "--requirement more.txt\n--constraint=c.txt\npkg @ https://example.com/pkg.whl\n./local/path\n",
    "demo==1.0\\\n.post1\n\n   \n--no-binary :all:\n",
]


def main():
    out = sys.argv[1]
    counts = {}
    filenames = tsv_column("wheel_filenames.tsv") + tsv_column("sdist_filenames.tsv", limit=300)
    hinted = [f"{f}\n{f.split('-')[0]}" for f in tsv_column("sdist_filenames.tsv", limit=60)]
    counts["fuzz-filename"] = write(out, "fuzz-filename", filenames + hinted)

    counts["fuzz-metadata"] = write(out, "fuzz-metadata", metadata_seeds())

    specs = tsv_column("specifiers.tsv", 0, 200)
    versions = tsv_column("versions.tsv", 0, 300)
    ordered = [f"{a}\n{b}" for a, b in zip(tsv_column("version_order.tsv", 0, 100), tsv_column("version_order.tsv", 1, 100))]
    version_seeds = [f"{s}\n{v}\n{w}" for s, v, w in zip(specs, versions, reversed(versions))] + versions + ordered
    counts["fuzz-version"] = write(out, "fuzz-version", version_seeds)

    counts["fuzz-requirement"] = write(
        out, "fuzz-requirement", tsv_column("requirements.tsv", 0, 400) + tsv_column("markers.tsv", 0, 300))

    reqs = tsv_column("requirements.tsv", 0, 60)
    counts["fuzz-requirements-file"] = write(
        out, "fuzz-requirements-file", REQUIREMENTS + ["\n".join(reqs[i:i + 6]) for i in range(0, len(reqs), 6)])

    json_text = json.dumps(JSON_PAGE)
    counts["fuzz-upstream-page"] = write(out, "fuzz-upstream-page", [
        b"\x00" + HTML_PAGE.encode(), b"\x01" + json_text.encode(), b"\x00<a href=x.whl>x.whl</a>",
        b"\x01" + json.dumps({"meta": {"api-version": "1.0"}, "files": []}).encode()])

    with tempfile.TemporaryDirectory() as work:
        wheel = make_dist(work, "demo", "1.0")
        wheel_rich = make_dist(work, "demo", "1.0", "--requires-python", ">=3.8", "--requires-dist", "requests>=2; extra == 'net'",
                               "--provides-extra", "net", "--metadata-version", "2.4")
        sdist = make_dist(work, "demo", "1.0", "--sdist")
    counts["fuzz-wheel"] = write(out, "fuzz-wheel", [wheel, wheel_rich])
    counts["fuzz-sdist"] = write(out, "fuzz-sdist", [sdist, sdist_zip(sdist), gzip.compress(b"not a tar")])

    fields = [(":action", "file_upload"), ("protocol_version", "1"), ("name", "demo"), ("version", "1.0"),
              ("filetype", "bdist_wheel"), ("sha256_digest", hashlib.sha256(wheel).hexdigest())]
    counts["fuzz-multipart"] = write(out, "fuzz-multipart", [
        multipart("----twine-boundary", fields, wheel[:300]),
        multipart("xYzZY", fields[:2], b"\r\n--xYzZ\r\nbody\r", chunk=7),
        multipart("b", [("a", "1"), ("a", "2")], None, chunk=1),
        multipart("----twine-boundary", fields, b"x" * 100, filename='a\\"b.whl', chunk=64),
    ])
    for target, count in sorted(counts.items()):
        print(f"{target}: {count} seeds")


if __name__ == "__main__":
    main()
