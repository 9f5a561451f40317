"""A small article set shared by the examples, with queries whose best match is known."""

from __future__ import annotations

ARTICLES: list[dict[str, str]] = [
    {
        "title": "Rockets and orbits",
        "body": "Rocket launches carry satellites into orbit around the Earth.",
        "topic": "space",
    },
    {
        "title": "Sourdough at home",
        "body": "Sourdough bread needs a starter, flour, water and a long slow rise.",
        "topic": "food",
    },
    {
        "title": "Strings of the orchestra",
        "body": "The violin and the cello are the string instruments of an orchestra.",
        "topic": "music",
    },
    {
        "title": "Melting glaciers",
        "body": "Glaciers are melting fast as global temperatures keep rising.",
        "topic": "climate",
    },
    {
        "title": "Marathon training",
        "body": "A marathon runner trains for months to run forty two kilometres.",
        "topic": "sport",
    },
    {
        "title": "Coral reefs",
        "body": "Coral reefs shelter fish and are bleached by warm ocean water.",
        "topic": "climate",
    },
    {
        "title": "Telescopes in space",
        "body": "Space telescopes observe distant galaxies far beyond our solar system.",
        "topic": "space",
    },
    {
        "title": "Espresso basics",
        "body": "Espresso coffee is brewed by forcing hot water through fine coffee grounds.",
        "topic": "food",
    },
]

#: near_text queries and the title each must rank first.
NEAR_TEXT_QUERIES: list[tuple[str, str]] = [
    ("rocket launches into orbit", "Rockets and orbits"),
    ("baking sourdough bread with a starter", "Sourdough at home"),
    ("violin and cello in the orchestra", "Strings of the orchestra"),
]

#: hybrid queries and the title each must rank first.
HYBRID_QUERIES: list[tuple[str, str]] = [
    ("espresso coffee grounds", "Espresso basics"),
    ("glaciers melting", "Melting glaciers"),
]
