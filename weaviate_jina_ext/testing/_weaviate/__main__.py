"""``python -m weaviate_jina_ext.testing._weaviate``: the provisioning CLI under its first name.

Error messages name this entry point, so it stays; it runs the same commands as
``python -m weaviate_jina_ext.testing`` (see :mod:`weaviate_jina_ext.testing._cli`).
"""

from __future__ import annotations

import logging
import sys

from weaviate_jina_ext.testing._cli import main

logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
sys.exit(main(prog="python -m weaviate_jina_ext.testing._weaviate"))
