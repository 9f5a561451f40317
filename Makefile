# Two commands do everything on a fresh machine (Python 3.10-3.13, Go + gcc):
#   make quickstart   connect, configure, import, near_text and hybrid, end to end
#   make test         what CI runs: formatting, lint, types, then every nox session of the
#                     matrix (noxfile.py): the unit tier on every Python and every
#                     weaviate-client minor, the lowest dependency floors, and the integration
#                     tests per Weaviate server line and backend, Docker included
#                     (make test DOCKER=no leaves the Docker backend out and says so)
# Both create .venv and install the project (and nox and uv) into it first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# yes: `make test` also runs the integration tests on the Docker backend (an engine that
# answers is used; as root one is started, see docker/engine.sh). no: it does not, and says so.
DOCKER ?= yes

.PHONY: quickstart test test-process test-docker docker-engine lint unit lowest venv weaviate bench docs clean

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

# Every session of the matrix; nox's uv installs each environment (uv's cache and the rig's
# per-version server binaries are per-user caches that speed up a second run, never needed).
test: lint weaviate
ifeq ($(DOCKER),no)
	$(BIN)/nox --sessions unit clients lowest integration --keywords "not docker"
	@echo "test: the Docker backend's integration tests were NOT run (DOCKER=no)"
else
	$(BIN)/nox
endif

# While iterating, in .venv: the unit tests and the integration tests on a local weaviate-server
# process (the pinned version).
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

# The unit tests with every runtime dependency at the floor pyproject.toml states, on the
# oldest Python (noxfile.py reads the floors from pyproject.toml).
lowest: $(STAMP)
	$(BIN)/nox -s lowest

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

# The documentation site, from docs/ into site/, offline; --strict turns every warning (a
# broken link, a missing API reference) into a failure. The dev group includes the docs group.
# NO_MKDOCS_2_WARNING silences Material's end-of-life banner (see the docs group in pyproject.toml).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) .nox .mypy_cache .ruff_cache .pytest_cache site
