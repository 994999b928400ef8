"""Reads the legacy JSON API of a running index as bandersnatch and scanners do, checking its
structure with `packaging`, and downloads each listed file to compare its sha256 and size.
Prints a JSON summary: {"project": ..., "latest": ..., "versions": [...], "files": N, ...}.

usage: legacy_json_reader.py BASE_URL PROJECT
"""

import hashlib
import json
import sys
import urllib.request

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename, parse_sdist_filename
from packaging.version import Version

base, project = sys.argv[1], sys.argv[2]


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.status, r.headers, r.read()


status, headers, body = get(f"{base}/pypi/{project}/json")
assert status == 200 and headers["Content-Type"].startswith("application/json"), (status, headers)
doc = json.loads(body)
info = doc["info"]
assert canonicalize_name(info["name"]) == canonicalize_name(project), info["name"]
latest = Version(info["version"])
for r in info["requires_dist"] or []:
    Requirement(r)
if info["requires_python"]:
    SpecifierSet(info["requires_python"])
assert isinstance(doc["last_serial"], int) and doc["vulnerabilities"] == []
versions = sorted(doc["releases"], key=Version)
files = 0
for version, release in doc["releases"].items():
    for f in release:
        if f["packagetype"] == "bdist_wheel":
            name, v, _, _ = parse_wheel_filename(f["filename"])
        else:
            name, v = parse_sdist_filename(f["filename"])
        assert v == Version(version) and canonicalize_name(name) == canonicalize_name(project), f["filename"]
        _, _, data = get(f["url"])
        assert hashlib.sha256(data).hexdigest() == f["digests"]["sha256"], f["filename"]
        assert len(data) == f["size"], f["filename"]
        files += 1
# The version document agrees with the project document.
_, _, body = get(f"{base}/pypi/{project}/{info['version']}/json")
single = json.loads(body)
assert single["info"]["version"] == info["version"] and "releases" not in single
assert [f["filename"] for f in single["urls"]] == [f["filename"] for f in doc["urls"]]
print(json.dumps({
    "project": info["name"], "latest": str(latest), "versions": versions, "files": files,
    "requires_dist": info["requires_dist"], "yanked": sorted(v for v, r in doc["releases"].items() if r and all(f["yanked"] for f in r)),
}))
