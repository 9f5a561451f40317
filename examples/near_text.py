"""Semantic search: Weaviate embeds the query with the same Jina model as the objects."""

from __future__ import annotations

import import_objects
from _data import NEAR_TEXT_QUERIES
from weaviate.classes.query import MetadataQuery
from weaviate.client import WeaviateClient

from weaviate_jina_ext.testing import local_stack


def search(client: WeaviateClient, name: str, query: str, limit: int = 3) -> list[str]:
    """Return the titles of the ``limit`` nearest articles, best first, printing distances."""
    response = client.collections.use(name).query.near_text(
        query=query, limit=limit, return_metadata=MetadataQuery(distance=True)
    )
    print(f"near_text {query!r}:")
    for rank, obj in enumerate(response.objects, 1):
        print(f"  {rank}. {obj.properties['title']}  (distance {obj.metadata.distance:.3f})")
    return [str(o.properties["title"]) for o in response.objects]


def main(client: WeaviateClient, base_url: str | None, name: str = "Article") -> None:
    """Import the articles, then check each query ranks its expected article first."""
    import_objects.main(client, base_url, name)
    for query, expected in NEAR_TEXT_QUERIES:
        titles = search(client, name, query)
        if titles[:1] != [expected]:
            msg = f"near_text {query!r}: expected {expected!r} first, got {titles}"
            raise AssertionError(msg)


if __name__ == "__main__":
    with local_stack() as stack, stack.connect() as client:
        main(client, stack.base_url)
