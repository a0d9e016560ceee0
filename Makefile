# Two commands: `make run` (install + start the app) and `make test` (install + whole suite).
PYTHON ?= python3
PIP = $(PYTHON) -m pip --disable-pip-version-check -q
PORT ?= 8501
# 127.0.0.1: only this machine. Serving the network needs sign-in (README, "Security").
ADDRESS ?= 127.0.0.1

.PHONY: run test install install-dev chromium lint bench bench-quick

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

run: install
	$(PYTHON) -m streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS)

lint:
	$(PYTHON) -m ruff check .

test: install-dev chromium lint
	$(PYTHON) -m pytest -q

bench: install  # full sizes (minutes; builds stores up to 1000x the demo)
	for script in scorecard pages cli export montecarlo ingest; do $(PYTHON) bench/$$script.py || exit 1; done

bench-quick: install  # the --quick sizes; the test suite runs these too (tests/test_bench.py)
	for script in scorecard pages cli export montecarlo ingest; do $(PYTHON) bench/$$script.py --quick || exit 1; done
