"""Import objects; Weaviate asks Jina for their vectors as they arrive."""

from __future__ import annotations

from _data import ARTICLES
from weaviate.classes.config import DataType, Property
from weaviate.client import WeaviateClient

from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext.testing import local_stack


def create_articles(client: WeaviateClient, base_url: str | None, name: str) -> None:
    """(Re)create the article collection vectorized by the default model, jina-embeddings-v4."""
    client.collections.delete(name)
    client.collections.create(
        name,
        properties=[
            Property(name="title", data_type=DataType.TEXT),
            Property(name="body", data_type=DataType.TEXT),
            Property(name="topic", data_type=DataType.TEXT),
        ],
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(
            base_url=base_url, vectorize_collection_name=False
        ),
    )


def main(client: WeaviateClient, base_url: str | None, name: str = "Article") -> int:
    """Create the collection, batch-import the articles and return how many were stored."""
    create_articles(client, base_url, name)
    articles = client.collections.use(name)
    with articles.batch.fixed_size(batch_size=100) as batch:
        for article in ARTICLES:
            batch.add_object(properties=article)
    failed = articles.batch.failed_objects
    for failure in failed:
        print(f"not stored: {failure.object_.properties} ({failure.message})")
    if failed:
        msg = f"{len(failed)} of {len(ARTICLES)} objects failed to import"
        raise RuntimeError(msg)
    count = articles.aggregate.over_all(total_count=True).total_count or 0
    print(f"{name}: {count} objects stored, each vectorized by Jina")
    return count


if __name__ == "__main__":
    with local_stack() as stack, stack.connect() as client:
        main(client, stack.base_url)
