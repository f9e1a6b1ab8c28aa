# Two commands do all set-up on a fresh Debian/Ubuntu machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
IMAGE  ?= resources/sample.png

.PHONY: run test lint check pytest bench clean system-deps

# The virtualenv; python3-venv is the one Debian package this needs before anything else.
$(PY):
	@$(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create a virtualenv: install python3-venv (apt-get install python3-venv)"; exit 1; }
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-app

# Starts the app on the embedded local backend with the bundled sample photo.
run: $(VENV)/.installed-app
	$(PY) -m maskpaint $(IMAGE)

# Qt's system libraries (offscreen and under Xvfb); installs only what is missing.
system-deps:
	@sh packaging/install-system-deps.sh

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check maskpaint tests bench
	$(VENV)/bin/ruff format --check maskpaint tests bench
	$(VENV)/bin/mypy

pytest: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

test: system-deps lint pytest

bench: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info
