#!/usr/bin/env python3
"""Generate core metadata parse vectors from packaging.metadata.parse_email.

Run:  python3 generate_metadata.py   (writes metadata_parse.jsonl here)

One JSON object per line: "input" (the METADATA bytes, base64), "raw" and "unparsed" (the two
dicts parse_email returns). Texts mix hand-written cases (folding, CRLF, body vs Description
header, repeated single-use fields, unknown fields, missing blank line) with randomized ones
from a fixed seed.
"""

import base64
import json
import os
import random

import packaging
from packaging.metadata import parse_email

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(566)

HAND = [
    b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n",
    b"Metadata-Version: 2.4\nName: foo\nVersion: 1.0\nLicense-Expression: MIT OR Apache-2.0\nLicense-File: LICENSE\nLicense-File: NOTICE\n\nThe body.\n",
    b"Metadata-Version: 2.1\r\nName: foo\r\nVersion: 1.0\r\nClassifier: A\r\nClassifier: B\r\n\r\nBody here\r\nmore\r\n",
    b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nSummary: a\n  folded summary\nDescription: line one\n        |\n        |  indented\n        line3\n",
    b"Metadata-Version: 1.0\nName: foo\nVersion: 1.0\nDescription: header form\n\nand a body\n",
    b"Metadata-Version: 2.1\nName: foo\nName: bar\nVersion: 1.0\n",
    b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nKeywords: a, b ,c,,d\nKeywords: again\n",
    b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nProject-URL: Home, https://example.org\nProject-URL: Docs,https://docs.example.org\n",
    b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nProject-URL: Home, https://a\nProject-URL: Home, https://b\n",
    b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nX-Custom: 1\nx-custom: 2\nRequires-Dist: bar>=1; extra == 'x'\nProvides-Extra: x\n",
    b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nthis line has no colon\nAuthor: after\n",
    b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n\n",
    b"  leading continuation\nMetadata-Version: 2.1\nName: foo\nVersion: 1.0\n",
    b"Metadata-Version: 2.1\nName:foo\nVersion:\t1.0\t\nSummary:   spaced   \n",
    b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nAuthor: J\xc3\xb6rg\n\nUnicode body \xe2\x9c\x93\n",
    b"Metadata-Version: 2.2\nName: foo\nVersion: 1.0\nDynamic: Requires-Dist\nDynamic: version\n",
    b"Metadata-Version: 2.1\rName: foo\rVersion: 1.0\r\rCR only body\r",
    b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nDescription: d\n\n\n\nbody after blank lines\n",
    b"",
    b"\n\nbody only\n",
    b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nRequires-Python: >=3.8\nRequires-External: libfoo (>1.0)\nSupported-Platform: linux\nPlatform: any\nProvides-Dist: foo\nObsoletes-Dist: oldfoo\n",
]

FIELDS_SINGLE = ["Summary", "Author", "Author-email", "Maintainer", "Home-page", "Download-URL",
                 "License", "Requires-Python", "Description-Content-Type", "License-Expression"]
FIELDS_MULTI = ["Classifier", "Requires-Dist", "Provides-Extra", "Platform", "Supported-Platform",
                "Project-URL", "Provides-Dist", "Obsoletes-Dist", "Requires-External", "Dynamic",
                "License-File"]
WORDS = ["alpha", "beta", "gamma", "x >= 1.0", "Topic :: Utilities", "https://e.org/p", "a, b",
         "", "v\u00e9rit\u00e9", "trailing ", "Home, https://h", "tab\tinside"]


def value():
    v = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.15:
        v += "\n" + rng.choice([" ", "\t", "        |"]) + rng.choice(WORDS)
    return v


def random_text():
    eol = rng.choice(["\n", "\n", "\r\n"])
    lines = [f"Metadata-Version: {rng.choice(['1.0', '1.2', '2.1', '2.4', '3.0'])}",
             f"Name: {rng.choice(['foo', 'Foo.Bar', 'x_y'])}", "Version: 1.0"]
    for _ in range(rng.randint(0, 10)):
        if rng.random() < 0.5:
            lines.append(f"{rng.choice(FIELDS_SINGLE)}: {value()}")
        else:
            lines.append(f"{rng.choice(FIELDS_MULTI)}: {value()}")
    if rng.random() < 0.2:
        lines.append(f"Keywords: {value()}")
    if rng.random() < 0.2:
        lines.append(f"Description: {value()}")
    rng.shuffle(lines)
    text = eol.join(line.replace("\n", eol) for line in lines) + eol
    if rng.random() < 0.5:
        text += eol + eol.join(value() for _ in range(rng.randint(1, 4))) + eol
    return text.encode("utf-8")


def main():
    cases = list(HAND)
    while len(cases) < 60:
        cases.append(random_text())
    with open(os.path.join(HERE, "metadata_parse.jsonl"), "w", encoding="ascii") as f:
        f.write(json.dumps({"generator": f"generate_metadata.py with packaging {packaging.__version__}"}) + "\n")
        for data in cases:
            raw, unparsed = parse_email(data)
            f.write(json.dumps({"input": base64.b64encode(data).decode(), "raw": raw, "unparsed": unparsed},
                               sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
