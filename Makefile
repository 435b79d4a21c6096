# Two entry points that work on a fresh machine with Python 3.11 and root:
#   make demo   install everything, run the whole pipeline on the demo site
#   make test   install everything, run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install chromium test demo lint typecheck check bench clean

install: $(STAMP) chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Playwright cannot download its own browsers here: we drive Debian's Chromium.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
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
