# Tekser: `make run` starts the bot, `make test` runs the tests; both install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format bench locales lock

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[semantic,dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/tekser run

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot knowledge handlers
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python bench/clef.py
	$(BIN)/python bench/multilingual.py
	$(BIN)/python bench/speed.py

# requirements.lock: the image's dependencies (pyproject.toml with the semantic extra), pinned
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra semantic --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --annotation-style line \
		--custom-compile-command "make lock" -o requirements.lock
