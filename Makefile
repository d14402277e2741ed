# The README's two set-up commands are `make demo` and `make test`; everything else is
# for maintainers. Each target installs what it needs first, so a fresh clone works.
# `pip install .` is the desktop app alone; the demo, the tests and the package test run a
# hub too, so they install the `hub` extra (the bundle still leaves it out: see the spec).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint stress bench fuzz system-app system-test clean package package-test

# Bytecode is compiled up front (only what changed), so the app does not compile itself
# at every start where PYTHONDONTWRITEBYTECODE is set.
demo: system-app $(APP_STAMP)
	$(BIN)/python -m compileall -q assessor_app
	$(BIN)/python -m assessor_app.demo

# mypy reads its settings and the paths to check from pyproject.toml ([tool.mypy]).
test: system-test $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -m "not stress"

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

stress: system-test $(TEST_STAMP)
	$(BIN)/python -m pytest -m stress

# The fuzz gate of `make test` (tests/hub/test_fuzz.py), run for ten minutes and stateful.
fuzz: system-test $(TEST_STAMP)
	ASSESSOR_FUZZ_SECONDS=600 ASSESSOR_FUZZ_PHASES=examples,coverage,fuzzing,stateful \
	  $(BIN)/python -m pytest tests/hub/test_fuzz.py -q

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
	$(BIN)/python -m pip install -q -e ".[hub]"
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[hub,test]"
	touch $(APP_STAMP) $@

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

# Self-contained Linux bundle (dist/assessor/ and dist/Assessor-x86_64.run); see
# packaging/README.md. package-test runs the built bundle in a clean environment.
PACKAGE_STAMP := $(VENV)/.installed-package

$(PACKAGE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[hub,package]"
	touch $(APP_STAMP) $@

package: system-app $(PACKAGE_STAMP)
	@command -v makeself >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq makeself; } || \
	  echo "makeself is missing (apt install makeself): only the folder bundle will be built"
	$(BIN)/python packaging/build.py

# PyInstaller's archive reader (the package extra) lists what the bundle carries.
package-test: system-test $(PACKAGE_STAMP)
	$(BIN)/python packaging/package_test.py
