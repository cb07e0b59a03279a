# sphinx-karabakh: the two commands a new user runs are `make handbook` and `make test`.
# Both create .venv when needed and install the project (with its test/docs extras) into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: handbook test lint typecheck linkcheck bench clean venv browser-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	@touch $(STAMP)

venv: $(STAMP)

## Build the annotated handbook from seeds/ into build/handbook/ (warnings are errors).
handbook: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -j $(JOBS) -b html docs build/handbook
	@echo
	@echo "Handbook built: open $(CURDIR)/build/handbook/index.html"

## Run the linters, the type checker and the whole test suite (installs headless chromium for
## the browser test when it can).
test: $(STAMP) browser-deps lint typecheck
	$(BIN)/python -m pytest -n $(JOBS) tests

## ruff: lint and formatting (`ruff format` fixes the latter).
lint: $(STAMP)
	$(BIN)/ruff check sphinx_karabakh tests bench
	$(BIN)/ruff format --check sphinx_karabakh tests bench

## mypy over the package (settings and the few modules still exempt: pyproject.toml).
typecheck: $(STAMP)
	$(BIN)/mypy

## Check every URL the handbook cites (reports unreachable hosts honestly when offline).
linkcheck: $(STAMP)
	$(BIN)/sphinx-build -b citecheck docs build/citecheck

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,docs,bench]'
	$(BIN)/python bench/run_all.py

browser-deps:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "Installing Debian's chromium for the browser test"; \
	      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	        echo "WARNING: could not install chromium; the browser test will be skipped"; \
	    else echo "WARNING: chromium missing and not root; the browser test will be skipped"; fi; }

clean:
	rm -rf build .pytest_cache
