"""The whole flow in one run: connect, configure, import, near_text, hybrid.

Run it with ``make quickstart`` (or ``python examples/quickstart.py`` in the project's
environment). Without a Jina key it starts a local Weaviate process and a local
Jina-compatible server; with ``JINAAI_APIKEY`` set it uses the real Jina API. Set
``WEAVIATE_URL`` to use a Weaviate you already run.
"""

from __future__ import annotations

import hybrid
import import_objects
import near_text
from _data import HYBRID_QUERIES, NEAR_TEXT_QUERIES
from weaviate.client import WeaviateClient

from weaviate_jina_ext.testing import local_stack


def main(client: WeaviateClient, base_url: str | None, name: str = "QuickstartArticle") -> int:
    """Run every step, failing loudly if a query's expected article is not ranked first."""
    stored = import_objects.main(client, base_url, name)  # configure + import
    failures = []
    for query, expected in NEAR_TEXT_QUERIES:
        top = near_text.search(client, name, query)[:1]
        print(f"  expected first: {expected!r} -> {'ok' if top == [expected] else 'MISMATCH'}")
        failures += [] if top == [expected] else [query]
    for query, expected in HYBRID_QUERIES:
        top = hybrid.search(client, name, query)[:1]
        print(f"  expected first: {expected!r} -> {'ok' if top == [expected] else 'MISMATCH'}")
        failures += [] if top == [expected] else [query]
    client.collections.delete(name)
    if failures:
        msg = f"unexpected top results for: {failures}"
        raise AssertionError(msg)
    return stored


if __name__ == "__main__":
    with local_stack() as stack:
        where = "local Jina-compatible server" if stack.offline else "the Jina API"
        print(f"Weaviate at {stack.weaviate.url}; embeddings from {where}")
        with stack.connect() as client:
            main(client, stack.base_url)
