# Two commands do everything on a fresh machine (Python 3.10+ and, without Docker, Go + gcc):
#   make quickstart   connect, configure, import, near_text and hybrid, end to end
#   make test         formatting, lint, types, and the whole test suite (integration included)
# Both create .venv and install the project into it first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: quickstart test lint unit lowest venv weaviate bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $(STAMP)

venv: $(STAMP)

# Find or build the pinned Weaviate server (cached per user; see docker/docker-compose.yml).
weaviate: $(STAMP)
	$(BIN)/python -m weaviate_jina_ext.testing ensure-binary

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint weaviate
	$(BIN)/pytest

unit: $(STAMP)
	$(BIN)/pytest -m "not integration"

# The unit tests again with the lowest versions pyproject.toml allows (Python 3.10 when
# installed), so the bounds stay true.
LOWEST := "weaviate-client==4.24.1" "httpx==0.28.0" "stamina==25.2.0"
lowest:
	test -x .venv-lowest/bin/python || { \
	  py=$$(PYENV_VERSION=$$(pyenv versions --bare 2>/dev/null | grep '^3\.10\.' | tail -n 1) \
	        pyenv which python3.10 2>/dev/null || command -v python3.10 || echo $(PYTHON)); \
	  echo "lowest: $$($$py --version)"; $$py -m venv .venv-lowest; }
	.venv-lowest/bin/python -m pip install --quiet --upgrade "pip>=25.1"
	.venv-lowest/bin/python -m pip install --quiet -e . --group dev $(LOWEST)
	.venv-lowest/bin/pytest -m "not integration" -p no:cacheprovider \
	  --ignore=tests/test_third_party_clients.py  # peers, not our bounds (Haystack needs 3.11)

quickstart: weaviate
	$(BIN)/python examples/quickstart.py

bench: weaviate
	$(BIN)/python bench/bench_client.py
	$(BIN)/python bench/bench_fake_server.py
	$(BIN)/python bench/bench_import.py

clean:
	rm -rf $(VENV) .venv-lowest .mypy_cache .ruff_cache .pytest_cache
