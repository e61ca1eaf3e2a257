# Virtualizing Time — the two commands of the quick start, and the rest.
#   make lab           set up .venv (first time, lean) and open the collection in JupyterLab
#   make student-lab   the same on the student edition (no solutions)
#   make test          add the development tools (first time) and run every test
#   make site          add the site tools (first time) and build the static site into build/site
#   make student-site  a static site of the student edition, without any solution
#   make student       write the student edition into build/student
#   make nbgrader      export the exercises in nbgrader's source format into build/nbgrader
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
DEV    := $(VENV)/.ready-dev
# Locks for the interpreter at hand (3.11+, or 3.10's own): the runtime the notebooks need
# (requirements.txt, for make lab), and the rest: tests, site, nbgrader (requirements-dev.txt).
PY310  := $(shell $(PYTHON) -c 'import sys; print("-py310" if sys.version_info[:2] == (3, 10) else "")' 2>/dev/null)
LOCK   := requirements$(PY310).txt
DEVLOCK := requirements-dev$(PY310).txt
STUDENT := build/student

.PHONY: lab student-lab test site student-site student nbgrader bench lock clean

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

lab: $(READY)
	$(BIN)/python tools/lab.py

student-lab: $(READY)
	$(BIN)/python tools/make_student.py --out $(STUDENT) --keep-existing
	$(BIN)/python tools/lab.py --ServerApp.root_dir=$(STUDENT)

test: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

site: $(DEV)
	$(BIN)/python tools/build_site.py

student-site: $(DEV)
	$(BIN)/python tools/make_student.py --out $(STUDENT)
	$(BIN)/python tools/build_site.py --notebooks $(STUDENT) --out build/student-site

student: $(READY)
	$(BIN)/python tools/make_student.py --out $(STUDENT)

nbgrader: $(READY)
	$(BIN)/python tools/export_nbgrader.py --out build/nbgrader

bench: $(READY)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

# Re-resolve both locks (needs the package registry): the runtime from requirements.in, then
# the rest from requirements-dev.in, on top of it. On Python 3.10 relax the pins that need 3.11
# (numpy, matplotlib, sphinx, myst-parser, the theme) by hand first.
lock:
	rm -rf build/lockenv && $(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install --quiet -r requirements.in
	{ echo "# Runtime lock of requirements.in (what the notebooks need). Regenerate with: make lock"; \
	  build/lockenv/bin/pip freeze --all --exclude-editable | grep -v '^pip=='; } > $(LOCK)
	build/lockenv/bin/pip install --quiet -r requirements-dev.in -c $(LOCK)
	{ echo "# Lock of requirements-dev.in, on top of $(LOCK). Regenerate with: make lock"; \
	  build/lockenv/bin/pip freeze --all --exclude-editable | grep -v '^pip==' \
	  | grep -vxFf $(LOCK); } > $(DEVLOCK)

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis site/node_modules
