# Recurring Revenue Warehouse. `make` alone prints this help.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

# Demo dataset
CUSTOMERS ?= 3000
SEED ?= 42
DEMO_DATA ?= data/demo

# The test suite builds its own warehouse so it never touches the demo one.
TEST_DIR ?= build/test

.PHONY: help setup demo test lint lint-python lint-sql dbt-test pytest clean

help: ## Show this help
	@echo "Recurring Revenue Warehouse"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: CUSTOMERS=$(CUSTOMERS) SEED=$(SEED) DEMO_DATA=$(DEMO_DATA)"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed ## Create .venv and install the project with its tools

demo: setup ## Set up, generate the demo data, load it and build the warehouse
	$(BIN)/rrw demo --customers $(CUSTOMERS) --seed $(SEED) --data $(DEMO_DATA)

test: setup lint dbt-test pytest ## Run the whole test suite (lint, dbt build, pytest)
	@echo "All checks passed."

lint: lint-python lint-sql ## Lint Python (ruff) and SQL (sqlfluff) and YAML

lint-python: setup
	$(BIN)/ruff check recurring_revenue tests
	$(BIN)/ruff format --check recurring_revenue tests

lint-sql: setup
	$(BIN)/python -m recurring_revenue.tools.check_yaml .
	RRW_TARGET=lint $(BIN)/sqlfluff lint models macros tests/dbt analyses --processes 2

dbt-test: setup ## Build the warehouse on the demo data with every dbt test
	RRW_DUCKDB_PATH=$(TEST_DIR)/warehouse.duckdb $(BIN)/rrw demo --customers $(CUSTOMERS) --seed $(SEED) --data $(TEST_DIR)/data

pytest: setup ## Python tests (loader, generator, integration builds)
	$(BIN)/pytest

clean: ## Remove build output, generated data and warehouses
	rm -rf target logs build data warehouse
