# Two commands do everything on a fresh machine with Python 3.11:
#   make run    venv, install, migrate, demo data, serve on http://127.0.0.1:$(PORT)
#   make test   lint + the whole suite (SQLite; TEST_DATABASE_URL=postgresql://... for PostgreSQL)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
TEST_WORKERS ?= auto
PYTEST_ARGS ?=
export FLASK_APP := wsgi

.PHONY: run test scaleout-test lint format venv translations db demo serve clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

translations: venv
	$(BIN)/pybabel compile --use-fuzzy -d marketplace/translations

db: venv
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask seed-demo

serve: venv translations
	$(BIN)/flask run --host $(HOST) --port $(PORT)

run: translations demo serve

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint translations
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Needs PostgreSQL (SCALEOUT_DATABASE_URL) and Redis; starts the app servers, a worker, S3 and
# SMTP itself. .ci/run runs it.
scaleout-test: translations
	$(BIN)/python -m pytest -m scaleout tests/scaleout -p no:cacheprovider -s -v $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache instance/*.db
