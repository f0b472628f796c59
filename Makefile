# The course's two quick-start commands, `make lab` and `make test`, each create (once) and reuse
# a local virtual environment in .venv, so nothing is installed outside this folder. The versions
# come from requirements.lock (tested together; `make lock` renews it), then the course's own
# package is added with --no-deps.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
# `make lock` resolves in a fresh venv of this Python (the lock is made for Python 3.11, as
# environment.yml and Binder use)
LOCK_PYTHON ?= python3.11
# `make test-latest`: the newest versions, in a venv of their own
LATEST := .venv-latest
# matplotlib's font cache lives in the venv it belongs to: a cache shared in ~/.cache that another
# (since deleted) venv wrote can lack matplotlib's own fonts, and every figure then warns on stderr
export MPLCONFIGDIR := $(CURDIR)/$(VENV)/mplconfig

.PHONY: lab test unit lecture notebooks nav bench site slides slides-layout slides-pdf study lock test-latest venv-ok clean hub-proxy hub-check pdf

# make a venv with $(PYTHON) in folder $(1) (reused when its pip works; virtualenv when venv is missing)
define make_venv
	@$(1)/bin/python -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(1) || \
	  { echo "python -m venv failed (Debian: apt-get install python3-venv); trying virtualenv"; \
	    { $(PYTHON) -m pip install --user virtualenv || \
	      $(PYTHON) -m pip install --user --break-system-packages virtualenv; } && \
	    $(PYTHON) -m virtualenv --clear $(1); }
	$(1)/bin/python -m pip install --upgrade pip
endef

# a .venv whose stamp exists but whose Python is gone (folder moved, Python removed) is not repaired
# silently: say what to do
venv-ok:
	@if [ -e $(STAMP) ] && ! $(BIN)/python -c "" >/dev/null 2>&1; then \
	  echo "$(VENV) is broken: $(BIN)/python no longer runs (was the folder moved or its Python removed?)." >&2; \
	  echo "Run \`make clean\`, then this command again." >&2; exit 1; fi

$(STAMP): pyproject.toml $(LOCK) | venv-ok
	$(call make_venv,$(VENV))
	$(BIN)/python -m pip install -r $(LOCK)
	$(BIN)/python -m pip install --no-deps -e .
	@touch $(STAMP)

## make lab: set up, then open the course in JupyterLab
lab: $(STAMP)
	$(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/00-start-here.ipynb

## make test: set up, then run the unit tests, every notebook under nbval, and the browser tests
## (tests/e2e need Debian's chromium and, for the hub, node's npm: installed here with apt-get when
## missing and we are root; if that fails, a warning, and those tests skip with the reason unless
## COURSE_E2E_REQUIRED=1)
test: $(STAMP)
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  { apt-get update && apt-get install -y chromium; } || \
	  echo "WARNING: could not install chromium with apt-get: the browser tests (tests/e2e) will be skipped" >&2; fi
	@$(MAKE) --no-print-directory hub-proxy || \
	  echo "WARNING: could not install configurable-http-proxy with npm: tests/e2e/test_hub.py will be skipped" >&2
	$(BIN)/python -m pytest

## make unit: unit tests and doctests only (no notebooks under nbval, no browser); under a minute
unit: $(STAMP)
	$(BIN)/python -m pytest -p no:nbval -p no:cacheprovider -o addopts="" --doctest-modules \
	  -m "not e2e" --ignore=tests/e2e --durations=5 course_utils tests

## make lock: resolve the newest versions of the runtime and test packages (extras test, site) in a
## fresh Python 3.11 venv and pin every one of them with == in requirements.lock
lock:
	@$(LOCK_PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' || \
	  { echo "make lock needs Python 3.11: set LOCK_PYTHON=/path/to/python3.11" >&2; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  $(LOCK_PYTHON) -m venv "$$tmp/venv"; \
	  "$$tmp/venv/bin/python" -m pip install --quiet --upgrade pip; \
	  "$$tmp/venv/bin/python" -m pip install --quiet '.[test,site]'; \
	  { echo "# requirements.lock: every runtime and test package of course_utils, pinned; tested together."; \
	    echo "# Made by \`make lock\`: a fresh venv of $$($(LOCK_PYTHON) -c 'import platform; print("Python", platform.python_version())'),"; \
	    echo "# pip install '.[test,site]', then pip freeze (without course_utils itself), on $$(date -u +%Y-%m-%d)."; \
	    echo "# make lab / make test install it with: pip install -r requirements.lock && pip install --no-deps -e ."; \
	    echo "# Do not edit by hand: change pyproject.toml, run \`make lock\`, then \`make test\`."; \
	    "$$tmp/venv/bin/python" -m pip freeze --exclude course_utils | LC_ALL=C sort -f; } > $(LOCK).tmp
	@mv $(LOCK).tmp $(LOCK)
	@echo "wrote $(LOCK): $$(grep -c '==' $(LOCK)) pinned packages"

## make test-latest: for maintainers, the whole suite with the newest versions of everything
## (a separate venv, .venv-latest, upgraded on every call; the lock is not used)
test-latest:
	$(call make_venv,$(LATEST))
	$(LATEST)/bin/python -m pip install --upgrade --upgrade-strategy eager -e '.[test,site]'
	$(LATEST)/bin/python -m pip list --format=freeze | grep -iE '^(numpy|matplotlib|ipywidgets|jupyterlab)=='
	MPLCONFIGDIR=$(CURDIR)/$(LATEST)/mplconfig $(LATEST)/bin/python -m pytest

## make lecture: the lecture deck (notebooks/lecture: the lecture in slide order, projector scale)
## in Voila; open the full address it prints (with its token). Every page, deck and lessons, is
## executed ahead (a pre-heated kernel), so it opens at once; a page's kernel ends when the page is
## left, and every kernel ends with the server (Ctrl-C, or make stopped). Local only (127.0.0.1,
## Host checked); a room: make lecture LECTURE_IP=0.0.0.0 (docs/serving.md). The launcher is
## tools/serve_lecture.py. make lecture NB=01-scale-the-gradient.ipynb: one lesson.
LECTURE_PORT ?= 8866
LECTURE_IP ?= 127.0.0.1
LECTURE_ROOT ?= notebooks
LECTURE_FLAGS = --preheat_kernel=True --pool_size=1
SERVE_LECTURE = exec $(BIN)/python tools/serve_lecture.py --ip=$(LECTURE_IP) --port=$(LECTURE_PORT)
lecture: $(STAMP)
ifeq ($(NB),)
	@echo "(every page is executed ahead: start this a minute before the lecture)"
	$(SERVE_LECTURE) --open=lecture/00-start-the-lecture.ipynb $(LECTURE_ROOT) -- $(LECTURE_FLAGS)
else
	$(SERVE_LECTURE) $(LECTURE_ROOT)/$(NB) -- $(LECTURE_FLAGS)
endif

## make notebooks: re-execute every notebook in a fresh kernel and store the outputs, then
## regenerate the navigation (make nav: the README's pictures come from the fresh outputs)
notebooks: $(STAMP)
	$(BIN)/python tools/refresh_notebooks.py
	$(MAKE) nav

## make nav: regenerate the navigation from the notebooks' titles (lesson footers, the course map,
## the README's table, the deck's slide map and docs/lecture-notes.md); check only with
## `python tools/nav.py --check`
nav: $(STAMP)
	$(BIN)/python tools/nav.py

## make study: retrain and measure notebook 04's shipped study (10 seeds: the lecture settings, the fair protocol's step choice and its settings; about an hour on 2 cores) into course_utils/data/
study: $(STAMP)
	$(BIN)/python -m course_utils.experiments build-study

## make bench: the latency / speed benchmarks (not tests)
bench: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

## make site: the course as a static website in build/site/ (index.html): no network, no kernel
## to read it; sliders from precomputed frames (tools/build_site.py, cached by content in
## build/site-frames), each lesson's notebook and PDF to download (Chromium prints the pages), and
## the slides in build/site/slides when tools/build_slides.py exists
site: $(STAMP)
	$(BIN)/python tools/build_site.py

## make slides: the lecture as a reveal.js slideshow in build/slides/index.html (open it from disk;
## no network, no kernel): 57 slides numbered as the lecture, builds, speaker view (S), demos as
## precomputed pictures (frames cached in build/slides-frames/: a rebuild takes seconds)
slides: $(STAMP)
	$(BIN)/python tools/build_slides.py

## make slides-layout: after changing the text of a slide with a demo: build, measure each demo's
## picture box in Chromium (slides/layout.json), build again with the pictures drawn for their boxes
slides-layout: $(STAMP)
	$(BIN)/python tools/build_slides.py --measure

## make slides-pdf: the slides, then build/slides/lecture.pdf: one page per slide, builds at their
## final state (Chromium headless prints reveal.js's print view)
slides-pdf: $(STAMP)
	$(BIN)/python tools/build_slides.py --pdf

## make pdf: remake only the lessons' PDFs (build/site/downloads/*.pdf) of the built site
pdf: site
	$(BIN)/python tools/build_site.py --pdf

clean:
	rm -rf $(VENV) $(LATEST) build *.egg-info

## make hub-proxy: JupyterHub's proxy (configurable-http-proxy, pinned in tools/hub-proxy/) from the
## npm registry into build/hub-proxy (as root on Debian, node and npm come from apt-get when missing)
HUB_PROXY := build/hub-proxy/node_modules/.bin/configurable-http-proxy
hub-proxy: $(HUB_PROXY)
$(HUB_PROXY): tools/hub-proxy/package.json tools/hub-proxy/package-lock.json
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update && apt-get install -y nodejs npm; fi
	mkdir -p build/hub-proxy
	cp tools/hub-proxy/package.json tools/hub-proxy/package-lock.json build/hub-proxy/
	cd build/hub-proxy && npm ci --no-audit --no-fund
	@touch $@

## make hub-check: a real JupyterHub on 127.0.0.1 (dummy login, local spawner): USERS students
## open the course through the site's nbgitpuller link and run lesson 01 in their kernels; prints
## time to ready and memory per student (tools/hub_check.py; docs/hub.md)
USERS ?= 3
hub-check: $(STAMP) $(HUB_PROXY)
	$(BIN)/python tools/hub_check.py --users $(USERS) --json build/hub-check.json
