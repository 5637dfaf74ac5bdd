# One command to run the app on the embedded emulator, one to run the tests.
# Both set up a virtual environment in .venv first, and again whenever a requirements file changes.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run emulator test clean

run: $(VENV)/.app
	$(PY) app.py

emulator: $(VENV)/.app
	$(PY) -m emulator --port 8081

test: $(VENV)/.dev
	$(PY) -m pytest

$(VENV)/.app: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.app

clean:
	rm -rf $(VENV) instance .pytest_cache
