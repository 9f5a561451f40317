# Two commands do everything on a fresh machine (Python 3.10+, Go + gcc):
#   make quickstart   connect, configure, import, near_text and hybrid, end to end
#   make test         formatting, lint, types, and the whole test suite: unit tests and the
#                     integration tests on a local Weaviate process, then the integration
#                     tests again on Weaviate in Docker (make test DOCKER=no leaves that out)
# Both create .venv and install the project into it first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# yes: `make test` also runs the integration tests on the Docker backend (an engine that
# answers is used; as root one is started, see docker/engine.sh). no: it does not, and says so.
DOCKER ?= yes

.PHONY: quickstart test test-process test-docker docker-engine lint unit lowest venv weaviate bench clean

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

test: test-process
ifeq ($(DOCKER),no)
	@echo "test: the Docker backend's integration tests were NOT run (DOCKER=no)"
else
	$(MAKE) test-docker
endif

# Unit tests, and the integration tests on a local weaviate-server process.
test-process: lint weaviate
	$(BIN)/pytest --weaviate-backend process

$(VENV)/.docker-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet --group docker
	touch $@

# Compose v2 into .venv; an engine is found or started only by the targets that use one.
docker-engine: $(VENV)/.docker-installed

# The integration tests on Weaviate in Docker: docker/engine.sh provides an engine and
# Compose v2 for the run (and stops an engine it started); the backend provides the image.
test-docker: docker-engine weaviate
	VENV=$(VENV) docker/engine.sh run $(BIN)/pytest -m integration --weaviate-backend docker

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

# Every benchmark prints its ratios with their targets (bench/_report.py) and its verdict;
# this ends with one line for all of them. Imports under Jina's limits take about 20 minutes.
BENCHES := bench_client bench_fake_server bench_import bench_memory
bench: weaviate
	@missed=""; for b in $(BENCHES); do \
	  echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py || missed="$$missed $$b"; done; \
	if [ -z "$$missed" ]; then echo "make bench: targets met"; \
	else echo "make bench: targets missed ($$missed )"; exit 1; fi

clean:
	rm -rf $(VENV) .venv-lowest .mypy_cache .ruff_cache .pytest_cache
