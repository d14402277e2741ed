# The README's two set-up commands are `make demo` and `make test`; everything else is
# for maintainers. Each target installs what it needs first, so a fresh clone works.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint stress bench system-app system-test clean

demo: system-app $(APP_STAMP)
	$(BIN)/python -m assessor_app.demo

test: system-test $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not stress"

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

stress: system-test $(TEST_STAMP)
	$(BIN)/python -m pytest -m stress

bench: system-test $(TEST_STAMP)
	$(BIN)/python -m benchmarks

system-app:
	@scripts/install-system-packages.sh app

system-test:
	@scripts/install-system-packages.sh test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(APP_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(APP_STAMP) $@

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
