# mkba — every target documents itself: `make help`.
.DEFAULT_GOAL := help
SHELL := /bin/sh

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CASE   ?= data/voorbeeld
OUT    ?= reports/voorbeeld

$(STAMP): pyproject.toml requirements.lock jupyter-config/jupyter_server_config.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "uv==0.13.9"
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet --no-deps -e .
	@# the editable install compiles nothing of mkba itself: without this every start compiles
	@# the package (0,1 s) where PYTHONDONTWRITEBYTECODE is set, as on CI machines
	@$(BIN)/python -m compileall -q mkba
	@# JupyterLab from this venv strips outputs when it saves a notebook in notebooks/
	@mkdir -p $(VENV)/etc/jupyter
	@cp jupyter-config/jupyter_server_config.json $(VENV)/etc/jupyter/
	@touch $(STAMP)

.PHONY: help install demo test test-fast test-online docs lint bench lock clean

help: ## show this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv and install mkba with its pinned dependencies

demo: $(STAMP) ## run the main job on the shipped example case and print where the output is
	$(BIN)/mkba validate $(CASE)
	$(BIN)/mkba evaluate $(CASE)
	$(BIN)/mkba batch $(CASE) --out $(OUT)
	@echo
	@echo "Wijkrapporten: $(CURDIR)/$(OUT)/index.html"

test: $(STAMP) ## run the whole test suite (unit, doctests, notebooks, CLI, browser, PDF, docs): CI
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) ## everything but the tests marked slow (real processes, browsers, PDF): the edit loop
	$(BIN)/python -m pytest -q -m "not slow and not online"

docs: $(STAMP) ## build the documentation site into site/ (warnings are errors)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	@echo "Documentatie: $(CURDIR)/site/index.html"

test-online: $(STAMP) ## live tests against CBS and PDOK (needs internet; not in make test)
	$(BIN)/python -m pytest -q -m online tests/test_cbs_online.py

lint: $(STAMP) ## ruff lint
	$(BIN)/ruff check mkba tests benchmarks

bench: $(STAMP) ## run the benchmarks (by hand; prints figures, not a test)
	$(BIN)/python benchmarks/bench_evaluate.py
	$(BIN)/python benchmarks/bench_effect.py
	$(BIN)/python benchmarks/bench_reports.py

lock: ## re-pin requirements.lock from pyproject.toml (needs network)
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra docs --python-version 3.11 -o requirements.lock

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis site
