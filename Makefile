# The two commands of the README: `make run` and `make test`. Both bootstrap .venv when needed and are
# fast when nothing changed (the install is redone only when pyproject.toml is newer than the stamp).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck contracts pytest bench snapshots clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -m pip install --quiet -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -c "import console, textual, asyncssh, anthropic, tree_sitter_bash, pytest" \
		|| { echo "make: installing hitl into $(VENV) failed" >&2; exit 1; }
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/hitl $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check console tests bench
	$(BIN)/ruff format --check console tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck contracts pytest

snapshots: $(STAMP)
	$(BIN)/pytest tests/tui --snapshot-update

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
