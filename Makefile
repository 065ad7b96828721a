# The two commands of the README: `make run` serves the site with demo content, `make test`
# runs the whole suite (browser tests included). Both install what they need.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install browser zbar postgres lint audit translations bench reliability clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

# English .mo files from library/translations/*/LC_MESSAGES/messages.po: a broken catalog fails
# the build, a tree without catalogs has nothing to compile. Fuzzy entries are never served.
translations: $(STAMP)
	@if [ -n "$$(find library/translations -path '*/LC_MESSAGES/messages.po' 2>/dev/null)" ]; then \
	  $(BIN)/pybabel -q compile -d library/translations; \
	else echo "translations: no catalogs to compile"; fi

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# Debian's zbar library, which pyzbar loads to decode the QR codes in the tests.
zbar:
	@dpkg -s libzbar0 >/dev/null 2>&1 || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq libzbar0 >/dev/null; }

run: install
	$(BIN)/flask seed-demo --with-activity
	$(BIN)/flask run --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Known vulnerabilities of the installed packages, from PyPI's advisory data (nothing else is
# asked). A vulnerable package fails the build: raise its pin in pyproject.toml.
audit: $(STAMP)
	$(BIN)/pip-audit --progress-spinner off --skip-editable

# Debian's PostgreSQL server for the second pass of the tests (tests/with_postgres.sh starts a
# throwaway cluster of it on loopback, and would install it too).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq postgresql postgresql-contrib >/dev/null; }

# The whole suite twice: on SQLite (the embedded default), then on a throwaway PostgreSQL.
test: install browser zbar postgres lint audit
	@start=$$(date +%s); \
	$(BIN)/pytest -n 2 -q || status=$$?; \
	echo "test pass 1 (SQLite): $$(( $$(date +%s) - start )) s"; exit $${status:-0}
	@start=$$(date +%s); \
	tests/with_postgres.sh $(BIN)/pytest -n 2 -q || status=$$?; \
	echo "test pass 2 (PostgreSQL): $$(( $$(date +%s) - start )) s"; exit $${status:-0}

bench: install
	$(BIN)/python bench/import_materials.py

# Attack and fault suites, then the 10-minute soak: rewrites docs/reliability.md.
reliability: install
	$(BIN)/python bench/reliability.py

clean:
	rm -rf $(VENV) instance uploads .pytest_cache
