#!/usr/bin/env python3
"""Does what Glue does with a manifest, and checks the result (the manifest tests' oracle).

    glue_oracle.py ENDPOINT OUT_DIR --python X.Y [--platform TAG]... [--pip VERSION]
                   [--preinstalled GLUE_LIST] MANIFEST_VALUE

Downloads the `s3://` URIs of MANIFEST_VALUE from the S3 emulator at ENDPOINT and installs
them as Glue does, for the target Python and platforms:
- the comma-separated URIs of wheels (`urls`): `pip install --no-index` of exactly those files;
- one `.gluewheels.zip` (`zip`): its layout is checked (a top-level `wheels/` folder holding
  only wheels and `requirements.txt`, which pins every wheel `name==version`), then
  `pip install --no-index --find-links wheels -r wheels/requirements.txt`;
- one `.txt` requirements file (`requirements`): `pip install -r` it (its `--index-url` names a
  running Wheelhouse server; its hashes are checked by pip).
The installer is pip VERSION (`--pip`, in a cached venv; default: this interpreter's pip), and
the environment already holds GLUE_LIST's libraries (`--preinstalled`, `name==version` lines),
as a Glue runtime does. Then the result is checked as `pip check` does:
- a target this interpreter can run (same X.Y, no --platform): a fresh venv whose
  site-packages holds a stub `.dist-info` (METADATA with name and version, RECORD) per
  preinstalled library, installed into with `pip --python`, then `pip check` on it;
- a foreign target: `pip install --target` with --python-version/--platform/--only-binary,
  the preinstalled libraries offered as stub wheels on --find-links (pip's --target mode
  ignores what is installed), then every installed distribution's Requires-Dist (markers
  evaluated for the target, the extras some dependent asked for honoured) must be met.
Prints one JSON object: {"installed": {name: version} of what the manifest added or replaced,
"preinstalled": {name: version} of the preinstalled libraries afterwards, "downloaded":
[filename], "pip": version}. Exits 1 with pip's output on failure.
"""
import argparse
import base64
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import tempfile
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


STUB_SUMMARY = "glue-oracle stub of a preinstalled library"


def download(endpoint, value, directory):
    """The install arguments for the manifest's format, and the files downloaded."""
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
        files.append(path)
    if len(files) == 1 and files[0].endswith(".gluewheels.zip"):
        return unpack_gluewheels(files[0], directory)
    if len(files) == 1 and files[0].endswith(".txt"):
        return ["-r", files[0]], [os.path.basename(files[0])]
    for path in files:
        if not path.endswith(".whl"):
            fail(f"{os.path.basename(path)} is not a wheel; a manifest of URLs lists wheels only")
    return files, [os.path.basename(f) for f in files]


def unpack_gluewheels(path, directory):
    """Glue's zip of wheels: `wheels/*.whl` and `wheels/requirements.txt` pinning each wheel."""
    with zipfile.ZipFile(path) as bundle:
        names = bundle.namelist()
        for name in names:
            if not name.startswith("wheels/") or "/" in name[len("wheels/"):].rstrip("/"):
                fail(f"the zip holds {name!r}, outside a flat top-level wheels/ folder")
        if "wheels/requirements.txt" not in names:
            fail("the zip has no wheels/requirements.txt")
        wheels = sorted(n[len("wheels/"):] for n in names if n.endswith(".whl"))
        if len(wheels) + 1 != len([n for n in names if not n.endswith("/")]):
            fail(f"the zip holds more than wheels and requirements.txt: {names}")
        bundle.extractall(directory)
    requirements = os.path.join(directory, "wheels", "requirements.txt")
    pins = {}
    with open(requirements) as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            req = Requirement(line)
            spec = list(req.specifier)
            if len(spec) != 1 or spec[0].operator != "==":
                fail(f"requirements.txt line {line!r} is not name==version")
            pins[canonicalize_name(req.name)] = spec[0].version
    shipped = {}
    for wheel in wheels:
        name, version = wheel.split("-")[:2]
        shipped[canonicalize_name(name)] = version
    if pins != shipped:
        fail(f"requirements.txt pins {pins}, the zip holds {shipped}")
    folder = os.path.join(directory, "wheels")
    return ["--find-links", folder, "-r", requirements], wheels


def read_glue_list(path):
    libraries = {}
    with open(path) as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line:
                name, _, version = line.partition("==")
                libraries[canonicalize_name(name.strip())] = version.strip()
    return libraries


def stub_metadata(name, version):
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {STUB_SUMMARY}\n"


def stub_dist_info(site, name, version):
    """An installed distribution pip can see, check and uninstall: METADATA, INSTALLER, RECORD."""
    folder = f"{name.replace('-', '_')}-{version}.dist-info"
    path = os.path.join(site, folder)
    os.makedirs(path)
    files = {"METADATA": stub_metadata(name, version), "INSTALLER": "glue\n"}
    record = []
    for filename, text in files.items():
        with open(os.path.join(path, filename), "w") as handle:
            handle.write(text)
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{folder}/{filename},sha256={digest},{len(text.encode())}")
    record.append(f"{folder}/RECORD,,")
    with open(os.path.join(path, "RECORD"), "w") as handle:
        handle.write("\n".join(record) + "\n")


def stub_wheel(directory, name, version):
    stem = f"{name.replace('-', '_')}-{version}"
    files = {f"{stem}.dist-info/METADATA": stub_metadata(name, version),
             f"{stem}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: glue-oracle\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = [f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()},{len(text.encode())}"
              for path, text in files.items()]
    record.append(f"{stem}.dist-info/RECORD,,")
    files[f"{stem}.dist-info/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(os.path.join(directory, f"{stem}-py3-none-any.whl"), "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)


def installer(version):
    """The python of a cached venv whose pip is `version` (None: this interpreter's pip)."""
    if version is None:
        return sys.executable
    root = os.path.join(tempfile.gettempdir(), "wheelhouse-glue-oracle")
    os.makedirs(root, exist_ok=True)
    folder = os.path.join(root, f"pip-{version}")
    python = os.path.join(folder, "bin", "python")
    with open(os.path.join(root, f"pip-{version}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(os.path.join(folder, "ready")):
            venv.create(folder, with_pip=True, clear=True)
            run([python, "-m", "pip", "install", "--disable-pip-version-check", "-q", f"pip=={version}"])
            open(os.path.join(folder, "ready"), "w").close()
    return python


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
    p.add_argument("--pip", help="the installer's pip version, e.g. 23.0.1")
    p.add_argument("--preinstalled", help="a Glue list of name==version lines already installed")
    args = p.parse_args()
    downloads = os.path.join(args.out, "downloads")
    os.makedirs(downloads)
    install_args, downloaded = download(args.endpoint, args.value, downloads)
    preinstalled = read_glue_list(args.preinstalled) if args.preinstalled else {}
    python = installer(args.pip)
    pip = [python, "-m", "pip", "--disable-pip-version-check", "--no-input", "--isolated"]
    pip_version = run(pip + ["--version"]).split()[1]
    # A requirements file names its own index; the other formats install the listed files only.
    index = [] if install_args[0] == "-r" else ["--no-index"]
    native = not args.platform and args.python == f"{sys.version_info.major}.{sys.version_info.minor}"
    if native:
        env_dir = os.path.join(args.out, "venv")
        venv.create(env_dir, with_pip=False)
        target_python = os.path.join(env_dir, "bin", "python")
        site = run([target_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
        for name, version in preinstalled.items():
            stub_dist_info(site, name, version)
        run(pip + ["--python", target_python, "install", "--no-cache-dir"] + index + install_args)
        run(pip + ["--python", target_python, "check"])
        listed = json.loads(run(pip + ["--python", target_python, "list", "--format", "json"]))
        everything = {canonicalize_name(d["name"]): d["version"] for d in listed}
    else:
        site = os.path.join(args.out, "site")
        stubs = os.path.join(args.out, "preinstalled-stubs")
        os.makedirs(stubs)
        for name, version in preinstalled.items():
            stub_wheel(stubs, name, version)
        platforms = [arg for tag in args.platform for arg in ("--platform", tag)]
        run(pip + ["install", "--no-cache-dir", "--target", site, "--only-binary=:all:", "--find-links", stubs,
                   "--python-version", args.python, "--implementation", "cp"] + index + platforms + install_args)
        everything = check_closure(site, args.python)
        # What pip took from the stubs is Glue's own copy, there before the install.
        for name, version in preinstalled.items():
            everything.setdefault(name, version)
    installed = {name: version for name, version in everything.items()
                 if name not in preinstalled or preinstalled[name] != version or not is_stub(args.out, name, native)}
    after = {name: everything.get(name) for name in preinstalled}
    print(json.dumps({"installed": installed, "preinstalled": after, "downloaded": sorted(downloaded), "pip": pip_version}))


def is_stub(out, name, native):
    """Whether the installed `name` is still the stub (not a shipped wheel of the same version)."""
    from importlib.metadata import distributions
    where = os.path.join(out, "venv") if native else os.path.join(out, "site")
    for dist in distributions(path=[path for path, _, _ in os.walk(where) if path.endswith(("site-packages", "site"))]):
        if canonicalize_name(dist.metadata["Name"]) == name:
            return dist.metadata.get("Summary") == STUB_SUMMARY
    return True


if __name__ == "__main__":
    main()
