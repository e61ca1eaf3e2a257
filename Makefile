# Virtualizing Time — the two commands of the quick start (make lab, make test), and the rest.
# `make` or `make help` lists the targets: the text after `##` on a target's line.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
DEV    := $(VENV)/.ready-dev
# Locks for the interpreter at hand (3.11+, or 3.10's own): the runtime the notebooks need
# (requirements.txt: make lab, make student-lab), and the rest: tests, site, nbgrader
# (requirements-dev.txt, added to the same .venv by the targets that need it, on first use).
PY310  := $(shell $(PYTHON) -c 'import sys; print("-py310" if sys.version_info[:2] == (3, 10) else "")' 2>/dev/null)
LOCK   := requirements$(PY310).txt
DEVLOCK := requirements-dev$(PY310).txt
STUDENT := build/student
# The student site's own copy of the edition (rewritten by every make student-site): never the
# student's work in $(STUDENT).
STUDENT_SITE_NB := build/student-site-notebooks
BUNDLE  := build/virtualizing-time-student.zip

# Fast tests for the edit-test loop: the package's unit and property tests (a fifth of the
# hypothesis examples: profile "check" in tests/conftest.py), the project's layout checks and
# every doctest; no notebook execution, no browser, nothing marked slow. `make test` runs all.
CHECK_TESTS := tests/package tests/course tests/project tscmath tsccourse

.DEFAULT_GOAL := help
.PHONY: help lab student-lab check test site student-site student student-dist nbgrader bench lock clean

help: ## list the targets
	@echo "Targets (each sets up .venv first when it needs it):"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  make \1\t/' | expand -t 20

$(READY): $(LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed; found " + sys.version.split()[0] + " (set PYTHON=/path/to/python3.x)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python tools/setup_lab.py
	@touch $@

$(DEV): $(READY) $(DEVLOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(DEVLOCK) -c $(LOCK)
	@touch $@

lab: $(READY) ## open the collection in JupyterLab (127.0.0.1; prints the URL)
	$(BIN)/python tools/lab.py

student-lab: $(READY) ## open the student edition (no solutions) in JupyterLab; keeps your work
	$(BIN)/python tools/make_student.py --out $(STUDENT) --keep-existing
	$(BIN)/python tools/lab.py --ServerApp.root_dir=$(STUDENT)

check: $(DEV) ## ruff and the fast tests (package, layout, doctests): well under a minute
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -m "not slow and not browser" --hypothesis-profile=check $(CHECK_TESTS)

test: $(DEV) ## every test, as CI runs it: ruff, pytest, notebooks, site, browsers, nbgrader
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

site: $(DEV) ## build the static HTML site into build/site (offline, notebooks executed)
	$(BIN)/python tools/build_site.py

student-site: $(DEV) ## a static site of the student edition (no solutions) in build/student-site
	$(BIN)/python tools/make_student.py --out $(STUDENT_SITE_NB) --replace
	$(BIN)/python tools/build_site.py --notebooks $(STUDENT_SITE_NB) --out build/student-site

student: $(READY) ## write the student edition into build/student (overwrites it)
	$(BIN)/python tools/make_student.py --out $(STUDENT)

student-dist: $(READY) ## the zip to hand out: student edition + course code, started with `make`
	$(BIN)/python tools/student_dist.py --out $(BUNDLE)

nbgrader: $(READY) ## export the exercises in nbgrader's source format into build/nbgrader
	$(BIN)/python tools/export_nbgrader.py --out build/nbgrader

bench: $(READY) ## run the benchmarks in benchmarks/ (ratios against a baseline)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

# Re-resolve both locks (needs the package registry): the runtime from requirements.in, then
# the rest from requirements-dev.in on top of it. On Python 3.10 relax the pins that need 3.11
# (numpy, matplotlib, sphinx, myst-parser, the theme) by hand first.
lock: ## re-resolve requirements.txt and requirements-dev.txt (needs the registry)
	rm -rf build/lockenv && $(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install --quiet -r requirements.in
	{ echo "# Runtime lock of requirements.in (what the notebooks need). Regenerate with: make lock"; \
	  build/lockenv/bin/pip freeze --all --exclude-editable | grep -v '^pip=='; } > $(LOCK)
	build/lockenv/bin/pip install --quiet -r requirements-dev.in -c $(LOCK)
	{ echo "# Lock of requirements-dev.in, on top of $(LOCK). Regenerate with: make lock"; \
	  build/lockenv/bin/pip freeze --all --exclude-editable | grep -v '^pip==' \
	  | grep -vxFf $(LOCK); } > $(DEVLOCK)

# Keeps $(STUDENT), the student's work (make student-lab): delete that folder by hand.
clean: ## remove .venv, build/ (but not a student's work in build/student), caches, npm packages
	rm -rf $(VENV) .pytest_cache .hypothesis site/node_modules
	@if [ -d build ]; then \
	  find build -mindepth 1 -maxdepth 1 ! -path '$(STUDENT)' -exec rm -rf {} + ; \
	  if [ -d '$(STUDENT)' ]; then echo "kept $(STUDENT)/ (your work in make student-lab): \
	delete it by hand"; else rmdir build; fi; \
	fi
