# Federation system: `make run` serves a demo on 127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEMO_SCALE ?= province
DEMO_PASSWORD ?= demo-ldld-2025
HOST ?= 127.0.0.1:8000
PYTEST_ARGS ?=

.PHONY: run test test-browser fuzz audit lint format bench bench-national load-test messages install clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Local demo: DEBUG on, an embedded SQLite database, tasks in-process, demo logins printed.
run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo --scale $(DEMO_SCALE) --password "$(DEMO_PASSWORD)"
	DEBUG=1 $(PY) manage.py runserver $(HOST)

# The whole suite on SQLite; with DATABASE_URL and REDIS_URL set, on PostgreSQL and Redis
# with a real Celery worker for the background-job tests.
test: install
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# Chromium through Playwright (Debian's /usr/bin/chromium).
test-browser: install
	RUN_BROWSER_TESTS=1 $(PY) -m pytest tests/browser -m browser -p no:xdist $(PYTEST_ARGS)

# Schemathesis against /api/schema/ once per role and anonymously (tests/fuzz/run_api_fuzz.py), on a
# scratch database beside DATABASE_URL's (an SQLite file without it), dropped afterwards.
FUZZ_ARGS ?=
fuzz: install
	$(PY) tests/fuzz/run_api_fuzz.py $(FUZZ_ARGS)

# Known vulnerabilities of the pinned requirements (PyPI's advisories); accepted ones by id in AUDIT_IGNORE.
AUDIT_IGNORE ?=
audit: install
	$(VENV)/bin/pip-audit --requirement requirements.txt --no-deps --disable-pip --vulnerability-service pypi \
		--progress-spinner off $(addprefix --ignore-vuln ,$(AUDIT_IGNORE))

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks; the roll import runs on PostgreSQL (a scratch database it creates and drops).
BENCH_POSTGRES ?= postgres://postgres@127.0.0.1:5432
bench: install
	$(PY) bench/seed_demo.py
	$(PY) bench/import_roll.py --server $(BENCH_POSTGRES)
	$(PY) bench/welfare_totals.py
	$(PY) bench/dashboard.py --server $(BENCH_POSTGRES)
	$(PY) bench/reorganize.py --server $(BENCH_POSTGRES)

# National scale (docs/performance.md, "National scale"): the main pages and a 125,000-row import
# on a database loaded with `seed_demo --scale national` (NATIONAL_DATABASE; the import is undone
# after), the same import at province scale in a database of its own on BENCH_POSTGRES.
NATIONAL_DATABASE ?= $(BENCH_POSTGRES)/lddl_national
NATIONAL_ARGS ?=
bench-national: install
	$(PY) bench/national.py --database-url $(NATIONAL_DATABASE) --server $(BENCH_POSTGRES) $(NATIONAL_ARGS)

# 50 users on the main pages for 120 s: gunicorn on 127.0.0.1:8765, Redis db 15 as the cache,
# locust headless; everything started is stopped at the end (bench/load/run.py).
LOAD_REDIS ?= redis://127.0.0.1:6379/15
LOAD_ARGS ?= --users 50 --spawn-rate 10 --duration 120
load-test: install
	$(PY) bench/load/run.py --database-url $(NATIONAL_DATABASE) --redis-url $(LOAD_REDIS) $(LOAD_ARGS)

# Refresh the Vietnamese catalogue after changing user-facing text (needs GNU gettext).
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l vi --no-obsolete --add-location file -i ".venv/*" -i "static/*" -i "tests/*" -i "bench/*"
	DEBUG=1 $(PY) manage.py compilemessages -l vi

clean:
	rm -rf $(VENV) staticfiles artifacts
