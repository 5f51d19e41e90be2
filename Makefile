# The two commands of the README: `make demo` and `make test`. Both build .venv/ when it is missing.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.biomass-kit-installed
export NO_ALBUMENTATIONS_UPDATE := 1
export PYTHONHASHSEED := 0

.PHONY: demo test install export check-export nbtest bench readme clean-demo

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch is pinned here, for this venv only; the library itself asks for torch>=2.2.
	$(BIN)/pip install -q torch==2.14.1 torchvision==0.29.1
	$(BIN)/pip install -q -e '.[dev,kaggle,notebook]'
	@touch $(STAMP)

install: $(STAMP)

# biomass_kit/ must be exactly what the notebooks export.
check-export: $(STAMP)
	$(BIN)/nbdev-export
	$(BIN)/python tools/make_readme.py --check
	@if [ -n "$$(git status --porcelain -- biomass_kit)" ]; then \
	  echo "biomass_kit/ differs from what nbs/ export: run nbdev-export and commit both:"; \
	  git status --porcelain -- biomass_kit; git --no-pager diff --stat -- biomass_kit; exit 1; fi

nbtest: $(STAMP)
	$(BIN)/python tools/run_nbtests.py

test: check-export nbtest

demo: $(STAMP)
	$(BIN)/biomass-kit demo --out-dir demo_output

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

readme:
	python3 tools/make_readme.py
