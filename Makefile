# Every target sets up .venv first; the stamp makes that a no-op until pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MYPY_PATHS := core nlp render storage jobs bot main.py $(if $(wildcard bench/*.py),bench)

.PHONY: run test lint mypy bench bench-openai clean venv system-packages

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

run: $(STAMP) system-packages
	$(BIN)/python main.py run

test: $(STAMP) system-packages
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory mypy
	$(BIN)/lint-imports

mypy: $(STAMP)
	$(BIN)/mypy $(MYPY_PATHS)

bench: $(STAMP)
	$(BIN)/python -m bench

# openai-whisper side by side with faster-whisper (issue 4): its own venv, torch is large.
OPENAI_VENV := .venv-openai
OPENAI_STAMP := $(OPENAI_VENV)/.installed

$(OPENAI_STAMP): pyproject.toml
	test -x $(OPENAI_VENV)/bin/python || $(PYTHON) -m venv $(OPENAI_VENV)
	$(OPENAI_VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[bench-openai]'
	touch $@

bench-openai: $(OPENAI_STAMP) system-packages
	$(OPENAI_VENV)/bin/python -m bench.openai_whisper

system-packages:
	bash .ci/system-packages

clean:
	rm -rf build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache
	find . \( -path ./$(VENV) -o -path ./$(OPENAI_VENV) \) -prune -o -name __pycache__ -type d -exec rm -rf {} +
