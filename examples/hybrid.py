"""Hybrid search: BM25 keyword scores fused with Jina vector similarity."""

from __future__ import annotations

import import_objects
from _data import HYBRID_QUERIES
from weaviate.classes.query import HybridFusion, MetadataQuery
from weaviate.client import WeaviateClient

from weaviate_jina_ext.testing import local_stack


def search(client: WeaviateClient, name: str, query: str, alpha: float = 0.5) -> list[str]:
    """Return the titles ranked by hybrid search (alpha 0 = keyword only, 1 = vector only)."""
    response = client.collections.use(name).query.hybrid(
        query=query,
        alpha=alpha,
        fusion_type=HybridFusion.RELATIVE_SCORE,
        limit=3,
        return_metadata=MetadataQuery(score=True),
    )
    print(f"hybrid {query!r} (alpha={alpha}):")
    for rank, obj in enumerate(response.objects, 1):
        print(f"  {rank}. {obj.properties['title']}  (score {obj.metadata.score:.3f})")
    return [str(o.properties["title"]) for o in response.objects]


def main(client: WeaviateClient, base_url: str | None, name: str = "Article") -> None:
    """Import the articles, then check each hybrid query ranks its expected article first."""
    import_objects.main(client, base_url, name)
    for query, expected in HYBRID_QUERIES:
        titles = search(client, name, query)
        if titles[:1] != [expected]:
            msg = f"hybrid {query!r}: expected {expected!r} first, got {titles}"
            raise AssertionError(msg)


if __name__ == "__main__":
    with local_stack() as stack, stack.connect() as client:
        main(client, stack.base_url)
