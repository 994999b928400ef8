#!/usr/bin/env bash
# Installs what building and testing Wheelhouse needs, when it is missing:
# Debian packages (libarchive, zlib headers) and a Python venv in .venv with the
# real clients the tests drive (pip, uv, twine, pypi-simple, packaging, build, moto).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in libarchive-dev zlib1g-dev pkg-config curl unzip; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Headless Chromium for the browse page's browser tests (BrowserEndToEndTests, `make ui-test`),
# driven by Playwright with executable_path (no browser download). Not fatal: without it those
# tests skip and say why.
if ! command -v chromium >/dev/null 2>&1; then
  echo "bootstrap: installing Debian's chromium (browser tests)"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; } ||
    echo "bootstrap: could not install chromium; the browser tests will be skipped" >&2
fi

PY="${PYTHON:-python3}"
VENV=.venv
stamp="$VENV/.wheelhouse-deps-v4"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: creating $VENV with the test clients"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q \
    "packaging>=24" "moto[server]" twine uv pypi-simple build wheel "setuptools>=78" boto3 pypiserver playwright
  touch "$stamp"
fi
