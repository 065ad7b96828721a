# The two commands of the README: `make run` serves the site with demo content, `make test`
# runs the whole suite (browser tests included). Both install what they need.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install browser lint translations bench reliability clean

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

run: install
	$(BIN)/flask seed-demo
	$(BIN)/flask run --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install browser lint
	$(BIN)/pytest -n 2 -q

bench: install
	$(BIN)/python bench/import_materials.py

# Attack and fault suites, then the 10-minute soak: rewrites docs/reliability.md.
reliability: install
	$(BIN)/python bench/reliability.py

clean:
	rm -rf $(VENV) instance uploads .pytest_cache
