# The two commands of the README: `make demo` and `make test`. Both build .venv/ when it is missing, with the versions
# of requirements-lock.txt; `make test-latest` runs the same tests on the newest versions, `make lock` refreshes the lock.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.biomass-kit-installed
LOCK := requirements-lock.txt
LATEST := .venv-latest
export NO_ALBUMENTATIONS_UPDATE := 1
export PYTHONHASHSEED := 0

.PHONY: demo test test-latest latest-venv lock install export check-export check-imports nbtest bench readme readme-figures clean-demo

# Every version comes from the lock (pip constraints), torch included; the library itself asks for torch>=2.2.
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c $(LOCK) pip
	$(BIN)/pip install -q -c $(LOCK) torch torchvision
	$(BIN)/pip install -q -c $(LOCK) -e '.[dev,kaggle,notebook]'
	@touch $(STAMP)

install: $(STAMP)

# biomass_kit/ must be exactly what the notebooks export.
check-export: $(STAMP)
	$(BIN)/nbdev-export
	$(BIN)/python tools/make_readme.py --check
	@if [ -n "$$(git status --porcelain -- biomass_kit)" ]; then \
	  echo "biomass_kit/ differs from what nbs/ export: run nbdev-export and commit both:"; \
	  git status --porcelain -- biomass_kit; git --no-pager diff --stat -- biomass_kit; exit 1; fi

# No import circle between the kit's modules, and nothing below the command line imports it.
check-imports: $(STAMP)
	$(BIN)/python tools/check_imports.py

nbtest: $(STAMP)
	$(BIN)/python tools/run_nbtests.py

test: check-export check-imports nbtest

# The same tests on the newest versions the registry serves (its own venv, upgraded each time): drift shows up as
# this target's report, not as a red main.
latest-venv:
	@test -x $(LATEST)/bin/python || $(PY) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install -q --upgrade pip
	$(LATEST)/bin/pip install -q --upgrade --upgrade-strategy eager torch torchvision -e '.[dev,kaggle,notebook]'

test-latest: latest-venv
	$(LATEST)/bin/pip freeze --all --exclude-editable | diff $(LOCK) - | grep '^[<>] [^#]' || echo "the newest versions are the locked ones"
	$(LATEST)/bin/python tools/run_nbtests.py

# Refresh the lock from the newest versions, once `make test-latest` passes with them.
lock: latest-venv
	{ sed -n '/^#/p' $(LOCK); $(LATEST)/bin/pip freeze --all --exclude-editable; } > $(LOCK).tmp && mv $(LOCK).tmp $(LOCK)
	@echo "$(LOCK) updated: run make test, then commit it"

demo: $(STAMP)
	$(BIN)/biomass-kit demo --out-dir demo_output

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

readme:
	python3 tools/make_readme.py

# The README's figures from the demo's output (run `make demo` first), then the README itself.
readme-figures: $(STAMP)
	$(BIN)/python tools/readme_figures.py demo_output
	$(BIN)/python tools/make_readme.py
