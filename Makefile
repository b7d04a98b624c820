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
# The address people reach the site at (badge links, xAPI ids): follows HOST and PORT unless set.
# Listening on every interface (HOST=0.0.0.0) names no address: then set PUBLIC_URL yourself.
PUBLIC_URL ?= http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)

.PHONY: map-deps h5p-deps scorm-deps a11y-deps run worker install test test-fast migrate messages translations seed bench conformance lint lint-imports clean system-deps browser-deps bench-deps pdf-deps minetest-server minetest-start minetest-stop

run: install pdf-deps map-deps h5p-deps scorm-deps migrate messages seed
	PUBLIC_URL=$(PUBLIC_URL) $(PY) manage.py runserver $(HOST):$(PORT)

# The task worker (DEBUG=0 or TASKS_BACKEND=django_tasks_db.DatabaseBackend): django-tasks'
# db_worker that first re-queues what killed workers left behind (docs/deploy.md).
worker: install migrate
	$(PY) manage.py sangkat_worker

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

test: install lint-imports system-deps browser-deps a11y-deps pdf-deps messages map-deps h5p-deps scorm-deps minetest-server
	$(PY) -m pytest -n 2 --dist loadfile

test-fast: install lint-imports pdf-deps messages map-deps h5p-deps scorm-deps minetest-server
	$(PY) -m pytest -n 2 --dist loadfile -m "not browser"

translations: install system-deps
	$(PY) manage.py makemessages -l km --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete
	$(PY) manage.py makemessages -d djangojs -l km --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete

# Leaflet (light map library) from npm, served as static files under /static/leaflet/.
map-deps:
	@test -f var/npm/node_modules/leaflet/dist/leaflet.js || npm install --no-audit --no-fund --prefix var/npm leaflet@1.9.4

# H5P player (h5p-standalone, pinned) from npm, served as static files under /static/h5p-standalone/.
# --ignore-scripts: its preinstall script fails outside its own repository, and the dist needs no build.
h5p-deps:
	@test -f var/npm/node_modules/h5p-standalone/dist/main.bundle.js || npm install --no-audit --no-fund --ignore-scripts --save-exact --prefix var/npm h5p-standalone@3.8.2

# SCORM runtime (scorm-again, pinned) from npm, served as static files under /static/scorm-again/.
scorm-deps:
	@test -f var/npm/node_modules/scorm-again/dist/scorm12.min.js || npm install --no-audit --no-fund --save-exact --prefix var/npm scorm-again@3.4.3

# The accessibility audit of the browser tests (axe-core, pinned), injected into pages by the test.
a11y-deps:
	@test -f var/npm/node_modules/axe-core/axe.min.js || npm install --no-audit --no-fund --save-exact --prefix var/npm axe-core@4.14.1

# Live sessions on Minetest: the headless server, minetest_game (minetest-data: the default:,
# wool:, stairs: nodes) and luasocket for Sangkat's mcpi mod. The bridge tests need them too, and
# Debian's minetest-mod-pycraft (a second mcpi server, by another author, that the bridge's tests
# and the bench run against; installed in /usr/share/games/minetest/mods/pycraft).
MINETEST_PORT ?= 4711
MINETEST_GAME_PORT ?= 30000
MINETEST_MOD ?= sangkat
minetest-server:
	@{ test -x /usr/games/minetestserver && test -d /usr/share/games/minetest/games/minetest_game && test -f /usr/share/lua/5.1/socket.lua && test -f /usr/share/games/minetest/mods/pycraft/init.lua; } || { $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq minetest-server minetest-data lua-socket minetest-mod-pycraft; }

# A headless server in var/minetest (world kept between runs), mcpi on 127.0.0.1:$(MINETEST_PORT).
# MINETEST_MOD=pycraft serves mcpi with (a changed copy of) Debian's pycraft instead of Sangkat's mod.
minetest-start: install minetest-server
	$(PY) -m games.minecraft.bridge.minetest_server start --dir var/minetest --port $(MINETEST_PORT) --game-port $(MINETEST_GAME_PORT) --mod $(MINETEST_MOD)

minetest-stop:
	$(PY) -m games.minecraft.bridge.minetest_server stop --dir var/minetest

# Login cards as PDF (WeasyPrint): Pango (HarfBuzz shapes Khmer) and the Khmer OS fonts it embeds.
pdf-deps:
	@{ ldconfig -p | grep -q libpango-1.0 && fc-list | grep -q "Khmer OS"; } || { $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-khmeros; }

bench-deps:
	@command -v wrk >/dev/null || { $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq wrk; }

bench: install system-deps bench-deps messages minetest-server
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) bench/run.py

# The ADL xAPI 1.0.3 LRS conformance suite against Sangkat on loopback (fresh SQLite db, gunicorn,
# an LRS client with a high rate limit); prints "N of 1365 passed". The suite is copied from
# LRS_SUITE (default ../shared/tools/lrs-conformance-test-suite) to var/lrs-suite for npm install.
conformance: install
	$(PY) -m courses.xapi.conformance

lint: install lint-imports
	$(VENV)/bin/ruff check .

# The apps' layered order (docs/architecture.md; contracts in pyproject.toml): an upward import fails.
lint-imports: install
	$(VENV)/bin/lint-imports --no-cache --no-logo

clean:
	rm -rf $(VENV) var/static
