# Virtualizing Time — the two commands of the quick start (make lab, make test), and the rest.
# `make` or `make help` lists the targets: the text after `##` on a target's line.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
# The full lock for the interpreter at hand: 3.11+ uses requirements.txt, 3.10 its own lock.
LOCK   := $(shell $(PYTHON) -c 'import sys; print("requirements-py310.txt" if sys.version_info[:2] == (3, 10) else "requirements.txt")' 2>/dev/null || echo requirements.txt)

# Fast tests for the edit-test loop: the package's unit and property tests (a fifth of the
# hypothesis examples: profile "check" in tests/conftest.py), the project's layout checks and
# every doctest; no notebook execution, no browser, nothing marked slow. `make test` runs all.
CHECK_TESTS := tests/package tests/project tscmath

.DEFAULT_GOAL := help
.PHONY: help lab check test site student bench lock clean

help: ## list the targets
	@echo "Targets (each sets up .venv first when it needs it):"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z]+):.*## /  make \1\t/' | expand -t 16

$(READY): $(LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed; found " + sys.version.split()[0] + " (set PYTHON=/path/to/python3.x)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python tools/setup_lab.py
	@touch $@

lab: $(READY) ## open the collection in JupyterLab (127.0.0.1; prints the URL)
	$(BIN)/python tools/lab.py

check: $(READY) ## ruff and the fast tests (package, layout, doctests): well under a minute
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -m "not slow and not browser" --hypothesis-profile=check $(CHECK_TESTS)

test: $(READY) ## every test, as CI runs it: ruff, pytest, notebooks, site, browsers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

site: $(READY) ## build the static HTML site into build/site (offline, notebooks executed)
	$(BIN)/python tools/build_site.py

student: $(READY) ## write the student edition into build/student
	$(BIN)/python tools/make_student.py

bench: $(READY) ## run the benchmarks in benchmarks/ (ratios against a baseline)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

# Re-resolve the full lock from requirements.in (needs the package registry). On Python 3.10
# relax the pins that need 3.11 (numpy, matplotlib, sphinx, myst-parser, the theme) by hand first.
lock: ## re-resolve requirements.txt from requirements.in (needs the registry)
	rm -rf build/lockenv && $(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install --quiet -r requirements.in
	{ echo "# Full lock of requirements.in. Regenerate with: make lock"; \
	  build/lockenv/bin/pip freeze --all --exclude-editable | grep -v '^pip=='; } > $(LOCK)

clean: ## remove .venv, build/, caches and the site's npm packages
	rm -rf $(VENV) build .pytest_cache .hypothesis site/node_modules
