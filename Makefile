# convbook: every target bootstraps .venv first (idempotent: a second call installs nothing).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Keep caches and runtime files inside the project, never in the home directory.
export MPLCONFIGDIR := $(CURDIR)/.cache/matplotlib
export JUPYTER_RUNTIME_DIR := $(CURDIR)/.cache/jupyter-runtime
export IPYTHONDIR := $(CURDIR)/.cache/ipython
# JupyterLab's settings and workspaces, and the notebook-trust database, stay in the project too.
export JUPYTERLAB_SETTINGS_DIR := $(CURDIR)/.cache/jupyterlab/user-settings
export JUPYTERLAB_WORKSPACES_DIR := $(CURDIR)/.cache/jupyterlab/workspaces
export JUPYTER_DATA_DIR := $(CURDIR)/.cache/jupyter-data
export PYTHONHASHSEED := 0
# pip's local mirrors print one harmless "is ignored" warning per package: hide only those lines.
PIP_FILTER := { grep -v "is ignored: it is neither a file nor a directory" || true; }

.PHONY: help venv lab trust test test-emulated test-site book bench data clean
help:
	@echo "make lab    - set up .venv and start JupyterLab on book/"
	@echo "make test   - set up .venv, fetch data, run pytest + nbval + notebook checks"
	@echo "make test-emulated - nbval over the notebooks with trained weights, as on another CPU"
	@echo "make book   - build the Jupyter Book website into _build/html"
	@echo "make test-site - open every page of the built website in headless Chromium, offline"
	@echo "make bench  - run the benchmarks (side-by-side ratios)"
	@echo "make data   - fetch/convert Fashion-MNIST into the cache"

# pyproject.toml declares the ranges convbook works with; constraints.txt pins the exact versions
# the tests and the stored outputs were made with (torch's CPU wheel among them).
TORCH_PIN := $(shell sed -n 's/^torch==//p' constraints.txt)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[lab,test,book]' 2>&1 | $(PIP_FILTER)
	$(BIN)/python -c "import convbook, torch; v = torch.__version__; \
	    assert v.split('+')[0] == '$(TORCH_PIN)', f'torch {v}, constraints.txt pins $(TORCH_PIN)'"
	touch $@

venv: $(STAMP)

# The book's notebooks are ours: trust them, so JupyterLab shows their saved widget views
# (an untrusted notebook shows only the text repr of a widget until its cell runs).
trust: $(STAMP)
	$(BIN)/jupyter trust book/[0-9][0-9]_*.ipynb >/dev/null

# JupyterLab's defaults for the book (tools/lab/overrides.json5: no news pop-up) go where
# JupyterLab reads them: the virtual environment's app settings.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json5
$(LAB_OVERRIDES): tools/lab/overrides.json5 $(STAMP)
	mkdir -p $(@D) && cp $< $@

# tools/lab/jupyter_server_config.py: the file browser lists each section once (the .md pairs
# are hidden), and a save keeps the book's tested outputs and widget state of every cell the
# learner did not edit (tools/lab/save_hook.py), so a session never breaks the saved views.
lab: trust $(LAB_OVERRIDES)
	$(BIN)/jupyter lab --notebook-dir=book --config=$(CURDIR)/tools/lab/jupyter_server_config.py \
	    $(ALLOW_ROOT) $(LAB_ARGS)

data: $(STAMP)
	command -v npm >/dev/null || { test "$$(id -u)" = 0 && apt-get install -y npm >/dev/null; } || true
	$(BIN)/python -m convbook.data

# Notebooks run two at a time (-n 2): one torch thread each keeps them from fighting over the cores.
test: export OMP_NUM_THREADS := 1

test: $(STAMP) data
	$(BIN)/python -m pytest tests book convbook --doctest-modules -n 2 --dist loadfile \
	    --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg $(PYTEST_ARGS)

# The notebooks whose outputs come from training arithmetic, under nbval as if on another CPU:
# $(EMULATED_CPU) makes torch take other kernels (other vector widths, other summation orders),
# the way another processor does. Of the four such settings (issue 24) it moved the most cells
# of 08 on an Intel Xeon (AVX-512): 5, against 3 for each of the others; in 00-07 none of
# the four moves an output. A glob picks up the appendix notebooks (09_*) too;
# tests/test_lenet_sweep.py and test_fast_levers.py re-run training against book/data's files.
TRAINED_NOTEBOOKS := book/00_from_fc_to_conv.ipynb book/03_learning_a_kernel.ipynb \
    book/08_lenet.ipynb $(wildcard book/09_*.ipynb)
TRAINING_TESTS := tests/test_lenet_sweep.py tests/test_fast_levers.py
EMULATED_CPU ?= MKL_CBWR=COMPATIBLE
test-emulated: export OMP_NUM_THREADS := 1

test-emulated: $(STAMP) data
	env $(EMULATED_CPU) $(BIN)/python -m pytest $(TRAINED_NOTEBOOKS) $(TRAINING_TESTS) \
	    -n 2 --dist loadfile \
	    --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg $(PYTEST_ARGS)

book: $(STAMP)
	$(BIN)/python tools/fetch_assets.py
	$(BIN)/jupyter-book build . -W -n --keep-going

# The built site in headless Chromium (Debian package, driven by Playwright), network cut off.
test-site: book
	command -v chromium >/dev/null || { test "$$(id -u)" = 0 && \
	    { apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; }; }
	$(BIN)/python -m pytest tests_site -p no:cacheprovider -q $(PYTEST_ARGS)

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done

clean:
	rm -rf _build .cache .hypothesis
