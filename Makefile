# Two entry points that work on a fresh machine with Python 3.11 and root:
#   make demo   install everything, run the whole pipeline on the demo site
#   make test   install everything, run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install chromium redis test demo lint typecheck check bench clean lock upgrade

install: $(STAMP) chromium redis

# Exactly the versions CI tested, hash-checked (requirements.txt); then searchops itself.
$(STAMP): pyproject.toml requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# requirements.txt after a dependency is added to pyproject.toml (other pins are kept).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11.7 \
		--custom-compile-command "make lock" -o requirements.txt

# Every dependency to its newest release inside pyproject.toml's ranges; then run `make test`.
upgrade: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11.7 \
		--custom-compile-command "make lock" --upgrade -o requirements.txt

# Playwright cannot download its own browsers here: we drive Debian's Chromium.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# The shared crawl frontier's tests start Debian's redis-server on a free port.
redis:
	@if ! command -v redis-server >/dev/null 2>&1; then \
		echo "installing Debian's redis-server (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	fi

test: install
	$(BIN)/pytest -n 2 --dist loadgroup -q

demo: install
	$(BIN)/searchops demo

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

check: lint typecheck test

bench: install
	$(BIN)/python benchmarks/crawl.py
	$(BIN)/python benchmarks/audit.py
	$(BIN)/python benchmarks/sem.py
	$(BIN)/python benchmarks/bidding.py
	$(BIN)/python benchmarks/vitals.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
