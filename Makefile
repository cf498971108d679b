# The two commands of the README: `make demo` and `make test`. Both set up what is missing first.
.PHONY: setup demo test lint

setup:
	scripts/setup-dev

test:
	scripts/setup-dev --no-dev-db
	scripts/run-tests

demo: setup
	scripts/demo

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
