"""Configure a collection whose objects Weaviate vectorizes with a Jina model."""

from __future__ import annotations

from weaviate.classes.config import DataType, Property
from weaviate.client import WeaviateClient

from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext.testing import local_stack


def main(client: WeaviateClient, base_url: str | None, name: str = "BasicArticle") -> str:
    """Create the collection (model written explicitly) and return its vectorizer model."""
    client.collections.delete(name)
    client.collections.create(
        name,
        properties=[
            Property(name="title", data_type=DataType.TEXT),
            Property(name="body", data_type=DataType.TEXT),
        ],
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(base_url=base_url),
    )
    config = client.collections.use(name).config.get()
    assert config.vector_config is not None
    vector = config.vector_config["default"].vectorizer
    model = str(vector.model["model"])
    module = getattr(vector.vectorizer, "value", vector.vectorizer)  # enum or plain str
    print(f"{name}: vectorizer {module}, model {model}")
    return model


if __name__ == "__main__":
    with local_stack() as stack, stack.connect() as client:
        main(client, stack.base_url)
