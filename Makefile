# Rekomi: `make run` starts everything; `make test` runs every test. `make help` lists the rest.
SHELL := /bin/bash
PY := python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_VHOST := rekomi_test

.DEFAULT_GOAL := help
.PHONY: help install infra migrate run demo test test-unit test-integration test-e2e lint bench chaos clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PY) >/dev/null || { echo "python3.11 is required"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e . 2>/dev/null
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the pinned dependencies

infra: ## start PostgreSQL, RabbitMQ and Redis when they are not running
	@scripts/ensure-infra.sh $(TEST_VHOST)

migrate: install infra ## apply every service's SQL migrations
	$(BIN)/rekomi migrate

demo: migrate ## create the demo org once and print its API key and a first curl
	@$(BIN)/rekomi admin secrets-key | sed 's/^/Secrets at rest: /'
	@$(BIN)/rekomi admin ensure-demo

run: demo ## install, start infra, migrate, create the demo org, start all five services
	@echo "Starting the five services (Ctrl-C stops them all)..."
	@exec $(BIN)/rekomi run

# pytest runs on REKOMI_TEST_WORKERS xdist workers (2 by default), each with its own database
# and RabbitMQ vhost, then the broker_restart tests alone (scripts/test-suite.sh).
# The short fault run uses servers of its own, so it runs beside pytest and costs no wall time.
test: install infra ## run every test (own databases and RabbitMQ vhosts) and the short fault run
	@scripts/ensure-chromium.sh
	@mkdir -p bench/results
	@$(BIN)/python -m tests.chaos --short > bench/results/chaos-short.txt 2>&1 & chaos=$$!; \
	scripts/test-suite.sh; tests=$$?; \
	wait $$chaos; faults=$$?; echo "--- make chaos --short"; cat bench/results/chaos-short.txt; \
	exit $$(( tests != 0 ? tests : faults ))

test-unit: install ## only the unit tests (no servers needed)
	$(BIN)/pytest -q -p no:cacheprovider tests/unit

lint: install ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/mypy libs services

bench: install infra ## measure the hot paths against same-run baselines
	@scripts/ensure-infra.sh rekomi_bench
	$(BIN)/python -m bench

chaos: install infra ## kill services and restart RabbitMQ and PostgreSQL under S2S load; check the books
	$(BIN)/python -m tests.chaos

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
