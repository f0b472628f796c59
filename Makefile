# The course's two quick-start commands, `make lab` and `make test`, each create (once) and reuse
# a local virtual environment in .venv, so nothing is installed outside this folder.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test notebooks bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
	  { $(PYTHON) -m pip install --user virtualenv && $(PYTHON) -m virtualenv $(VENV); }
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	@touch $(STAMP)

## make lab: set up, then open the course in JupyterLab
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00-start-here.ipynb

## make test: set up, then run the unit tests and every notebook under nbval
test: $(STAMP)
	$(BIN)/python -m pytest

## make notebooks: re-execute every notebook in a fresh kernel and store the outputs
notebooks: $(STAMP)
	$(BIN)/python tools/refresh_notebooks.py

## make bench: the latency / speed benchmarks (not tests)
bench: $(STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
