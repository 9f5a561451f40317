"""The five-article corpus the integration tests store, search and record, in one place.

Five short texts on unrelated topics, so each query has one clear best match under any
embedder that behaves like a bag of words (the local Jina server's does).
"""

from __future__ import annotations

from weaviate.classes.config import DataType, Property

ARTICLES = [
    {"title": "Rockets and orbits", "body": "Rocket launches carry satellites into orbit."},
    {"title": "Sourdough at home", "body": "Sourdough bread needs a starter and flour."},
    {"title": "Strings", "body": "The violin and the cello are string instruments."},
    {"title": "Glaciers", "body": "Glaciers are melting as temperatures keep rising."},
    {"title": "Espresso", "body": "Espresso coffee is brewed from fine coffee grounds."},
]
PROPS = [
    Property(name="title", data_type=DataType.TEXT),
    Property(name="body", data_type=DataType.TEXT),
]
