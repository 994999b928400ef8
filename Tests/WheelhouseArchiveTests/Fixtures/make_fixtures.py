#!/usr/bin/env python3
"""Build wheel and sdist fixtures for Wheelhouse's tests, into a directory given on the command line.

  make_fixtures.py build OUT --name N --version V [--requires-python S] [--requires-dist D]...
      A real project built by the real tools: `pip wheel` for the wheel, `python -m build
      --sdist` for the sdist (without build isolation when setuptools is importable).
      Prints {"wheel": path, "sdist": path} as JSON.
  make_fixtures.py bad OUT
      Hand-made hostile or broken archives (zipfile/tarfile), one per subdirectory so each can
      keep a valid filename. Prints {case: path} as JSON.
  make_fixtures.py big OUT --megabytes M
      A valid wheel of about M MB of random (incompressible) data in a few files, for benchmarks.

Nothing here is committed as a binary: the tests run this into a temporary directory.
"""

import argparse
import base64
import hashlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import zipfile

NAME, VERSION = "demo_pkg", "1.0"
DIST_INFO = f"{NAME}-{VERSION}.dist-info"
WHEEL_NAME = f"{NAME}-{VERSION}-py3-none-any.whl"


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def metadata(name=NAME, version=VERSION, extra=""):
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: demo\n{extra}\nA demo package.\n".encode()


def wheel_file(wheel_version="1.0"):
    return f"Wheel-Version: {wheel_version}\nGenerator: make_fixtures\nRoot-Is-Purelib: true\nTag: py3-none-any\n".encode()


def good_files(dist_info=DIST_INFO, **meta):
    return [
        ("demo_pkg/__init__.py", b"VALUE = 1\n"),
        ("demo_pkg/data.txt", b"hello\n" * 10),
        (f"{dist_info}/METADATA", metadata(**meta)),
        (f"{dist_info}/WHEEL", wheel_file()),
    ]


def write_wheel(path, files, dist_info=DIST_INFO, record_skip=(), record_override=None, compression=zipfile.ZIP_DEFLATED):
    """Write files plus a correct RECORD (minus `record_skip`, with `record_override` rows)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rows = [(n, record_hash(d), str(len(d))) for n, d in files if n not in record_skip]
    rows += record_override or []
    rows.append((f"{dist_info}/RECORD", "", ""))
    record = "".join(",".join(r) + "\n" for r in rows).encode()
    with zipfile.ZipFile(path, "w", compression) as z:
        for n, d in files:
            z.writestr(n, d)
        z.writestr(f"{dist_info}/RECORD", record)
    return path


def build(out, name, version, requires_python, requires_dist):
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        module = name.replace("-", "_").replace(".", "_").lower()
        os.makedirs(os.path.join(tmp, module))
        with open(os.path.join(tmp, module, "__init__.py"), "w") as f:
            f.write(f'"""{name}."""\n__version__ = "{version}"\n')
        deps = "".join(f'    "{d}",\n' for d in requires_dist)
        rp = f'requires-python = "{requires_python}"\n' if requires_python else ""
        with open(os.path.join(tmp, "pyproject.toml"), "w") as f:
            f.write(textwrap.dedent(f"""\
                [build-system]
                requires = ["setuptools>=61"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "{name}"
                version = "{version}"
                description = "A fixture project for Wheelhouse tests"
                """) + rp + f"dependencies = [\n{deps}]\n\n[tool.setuptools]\npackages = [\"{module}\"]\n")
        isolation = [] if importlib.util.find_spec("setuptools") else None
        env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
        pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, tmp]
        if isolation is not None:
            pip.insert(5, "--no-build-isolation")
        subprocess.run(pip, check=True, env=env, stdout=sys.stderr)
        sdist = [sys.executable, "-m", "build", "--sdist", "-o", out, tmp]
        if isolation is not None:
            sdist.insert(4, "--no-isolation")
        subprocess.run(sdist, check=True, env=env, stdout=sys.stderr)
    files = os.listdir(out)
    wheel = next(f for f in files if f.endswith(".whl"))
    sdist = next(f for f in files if f.endswith(".tar.gz"))
    return {"wheel": os.path.join(out, wheel), "sdist": os.path.join(out, sdist)}


def patch_bytes(path, old, new):
    with open(path, "rb") as f:
        data = f.read()
    assert old in data and len(old) == len(new)
    with open(path, "wb") as f:
        f.write(data.replace(old, new))


def bad(out):
    cases = {}

    def wheel_path(case, filename=WHEEL_NAME):
        cases[case] = os.path.join(out, case, filename)
        return cases[case]

    files = good_files()
    write_wheel(wheel_path("good"), files)

    # RECORD's hash for data.txt no longer matches the bytes.
    tampered = [(n, b"tampered\n" if n.endswith("data.txt") else d) for n, d in files]
    write_wheel(wheel_path("tampered_hash"), tampered,
                record_skip={"demo_pkg/data.txt"},
                record_override=[("demo_pkg/data.txt", record_hash(b"hello\n" * 10), str(len(b"tampered\n")))])
    # Same hash, wrong size.
    write_wheel(wheel_path("wrong_size"), files, record_skip={"demo_pkg/data.txt"},
                record_override=[("demo_pkg/data.txt", record_hash(b"hello\n" * 10), "999")])
    # RECORD lists a file the archive lacks.
    write_wheel(wheel_path("missing_file"), files, record_override=[("demo_pkg/gone.py", record_hash(b"x"), "1")])
    # The archive holds a file RECORD does not list.
    write_wheel(wheel_path("extra_file"), files + [("demo_pkg/extra.py", b"EXTRA = 1\n")],
                record_skip={"demo_pkg/extra.py"})
    # A file with no hash in RECORD.
    write_wheel(wheel_path("unhashed_file"), files, record_skip={"demo_pkg/data.txt"},
                record_override=[("demo_pkg/data.txt", "", "")])
    write_wheel(wheel_path("two_dist_info"), files + [("other-1.0.dist-info/METADATA", metadata("other"))])
    write_wheel(wheel_path("no_dist_info"), files[:2], dist_info="demo_pkg")
    write_wheel(wheel_path("missing_wheel_file"), files[:3])
    write_wheel(wheel_path("name_mismatch"), good_files(name="other_pkg"))
    write_wheel(wheel_path("version_mismatch"), good_files(version="2.0"))
    write_wheel(wheel_path("invalid_metadata"),
                [(n, b"Metadata-Version: 3.0\nName: demo_pkg\nVersion: 1.0\n" if n.endswith("/METADATA") else d)
                 for n, d in files])
    write_wheel(wheel_path("dist_info_mismatch", f"{NAME}-{VERSION}-py3-none-any.whl"),
                good_files(dist_info="demo_pkg-9.9.dist-info"), dist_info="demo_pkg-9.9.dist-info")
    write_wheel(wheel_path("wheel_version_2"),
                [(n, wheel_file("2.0") if n.endswith("/WHEEL") else d) for n, d in files])
    write_wheel(wheel_path("dotdot_path"), files + [("../evil.py", b"x")])
    write_wheel(wheel_path("absolute_path"), files + [("/etc/evil.py", b"x")])
    write_wheel(wheel_path("backslash_path"), files + [("demo_pkg\\evil.py", b"x")])

    # A symlink entry: unix mode S_IFLNK in the external attributes, target as the data.
    path = wheel_path("symlink")
    write_wheel(path, files)
    with zipfile.ZipFile(path, "a") as z:
        info = zipfile.ZipInfo("demo_pkg/link")
        info.create_system = 3
        info.external_attr = (0o120777 << 16)
        z.writestr(info, "../../../../etc/passwd")

    # 50 MiB of zeros deflate to about 50 KiB: a ratio near 1000.
    zeros = b"\0" * (50 << 20)
    write_wheel(wheel_path("zip_bomb"), files + [("demo_pkg/zeros.bin", zeros)])

    many = files + [(f"demo_pkg/f{i}.py", b"") for i in range(300)]
    write_wheel(wheel_path("many_entries"), many)

    # Entry name bytes that are not UTF-8: write an ASCII placeholder, then patch both headers.
    path = wheel_path("non_utf8_name")
    write_wheel(path, files + [("demo_pkg/bad_XX.py", b"x")], record_skip={"demo_pkg/bad_XX.py"})
    patch_bytes(path, b"bad_XX", b"bad_\xff\xfe")

    path = wheel_path("truncated")
    write_wheel(path, files + [("demo_pkg/random.bin", os.urandom(200_000))], compression=zipfile.ZIP_STORED)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])

    # Central directory fine, file data corrupted: libarchive's CRC check catches it.
    path = wheel_path("corrupt_data")
    write_wheel(path, files + [("demo_pkg/payload.txt", b"PAYLOAD" * 100)], compression=zipfile.ZIP_STORED)
    patch_bytes(path, b"PAYLOADPAYLOAD", b"PAYLOADPAYLOAX")

    # Sdists.
    top = f"{NAME}-{VERSION}"
    pkg_info = metadata()

    def sdist(case, members, filename=f"{top}.tar.gz"):
        p = os.path.join(out, case, filename)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if filename.endswith(".zip"):
            with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
                for m in members:
                    z.writestr(m[0], m[1])
        else:
            with tarfile.open(p, "w:gz", format=tarfile.PAX_FORMAT) as t:
                for m in members:
                    name, data = m[0], m[1]
                    info = tarfile.TarInfo(name)
                    kind = m[2] if len(m) > 2 else tarfile.REGTYPE
                    info.type = kind
                    if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                        info.linkname = data.decode()
                        t.addfile(info)
                    elif kind == tarfile.CHRTYPE:
                        info.devmajor, info.devminor = 1, 3
                        t.addfile(info)
                    else:
                        info.size = len(data)
                        t.addfile(info, io.BytesIO(data))
        cases[case] = p

    base = [(f"{top}/PKG-INFO", pkg_info), (f"{top}/pyproject.toml", b"[project]\n"), (f"{top}/demo_pkg/__init__.py", b"")]
    sdist("sdist_good", base)
    sdist("sdist_good_zip", base, f"{top}.zip")
    sdist("sdist_missing_pkg_info", base[1:])
    sdist("sdist_dotdot", base + [(f"{top}/../../evil.py", b"x")])
    sdist("sdist_absolute", base + [("/tmp/evil.py", b"x")])
    sdist("sdist_outside_top", base + [("other/evil.py", b"x")])
    sdist("sdist_symlink", base + [(f"{top}/link", b"/etc/passwd", tarfile.SYMTYPE)])
    sdist("sdist_hardlink", base + [(f"{top}/hard", f"{top}/PKG-INFO".encode(), tarfile.LNKTYPE)])
    sdist("sdist_device", base + [(f"{top}/null", b"", tarfile.CHRTYPE)])
    sdist("sdist_name_mismatch", [(f"{top}/PKG-INFO", metadata("other"))] + base[1:])
    sdist("sdist_bomb", base + [(f"{top}/zeros.bin", zeros)])
    return cases


def big(out, megabytes):
    chunks = max(1, megabytes // 50) if megabytes >= 50 else 1
    per = (megabytes << 20) // (chunks + 1)
    files = good_files() + [(f"demo_pkg/blob{i}.bin", os.urandom(per)) for i in range(chunks)]
    # Text that compresses a little, as source code and data files do.
    files += [("demo_pkg/text.txt", base64.b64encode(os.urandom(per * 3 // 4)))]
    return {"wheel": write_wheel(os.path.join(out, WHEEL_NAME), files)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["build", "bad", "big"])
    parser.add_argument("out")
    parser.add_argument("--name", default="demo-project")
    parser.add_argument("--version", default="1.0")
    parser.add_argument("--requires-python")
    parser.add_argument("--requires-dist", action="append", default=[])
    parser.add_argument("--megabytes", type=int, default=200)
    args = parser.parse_args()
    if args.command == "build":
        result = build(args.out, args.name, args.version, args.requires_python, args.requires_dist)
    elif args.command == "bad":
        result = bad(args.out)
    else:
        result = big(args.out, args.megabytes)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
