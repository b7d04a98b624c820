# Sangkat: `make run` sets up and serves the demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages we need: gettext (translations), chromium + Khmer fonts (browser tests).
APT_GET := $(shell command -v apt-get 2>/dev/null)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: map-deps run install test test-fast migrate messages translations seed bench lint clean system-deps browser-deps bench-deps

run: install map-deps migrate messages seed
	$(PY) manage.py runserver $(HOST):$(PORT)

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

system-deps:
	@command -v msgfmt >/dev/null || { $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq gettext; }

browser-deps:
	@{ command -v chromium >/dev/null && fc-list | grep -qi khmer; } || { $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq chromium fonts-khmeros; }

migrate: install
	$(PY) manage.py migrate --noinput

messages: install system-deps
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

seed: install
	$(PY) manage.py seed_demo

test: install system-deps browser-deps messages map-deps
	$(PY) -m pytest -n 2 --dist loadfile

test-fast: install messages map-deps
	$(PY) -m pytest -n 2 --dist loadfile -m "not browser"

translations: install system-deps
	$(PY) manage.py makemessages -l km --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete
	$(PY) manage.py makemessages -d djangojs -l km --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete

# Leaflet (light map library) from npm, served as static files under /static/leaflet/.
map-deps:
	@test -f var/npm/node_modules/leaflet/dist/leaflet.js || npm install --no-audit --no-fund --prefix var/npm leaflet@1.9.4

bench-deps:
	@command -v wrk >/dev/null || { $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq wrk; }

bench: install system-deps bench-deps messages
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) bench/run.py

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var/static
