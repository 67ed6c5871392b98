# Two entry points; each builds the virtual environment from nothing if it is missing.
#   make run    -> runs the Taiyuan 2030 scenario into runs/taiyuan-2030 (tables, report, map)
#   make test   -> runs the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/taiyuan-2030.yaml
OUT ?= runs/taiyuan-2030

.PHONY: run test setup browser bench bench-pywr lint clean

$(BIN)/waterplan: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(BIN)/waterplan

setup: $(BIN)/waterplan

run: setup
	$(BIN)/waterplan run $(SCENARIO) --out $(OUT) --force

# The browser test drives Debian's Chromium; a system CJK font makes Chinese names legible in the
# browser (maps and charts drawn by matplotlib use the font shipped with the Python dependencies).
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null) \
	      || echo "note: could not install chromium; the browser tests will be skipped"; \
	  else echo "note: install Debian packages chromium and fonts-wqy-zenhei for the browser test"; fi; \
	fi

test: setup browser
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench_solve.py

# Pywr beside waterplan on the same network; Pywr 1.31 needs pandas < 3: its own environment
bench-pywr: setup
	test -x .venv-pywr/bin/python || $(PYTHON) -m venv .venv-pywr
	.venv-pywr/bin/pip install -q -r benchmarks/requirements-pywr.txt
	$(BIN)/python benchmarks/bench_pywr.py --pywr-python .venv-pywr/bin/python

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy --strict waterplan && $(BIN)/python tools/import_graph.py

clean:
	rm -rf $(VENV) runs
