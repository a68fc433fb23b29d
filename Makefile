# mediawatch: two commands do all the set-up on a fresh machine with Python 3.11 and make:
#   make demo   - whole pipeline on the built-in local fixture web -> DuckDB warehouse + report
#   make test   - the tests
SHELL := /bin/bash
# every recipe's bash sources scripts/private.sh first (umask 077: what make creates is private)
export BASH_ENV := $(CURDIR)/scripts/private.sh
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AIRFLOW := bin/airflow
DEMO_PORT ?= 8765
DEMO_ARTICLES ?= 20
DEMO_SOURCES := var/demo/sources.yaml
POOL := mediawatch_warehouse_writer

# (bench-scaling alone: .venv/bin/python bench/scaling.py)
.PHONY: help venv demo test test-slow lint bench bench-extract up down airflow-init lock docs clean

help:
	@echo "make demo | test | test-slow | lint | bench | bench-extract | up | down | docs | lock"

# the environment: exact versions and hashes from requirements.lock (Airflow's constraints file
# cannot be fetched here, the lock replaces it)
$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	@# the project's own bytecode, as pip writes it for installed packages: where Python may not
	@# write it (PYTHONDONTWRITEBYTECODE), every step would compile the project on each start
	$(BIN)/python -m compileall -q mediawatch spiders dags bench
	touch $(STAMP)

venv: $(STAMP)

var/airflow/.db-ready: $(STAMP) airflow.cfg
	$(AIRFLOW) db migrate >/dev/null
	$(AIRFLOW) pools set $(POOL) 1 "The single DuckDB writer: load and quality gate" >/dev/null
	touch $@

airflow-init: var/airflow/.db-ready

demo: $(STAMP) airflow-init
	@bash scripts/demo.sh $(DEMO_PORT) $(DEMO_ARTICLES)

test: $(STAMP) airflow-init
	$(BIN)/python -m pytest -m "not slow" -q

test-slow: $(STAMP) airflow-init
	$(BIN)/python -m pytest -m slow -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint sql/prep sql/marts sql/examples
	cd sql/reports && ../../$(BIN)/sqlfluff lint .  # its .sqlfluff knows the $$date_from parameters

bench-extract: $(STAMP)
	$(BIN)/python bench/extract_bench.py

bench: $(STAMP) airflow-init
	$(BIN)/python bench/run_bench.py
	$(BIN)/python bench/scaling.py  # 1 vs 2 Celery workers, DuckDB vs DuckLake (starts PostgreSQL and Redis)

up: $(STAMP) airflow-init
	@bash scripts/airflow_up.sh

down:
	@bash scripts/airflow_down.sh

docs: $(STAMP)
	$(BIN)/mediawatch docs --out docs/warehouse.md

# re-resolve the lock after editing requirements.in (needs uv: pip install uv)
lock:
	uv pip compile requirements.in --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 -o requirements.lock

# removes pipeline outputs (not the venv, not Airflow's DB)
clean:
	rm -rf var/staging var/backfill var/warc var/*.duckdb var/analyst var/crawl_state.parquet var/crawl_state.d var/crawl_http_state var/reports var/demo var/export

# the distributed profile (PostgreSQL + Redis + Airflow CeleryExecutor with 2 workers + DuckLake);
# settings in scripts/distributed_env.sh, everything under var/distributed/
.PHONY: up-distributed down-distributed
up-distributed: $(STAMP)
	@bash scripts/distributed_up.sh

down-distributed:
	@bash scripts/distributed_down.sh
