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

# Demo customers for the Spark build (make test-spark; Spark is about 12x slower here).
SPARK_CUSTOMERS ?= 300

# The test suite builds its own warehouse so it never touches the demo one.
TEST_DIR ?= build/test

.PHONY: help setup setup-spark test-spark demo publish check test lint lint-python lint-sql lint-models contracts \
	release-contracts dbt-test quality pytest clean

help: ## Show this help
	@echo "Recurring Revenue Warehouse"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-18s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: CUSTOMERS=$(CUSTOMERS) SEED=$(SEED) DEMO_DATA=$(DEMO_DATA)"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed ## Create .venv and install the project with its tools

$(VENV)/.spark-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $@

setup-spark: $(VENV)/.spark-installed ## Also install the spark extra (dbt-spark, pyspark 4; needs Java 17)

demo: setup ## Set up, generate the demo data, build, check and publish the warehouse
	$(BIN)/rrw demo --customers $(CUSTOMERS) --seed $(SEED) --data $(DEMO_DATA)

publish: setup ## Load DATA=<folder of billing files> (or rebuild without), check, publish
	$(BIN)/rrw publish $(if $(DATA),--data $(DATA))

check: setup ## Run the quality suites on the published warehouse (HTML report)
	$(BIN)/rrw check

test: setup lint contracts dbt-test quality pytest ## Run the whole test suite (lint, contracts, main job, checks, pytest)
	@echo "All checks passed."

lint: lint-python lint-sql lint-models ## Lint Python, SQL, YAML and the models' docs and tests

lint-python: setup
	$(BIN)/ruff check recurring_revenue tests
	$(BIN)/ruff format --check recurring_revenue tests

lint-sql: setup
	$(BIN)/python -m recurring_revenue.tools.check_yaml .
	RRW_TARGET=lint $(BIN)/sqlfluff lint models macros tests/dbt analyses --processes 2

lint-models: setup
	$(BIN)/python -m recurring_revenue.tools.check_models

contracts: setup ## Fail on a breaking change to a released public mart's contract
	$(BIN)/rrw contracts

release-contracts: setup ## Record the public marts' contracts as released (on a release)
	$(BIN)/rrw contracts --release

dbt-test: setup ## The main job on the demo data: dbt build, freshness, checks, publish
	RRW_DUCKDB_PATH=$(TEST_DIR)/warehouse.duckdb $(BIN)/rrw demo --customers $(CUSTOMERS) --seed $(SEED) --data $(TEST_DIR)/data

quality: setup ## Run the quality suites on the test warehouse dbt-test published
	$(BIN)/rrw check --database $(TEST_DIR)/warehouse.duckdb --report $(TEST_DIR)/quality_report.html --quiet

test-spark: setup-spark ## On Spark: load and dbt build SPARK_CUSTOMERS demo customers, then the equality test
	rm -rf $(TEST_DIR)/spark
	$(BIN)/rrw generate --customers $(SPARK_CUSTOMERS) --seed $(SEED) --out $(TEST_DIR)/spark-data --quiet
	RRW_SPARK_DIR=$(TEST_DIR)/spark $(BIN)/rrw load --target spark --quiet $(TEST_DIR)/spark-data
	RRW_SPARK_DIR=$(TEST_DIR)/spark DBT_TARGET_PATH=$(TEST_DIR)/spark-target $(BIN)/rrw build --target spark
	$(BIN)/pytest -m spark

pytest: setup ## Python tests (loader, generator, integration builds)
	$(BIN)/pytest

clean: ## Remove build output, generated data and warehouses
	rm -rf target logs build data warehouse
