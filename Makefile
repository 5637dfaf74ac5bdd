# One command to run the app on the embedded emulator, one to run the tests.
# Both set up a virtual environment in .venv first (again whenever a requirements file changes)
# and compile the message catalogues.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYBABEL := $(VENV)/bin/pybabel
CATALOGUES := translations/fr/LC_MESSAGES/messages.mo

.PHONY: run emulator test translations spectrum clean

# Logs as text for the person watching, unless LOG_FORMAT is set in the environment.
run: $(VENV)/.app $(CATALOGUES)
	LOG_FORMAT=$${LOG_FORMAT:-text} $(PY) app.py

emulator: $(VENV)/.app
	$(PY) -m emulator --port 8081

test: $(VENV)/.dev $(CATALOGUES)
	$(PY) -m pytest

$(VENV)/.app: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.app

%.mo: %.po $(VENV)/.app
	$(PYBABEL) compile --statistics -i $< -o $@

# For translators: gather the strings again and merge them into each catalogue.
translations: $(VENV)/.app
	$(PYBABEL) extract -F babel.cfg -k _l -k N_ --no-location --sort-output --omit-header -o translations/messages.pot .
	$(PYBABEL) update -i translations/messages.pot -d translations --no-fuzzy-matching --width 100

# Adobe's Spectrum CSS, fetched from the npm registry and built into static/vendor/spectrum/ (committed:
# neither the app nor the tests need Node). Change a version here and run `make spectrum` again.
SPECTRUM_PACKAGES := @spectrum-css/tokens@16.0.2 @adobe/spectrum-css-workflow-icons@5.0.0
spectrum:
	rm -rf .spectrum-packages && mkdir .spectrum-packages
	npm pack --silent --pack-destination .spectrum-packages $(SPECTRUM_PACKAGES) >/dev/null
	$(PYTHON) tools/spectrum.py .spectrum-packages static/vendor/spectrum
	rm -rf .spectrum-packages

clean:
	rm -rf $(VENV) instance .pytest_cache $(CATALOGUES)
