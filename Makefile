# The course's two quick-start commands, `make lab` and `make test`, each create (once) and reuse
# a local virtual environment in .venv, so nothing is installed outside this folder.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test lecture notebooks bench clean

$(STAMP): pyproject.toml
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV) || \
	  { echo "python -m venv failed (Debian: apt-get install python3-venv); trying virtualenv"; \
	    { $(PYTHON) -m pip install --user virtualenv || \
	      $(PYTHON) -m pip install --user --break-system-packages virtualenv; } && \
	    $(PYTHON) -m virtualenv --clear $(VENV); }
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	@touch $(STAMP)

## make lab: set up, then open the course in JupyterLab
lab: $(STAMP)
	$(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/00-start-here.ipynb

## make test: set up, then run the unit tests, every notebook under nbval, and the browser tests
## (tests/e2e need Debian's chromium: installed here with apt-get when missing and we are root)
test: $(STAMP)
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update && apt-get install -y chromium; fi
	$(BIN)/python -m pytest

## make lecture: the lecture deck (notebooks/lecture: the lecture in slide order, projector scale)
## in Voila; open the printed address. Each deck page is executed ahead (a pre-heated kernel) so
## it opens at once; lessons open as usual. make lecture NB=01-scale-the-gradient.ipynb: one lesson.
LECTURE_PORT ?= 8866
lecture: $(STAMP)
ifeq ($(NB),)
	@echo "The lecture starts at http://localhost:$(LECTURE_PORT)/voila/render/lecture/00-start-the-lecture.ipynb"
	COURSE_STYLE=lecture $(BIN)/voila --show_tracebacks=True --port=$(LECTURE_PORT) --no-browser \
	  --preheat_kernel=True --pool_size=1 '--VoilaKernelManager.preheat_denylist=["^(?!.*/lecture/).*"]' \
	  notebooks
else
	COURSE_STYLE=lecture $(BIN)/voila --show_tracebacks=True --port=$(LECTURE_PORT) notebooks/$(NB)
endif

## make notebooks: re-execute every notebook in a fresh kernel and store the outputs
notebooks: $(STAMP)
	$(BIN)/python tools/refresh_notebooks.py

## make bench: the latency / speed benchmarks (not tests)
bench: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
