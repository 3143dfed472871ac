# Two commands matter: `make run` starts the lab, `make test` checks everything.
# Both create .venv and install the project into it on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Every test, notebook and docs build runs where only loopback exists.
LOOPBACK := scripts/loopback-only
export NO_MKDOCS_2_WARNING := 1

.PHONY: run test docs notebooks bench lint clean student-copy grade

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,docs,fast,bench,encrypted,dnssec]'
	# Wheels for tests/packaging, which installs the project into a fresh
	# virtualenv inside the loopback-only namespace, where PyPI is out of reach.
	$(PY) -m pip download --quiet --no-deps --only-binary=:all: --dest .cache/wheelhouse \
	    'dnspython>=2.6' 'setuptools>=77'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m lab

test: $(STAMP)
	$(LOOPBACK) $(PY) -m pytest --nbmake tests docs/notebooks $(PYTEST_ARGS)
	$(LOOPBACK) $(VENV)/bin/mkdocs build --strict --quiet --site-dir site

# JupyterLab is big and only readers who want to poke at the notebooks need
# it: installed into .venv on first use, then started on 127.0.0.1 only, on
# docs/notebooks/. Not in the loopback-only namespace: the browser that opens
# it lives outside. Ctrl-C stops it. JUPYTER_ARGS adds options
# (`make notebooks JUPYTER_ARGS=--no-browser`).
JUPYTER_STAMP := $(VENV)/.jupyterlab
JUPYTER_ARGS  ?=

$(JUPYTER_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[notebooks]'
	touch $(JUPYTER_STAMP)

notebooks: $(JUPYTER_STAMP)
	exec $(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 \
	    --ServerApp.root_dir=docs/notebooks $(JUPYTER_ARGS)

docs: $(STAMP)
	$(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8000

# For teachers (docs/teachers.md): a copy without the solutions and without
# git history, and grading of what a student hands back with the tests as
# committed here, never the student's copy of them.
student-copy:
	@test -n "$(DEST)" || { echo "usage: make student-copy DEST=new-folder" >&2; exit 2; }
	$(PYTHON) scripts/student_copy.py $(DEST)

grade: $(STAMP)
	@test -n "$(STUDENT)" -a -n "$(PART)" || \
	    { echo "usage: make grade STUDENT=their-copy PART=partN" >&2; exit 2; }
	$(LOOPBACK) $(PY) scripts/grade.py $(STUDENT) $(PART) $(PYTEST_ARGS)

bench: $(STAMP)
	bench/run

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff
	$(VENV)/bin/ruff check .

clean:
	rm -rf site .pytest_cache bench/results
