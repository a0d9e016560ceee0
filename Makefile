# Two commands: `make run` (install + start the app) and `make test` (install + whole suite).
PYTHON ?= python3
PIP = $(PYTHON) -m pip --disable-pip-version-check -q
PORT ?= 8501
# 127.0.0.1: only this machine. Serving the network needs sign-in (README, "Security").
ADDRESS ?= 127.0.0.1

.PHONY: run test install install-dev chromium postgresql lint messages bench bench-quick

install:
	$(PIP) install -r requirements.txt -e .

install-dev:
	$(PIP) install -r requirements-dev.txt -e .

# Browser tests drive Debian's Chromium; install it when missing and we are root.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)); \
	  else echo "note: /usr/bin/chromium is missing and we are not root; browser tests will be skipped"; fi; \
	fi

# The PostgreSQL tests start their own server from Debian's `postgresql` binaries; install them
# when missing and we are root (the package's own cluster is not used).
postgresql:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -q postgresql >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null)); \
	  else echo "note: PostgreSQL server binaries are missing and we are not root; PostgreSQL tests will be skipped"; fi; \
	fi

# The suite twice: on DuckDB files (everything), then the store-facing tests on PostgreSQL
# (--engine postgres; tests about the DuckDB file itself are skipped there, with the reason).
PG_SKIP = --ignore=tests/app/test_browser.py --ignore=tests/app/test_accessibility.py --ignore=tests/telemetry/test_spark.py --ignore=tests/test_bench.py \
	--ignore=tests/store/test_postgres.py --ignore=tests/store/test_replicas.py

run: install
	$(PYTHON) -m streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS)

# ruff, then deptry: every package the code imports is in requirements*.txt (and every pin is used)
lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m deptry .
	$(PYTHON) -c "from importlinter.cli import lint_imports_command; lint_imports_command()" --config .importlinter

# the words: extract the English source to the template and merge it into every language's catalog
I18N = src/kpis/i18n
messages:
	$(PYTHON) -m babel.messages.frontend extract --no-default-keywords -k M:1c,2 --no-location --omit-header \
		--width 120 -o $(I18N)/locale/kpis.pot $(I18N)/messages.py
	$(PYTHON) -m babel.messages.frontend update -i $(I18N)/locale/kpis.pot -d $(I18N)/locale -D kpis \
		--width 120 --ignore-obsolete

test: install-dev chromium postgresql lint
	$(PYTHON) -m pytest -q
	$(PYTHON) -m pytest -q --engine postgres $(PG_SKIP)

bench: install-dev  # full sizes (about an hour; builds stores up to 10,000x the demo, 1.4 GB)
	for script in scorecard pages tail browser cli export montecarlo ingest postgres api_load; do $(PYTHON) bench/$$script.py || exit 1; done

bench-quick: install-dev  # the --quick sizes; the test suite runs these too (tests/test_bench.py)
	for script in scorecard pages tail browser cli export montecarlo ingest postgres api_load; do $(PYTHON) bench/$$script.py --quick || exit 1; done
