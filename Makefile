# Virtualizing Time — the two commands of the quick start, and the rest.
#   make lab      set up .venv (first time) and open the collection in JupyterLab
#   make test     set up .venv (first time) and run every test (ruff, pytest, notebooks, browsers)
#   make site     build the static HTML site into build/site
#   make student  write the student edition into build/student
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
# The full lock for the interpreter at hand: 3.11+ uses requirements.txt, 3.10 its own lock.
LOCK   := $(shell $(PYTHON) -c 'import sys; print("requirements-py310.txt" if sys.version_info[:2] == (3, 10) else "requirements.txt")' 2>/dev/null || echo requirements.txt)

.PHONY: lab test site student bench lock clean

$(READY): $(LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed; found " + sys.version.split()[0] + " (set PYTHON=/path/to/python3.x)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python tools/setup_lab.py
	@touch $@

lab: $(READY)
	$(BIN)/python tools/lab.py

test: $(READY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

site: $(READY)
	$(BIN)/python tools/build_site.py

student: $(READY)
	$(BIN)/python tools/make_student.py

bench: $(READY)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

# Re-resolve the full lock from requirements.in (needs the package registry). On Python 3.10
# relax the pins that need 3.11 (numpy, matplotlib, sphinx, myst-parser, the theme) by hand first.
lock:
	rm -rf build/lockenv && $(PYTHON) -m venv build/lockenv
	build/lockenv/bin/pip install --quiet -r requirements.in
	{ echo "# Full lock of requirements.in. Regenerate with: make lock"; \
	  build/lockenv/bin/pip freeze --all --exclude-editable | grep -v '^pip=='; } > $(LOCK)

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis site/node_modules
