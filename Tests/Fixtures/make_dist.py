#!/usr/bin/env python3
"""Writes small, valid distribution files for the server tests.

    make_dist.py OUT_DIR NAME VERSION [--requires-python SPEC] [--requires-dist REQ]...
                 [--sdist] [--payload N] [--summary TEXT] [--tag TAG]
                 [--provides-extra NAME]... [--metadata-version V] [--header 'Field: value']...

A wheel is `{name}-{version}-{tag}.whl` (`--tag`, default `py3-none-any`; compressed tag sets
such as `cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64` are expanded in WHEEL) with a
module, METADATA (2.1), WHEEL and a correct RECORD; `--sdist` writes `{name}-{version}.tar.gz`
with PKG-INFO. `--metadata-version` and `--header` write the metadata of older or newer tools
(Metadata-Version 2.0, License-File under 2.1, ...). `--payload N` adds N bytes of incompressible data so size-related paths can be exercised. Prints the path.
"""
import argparse
import base64
import hashlib
import io
import os
import random
import re
import sys
import tarfile
import zipfile


def normalize_for_filename(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def metadata_text(args):
    lines = [
        f"Metadata-Version: {getattr(args, 'metadata_version', None) or '2.1'}",
        f"Name: {args.name}",
        f"Version: {args.version}",
        f"Summary: {args.summary}",
    ]
    if args.requires_python:
        lines.append(f"Requires-Python: {args.requires_python}")
    for extra in args.provides_extra:
        lines.append(f"Provides-Extra: {extra}")
    for req in args.requires_dist:
        lines.append(f"Requires-Dist: {req}")
    lines += getattr(args, "header", [])
    return "\n".join(lines) + "\n\n" + f"# {args.name}\n\nA test distribution.\n"


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel_text(tag):
    """The WHEEL file: one Tag line per expanded tag; purelib only for a platform-independent one."""
    interpreters, abis, platforms = (part.split(".") for part in tag.split("-"))
    lines = ["Wheel-Version: 1.0", "Generator: wheelhouse-tests",
             f"Root-Is-Purelib: {'true' if platforms == ['any'] else 'false'}"]
    lines += [f"Tag: {i}-{a}-{p}" for i in interpreters for a in abis for p in platforms]
    return "\n".join(lines) + "\n"


def write_wheel(args):
    dist = normalize_for_filename(args.name)
    module = re.sub(r"[^a-z0-9_]", "_", args.name.lower())
    path = os.path.join(args.out, f"{dist}-{args.version}-{args.tag}.whl")
    dist_info = f"{dist}-{args.version}.dist-info"
    files = {
        f"{module}/__init__.py": f"__version__ = {args.version!r}\n".encode(),
        f"{dist_info}/METADATA": metadata_text(args).encode(),
        f"{dist_info}/WHEEL": wheel_text(args.tag).encode(),
    }
    record = "".join(f"{n},{record_hash(d)},{len(d)}\n" for n, d in files.items())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        for n, d in files.items():
            info = zipfile.ZipInfo(n, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, d)
        if args.payload:
            # Streamed in chunks, hashed as written, so a 1 GB payload needs little memory.
            name = f"{module}/payload.bin"
            rnd = random.Random(f"{args.name}-{args.version}")
            digest, left = hashlib.sha256(), args.payload
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            with z.open(info, "w", force_zip64=args.payload > (1 << 31)) as out:
                while left:
                    chunk = rnd.randbytes(min(left, 1 << 24))
                    digest.update(chunk)
                    out.write(chunk)
                    left -= len(chunk)
            b64 = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
            record += f"{name},sha256={b64},{args.payload}\n"
        record += f"{dist_info}/RECORD,,\n"
        z.writestr(zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=(2024, 1, 1, 0, 0, 0)), record)
    return path


def write_sdist(args):
    dist = normalize_for_filename(args.name)
    base = f"{dist}-{args.version}"
    path = os.path.join(args.out, f"{base}.tar.gz")
    if not args.metadata_version:
        args.metadata_version = "2.2"
    pkg_info = metadata_text(args).encode()
    setup = b"from setuptools import setup\nsetup()\n"
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as t:
        for n, d in ((f"{base}/PKG-INFO", pkg_info), (f"{base}/setup.py", setup)):
            info = tarfile.TarInfo(n)
            info.size = len(d)
            info.mtime = 1704067200
            t.addfile(info, io.BytesIO(d))
    return path


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("name")
    p.add_argument("version")
    p.add_argument("--requires-python")
    p.add_argument("--requires-dist", action="append", default=[])
    p.add_argument("--sdist", action="store_true")
    p.add_argument("--payload", type=int, default=0)
    p.add_argument("--summary", default="A test distribution")
    p.add_argument("--tag", default="py3-none-any")
    p.add_argument("--provides-extra", action="append", default=[])
    p.add_argument("--metadata-version")
    p.add_argument("--header", action="append", default=[])
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    print(write_sdist(args) if args.sdist else write_wheel(args))


if __name__ == "__main__":
    sys.exit(main())
