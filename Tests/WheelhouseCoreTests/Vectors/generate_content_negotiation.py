"""Generate content-negotiation.tsv: Accept header -> content type chosen (or 406).

Reference: WebOb's `Accept.acceptable_offers`, the negotiation warehouse (PyPI) uses, with our
offers in our preference order (JSON, v1 HTML, text/html; PEP 691 recommends the most expressive
format). Our deliberate differences from warehouse, applied here too:
- malformed elements are dropped one by one (WebOb rejects the whole header);
- a header with no well-formed element is treated as absent: text/html;
- nothing acceptable -> 406 (warehouse falls back to text/html);
- `application/vnd.pypi.simple.latest+json`/`+html` (PEP 691 meta version) count as the v1 types.

Usage: pip install webob; python generate_content_negotiation.py > content-negotiation.tsv
One case per line: <accept header, with \\t for tab><TAB><content type or 406>.
"""

import sys

from webob.acceptparse import AcceptValidHeader, create_accept_header

JSON = "application/vnd.pypi.simple.v1+json"
HTML1 = "application/vnd.pypi.simple.v1+html"
LEGACY = "text/html"
OFFERS = [JSON, HTML1, LEGACY]

CASES = [
    # Real clients (research/feasibility.md section 5).
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01",  # pip 23, 26
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01",  # uv
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html, text/html;q=0.01",  # pypi-simple
    "text/html",  # old pip, browsers without q
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",  # Firefox
    "*/*",  # curl
    "",
    # Single types and wildcards.
    "application/vnd.pypi.simple.v1+json",
    "application/vnd.pypi.simple.v1+html",
    "application/*",
    "text/*",
    "application/*;q=0.5, text/html",
    "application/*, text/html;q=0.5",
    "*/*;q=0.1, application/vnd.pypi.simple.v1+html",
    "application/json",
    "application/xml, image/png",
    # q-values: zero, ties, precision, boundaries.
    "application/vnd.pypi.simple.v1+json;q=0, text/html",
    "text/html;q=0",
    "*/*;q=0",
    "*/*, application/vnd.pypi.simple.v1+json;q=0",
    "*/*, application/vnd.pypi.simple.v1+json;q=0, application/vnd.pypi.simple.v1+html;q=0",
    "application/*;q=0, text/html;q=0.001",
    "text/html;q=0.5, application/vnd.pypi.simple.v1+html;q=0.5, application/vnd.pypi.simple.v1+json;q=0.5",
    "text/html;q=0.501, application/vnd.pypi.simple.v1+json;q=0.5",
    "text/html;q=1, application/vnd.pypi.simple.v1+json;q=1.000",
    "application/vnd.pypi.simple.v1+json;q=0.999, text/html",
    "application/vnd.pypi.simple.v1+json;Q=0.2, text/html;Q=0.3",
    "text/html;q=0., application/vnd.pypi.simple.v1+json;q=0.",
    "application/vnd.pypi.simple.v1+html;q=1., text/html",
    # Same type twice: the first one counts.
    "text/html;q=0.1, text/html;q=0.9",
    "text/html;q=0, text/html",
    "text/html, text/html;q=0",
    # Specific beats wildcard regardless of order or q.
    "application/*;q=0.9, application/vnd.pypi.simple.v1+json;q=0.1, text/html;q=0.5",
    "application/vnd.pypi.simple.v1+json;q=0.1, application/*;q=0.9",
    "*/*;q=0.9, text/*;q=0.2",
    # Case and whitespace.
    "APPLICATION/VND.PYPI.SIMPLE.V1+JSON",
    "Text/HTML;Q=0.5",
    "  text/html  ,  application/vnd.pypi.simple.v1+json ; q=0.5  ",
    "text/html\t;\tq=0.5,\tapplication/vnd.pypi.simple.v1+html",
    ",, text/html ,,",
    # Media type parameters never match our parameterless types; accept extensions are ignored.
    "text/html;level=1",
    "text/html;charset=utf-8, application/vnd.pypi.simple.v1+json;q=0.1",
    'text/html;charset="utf-8";q=0.3, */*;q=0.1',
    "application/vnd.pypi.simple.v1+json;q=0.5;ext=1, text/html;q=0.4",
    "application/vnd.pypi.simple.v1+json;q=0.5;ext, text/html;q=0.4",
    # PEP 691 latest meta version.
    "application/vnd.pypi.simple.latest+json",
    "application/vnd.pypi.simple.latest+html, text/html;q=0.01",
    "application/vnd.pypi.simple.v2+json, text/html;q=0.5",
    # Malformed elements: dropped one by one.
    "text/html;q=2, application/vnd.pypi.simple.v1+html;q=0.5",
    "text/html;q=0.5000, application/vnd.pypi.simple.v1+html;q=0.2",
    "text/html;q=1.5, application/vnd.pypi.simple.v1+json;q=0.1",
    "text/html;q=-1, application/vnd.pypi.simple.v1+json;q=0.1",
    "text/html;q=abc, application/vnd.pypi.simple.v1+json;q=0.1",
    "text/html;q=, application/vnd.pypi.simple.v1+json;q=0.1",
    "text/html; q = 0.5, application/vnd.pypi.simple.v1+json;q=0.1",
    "text / html, application/vnd.pypi.simple.v1+json;q=0.1",
    "texthtml, application/vnd.pypi.simple.v1+json;q=0.1",
    "*/html, application/vnd.pypi.simple.v1+json;q=0.1",
    "text/html;charset, application/vnd.pypi.simple.v1+json;q=0.1",
    "text/html/x, application/vnd.pypi.simple.v1+json;q=0.1",
    "garbage",
    "@@@, ;;;",
    "text/html;q=0.5;",
]


def well_formed(element: str) -> bool:
    return isinstance(create_accept_header(element), AcceptValidHeader)


def negotiate(header: str) -> str:
    elements = [e for e in header.split(",") if e.strip(" \t") and well_formed(e.strip(" \t"))]
    if not elements:
        return LEGACY
    cleaned = ", ".join(e.strip(" \t") for e in elements)
    cleaned = cleaned.replace("vnd.pypi.simple.latest+", "vnd.pypi.simple.v1+").replace(
        "VND.PYPI.SIMPLE.LATEST+", "VND.PYPI.SIMPLE.V1+"
    )
    offers = AcceptValidHeader(cleaned).acceptable_offers(OFFERS)
    return offers[0][0] if offers else "406"


def main() -> None:
    out = sys.stdout
    for case in CASES:
        assert "\n" not in case
        out.write(case.replace("\t", "\\t") + "\t" + negotiate(case) + "\n")


if __name__ == "__main__":
    main()
