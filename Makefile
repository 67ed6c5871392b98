# Two entry points; each builds the virtual environment from nothing if it is missing.
#   make run    -> runs the Taiyuan 2030 scenario into runs/taiyuan-2030 (tables, report, map)
#   make test   -> runs the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/taiyuan-2030.yaml
OUT ?= runs/taiyuan-2030

.PHONY: run test setup bench lint clean

$(BIN)/waterplan: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(BIN)/waterplan

setup: $(BIN)/waterplan

run: setup
	$(BIN)/waterplan run $(SCENARIO) --out $(OUT) --force

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench_solve.py

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy waterplan

clean:
	rm -rf $(VENV) runs
