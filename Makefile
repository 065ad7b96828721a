# The two commands of the README: `make run` serves the site with demo content, `make test`
# runs the whole suite (browser tests included). Both install what they need.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install browser zbar espeak postgres lint audit translations bench reliability clean

# uv (from PyPI) installs what pyproject.toml names in seconds where pip takes minutes; plain
# `pip install -e '.[dev]'` reads the same file and works too.
# (-qq: pip's own notices about this machine's configuration are not the reader's business.)
$(STAMP): pyproject.toml
	@echo "install: Python packages into $(VENV) (first time, or after pyproject.toml changed)"
	@start=$$(date +%s); \
	python3 -m venv $(VENV) && \
	$(BIN)/pip install -qq --disable-pip-version-check uv && \
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]' && \
	echo "install: done in $$(( $$(date +%s) - start )) s"
	@touch $(STAMP)

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
	  echo "browser: installing Debian's Chromium for the browser tests"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get update -qq && apt-get install -y -qq chromium; } >/tmp/library-apt.log 2>&1 \
	    || { cat /tmp/library-apt.log; exit 1; }; }

# Debian's zbar library, which pyzbar loads to decode the QR codes in the tests.
zbar:
	@dpkg -s libzbar0 >/dev/null 2>&1 || { \
	  echo "zbar: installing Debian's zbar library for the QR code tests"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get update -qq && apt-get install -y -qq libzbar0; } >/tmp/library-apt.log 2>&1 \
	    || { cat /tmp/library-apt.log; exit 1; }; }

# Debian's espeak-ng, which speaks the demo's audio in Vietnamese (without it, and without the
# right to install it, the demo leaves its audio out, keeps its videos silent, and says so).
espeak:
	@command -v espeak-ng >/dev/null 2>&1 || { \
	  echo "espeak: installing Debian's espeak-ng for the demo's spoken audio"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get update -qq && apt-get install -y -qq espeak-ng; } >/tmp/library-apt.log 2>&1 \
	    || echo "espeak: not installed (see /tmp/library-apt.log): the demo has no audio, its videos no sound"; }

# Who the demo library says publishes it (a real site sets its own: README, Settings).
DEMO_SETTINGS := FLASK_LIBRARY_PUBLISHER="$${FLASK_LIBRARY_PUBLISHER:-Sở Lao động - Thương binh và Xã hội và Liên đoàn Lao động tỉnh (thư viện mẫu)}" \
  FLASK_LIBRARY_CONTACT_EMAIL="$${FLASK_LIBRARY_CONTACT_EMAIL:-lienhe@demo.thuvien.vn}" \
  FLASK_LIBRARY_CONTACT_ADDRESS="$${FLASK_LIBRARY_CONTACT_ADDRESS:-Ban biên tập Thư viện học tập mở, Sở Lao động - Thương binh và Xã hội}"

# HOST=0.0.0.0 serves the other machines of the network too (a phone on the same Wi-Fi).
run: install espeak
	@echo "demo: loading the demo library (skipped where it is already there)"
	@start=$$(date +%s); $(BIN)/flask seed-demo --with-activity && \
	echo "demo: ready in $$(( $$(date +%s) - start )) s"
	@if [ "$(HOST)" = "0.0.0.0" ]; then \
	  echo "Open http://127.0.0.1:$(PORT) here, or http://$$(hostname -I | cut -d' ' -f1):$(PORT) from another device (Ctrl+C stops)"; \
	else echo "Open http://$(HOST):$(PORT) (Ctrl+C stops)"; fi
	@# Links in e-mails and QR codes need a public address (README, Settings): the one people open.
	@# The jobs worker (pictures, page images, light renditions) runs beside the site and stops
	@# with it; jobs it had not finished are done at its next start.
	@if [ "$(HOST)" = "0.0.0.0" ]; then addr=$$(hostname -I | cut -d' ' -f1); else addr=$(HOST); fi; \
	$(BIN)/flask jobs work --quiet & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	FLASK_PUBLIC_BASE_URL=$${FLASK_PUBLIC_BASE_URL:-http://$$addr:$(PORT)} $(DEMO_SETTINGS) \
	  $(BIN)/flask run --host $(HOST) --port $(PORT)

lint: $(STAMP)
	@$(BIN)/ruff check -q . && $(BIN)/ruff format -q --check . && echo "lint: ruff finds nothing"

# Known vulnerabilities of the installed packages, from PyPI's advisory data (nothing else is
# asked). A vulnerable package fails, and so does a run that could check nothing (PyPI out of
# reach): .ci/audit.py says which. Not part of `make test`, which needs no network past install.
audit: $(STAMP)
	@$(BIN)/python .ci/audit.py

# Debian's PostgreSQL server for the second pass of the tests (tests/with_postgres.sh starts a
# throwaway cluster of it on loopback, and would install it too).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "postgres: installing Debian's PostgreSQL server for the second pass"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get update -qq && apt-get install -y -qq postgresql postgresql-contrib; } >/tmp/library-apt.log 2>&1 \
	    || { cat /tmp/library-apt.log; exit 1; }; }

# The tests write thousands of small databases, indexes and uploads, each committed with fsync:
# in memory (tmpfs, when the machine has 2 GB of it free) a commit costs nothing, where a shared
# disk makes some wait seconds. TMPDIR set by the caller wins.
TEST_TMP := $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && \
  [ $$(df -Pk /dev/shm | awk 'NR==2 {print $$4}') -gt 2000000 ] && echo /dev/shm)
TEST_ENV := $(if $(TEST_TMP),TMPDIR=$${TMPDIR:-$(TEST_TMP)})

# The whole suite on SQLite (the embedded default), then again on a throwaway PostgreSQL but for
# the browser tests: what they add (pages drawn, scripts run, in Chromium) does not depend on the
# database, and every route they drive is tested on PostgreSQL through the test client.
test: install browser zbar espeak postgres lint
	@echo "test: pass 1 of 2, on SQLite"
	@start=$$(date +%s); \
	$(TEST_ENV) $(BIN)/pytest -n 2 -q || status=$$?; \
	echo "test pass 1 (SQLite): $$(( $$(date +%s) - start )) s"; exit $${status:-0}
	@echo "test: pass 2 of 2, on a throwaway PostgreSQL (the browser tests ran in pass 1)"
	@start=$$(date +%s); \
	$(TEST_ENV) tests/with_postgres.sh $(BIN)/pytest -n 2 -q --ignore=tests/browser || status=$$?; \
	echo "test pass 2 (PostgreSQL): $$(( $$(date +%s) - start )) s"; exit $${status:-0}

bench: install
	$(BIN)/python bench/import_materials.py

# Attack and fault suites, then the 10-minute soak: rewrites docs/reliability.md.
reliability: install
	$(BIN)/python bench/reliability.py

clean:
	rm -rf $(VENV) instance uploads .pytest_cache
