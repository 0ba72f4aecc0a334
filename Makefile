PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-quick bench-browser cluster clean vendor

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) server.py $(ARGS)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Benchmark: the project against a bare floor relay and the seed relay in the same run
# (docs/benchmarks.md).
# Every benchmark is `python -m bench SCENARIO` (`python -m bench --help` lists them).
# Load-generator tooling (orjson for the floor variant, uvloop for the load generator, py-spy
# for `python -m bench profile`) goes into the same venv; wrk (Debian) is used for REST load
# when on the PATH.
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet orjson uvloop py-spy && touch $(BENCH_STAMP) \
	  || echo "bench: orjson/uvloop/py-spy not installed; running without them"

# The seed relay (bench/seed/: Node Express + Socket.IO, the design this server replaces) is
# installed from its lock file here, never when a server runs; without npm it is left out.
SEED_STAMP := bench/seed/node_modules/.package-lock.json

$(SEED_STAMP): bench/seed/package-lock.json
	cd bench/seed && npm ci --no-audit --no-fund --silent \
	  || echo "bench: npm ci in bench/seed failed; the seed relay will not start"

# A few minutes: this server, the floor relay and the seed relay side by side, sockets and
# idle scenarios (BENCH_ARGS="--scenarios sockets,big,idle,rest --servers ..." for all).
bench: $(BENCH_STAMP) $(SEED_STAMP)
	$(PY) -m bench floor --servers ours,floor-orjson,seed --scenarios sockets,idle $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP)
	$(PY) -m bench floor --quick $(BENCH_ARGS)

# Keystroke-to-remote-render latency between two Chromium pages and the room's first load
# (docs/benchmarks.md, "In the browser"); needs /usr/bin/chromium.
bench-browser: $(STAMP)
	$(PY) -m bench browser $(BENCH_ARGS)

# Regenerate the checked-in CodeMirror bundle and the whiteboard (Excalidraw, React, fonts:
# sessions/web/static/vendor/board/) with their licences
# from frontend/package-lock.json. Needs Node 18+ and npm; nothing else in the project does.
vendor:
	cd frontend && npm ci --no-audit --no-fund && node build.mjs

# A local cluster in the foreground: nginx on CLUSTER_PORT routing to WORKERS workers kept by
# supervisord (README "Running many interviews"); Ctrl-C stops nginx, then the workers save.
# PORT= works as CLUSTER_PORT=; CLUSTER_ARGS go to `python -m deploy.cluster up` (see --help).
WORKERS ?= 4
CLUSTER_PORT ?= $(if $(PORT),$(PORT),8000)

cluster: $(STAMP)
	$(PY) -m deploy.cluster up --workers $(WORKERS) --port $(CLUSTER_PORT) $(CLUSTER_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
