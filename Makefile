# The two commands that matter: `make run` (the demo) and `make test` (every check).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
# make bench-schedule: seconds per instance and the solver's workers.
NRP_SECONDS ?= 60
NRP_WORKERS ?= 2
export UV_PYTHON_DOWNLOADS := never
# Use uv from PATH if there is one, else a private copy installed from PyPI into .tools/.
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PY := .venv/bin/python

.PHONY: help install run test check pytest bench bench-schedule clean

help:
	@echo "make run    - the app with demo data on an embedded database: http://127.0.0.1:$(PORT)"
	@echo "make test   - install what the tests need and run every check and test"
	@echo "make check  - lint, format, types, import layers, migrations (no tests)"
	@echo "make bench  - seed a large PostgreSQL database, measure the rota page: docs/benchmarks.md"
	@echo "make bench-schedule - solve the shift scheduling benchmark (NRP_SECONDS=60 each):"
	@echo "                      docs/benchmarks-scheduling.md; then a 300-employee site-week"
	@echo "                      with the product's auto-build: docs/benchmarks-product-week.md"

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen

run: install
	@bash scripts/run-demo.sh "$(PORT)"

check: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	DEBUG=true $(UV) run --frozen mypy .
	$(UV) run --frozen lint-imports
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	.venv/bin/hadolint Dockerfile
	.venv/bin/cfn-lint deploy/aws/*.yaml
	.venv/bin/checkov --directory deploy/aws --framework cloudformation --skip-download --quiet --compact

test: install
	@bash scripts/test.sh

bench: install
	@bash bench/run.sh

bench-schedule: install
	$(PY) -m bench.nrp_run --seconds $(NRP_SECONDS) --workers $(NRP_WORKERS)
	$(PY) -m bench.product_week --seconds 30 --workers $(NRP_WORKERS)

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache
