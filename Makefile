# Wheelhouse — developer commands. `make run` and `make test` work on a fresh machine.
SWIFT ?= swift
HOST ?= 127.0.0.1
PORT ?= 8080
STORE ?= ./data
BENCH_DIR ?= /tmp/wheelhouse-bench
FUZZ_SECONDS ?= 60
FUZZ_CRASHES ?= $(CURDIR)/Fuzz/crashes

.PHONY: run build release test test-fast ui-test lint format bootstrap vectors docs docs-check bench bench-readme compat soak fuzz clean

bootstrap:
	./scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build --product wheelhouse

release: bootstrap
	$(SWIFT) build -c release --product wheelhouse

run: build
	$$($(SWIFT) build --show-bin-path)/wheelhouse serve --store $(STORE) --host $(HOST) --port $(PORT)

test: bootstrap
	WHEELHOUSE_TEST_PYTHON=$(CURDIR)/.venv/bin/python $(SWIFT) test

# The fast tier only: in-process tests, no Python, moto or child process (the end-to-end suites
# are skipped by WHEELHOUSE_TEST_TIER=fast; see Tests/WheelhouseTestSupport/Tiers.swift).
# Formatting (.swift-format, swift-format from the toolchain): `lint` fails on any difference,
# `format` rewrites the files in place.
lint:
	$(SWIFT) format lint --strict --configuration .swift-format --recursive Package.swift Sources Tests

format:
	$(SWIFT) format format --in-place --configuration .swift-format --recursive Package.swift Sources Tests

test-fast:
	WHEELHOUSE_TEST_TIER=fast $(SWIFT) test

# The browse page in headless Chromium (BrowserEndToEndTests): DOM assertions, and the README's
# screenshots written to docs/images/.
ui-test: bootstrap
	WHEELHOUSE_TEST_PYTHON=$(CURDIR)/.venv/bin/python WHEELHOUSE_SCREENSHOTS=docs/images \
	  $(SWIFT) test --filter BrowserEndToEndTests

# Regenerates the committed test vectors from the reference implementations (pypa/packaging, pip).
vectors: bootstrap
	.venv/bin/python -m pip install -q webob
	cd Tests/WheelhouseCoreTests/Vectors && PY=$(CURDIR)/.venv/bin/python && \
	  $$PY generate_pep440_508.py && $$PY generate_filenames.py && $$PY generate_metadata.py && \
	  $$PY generate_target_tags.py && \
	  $$PY generate_content_negotiation.py > content-negotiation.tsv

# docs/cli.md from the binary's help (scripts/cli-docs.sh); docs-check fails when it is stale.
docs: bootstrap
	SWIFT=$(SWIFT) ./scripts/cli-docs.sh

docs-check: bootstrap
	SWIFT=$(SWIFT) ./scripts/cli-docs.sh --check

# bench/results/<date>-<commit>.{json,md} beside nginx (scripts/bench.sh; BENCH_QUICK=1 for a
# short try, BENCH_PARTS for more parts); bench-readme puts the latest results into README.md.
bench: release
	./scripts/bench.sh $(BENCH_DIR)

bench-readme:
	./scripts/bench-readme.py

# Real packages from PyPI (~1 GB, cached outside the repo): every file must be accepted.
compat: build
	./scripts/compat.sh

# 10 minutes of mixed reads, downloads and uploads; RSS and open fds must stay flat, no 5xx.
soak: release
	./scripts/soak.sh

# libFuzzer targets (Fuzz/, its own package and build folder .build-fuzz; not part of build or
# test): builds them, then runs each for FUZZ_SECONDS from seeds Fuzz/make_seeds.py writes.
# Inputs that crash, hang or blow up memory land in FUZZ_CRASHES/<target>/ and make fails.
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_CRASHES=$(FUZZ_CRASHES) $(if $(FUZZ_TARGETS),FUZZ_TARGETS="$(FUZZ_TARGETS)") ./Fuzz/fuzz.sh

clean:
	rm -rf .build
