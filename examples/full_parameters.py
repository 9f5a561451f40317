"""Every text2vec-jinaai option, validated before the collection is created."""

from __future__ import annotations

from typing import Any

from weaviate.classes.config import Configure, DataType, Property
from weaviate.client import WeaviateClient

from weaviate_jina_ext import InvalidDimensionsError, JinaConfigure
from weaviate_jina_ext.testing import local_stack


def main(client: WeaviateClient, base_url: str | None, name: str = "FullArticle") -> dict[str, Any]:
    """Create a collection with two named Jina vectors and return the stored module config."""
    try:
        JinaConfigure.Vectors.text2vec_jinaai(model="jina-embeddings-v3", dimensions=4096)
    except InvalidDimensionsError as error:
        print(f"rejected before sending: {error}")

    client.collections.delete(name)
    client.collections.create(
        name,
        properties=[
            Property(name="title", data_type=DataType.TEXT),
            Property(name="body", data_type=DataType.TEXT),
        ],
        vector_config=[
            JinaConfigure.Vectors.text2vec_jinaai(
                name="title_v3",
                model="jina-embeddings-v3",
                dimensions=256,
                base_url=base_url,
                source_properties=["title"],
                vectorize_collection_name=False,
                vector_index_config=Configure.VectorIndex.hnsw(ef_construction=128),
            ),
            JinaConfigure.Vectors.text2vec_jinaai(
                name="body_v2",
                model="jina-embeddings-v2-base-en",
                base_url=base_url,
                source_properties=["body"],
                vectorize_collection_name=False,
            ),
        ],
    )
    config = client.collections.use(name).config.get()
    assert config.vector_config is not None
    stored = {n: dict(v.vectorizer.model) for n, v in config.vector_config.items()}
    for vector_name, module_config in sorted(stored.items()):
        print(f"{vector_name}: {module_config}")
    return stored


if __name__ == "__main__":
    with local_stack() as stack, stack.connect() as client:
        main(client, stack.base_url)
