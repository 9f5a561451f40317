"""Provision and inspect the rig: ``python -m weaviate_jina_ext.testing ensure-binary``."""

from __future__ import annotations

import logging
import sys

from weaviate_jina_ext.testing._cli import main

logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
sys.exit(main(prog="python -m weaviate_jina_ext.testing"))
