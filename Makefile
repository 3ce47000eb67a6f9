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

# The dashboard's port on 127.0.0.1.
PORT ?= 8501

.PHONY: help setup setup-spark test-spark lock test-fast demo publish check test lint lint-python lint-sql \
	lint-models contracts release-contracts dbt-test quality pytest pytest-duckdb dashboard browser screenshots clean

help: ## Show this help
	@echo "Recurring Revenue Warehouse"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-18s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: CUSTOMERS=$(CUSTOMERS) SEED=$(SEED) DEMO_DATA=$(DEMO_DATA)"

# Exact versions, with hashes, of everything .venv holds (the project's dependencies,
# its dev tools and its build backend). `make lock` writes it from pyproject.toml.
LOCK := requirements.lock
# The spark extra's additions, resolved within requirements.lock (make lock).
SPARK_LOCK := requirements-spark.lock

# A changed lock recreates .venv from it, so .venv holds exactly the locked set;
# a changed pyproject.toml only reinstalls the project itself. `pip check` fails
# when pyproject.toml asks for something the lock lacks: run `make lock`.
$(VENV)/.locked: $(LOCK)
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	touch $@

$(VENV)/.installed: $(VENV)/.locked pyproject.toml
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $@

setup: $(VENV)/.installed ## Create .venv with exactly the versions in requirements.lock

# Keeps every locked version that still fits pyproject.toml and resolves only
# what changed; UPGRADE=1 takes the newest versions pyproject.toml allows.
lock: $(VENV)/.locked ## Refresh requirements.lock after editing pyproject.toml's dependencies (UPGRADE=1: all newest)
	cp $(LOCK) $(VENV)/lock.new
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --extra dev --all-build-deps \
		--generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
		$(if $(UPGRADE),--upgrade) --output-file $(VENV)/lock.new pyproject.toml
	if cmp -s $(VENV)/lock.new $(LOCK); then rm $(VENV)/lock.new; echo "$(LOCK) unchanged."; \
	else mv $(VENV)/lock.new $(LOCK); echo "Wrote $(LOCK); the next make target installs it."; fi
	cp $(SPARK_LOCK) $(VENV)/spark-lock.new
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --extra dev --extra spark --all-build-deps \
		--generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
		$(if $(UPGRADE),--upgrade) --constraint $(LOCK) --output-file $(VENV)/spark-lock.new pyproject.toml
	if cmp -s $(VENV)/spark-lock.new $(SPARK_LOCK); then rm $(VENV)/spark-lock.new; echo "$(SPARK_LOCK) unchanged."; \
	else mv $(VENV)/spark-lock.new $(SPARK_LOCK); echo "Wrote $(SPARK_LOCK); make setup-spark installs it."; fi

# The locked versions of requirements.lock plus the spark extra's own; pyspark is
# an sdist that pip builds locally (about a minute).
$(VENV)/.spark-installed: $(SPARK_LOCK) $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(SPARK_LOCK)
	$(BIN)/python -m pip check
	touch $@

setup-spark: $(VENV)/.spark-installed ## Also install the spark extra (dbt-spark, pyspark 4; needs Java 17)

demo: setup ## Set up, generate the demo data, build, check and publish the warehouse
	$(BIN)/rrw demo --customers $(CUSTOMERS) --seed $(SEED) --data $(DEMO_DATA)

publish: setup ## Load DATA=<folder of billing files> (or rebuild without), check, publish
	$(BIN)/rrw publish $(if $(DATA),--data $(DATA))

dashboard: setup ## Serve the KPI dashboard of the published warehouse (PORT=8501)
	$(BIN)/rrw dashboard --port $(PORT)

check: setup ## Run the quality suites on the published warehouse (HTML report)
	$(BIN)/rrw check

# The Spark tests start first and run beside everything else (tests/with-spark-tests).
test: setup setup-spark browser ## Run the whole test suite (lint, contracts, main job, checks, pytest with Spark)
	BIN=$(BIN) TEST_DIR=$(TEST_DIR) tests/with-spark-tests \
		$(MAKE) --no-print-directory lint contracts dbt-test quality pytest-duckdb
	@echo "All checks passed."

lint: lint-python lint-sql lint-models ## Lint Python, SQL, YAML and the models' docs and tests

lint-python: setup
	$(BIN)/ruff check recurring_revenue tests
	$(BIN)/ruff format --check recurring_revenue tests
	$(BIN)/mypy

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

test-fast: setup lint ## The inner loop: lint, then the Python tests not marked slow (no warehouse build)
	$(BIN)/pytest -m 'not slow'

# The dashboard's browser test drives Debian's Chromium (Playwright cannot download
# its own browser here). Installed with apt-get when missing and we are root (CI is).
CHROMIUM ?= /usr/bin/chromium

browser: ## Install Debian's chromium for the browser test when missing (needs root)
	@if [ -x "$(CHROMIUM)" ]; then \
		echo "chromium: $(CHROMIUM)"; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the dashboard's browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "warning: $(CHROMIUM) is missing and this is not root: the browser test is" \
			"skipped (sudo apt-get install chromium)"; \
	fi

screenshots: setup browser ## Render every dashboard page of the published (demo) warehouse into docs/images/
	$(BIN)/python -m recurring_revenue.dashboard.browser --out docs/images

test-spark: setup-spark ## On Spark: load and dbt build SPARK_CUSTOMERS demo customers, then the equality test
	rm -rf $(TEST_DIR)/spark
	$(BIN)/rrw generate --customers $(SPARK_CUSTOMERS) --seed $(SEED) --out $(TEST_DIR)/spark-data --quiet
	RRW_SPARK_DIR=$(TEST_DIR)/spark $(BIN)/rrw load --target spark --quiet $(TEST_DIR)/spark-data
	RRW_SPARK_DIR=$(TEST_DIR)/spark DBT_TARGET_PATH=$(TEST_DIR)/spark-target $(BIN)/rrw build --target spark
	$(BIN)/pytest -m spark

# The Python tests but the Spark ones, on both cores (pytest-xdist; one test file
# per worker, so a file's module fixtures are built once).
PYTEST_WORKERS ?= 2

pytest-duckdb: setup browser ## Python tests on DuckDB (loader, generator, integration builds, dashboard)
	mkdir -p $(TEST_DIR)
	$(BIN)/pytest -m 'not spark' -n $(PYTEST_WORKERS) --dist loadfile --durations=15

pytest: setup-spark browser ## Python tests, with the Spark ones beside the others
	BIN=$(BIN) TEST_DIR=$(TEST_DIR) tests/with-spark-tests $(MAKE) --no-print-directory pytest-duckdb

clean: ## Remove build output, generated data and warehouses
	rm -rf target logs build data warehouse
