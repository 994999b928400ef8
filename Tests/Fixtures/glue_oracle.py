#!/usr/bin/env python3
"""Does what Glue does with a manifest, and checks the result (the manifest tests' oracle).

    glue_oracle.py ENDPOINT OUT_DIR --python X.Y [--platform TAG]... MANIFEST_VALUE

Downloads every `s3://` URI of the comma-separated MANIFEST_VALUE from the S3 emulator at
ENDPOINT (a `.zip` bundle is unpacked to its wheels), then installs them all at once with
`pip install --no-index` (no index, no find-links: only the listed files) for the target
Python and platforms. pip must accept the set. Then checks it as `pip check` does:
- a target this interpreter can run (same X.Y, no --platform): a fresh venv, installed into
  with `pip --python`, then `pip check` on it;
- a foreign target: `pip install --target` with --python-version/--platform/--only-binary,
  then every installed distribution's Requires-Dist (markers evaluated for the target, the
  extras some dependent asked for honoured) must be met by the installed versions.
Prints one JSON object: {"installed": {name: version}, "downloaded": [filename]}. Exits 1 with
pip's output on failure.
"""
import argparse
import json
import os
import subprocess
import sys
import venv
import zipfile

import boto3
from botocore.config import Config
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version


def fail(message, output=""):
    print(message + ("\n" + output if output else ""), file=sys.stderr)
    sys.exit(1)


def download(endpoint, value, directory):
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                      aws_secret_access_key="testing", config=Config(s3={"addressing_style": "path"}))
    files = []
    for uri in value.split(","):
        if not uri.startswith("s3://"):
            fail(f"not an s3:// URI: {uri!r}")
        bucket, _, key = uri[len("s3://"):].partition("/")
        path = os.path.join(directory, key.rsplit("/", 1)[-1])
        if os.path.exists(path):
            fail(f"two URIs name the file {os.path.basename(path)}")
        s3.download_file(bucket, key, path)
        if path.endswith(".zip"):
            with zipfile.ZipFile(path) as bundle:
                for name in bundle.namelist():
                    if "/" in name or not name.endswith(".whl"):
                        fail(f"the bundle {uri} holds {name!r}, not only wheels at its root")
                    bundle.extract(name, directory)
                    files.append(os.path.join(directory, name))
            os.remove(path)
        else:
            files.append(path)
    return files


def run(args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        fail("failed: " + " ".join(args), result.stdout + result.stderr)
    return result.stdout


def target_environment(python):
    env = default_environment()
    env.update({"python_version": python, "python_full_version": python + ".0", "sys_platform": "linux",
                "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64",
                "implementation_name": "cpython", "platform_python_implementation": "CPython"})
    return env


def check_closure(site, python):
    """pip check's rule over a --target directory, for the target's markers."""
    from importlib.metadata import distributions
    dists = {canonicalize_name(d.metadata["Name"]): d for d in distributions(path=[site])}
    env = target_environment(python)
    requested = {name: set() for name in dists}
    for dist in dists.values():
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate(dict(env, extra="")):
                requested.setdefault(canonicalize_name(req.name), set()).update(req.extras)
    problems = []
    for name, dist in sorted(dists.items()):
        for line in dist.requires or []:
            req = Requirement(line)
            extras = requested.get(name, set()) | {""}
            if req.marker is not None and not any(req.marker.evaluate(dict(env, extra=e)) for e in extras):
                continue
            dep = dists.get(canonicalize_name(req.name))
            if dep is None:
                problems.append(f"{name} {dist.version} requires {req.name}, which is not installed")
            elif not req.specifier.contains(Version(dep.version), prereleases=True):
                problems.append(f"{name} {dist.version} has requirement {req}, but you have {req.name} {dep.version}")
    if problems:
        fail("dependency check failed:\n" + "\n".join(problems))
    return {name: d.version for name, d in dists.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("endpoint")
    p.add_argument("out")
    p.add_argument("value")
    p.add_argument("--python", required=True)
    p.add_argument("--platform", action="append", default=[])
    args = p.parse_args()
    downloads = os.path.join(args.out, "downloads")
    os.makedirs(downloads)
    files = download(args.endpoint, args.value, downloads)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "--isolated"]
    native = not args.platform and args.python == f"{sys.version_info.major}.{sys.version_info.minor}"
    if native:
        env_dir = os.path.join(args.out, "venv")
        venv.create(env_dir, with_pip=False)
        target_python = os.path.join(env_dir, "bin", "python")
        run(pip + ["--python", target_python, "install", "--no-index", "--no-cache-dir"] + files)
        run(pip + ["--python", target_python, "check"])
        listed = json.loads(run(pip + ["--python", target_python, "list", "--format", "json"]))
        installed = {canonicalize_name(d["name"]): d["version"] for d in listed}
    else:
        site = os.path.join(args.out, "site")
        platforms = [arg for tag in args.platform for arg in ("--platform", tag)]
        run(pip + ["install", "--no-index", "--no-cache-dir", "--target", site, "--only-binary=:all:",
                   "--python-version", args.python, "--implementation", "cp"] + platforms + files)
        installed = check_closure(site, args.python)
    print(json.dumps({"installed": installed, "downloaded": sorted(os.path.basename(f) for f in files)}))


if __name__ == "__main__":
    main()
