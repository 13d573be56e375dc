# Everything runs from a virtual environment at .venv that this Makefile creates and keeps in
# step with pyproject.toml: `make demo` and `make test` work on a fresh clone. It installs every
# extra the tests use (the Currents analytics stack too); `pip install .` alone is the slim hub.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extra arguments for demo/test/serve, e.g. `make demo ARGS=--chaos` or `make demo -- --chaos`.
ARGS ?= $(filter-out demo test serve bench,$(MAKECMDGOALS))

.PHONY: install demo test serve lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,currents]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/looker-braze demo $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(ARGS)

serve: $(STAMP)
	$(BIN)/looker-braze serve $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build src/*.egg-info

# `make demo -- --chaos`: swallow the extra goals so make does not try to build them.
%:
	@:
