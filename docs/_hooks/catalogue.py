"""MkDocs hook: the model catalogue tables, generated from the package at build time.

A page that contains the line ``<!-- catalogue: models -->`` gets, in its place, one table
of every model in the catalogue (``weaviate_jina_ext.list_models()``, which reads
``weaviate_jina_ext._catalogue``); ``<!-- catalogue: modules -->`` becomes the table of
which model each Weaviate module serves. Nothing in these tables is typed by hand, so a
model added to the catalogue appears in the docs with the next build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import weaviate_jina_ext as wje

if TYPE_CHECKING:
    from weaviate_jina_ext import JinaModelInfo

__all__ = ["MODELS_MARKER", "MODULES_MARKER", "models_table", "modules_table", "on_page_markdown"]

MODELS_MARKER = "<!-- catalogue: models -->"
MODULES_MARKER = "<!-- catalogue: modules -->"

_KIND = {
    "text-embedding": "text",
    "multimodal-embedding": "text + image",
    "multi-vector": "multi-vector (per token)",
    "reranker": "reranker",
}


def _dimensions(model: JinaModelInfo) -> str:
    if model.kind == "reranker":
        return "-"
    if model.dimension_choices:
        return ", ".join(str(d) for d in model.dimension_choices)
    if model.min_dimensions is not None:
        return f"{model.min_dimensions}-{model.max_dimensions}"
    return "fixed"


def _code(values: Any) -> str:  # noqa: ANN401 - any iterable of names
    return ", ".join(f"`{v}`" for v in sorted(values)) or "-"


def models_table() -> str:
    """Every catalogue model: kind, dimensions, limits, tasks and the modules serving it."""
    rows = [
        "| model | kind | default dimensions | `dimensions=` accepts | max tokens "
        "| inputs per request | `task` values | Weaviate modules |",
        "|---|---|---:|---|---:|---:|---|---|",
    ]
    for m in wje.list_models():
        default = "-" if m.default_dimensions is None else str(m.default_dimensions)
        rows.append(
            f"| `{m.name}` | {_KIND.get(m.kind, m.kind)} | {default} | {_dimensions(m)} "
            f"| {m.max_tokens:,} | {m.max_inputs:,} | {_code(m.tasks)} | {_code(m.modules)} |"
        )
    return "\n".join(rows)


def modules_table() -> str:
    """Each Weaviate Jina module and the catalogue models it serves."""
    modules = sorted({module for m in wje.list_models() for module in m.modules})
    rows = ["| Weaviate module | models |", "|---|---|"]
    for module in modules:
        names = ", ".join(f"`{m.name}`" for m in wje.list_models(module=module))
        rows.append(f"| `{module}` | {names} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, **_: Any) -> str:  # noqa: ANN401 - MkDocs passes page, config, files
    """Replace the catalogue markers of a page with the generated tables."""
    return markdown.replace(MODELS_MARKER, models_table()).replace(MODULES_MARKER, modules_table())
