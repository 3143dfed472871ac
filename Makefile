# Two commands matter: `make run` starts the lab, `make test` checks everything.
# Both create .venv and install the project into it on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Every test, notebook and docs build runs where only loopback exists.
LOOPBACK := scripts/loopback-only
export NO_MKDOCS_2_WARNING := 1

.PHONY: run test docs bench lint clean

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

docs: $(STAMP)
	$(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8000

bench: $(STAMP)
	bench/run

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff
	$(VENV)/bin/ruff check .

clean:
	rm -rf site .pytest_cache bench/results
