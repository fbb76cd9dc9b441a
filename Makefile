# Two commands matter: `make run` (dashboard + sandbox) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format sandbox soak clean

$(STAMP): requirements.txt requirements-dev.txt
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing (browser tests, benchmarks)"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $(STAMP)

run: $(STAMP)
	@scripts/dev.sh

# axe-core for the browser tests' accessibility checks (package.json, pinned by package-lock.json)
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(AXE)

test: $(STAMP) $(AXE)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

sandbox: $(STAMP)
	$(PY) -m sandbox

# ~90 s: gunicorn + wrk against a sandbox with 10% errors and latency spikes (not part of `test`);
# writes the figures to docs/reliability.md under "## Soak"
soak: $(STAMP)
	$(PY) bench/soak.py

# < 7 min: medians of the dashboard vs raw upstream (sandbox at 150 ms), gunicorn + Redis + wrk,
# Chromium's first paint and load of cold lists;
# prints one table and writes it to docs/benchmarks.md (not part of `test`)
.PHONY: bench
bench: $(STAMP)
	$(PY) bench/run.py

# ~15 min: the interaction index on PostgreSQL (1,000,000 generated interactions: page queries'
# p50/p95, CSV export memory; sync throughput and RSS against a sandbox); writes its section of
# docs/benchmarks.md. Needs PostgreSQL (CXENGAGE_TEST_POSTGRES_URL, default root@127.0.0.1/test)
.PHONY: bench-index
bench-index: $(STAMP)
	$(PY) bench/index_bench.py

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache
