#!/usr/bin/env python3
"""Generate wheel and sdist filename vectors from pypa/packaging.

Run:  python3 generate_filenames.py   (writes wheel_filenames.tsv, sdist_filenames.tsv here)

Expected results come from packaging.utils.parse_wheel_filename / parse_sdist_filename,
packaging.tags.parse_tag(limit=...) and packaging.version.Version, plus Wheelhouse's
documented stricter rules (each one applied with packaging's own primitives):

- a filename must be printable ASCII without '/', '\\' or spaces ("unsafe");
- the project name must also pass canonicalize_name(name, validate=True) ("name");
- a compressed tag set may expand to at most TAG_LIMIT tags ("toomany");
- sdists: the name/version split is the last '-' whose right side is a valid version and
  whose left side is a valid name (legacy spellings such as 'foo-1.0-beta.tar.gz'); a
  project hint picks the split whose name normalizes to the hint.

wheel_filenames.tsv: filename, then `ok` + normalized name + version (as written) + build
number + build suffix + sorted tags joined by ',' — or `error` + kind.
sdist_filenames.tsv: filename, hint (or '-'), then `ok` + normalized name + version —
or `error` + kind.
"""

import os
import random
import re
import string

import packaging
from packaging.tags import TooManyTagsError, parse_tag
from packaging.utils import (
    InvalidName,
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

TAG_LIMIT = 512
HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20240427)


def unsafe(filename):
    return any(not ("\x21" <= c <= "\x7e") or c in "/\\" for c in filename)


def valid_name(name):
    try:
        canonicalize_name(name, validate=True)
        return True
    except InvalidName:
        return False


def valid_version(text):
    try:
        Version(text)
        return True
    except InvalidVersion:
        return False


def wheel_expectation(filename):
    if unsafe(filename):
        return ["error", "unsafe"]
    stem = filename[:-4]
    # The stricter name rule applies where packaging checks the name: after extension and
    # part count, before version, build and tags.
    if filename.endswith(".whl") and stem.count("-") in (4, 5) and not valid_name(stem.split("-")[0]):
        return ["error", "name"]
    try:
        name, version, build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as e:
        msg = str(e)
        if "extension" in msg:
            return ["error", "extension"]
        if "number of parts" in msg:
            return ["error", "parts"]
        if "project name" in msg:
            return ["error", "name"]
        if "invalid version" in msg:
            return ["error", "version"]
        if "build number" in msg:
            return ["error", "build"]
        if "tag" in msg:
            return ["error", "tag"]
        raise
    parts = stem.split("-")
    try:
        parse_tag("-".join(parts[-3:]), limit=TAG_LIMIT)
    except TooManyTagsError:
        return ["error", "toomany"]
    build_number, build_suffix = (str(build[0]), build[1]) if build else ("-", "-")
    return [
        "ok",
        name,
        parts[1],
        build_number,
        build_suffix if build_suffix else "-",
        ",".join(sorted(str(t) for t in tags)),
    ]


def sdist_expectation(filename, hint):
    if unsafe(filename):
        return ["error", "unsafe"]
    if filename.endswith(".tar.gz"):
        stem = filename[: -len(".tar.gz")]
    elif filename.endswith(".zip"):
        stem = filename[: -len(".zip")]
    else:
        return ["error", "extension"]
    dashes = [i for i, c in enumerate(stem) if c == "-"]
    if not dashes:
        return ["error", "parts"]
    candidates = [
        (stem[:i], stem[i + 1 :])
        for i in reversed(dashes)
        if valid_name(stem[:i]) and valid_version(stem[i + 1 :])
    ]
    if hint is not None:
        candidates = [
            c for c in candidates if canonicalize_name(c[0]) == canonicalize_name(hint)
        ]
        if not candidates:
            return ["error", "hint"]
    if not candidates:
        versioned = [i for i in reversed(dashes) if valid_version(stem[i + 1 :])]
        return ["error", "name" if versioned else "version"]
    name, version = candidates[0]
    # Where packaging's own parser accepts a valid name, it must agree with the rule above.
    if hint is None:
        try:
            p_name, p_version = parse_sdist_filename(filename)
            if valid_name(stem.rpartition("-")[0]):
                assert p_name == canonicalize_name(name), filename
                assert p_version == Version(version), filename
        except InvalidSdistFilename:
            pass
    return ["ok", canonicalize_name(name), version]


REAL_WHEELS = [
    "numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "typing_extensions-4.12.2-py3-none-any.whl",
    "six-1.16.0-py2.py3-none-any.whl",
    "requests-2.32.3-py3-none-any.whl",
    "boto3-1.35.0-py3-none-any.whl",
    "pandas-2.2.2-cp312-cp312-macosx_11_0_arm64.whl",
    "pyarrow-17.0.0-cp310-cp310-win_amd64.whl",
    "cryptography-43.0.0-cp39-abi3-manylinux_2_28_aarch64.whl",
    "zope.interface-7.0.1-cp311-cp311-musllinux_1_2_x86_64.whl",
    "Pillow-10.4.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "PyYAML-6.0.2-cp38-cp38-manylinux_2_5_i686.manylinux1_i686.manylinux_2_17_i686.manylinux2014_i686.whl",
    "scipy-1.14.1-cp313-cp313-macosx_14_0_x86_64.whl",
    "backports.zoneinfo-0.2.1-cp37-cp37m-win32.whl",
    "pywin32-306-cp312-cp312-win_arm64.whl",
    "torch-2.4.0-1-cp311-cp311-linux_x86_64.whl",
    "tensorflow_cpu-2.17.0-cp310-cp310-macosx_10_15_x86_64.whl",
    "setuptools-75.1.0-py3-none-any.whl",
    "pip-24.2-py3-none-any.whl",
    "wheel-0.44.0-py3-none-any.whl",
    "attrs-24.2.0-py3-none-any.whl",
    "foo-1.0-1abc-py3-none-any.whl",
    "foo-1.0-12-py3-none-any.whl",
    "foo-1.0-0_dev-py3-none-any.whl",
    "foo-1.0.post1.dev2+local.7-py3-none-any.whl",
    "Foo_Bar-1.0-py3-none-any.whl",
    "foo.bar-1.0-py3-none-any.whl",
    "foo_bar_baz-1!2.0rc1-py3-none-any.whl",
    "foo-1.0-py2.py3-none-any.whl",
    "foo-1.0-cp36.cp37.cp38-abi3.none-manylinux1_x86_64.manylinux2010_x86_64.whl",
    "foo-1.0-PY3-NONE-ANY.whl",
    "foo-1.0-py3-none-any.WHL",
    "foo-1.0-py3-none-any",
    "foo-1.0-py3-none-any.zip",
    "foo-1.0-py3-none.whl",
    "foo-1.0-1-2-py3-none-any.whl",
    "foo-1.0-abc-py3-none-any.whl",
    "foo-1.0-_1-py3-none-any.whl",
    "foo-1.0.x-py3-none-any.whl",
    "foo-one-py3-none-any.whl",
    "foo__bar-1.0-py3-none-any.whl",
    "_foo-1.0-py3-none-any.whl",
    "foo_-1.0-py3-none-any.whl",
    ".foo-1.0-py3-none-any.whl",
    "-1.0-py3-none-any.whl",
    "foo-1.0-py3--any.whl",
    "foo-1.0-py3-none-.whl",
    "foo-1.0-3py-none-any.whl",
    "foo-1.0-py3..py2-none-any.whl",
    "foo-1.0-py3-none-any..whl",
    "foo-1.0-py3-none-any/../../x.whl",
    "../foo-1.0-py3-none-any.whl",
    "foo-1.0-py3-none-any\\x.whl",
    "foo-1.0-py3-none-any\x00.whl",
    "foo-1.0-py3-none-any .whl",
    "fo\u00f6-1.0-py3-none-any.whl",
    "foo-1.0-py3-none-" + ".".join(f"p{i}" for i in range(600)) + ".whl",
    "foo-1.0-" + ".".join(f"py{i}" for i in range(30)) + "-" + ".".join(f"a{i}" for i in range(30)) + "-any.whl",
    "foo-1.0-" + ".".join(f"py{i}" for i in range(16)) + "-" + ".".join(f"a{i}" for i in range(32)) + "-any.whl",
    "foo-1.0-" + ".".join(f"py{i}" for i in range(16)) + "-" + ".".join(f"a{i}" for i in range(32)) + "-any.x.whl",
    ".whl",
    "foo.whl",
]

REAL_SDISTS = [
    ("numpy-2.1.0.tar.gz", None),
    ("typing_extensions-4.12.2.tar.gz", None),
    ("Foo-Bar-1.0.tar.gz", None),
    ("zope.interface-7.0.1.tar.gz", None),
    ("Django-5.1.zip", None),
    ("foo-bar-1.0-beta.tar.gz", None),
    ("foo-bar-1.0-1.tar.gz", None),
    ("foo-bar-1.0-1.tar.gz", "foo-bar"),
    ("foo-bar-1.0-1.tar.gz", "foo-bar-1.0"),
    ("foo-bar-1.0-1.tar.gz", "other"),
    ("foo-1.0.tar.bz2", None),
    ("foo-1.0.tgz", None),
    ("foo-1.0.egg", None),
    ("foo-1.0.win32.exe", None),
    ("foo-1.0-1.noarch.rpm", None),
    ("foo-1.0.msi", None),
    ("foo-1.0.tar", None),
    ("foo-1.0.tar.xz", None),
    ("foo-1.0.TAR.GZ", None),
    ("foo.tar.gz", None),
    ("-1.0.tar.gz", None),
    ("foo-.tar.gz", None),
    ("foo-bar.tar.gz", None),
    ("_foo-1.0.tar.gz", None),
    ("foo-1.0/../x.tar.gz", None),
    ("foo 1.0.tar.gz", None),
    ("foo-1!1.0.post2.dev3+abc.tar.gz", None),
    ("foo-v1.0.tar.gz", None),
    ("foo-1.0.0.0.0.zip", None),
    ("Twisted-24.7.0rc1.tar.gz", None),
    ("python-dateutil-2.9.0.post0.tar.gz", None),
    ("python_dateutil-2.9.0.post0.tar.gz", "python-dateutil"),
]

NAME_CHARS = string.ascii_letters + string.digits
SEPS = "-_."
VERSIONS = [
    "1.0", "0.1", "2024.1", "1.0a1", "1.0b2", "1.0rc3", "1.0.post1", "1.0.dev0", "1!2.0",
    "1.0+local", "1.0+abc.5", "v1.0", "1.0-1", "1.0_post2", "1.0-dev", "1.0.0.0.0",
    "1.0pre", "1.0c1", "1.0alpha2", "01.02", "1.0.x", "one", "1.0+", "1..0", "",
    "1.0-beta", "1.0a1.post2.dev3", "2.0.0b1", "1.0.POST1", "0",
]
PY_TAGS = ["py3", "py2", "cp311", "cp312", "pp310", "py2.py3", "cp38.cp39", "3py", "", "py-3", "Py3"]
ABI_TAGS = ["none", "abi3", "cp311", "cp37m", "none.abi3", "pypy310_pp73", "", "ABI3"]
PLAT_TAGS = [
    "any", "manylinux_2_17_x86_64.manylinux2014_x86_64", "win_amd64", "macosx_11_0_arm64",
    "linux_x86_64", "musllinux_1_2_aarch64", "win32", "", "any.", "macosx_10_9_universal2",
]


def rand_name():
    n = rng.randint(1, 14)
    out = []
    for i in range(n):
        if 0 < i < n - 1 and rng.random() < 0.2:
            out.append(rng.choice(SEPS + "_"))
        else:
            out.append(rng.choice(NAME_CHARS))
    s = "".join(out)
    r = rng.random()
    if r < 0.03:
        s = "_" + s
    elif r < 0.05:
        s = s + "."
    elif r < 0.06:
        s = s + "@x"
    return s


def rand_wheel():
    name = rand_name().replace("-", "_") if rng.random() < 0.85 else rand_name()
    version = rng.choice(VERSIONS)
    parts = [name, version]
    r = rng.random()
    if r < 0.2:
        parts.append(rng.choice(["1", "2abc", "10_x", "x1", "007", "", "1.2"]))
    parts += [rng.choice(PY_TAGS), rng.choice(ABI_TAGS), rng.choice(PLAT_TAGS)]
    if rng.random() < 0.03:
        parts.append("extra")
    ext = ".whl" if rng.random() < 0.94 else rng.choice([".zip", ".WHL", ".whl.gz", ""])
    return "-".join(parts) + ext


def rand_sdist():
    name = rand_name()
    if rng.random() < 0.3:
        name = name + "-" + rand_name()
    version = rng.choice(VERSIONS)
    ext = rng.choices(
        [".tar.gz", ".zip", ".tar.bz2", ".tgz", ".egg", ".exe", ".tar"], [70, 15, 3, 3, 3, 3, 3]
    )[0]
    filename = f"{name}-{version}{ext}"
    hint = None
    r = rng.random()
    if r < 0.15:
        hint = name
    elif r < 0.2:
        hint = rand_name()
    return filename, hint


def main():
    wheels = list(REAL_WHEELS)
    while len(wheels) < 1300:
        wheels.append(rand_wheel())
    sdists = list(REAL_SDISTS)
    while len(sdists) < 700:
        sdists.append(rand_sdist())

    def esc(s):
        # The escaping VectorFile.unescape reverses: `\\` and `\u{HEX}`.
        return "".join(
            "\\\\" if c == "\\" else c if "\x20" <= c <= "\x7e" else f"\\u{{{ord(c):X}}}" for c in s
        )

    header = f"# generated by generate_filenames.py with packaging {packaging.__version__}; TAG_LIMIT={TAG_LIMIT}\n"
    with open(os.path.join(HERE, "wheel_filenames.tsv"), "w", encoding="ascii") as f:
        f.write(header)
        for w in wheels:
            f.write("\t".join([esc(w)] + wheel_expectation(w)) + "\n")
    with open(os.path.join(HERE, "sdist_filenames.tsv"), "w", encoding="ascii") as f:
        f.write(header)
        for s, hint in sdists:
            f.write("\t".join([esc(s), hint or "-"] + sdist_expectation(s, hint)) + "\n")


if __name__ == "__main__":
    main()
