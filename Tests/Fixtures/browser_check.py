"""Drives the browse page in headless Chromium (Playwright, Debian's /usr/bin/chromium; no
browser download) against a running `wheelhouse serve --tokens-required-for read`, and prints
one JSON object: {"checks": {name: {"ok": bool, "detail": str}}}. The Swift suite
BrowserEndToEndTests asserts every check; `make ui-test` runs that suite.

usage: browser_check.py BASE_URL READ_TOKEN [SCREENSHOT_DIR]

The index holds demo-pkg 1.0 and 1.1 (1.1 yanked, reason "broken build"), hostile-pkg 1.0 whose
Summary and description carry <script> and <img onerror> markup, and other 3.0 whose summary
has the word "ostrich". demo-pkg is deprecated (PEP 792) with a reason that carries markup.
Provenance (PEP 740) is added to demo-pkg's PEP 691 page by intercepting it where the server
gives none, so the page's rendering of the link is checked.
"""

import json
import os
import sys

from playwright.sync_api import sync_playwright

base, token = sys.argv[1], sys.argv[2]
shots = sys.argv[3] if len(sys.argv) > 3 else None
chromium = os.environ.get("WHEELHOUSE_TEST_CHROMIUM", "/usr/bin/chromium")
checks = {}


def check(name, ok, detail=""):
    checks[name] = {"ok": bool(ok), "detail": str(detail)}


def wait_for(page, selector, state="visible", timeout=10000):
    try:
        page.wait_for_selector(selector, state=state, timeout=timeout)
        return True
    except Exception:
        return False


def wait_for_text(page, selector, text, timeout=10000):
    """Waits until the element's text contains `text`: a hash change keeps the previous
    project's rows on the page until the new one is drawn, so a selector alone can match early."""
    try:
        page.wait_for_function(
            "([s, t]) => { const e = document.querySelector(s); return e !== null && e.textContent.includes(t); }",
            arg=[selector, text], timeout=timeout)
        return True
    except Exception:
        return False


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    console, dialogs, errors, page_headers = [], [], [], {}
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))

    def intercept(route):
        response = route.fetch()
        body = response.json()
        for f in body.get("files", []):
            f.setdefault("provenance", f["url"] + ".provenance")
        route.fulfill(response=response, json=body)

    page.route("**/simple/demo-pkg/", intercept)

    def on_response(r):
        if r.url.rstrip("/") == base.rstrip("/") or r.url.endswith("/static/app.js") or r.url.endswith("/static/style.css"):
            page_headers[r.url] = r.headers

    page.on("response", on_response)

    # Without a token: the page loads and asks for one (no browser auth prompt).
    page.goto(base + "/")
    check("signin form shown without a token", wait_for(page, "#signin-form"))
    page.fill("#token", "wrong-token")
    page.click("#signin-form button[type=submit]")
    shown = wait_for(page, "#signin-error:not(:empty)")
    check("a wrong token shows an error", shown and "refused" in page.text_content("#signin-error"), page.text_content("#signin-error"))

    page.fill("#token", token)
    page.click("#signin-form button[type=submit]")
    listed = wait_for(page, "#projects li")
    names = page.eval_on_selector_all("#projects li", "els => els.map(e => e.dataset.project)")
    check("signing in with a read token lists the projects", listed and names == ["demo-pkg", "hostile-pkg", "other"], names)
    stored = page.evaluate("() => [sessionStorage.getItem('wheelhouse.token') !== null, document.cookie]")
    check("the token is in sessionStorage, not a cookie", stored == [True, ""], stored)
    if shots:
        page.screenshot(path=os.path.join(shots, "browse-list.png"), full_page=True)

    page.fill("#search", "oth")
    names = page.eval_on_selector_all("#projects li", "els => els.map(e => e.dataset.project)")
    check("search filters by name", names == ["other"], names)
    page.fill("#search", "OSTRICH")
    names = page.eval_on_selector_all("#projects li", "els => els.map(e => e.dataset.project)")
    check("search filters by summary", names == ["other"], names)
    page.fill("#search", "Demo_Pkg")
    names = page.eval_on_selector_all("#projects li", "els => els.map(e => e.dataset.project)")
    check("search normalizes names", names == ["demo-pkg"], names)
    page.fill("#search", "")

    # A project page: latest release, versions with the yanked mark, status, provenance, snippets.
    page.click("#projects li[data-project=demo-pkg] a")
    wait_for(page, "#files tr")
    check("the project page shows the latest non-yanked release", page.text_content("#project-version") == "1.0", page.text_content("#project-version"))
    yanked_versions = page.eval_on_selector_all("#versions li.yanked", "els => els.map(e => e.dataset.version)")
    check("a yanked version is marked in the version list", yanked_versions == ["1.1"], yanked_versions)
    check("the project status is shown", page.is_visible("#project-status") and page.text_content("#project-status") == "deprecated", page.text_content("#project-status"))
    reason = page.text_content("#project-status-reason")
    check("the status reason is text", reason == "<b>compromised</b> upstream" and page.query_selector("#project-status-reason b") is None, reason)
    links = page.eval_on_selector_all("#files a.provenance", "els => els.map(e => e.href)")
    check("files link their provenance", len(links) == 1 and links[0].endswith("demo_pkg-1.0-py3-none-any.whl.provenance"), links)
    cells = page.eval_on_selector_all("#files tr td", "els => els.map(e => e.textContent)")
    check("files show size, sha256 and Requires-Python", any(len(c) == 64 for c in cells) and ">=3.9" in cells and any("B" in c for c in cells), cells)
    pip = page.text_content("#snippet-pip")
    check("the pip snippet pins the release on this index", pip == f"pip install --index-url {base}/simple/ demo-pkg==1.0", pip)
    uv = page.text_content("#snippet-uv")
    check("the uv snippet pins the release on this index", uv == f"uv pip install --index-url {base}/simple/ demo-pkg==1.0", uv)
    glue = page.text_content("#snippet-glue")
    host = base.split("//", 1)[1].split(":", 1)[0]
    expected = f"--additional-python-modules demo-pkg==1.0 --python-modules-installer-option --index-url {base}/simple/ --trusted-host {host}"
    check("the Glue snippet has the arguments glue-args prints", glue == expected, glue)
    if shots:
        page.screenshot(path=os.path.join(shots, "browse-project.png"), full_page=True)
    page.click("button[data-copy=snippet-glue]")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    check("the copy button puts the snippet on the clipboard", copied == expected and page.text_content("button[data-copy=snippet-glue]") == "Copied", copied)

    page.click("#versions li[data-version='1.1'] a")
    wait_for(page, "#project-yanked:not([hidden])")
    rows = page.eval_on_selector_all("#files tr.yanked", "els => els.length")
    check("a yanked file is marked", rows == 1 and "broken build" in page.text_content("#project-yanked"), page.text_content("#project-yanked"))

    # Markup in metadata stays text: no element is made from it and no script runs.
    page.goto(base + "/#/project/hostile-pkg")
    wait_for_text(page, "#project-summary", "hostile")
    wait_for(page, "#files tr")
    summary = page.text_content("#project-summary")
    description = page.text_content("#description")
    counts = page.evaluate("() => [document.querySelectorAll('script').length, document.querySelectorAll('img').length]")
    check("a hostile summary is shown as text", summary == "<script>alert(1)</script> hostile", summary)
    check("a hostile description is shown as text", "<img src=x onerror=alert(2)>" in description and "<script>alert(3)</script>" in description, description)
    check("no element is made from metadata", counts == [1, 0], counts)
    page.goto(base + "/#/")
    wait_for(page, "#projects li")
    listed = page.text_content("#projects li[data-project=hostile-pkg] .summary")
    check("a hostile summary is text in the list", listed == "<script>alert(1)</script> hostile", listed)
    check("no dialog fired", dialogs == [], dialogs)

    page.click("#sign-out")
    check("signing out asks for the token again", wait_for(page, "#signin-form"))

    root = next((h for u, h in page_headers.items() if u.rstrip("/") == base.rstrip("/")), {})
    csp = root.get("content-security-policy", "")
    check("the page sends a Content-Security-Policy without inline script", "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, csp)
    nosniff = [h.get("x-content-type-options") for h in page_headers.values()]
    check("the page and its assets send nosniff", len(nosniff) >= 3 and all(v == "nosniff" for v in nosniff), page_headers.keys())
    violations = [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m]
    check("no CSP violation in the console", violations == [], violations)
    check("no script error", errors == [], errors)
    browser.close()

print(json.dumps({"checks": checks}))
