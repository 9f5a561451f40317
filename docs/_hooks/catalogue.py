"""MkDocs hook: the model catalogue tables, generated from the package at build time.

A page containing one of the markers below gets, in its place, a table built from
``weaviate_jina_ext.list_models()`` (which reads ``weaviate_jina_ext._catalogue``):

* ``<!-- catalogue: embeddings -->``: every embedding model (text, multimodal, multi-vector):
  inputs, output, dimensions, limits and the Weaviate modules that serve it;
* ``<!-- catalogue: tasks -->``: the ``task`` values, models with the same set on one row;
* ``<!-- catalogue: rerankers -->``: the rerankers and their limits;
* ``<!-- catalogue: modules -->``: each Weaviate Jina module and the models it serves.

Nothing in these tables is typed by hand, so a model added to the catalogue appears in the
docs with the next build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import weaviate_jina_ext as wje

if TYPE_CHECKING:
    from collections.abc import Callable

    from weaviate_jina_ext import JinaModelInfo

__all__ = [
    "embeddings_table",
    "modules_table",
    "on_page_markdown",
    "rerankers_table",
    "tasks_table",
]

_INPUT_ORDER = ("text", "image", "pdf", "audio", "video")


def _inputs(model: JinaModelInfo) -> str:
    return ", ".join(kind for kind in _INPUT_ORDER if kind in model.inputs)


def _output(model: JinaModelInfo) -> str:
    return "one vector per token" if model.kind == "multi-vector" else "one vector"


def _dimensions(model: JinaModelInfo) -> str:
    if model.dimension_choices:
        return ", ".join(str(d) for d in model.dimension_choices)
    if model.min_dimensions is not None:
        return f"{model.min_dimensions}-{model.max_dimensions}"
    return "fixed"


def _modules(model: JinaModelInfo) -> str:
    return ", ".join(f"`{m}`" for m in sorted(model.modules))


def embeddings_table() -> str:
    """Every embedding model: kind, dimensions, limits and the modules serving it."""
    rows = [
        "| model | inputs | output | default dimensions | `dimensions=` | max tokens "
        "| inputs per request | Weaviate modules |",
        "|---|---|---|--:|---|--:|--:|---|",
    ]
    for m in wje.list_models():
        if m.kind == "reranker":
            continue
        rows.append(
            f"| `{m.name}` | {_inputs(m)} | {_output(m)} | {m.default_dimensions} "
            f"| {_dimensions(m)} | {m.max_tokens:,} | {m.max_inputs:,} | {_modules(m)} |"
        )
    return "\n".join(rows)


def tasks_table() -> str:
    """The ``task`` values each model takes; models with the same set share a row."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for m in wje.list_models():
        if m.tasks:
            groups.setdefault(m.tasks, []).append(m.name)
    rows = ["| models | `task` values |", "|---|---|"]
    for tasks, names in groups.items():
        models = ", ".join(f"`{n}`" for n in names)
        rows.append(f"| {models} | {', '.join(f'`{t}`' for t in tasks)} |")
    untasked = [m.name for m in wje.list_models() if not m.tasks and m.kind != "reranker"]
    if untasked:
        rows.append(f"| {', '.join(f'`{n}`' for n in untasked)} | none: leave `task` unset |")
    return "\n".join(rows)


def rerankers_table() -> str:
    """The models ``reranker-jinaai`` can use, with their limits."""
    rows = [
        "| model | max tokens | documents per request | Weaviate modules |",
        "|---|--:|--:|---|",
    ]
    rows.extend(
        f"| `{m.name}` | {m.max_tokens:,} | {m.max_inputs:,} | {_modules(m)} |"
        for m in wje.list_models(module="reranker-jinaai")
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


MARKERS: dict[str, Callable[[], str]] = {
    "<!-- catalogue: embeddings -->": embeddings_table,
    "<!-- catalogue: tasks -->": tasks_table,
    "<!-- catalogue: rerankers -->": rerankers_table,
    "<!-- catalogue: modules -->": modules_table,
}


def on_page_markdown(markdown: str, **_: Any) -> str:  # noqa: ANN401 - MkDocs passes page, config, files
    """Replace the catalogue markers of a page with the generated tables."""
    for marker, table in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, table())
    return markdown
