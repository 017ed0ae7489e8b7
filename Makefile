# The two commands of the README: `make run` and `make test`. Both bootstrap .venv when needed and are
# fast when nothing changed (the install is redone only when pyproject.toml is newer than the stamp).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck contracts pytest bench snapshots clean

$(STAMP): pyproject.toml
	@echo "make: setting up hitl in $(VENV) (first run, or pyproject.toml changed): this takes a minute or two"
	@test -x $(BIN)/python || { echo "make: creating the virtual environment $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "make: updating pip"
	@$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	@echo "make: installing hitl and its dependencies (each package is named as it is fetched)"
	@$(BIN)/python -m pip install --progress-bar off -e ".[dev]" 2>&1 \
		| grep --line-buffered -E "^(Collecting|Installing collected|Successfully installed|ERROR)" \
		| sed -u -e 's/^Installing collected packages:.*/installing the packages fetched above/' \
			-e 's/^Successfully installed.*/installed/' -e 's/^/make:   /' || true
	@echo "make: checking the installation"
	@$(BIN)/python -c "import console, textual, asyncssh, anthropic, tree_sitter_bash, pytest" \
		|| { echo "make: installing hitl into $(VENV) failed" >&2; exit 1; }
	@touch $(STAMP)
	@echo "make: hitl is installed in $(VENV)"

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
