"""The documentation: every Python block runs, and the site builds offline without warnings.

Blocks are found with pytest-examples in ``README.md`` and every ``docs/**/*.md`` (a new page
is picked up without a change here). The convention, which every page follows:

* a ```` ```python ```` block is complete and runs as it is;
* a ```` ```text ```` block shows output and is not run; right after a Python block (blank
  lines between) it is what that block prints, checked line by line (a line ``...`` stands
  for any lines);
* a ```` ```python {test="skip"} ```` block is an illustration that cannot run here (a live
  key, Weaviate Cloud, fixed ports), with the reason in a comment or the lines above it.

How a block runs depends on what it is, read from its code:

* a block that defines ``test_*`` functions is a test file for the pytest plugin: it runs in
  a pytest of its own (``pytester``), against this session's Weaviate (backend
  ``existing``); a first line ``# run with: pytest ARGS`` adds those options, and a block
  that asks for ``--weaviate-jina-routing`` gets a server of its own on this session's
  backend, since the routing is part of how a server starts;
* a block that starts or connects to Weaviate (``local_stack``, a ``connect_to_*`` or
  ``use_async_with_*`` helper, a launcher) is an integration test: ``WEAVIATE_URL`` and
  ``WEAVIATE_GRPC_PORT`` point ``local_stack()`` at this session's server, and the
  collections a block leaves behind are deleted afterwards;
* any other block is a unit test.

Blocks run as ``__main__`` with no Jina key in the environment, so ``local_stack()`` starts
the local Jina-compatible server, and anything a block changes in ``os.environ`` is undone.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
import traceback
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from mkdocs.config import load_config
from pytest_examples import CodeExample, EvalExample, find_examples

import weaviate_jina_ext as wje
import weaviate_jina_ext.testing as rig
from weaviate_jina_ext.testing._weaviate import cache_dir

if TYPE_CHECKING:
    from collections.abc import Iterator

    from weaviate_jina_ext.testing import JinaEndpoint, WeaviateInstance

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
DOC_FILES = (*sorted(DOCS.rglob("*.md")), ROOT / "README.md")
#: Read before pytester points HOME elsewhere, so inner runs find the cached weaviate-server.
BINARY_CACHE = cache_dir()

#: Names whose use means a block needs a Weaviate server.
SERVER_NAMES = frozenset(
    {
        "local_stack",
        "start_weaviate",
        "start_cluster",
        "existing_weaviate",
        "weaviate_process",
        "weaviate_cluster",
        "docker_weaviate",
        "docker_cluster",
        *(name for name in wje.__all__ if name.startswith(("connect_to_", "use_async_with_"))),
    }
)
_RUN_WITH = re.compile(r"#\s*run with:\s*pytest\b(?P<args>.*)")
_SKIP_REASON = re.compile(r"not run|illustration|cannot run|skip", re.IGNORECASE)


def _names(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.alias):
            found.add(node.asname or node.name.rsplit(".", 1)[-1])
    return found


def _kind(example: CodeExample) -> str:
    """``skip``, ``pytest``, ``server`` or ``unit``: how the block runs (see module docstring)."""
    test = example.prefix_settings().get("test")
    if test == "skip":
        return "skip"
    assert test is None, f'{example}: unknown setting test="{test}"; only test="skip" exists'
    tree = ast.parse(example.source)
    if any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
        for node in tree.body
    ):
        return "pytest"
    return "server" if _names(tree) & SERVER_NAMES else "unit"


def _rel(example: CodeExample) -> str:
    path = example.path.relative_to(ROOT) if example.path.is_relative_to(ROOT) else example.path
    return f"{path}:{example.start_line}"


EXAMPLES: list[CodeExample] = [ex for path in DOC_FILES for ex in find_examples(path)]
BY_KIND: dict[str, list[CodeExample]] = {"skip": [], "pytest": [], "server": [], "unit": []}
for _example in EXAMPLES:
    BY_KIND[_kind(_example)].append(_example)


class DocBlockError(AssertionError):
    """A documentation block failed; the message names the page and line."""


def _run(eval_example: EvalExample, example: CodeExample) -> None:
    """Run a block, reporting a failure as page, line and error.

    pytest-examples rewrites a failing block's traceback to point into the Markdown file,
    and pytest's own traceback rendering cannot read such frames (an INTERNALERROR that ends
    the session), so the failure is re-raised here with the block's own lines instead.
    """
    try:
        eval_example.run(example)
    except Exception as error:
        lines = [f"{_rel(example)} failed: " + "".join(traceback.format_exception_only(error))]
        tb = error.__traceback__
        while tb is not None:
            if Path(tb.tb_frame.f_code.co_filename) == example.path:
                lines.append(f"  {example.path.relative_to(ROOT)}:{tb.tb_lineno}")
            tb = tb.tb_next
        raise DocBlockError("\n".join(lines)) from None


def _shown_output(example: CodeExample) -> list[str] | None:
    """The lines of a ```text block right after the block (blank lines between), if any."""
    lines = example.path.read_text("utf-8").splitlines()[example.end_line :]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines or not re.match(r"```text\b", lines[0].strip()):
        return None
    end = next(i for i, line in enumerate(lines) if i and line.strip() == "```")
    return [line.rstrip() for line in lines[1:end]]


def _check_output(example: CodeExample, printed: str) -> None:
    """A ```text block that follows a block is what the block prints (``...`` skips lines)."""
    shown = _shown_output(example)
    if shown is None:
        return
    pattern = "".join(r"(?:.*\n)*?" if line == "..." else re.escape(line) + "\n" for line in shown)
    got = "".join(line.rstrip() + "\n" for line in printed.strip("\n").splitlines())
    assert re.fullmatch(pattern, got), (
        f"{_rel(example)} prints\n{got}\nbut the page shows\n" + "\n".join(shown)
    )


def _params(kind: str) -> list[Any]:
    return [pytest.param(ex, id=_rel(ex)) for ex in BY_KIND[kind]]


@pytest.fixture
def restored_environ() -> Iterator[None]:
    """Undo whatever a block does to ``os.environ``."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _point_at(
    monkeypatch: pytest.MonkeyPatch, server: WeaviateInstance, endpoint: JinaEndpoint
) -> None:
    """Make ``local_stack()`` (and the plugin's ``existing`` backend) use ``server``."""
    monkeypatch.setenv("WEAVIATE_URL", server.url)
    monkeypatch.setenv("WEAVIATE_GRPC_PORT", str(server.grpc_port))
    if server.api_key:
        monkeypatch.setenv("WEAVIATE_API_KEY", server.api_key)
    else:
        monkeypatch.delenv("WEAVIATE_API_KEY", raising=False)
    if endpoint.weaviate_host != "127.0.0.1":
        monkeypatch.setenv("WEAVIATE_JINA_HOST_ALIAS", endpoint.weaviate_host)


# -- the inventory ----------------------------------------------------------------------------


def test_blocks_are_found_in_every_page_with_python() -> None:
    """Every page whose text has a Python fence yields blocks, so none is silently missed."""
    fence = re.compile(r"^ *```\s*\{?\.?py", re.MULTILINE)
    with_python = {p for p in DOC_FILES if fence.search(p.read_text("utf-8"))}
    assert with_python, "no Python blocks found at all"
    assert {ex.path for ex in EXAMPLES} == with_python
    assert len(BY_KIND["unit"]) + len(BY_KIND["server"]) + len(BY_KIND["pytest"]) >= 30


def test_skipped_blocks_say_why() -> None:
    """A ``{test="skip"}`` block carries its reason, in a comment or just above the fence."""
    for example in BY_KIND["skip"]:
        lines = example.path.read_text("utf-8").splitlines()
        above = "\n".join(lines[max(0, example.start_line - 4) : example.start_line - 1])
        first = example.source.lstrip().splitlines()[0]
        reason = first if first.startswith("#") else above
        assert _SKIP_REASON.search(reason), f"{_rel(example)}: say why it is not run"


def test_only_known_fences_hold_python() -> None:
    """Python code is fenced ```python; a ```py or ```pycon block would escape the rules above."""
    for example in EXAMPLES:
        language = example.prefix.strip("{ .").split()[0] if example.prefix.strip() else ""
        assert language == "python", f"{_rel(example)}: fence it as ```python"


def test_shown_output_is_checked(tmp_path: Path) -> None:
    """A ```text block after a block must match what it prints; ``...`` skips lines."""
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nprint(1)\n```\n\n```text\n1\n...\n3\n```\n\n"
        "```python\nprint(2)\n```\n\nprose\n\n```text\nnot output\n```\n",
        "utf-8",
    )
    shown, unchecked = find_examples(page)
    _check_output(shown, "1\n2\n3\n")
    _check_output(shown, "1\n3\n")
    with pytest.raises(AssertionError, match="but the page shows"):
        _check_output(shown, "1\n2\n")
    assert _shown_output(unchecked) is None  # prose between: an illustration, not output


# -- running the blocks ------------------------------------------------------------------------


@pytest.mark.parametrize("example", _params("unit"))
def test_unit_block_runs(
    example: CodeExample,
    eval_example: EvalExample,
    restored_environ: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A block that needs no server runs as it is, and prints the output the page shows."""
    _run(eval_example, example)
    _check_output(example, capsys.readouterr().out)


@pytest.mark.integration
@pytest.mark.parametrize("example", _params("server"))
def test_server_block_runs(
    example: CodeExample,
    eval_example: EvalExample,
    restored_environ: None,
    monkeypatch: pytest.MonkeyPatch,
    weaviate_jina_server: WeaviateInstance,
    jina_endpoint: JinaEndpoint,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A block that uses Weaviate runs against this session's server, printing what is shown."""
    _point_at(monkeypatch, weaviate_jina_server, jina_endpoint)
    with wje.connect_to_custom(**weaviate_jina_server.connect_kwargs()) as client:
        before = set(client.collections.list_all(simple=True))
        try:
            _run(eval_example, example)
        finally:
            left = set(client.collections.list_all(simple=True)) - before
            if left:
                client.collections.delete(sorted(left))
    _check_output(example, capsys.readouterr().out)


@pytest.mark.integration
@pytest.mark.parametrize("example", _params("pytest"))
def test_pytest_block_passes(
    example: CodeExample,
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    weaviate_jina_server: WeaviateInstance,
    weaviate_jina_backend: str,
    jina_endpoint: JinaEndpoint,
) -> None:
    """A test file for the plugin passes in a pytest of its own, every test in it."""
    first = example.source.lstrip().splitlines()[0]
    run_with = _RUN_WITH.match(first)
    args = shlex.split(run_with["args"]) if run_with else []
    monkeypatch.setenv("WEAVIATE_JINA_CACHE", str(BINARY_CACHE))
    if any(a.startswith("--weaviate-jina-routing") for a in args):
        backend = "process" if weaviate_jina_backend == "existing" else weaviate_jina_backend
        for name in ("WEAVIATE_URL", "WEAVIATE_GRPC_PORT", "WEAVIATE_API_KEY"):
            monkeypatch.delenv(name, raising=False)
    else:
        backend = "existing"
        _point_at(monkeypatch, weaviate_jina_server, jina_endpoint)
    pytester.makepyfile(test_docs_block=example.source)
    result = pytester.runpytest("-p", "no:cacheprovider", f"--weaviate-backend={backend}", *args)
    outcomes = result.parseoutcomes()
    tests = sum(
        isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        for node in ast.parse(example.source).body
    )
    assert outcomes.get("passed") == tests, f"{_rel(example)}:\n" + "\n".join(result.outlines)
    assert set(outcomes) <= {"passed", "warnings"}, "\n".join(result.outlines)


# -- the site ----------------------------------------------------------------------------------


class _Links(HTMLParser):
    """Collects the URLs a page loads (scripts, stylesheets, fonts, images) and its ids."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag in {"script", "img", "iframe"} and values.get("src"):
            self.loads.append(str(values["src"]))
        rel = values.get("rel") or ""
        if tag == "link" and rel in {"stylesheet", "preconnect", "preload"} and values.get("href"):
            self.loads.append(str(values["href"]))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``mkdocs build --strict`` into a temporary directory, with no network to reach.

    The proxy variables point at a closed loopback port, so any attempt to fetch something
    (a font, a plugin's download) fails the build instead of quietly succeeding online.
    """
    out = tmp_path_factory.mktemp("site")
    dead = "http://127.0.0.1:9"
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",  # Material's notice about its end of life, not a problem
        "HTTP_PROXY": dead,
        "HTTPS_PROXY": dead,
        "http_proxy": dead,
        "https_proxy": dead,
        "NO_PROXY": "",
        "no_proxy": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    return out, log


def _nav_pages() -> list[str]:
    config = load_config(str(ROOT / "mkdocs.yml"))

    def walk(items: Any) -> Iterator[str]:
        for item in items:
            for value in item.values() if isinstance(item, dict) else [item]:
                if isinstance(value, list):
                    yield from walk(value)
                else:
                    yield str(value)

    return list(walk(config["nav"]))


def _built(out: Path, page: str) -> Path:
    stem = page.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return out / stem.removesuffix("index") / "index.html"
    return out / stem / "index.html"


def test_site_builds_without_warnings(site: tuple[Path, str]) -> None:
    """The strict build succeeds and logs no warning and no error."""
    _, log = site
    assert not re.search(r"\b(WARNING|ERROR)\b", log), log


def test_every_page_is_in_the_nav_and_built(site: tuple[Path, str]) -> None:
    """Each Markdown file of docs/ is a page of the navigation, and the site has it."""
    out, _ = site
    nav = _nav_pages()
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert set(nav) == pages
    for page in nav:
        assert _built(out, page).is_file(), page


def test_site_loads_nothing_from_the_network(site: tuple[Path, str]) -> None:
    """No page loads a script, stylesheet, font or image from another host (no CDN)."""
    out, _ = site
    for html in out.rglob("*.html"):
        parser = _Links()
        parser.feed(html.read_text("utf-8"))
        remote = [u for u in parser.loads if u.startswith(("http:", "https:", "//"))]
        assert not remote, f"{html.relative_to(out)} loads {remote}"


def test_model_tables_are_generated_from_the_catalogue(site: tuple[Path, str]) -> None:
    """The Models page lists every catalogue model, and no marker is left unexpanded."""
    out, _ = site
    html = _built(out, "models.md").read_text("utf-8")
    assert "catalogue:" not in html
    for model in wje.list_models():
        assert f"<code>{model.name}</code>" in html, model.name
    for module in {m for model in wje.list_models() for m in model.modules}:
        assert f"<code>{module}</code>" in html, module


@pytest.mark.parametrize(
    ("package", "page"),
    [(wje, "reference/index.md"), (rig, "reference/testing.md")],
    ids=["weaviate_jina_ext", "weaviate_jina_ext.testing"],
)
def test_api_reference_documents_every_public_name(
    site: tuple[Path, str], package: Any, page: str
) -> None:
    """Every name in ``__all__`` has an entry in its API reference page."""
    out, _ = site
    parser = _Links()
    parser.feed(_built(out, page).read_text("utf-8"))
    missing = [n for n in package.__all__ if f"{package.__name__}.{n}" not in parser.ids]
    assert not missing, f"{page} lacks {missing}"
    html = _built(out, page).read_text("utf-8")
    roles = re.findall(r":(?:func|class|meth|data|attr|mod|exc):", html)
    assert not roles, f"{page} shows Sphinx roles {sorted(set(roles))}"


def test_changelog_page_is_the_changelog(site: tuple[Path, str]) -> None:
    """The Changelog page is CHANGELOG.md itself, included at build time."""
    out, _ = site
    html = _built(out, "changelog.md").read_text("utf-8")
    first_entry = next(
        line.removeprefix("- ")
        for line in (ROOT / "CHANGELOG.md").read_text("utf-8").splitlines()
        if line.startswith("- ")
    )
    assert first_entry.split("`")[0].strip() in html
