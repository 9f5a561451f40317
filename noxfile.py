"""The test matrix: one nox session per axis, every environment installed by uv.

    nox -s unit           the unit tier on every Python the classifiers list
    nox -s clients        the unit tier on every older weaviate-client minor, installed the way
                          an app pinned to it would install this package
    nox -s lowest         the unit tier on the oldest Python, runtime dependencies at their floors
    nox -s integration    the integration tests per Weaviate server line, backend and client
    nox -s compatibility  rewrites the compatibility table (README.md, docs/compatibility.md)

``make test`` (what CI runs) runs every session but ``compatibility``; a session's name
selects one cell, e.g. ``nox -s "clients(4.16)"`` or ``nox -s "unit-3.12"``, and arguments
after ``--`` go to pytest. This file is the single source of the matrix: the compatibility
table is generated from it, and ``tests/test_compat.py`` fails when the table is stale.

Interpreters are found on ``PATH``; when pyenv is installed, its newest install of each
wanted version is put first on ``PATH`` (pyenv's shims only answer for selected versions).
A Python the classifiers list but this machine lacks fails the run; it is never skipped.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import nox
from packaging.requirements import Requirement

# nox runs from the project's .venv (``make venv`` installs it there with the project), so the
# rig's own reader of the compose file and the server-line facts come from this checkout.
from weaviate_jina_ext.testing._weaviate._compose import pinned_version

ROOT = Path(__file__).resolve().parent

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True

PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")

#: Every Python the classifiers name gets the full unit tier.
PYTHONS: list[str] = nox.project.python_versions(PYPROJECT)

#: The supported weaviate-client minors: 4.16 is the first with ``Configure.Vectors``; the
#: last is the newest release this matrix has tested (``unit`` installs it on every Python).
CLIENT_MINORS: list[str] = [f"4.{minor}" for minor in range(16, 25)]
NEWEST_CLIENT = CLIENT_MINORS[-1]
OLDEST_CLIENT = CLIENT_MINORS[0]

#: The Python of the ``clients`` and ``integration`` sessions: the oldest one that runs the
#: whole unit tier (Jina's Haystack integration, a peer tested in tests/test_third_party_clients.py,
#: needs Python 3.11).
MATRIX_PYTHON = "3.11"

#: The Weaviate version the compose file pins: the full integration suite runs on it.
PINNED_SERVER = pinned_version(ROOT / "docker" / "docker-compose.yml")


def _server_lines() -> tuple[str, ...]:
    """The Weaviate server lines the integration tests run on, oldest first."""
    try:
        facts = importlib.import_module("weaviate_jina_ext._server_lines")
    except ModuleNotFoundError:  # no per-line facts in this checkout: the pinned line only
        return (PINNED_SERVER,)
    return tuple(facts.TESTED_LINES)


SERVER_LINES = _server_lines()

#: One integration run per row: (server line, backend, weaviate-client minor). The pinned
#: server gets the whole integration suite on both backends with the newest client and on the
#: process backend with the oldest; every other line gets the ``server_lines`` subset (connect,
#: each config style, import, near_text, hybrid, rerank, ColBERT, the key header) on the
#: process backend, since the Docker backend runs the compose file's image only.
INTEGRATION_RUNS: list[tuple[str, str, str]] = [
    *((line, "process", NEWEST_CLIENT) for line in SERVER_LINES if line != PINNED_SERVER),
    (PINNED_SERVER, "process", NEWEST_CLIENT),
    (PINNED_SERVER, "process", OLDEST_CLIENT),
    (PINNED_SERVER, "docker", NEWEST_CLIENT),
]

#: The peer test that needs Python 3.11 (jina-haystack); left out, and said so, on 3.10.
_HAYSTACK_TESTS = "tests/test_third_party_clients.py"


def _pyenv_on_path() -> None:
    """Put pyenv's newest install of each wanted Python first on PATH (when pyenv is there)."""
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return
    listing = subprocess.run(  # noqa: S603 - pyenv found on PATH, fixed arguments
        [pyenv, "versions", "--bare", "--skip-aliases"],
        capture_output=True,
        text=True,
        check=False,
    )
    root = subprocess.run(  # noqa: S603
        [pyenv, "root"], capture_output=True, text=True, check=False
    ).stdout.strip()
    installed = [v for v in listing.stdout.split() if re.fullmatch(r"\d+\.\d+\.\d+", v)]
    dirs = []
    for wanted in {*PYTHONS, MATRIX_PYTHON}:
        matches = [v for v in installed if v.startswith(f"{wanted}.")]
        if matches and root:
            newest = max(matches, key=lambda v: tuple(int(p) for p in v.split(".")))
            dirs.append(str(Path(root) / "versions" / newest / "bin"))
    if dirs:
        os.environ["PATH"] = os.pathsep.join([*sorted(dirs), os.environ.get("PATH", "")])


_pyenv_on_path()


def _floors() -> list[str]:
    """Each runtime dependency pinned to the lowest version pyproject.toml allows."""
    pins = []
    for text in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(text)
        lowest = [s.version for s in requirement.specifier if s.operator in {">=", "=="}]
        if len(lowest) != 1:
            msg = f"pyproject.toml: {text!r} needs exactly one lower bound (>=) for `lowest`"
            raise ValueError(msg)
        pins.append(f"{requirement.name}=={lowest[0]}")
    return pins


def _install(session: nox.Session, client_pin: str, *groups: str) -> None:
    """Install the package and its test groups into an env already pinned to a client.

    The app's weaviate-client pin goes in first; installing the package afterwards must keep
    it (the resolver may not move it), which is checked, so a too-high floor cannot hide. The
    install is editable because the rig's tests check that it reads this checkout's compose
    files; the wheel's contents are tests/test_packaging.py's concern.
    """
    session.install(client_pin)
    group_args = [arg for group in ("dev", *groups) for arg in ("--group", group)]
    session.install("-e", ".", *group_args)
    session.run(
        "python",
        "-c",
        "import sys; from importlib.metadata import version; "
        "from packaging.requirements import Requirement; "
        "pin, got = Requirement(sys.argv[1]), version('weaviate-client'); "
        "print('weaviate-client', got); "
        "sys.exit(0 if pin.specifier.contains(got, prereleases=True) else "
        "f'installing the package moved weaviate-client to {got}, outside {pin}')",
        client_pin,
        silent=False,
    )


def _client_pin(minor: str) -> str:
    """The newest patch release of a weaviate-client minor."""
    return f"weaviate-client~={minor}.0"


def _unit_tier(session: nox.Session) -> None:
    """Every test not marked ``integration``, on as many workers as the machine has cores."""
    args = ["-m", "not integration", "-n", "auto", "-p", "no:cacheprovider"]
    if session.python == "3.10":
        session.log(f"Python 3.10: {_HAYSTACK_TESTS} left out (jina-haystack needs 3.11)")
        args.append(f"--ignore={_HAYSTACK_TESTS}")
    session.run("pytest", *args, *session.posargs)


@nox.session(python=PYTHONS)
def unit(session: nox.Session) -> None:
    """The unit tier (no Weaviate server) on one Python, with the newest client minor."""
    _install(session, _client_pin(NEWEST_CLIENT))
    _unit_tier(session)


@nox.session(python=MATRIX_PYTHON)
@nox.parametrize("client", CLIENT_MINORS[:-1], ids=CLIENT_MINORS[:-1])
def clients(session: nox.Session, client: str) -> None:
    """The unit tier with an older weaviate-client minor already installed (an app's pin)."""
    _install(session, _client_pin(client))
    _unit_tier(session)


@nox.session(python=PYTHONS[0])
def lowest(session: nox.Session) -> None:
    """The unit tier on the oldest Python with every runtime dependency at its floor."""
    floors = _floors()
    session.install(*floors)
    session.install("-e", ".", "--group", "dev", *floors)
    _unit_tier(session)


@nox.session(python=MATRIX_PYTHON)
@nox.parametrize(
    ("server", "backend", "client"),
    INTEGRATION_RUNS,
    ids=[f"{server}-{backend}-{client}" for server, backend, client in INTEGRATION_RUNS],
)
def integration(session: nox.Session, server: str, backend: str, client: str) -> None:
    """The integration tests on one Weaviate server line and backend, with one client minor."""
    docker = backend == "docker"
    _install(session, _client_pin(client), *(["docker"] if docker else []))
    marker = "integration" if server == PINNED_SERVER else "integration and server_lines"
    pytest = ["pytest", "-m", marker, "--weaviate-backend", backend, "-p", "no:cacheprovider"]
    # The server binary, found in or built with Go into the rig's per-version cache (the Docker
    # backend's stand-in image is built from it when no registry answers).
    ensure = ["python", "-m", "weaviate_jina_ext.testing", "ensure-binary"]
    session.run(*ensure, "--weaviate-version", server)
    if docker:  # the compose file's image, which is PINNED_SERVER; docker/engine.sh provides an
        # engine and Compose v2 (from this session's environment) for the run
        env = {"VENV": str(session.virtualenv.location)}
        engine = str(ROOT / "docker" / "engine.sh")
        session.run(engine, "run", *pytest, *session.posargs, env=env, external=True)
    else:
        session.run(*pytest, "--weaviate-version", server, *session.posargs)


# ------------------------------------------------------------------ the compatibility table

TABLE_START = "<!-- compatibility table: generated by `nox -s compatibility` from noxfile.py -->"
TABLE_END = "<!-- end of the compatibility table -->"


def _client_row_unit(minor: str) -> str:
    if minor == NEWEST_CLIENT:
        return ", ".join(PYTHONS)
    return MATRIX_PYTHON


def _integration_cell(minor: str, line: str) -> str:
    backends = [b for s, b, c in INTEGRATION_RUNS if s == line and c == minor]
    if not backends:
        return "—"
    scope = "full suite" if line == PINNED_SERVER else "server-lines subset"
    names = " + ".join("Docker" if b == "docker" else "process" for b in backends)
    return f"{scope}: {names}"


def compatibility_table() -> str:
    """The Markdown compatibility table, generated from this file's matrix."""
    lines_header = [f"{line} (pinned)" if line == PINNED_SERVER else line for line in SERVER_LINES]
    header = ["weaviate-client", "unit tier on Python", *(f"Weaviate {h}" for h in lines_header)]
    rows = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for minor in reversed(CLIENT_MINORS):
        cells = [
            f"{minor}.x",
            _client_row_unit(minor),
            *(_integration_cell(minor, line) for line in SERVER_LINES),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    floors = ", ".join(pin.replace("==", " ") for pin in _floors())
    notes = [
        "",
        f"Each cell is a nox session that `make test` (and so CI) runs: `unit` and `clients` run "
        f"the unit tier (no server; `clients` installs the minor's newest patch first, the way an "
        f"app pinned to it would, then this package), `integration` runs on Python "
        f'{MATRIX_PYTHON}. "Full suite" is every integration test; the server-lines subset '
        f"(marker `server_lines`) covers connect, each config style, import, near_text, "
        f"hybrid, rerank, ColBERT and the key header. A dash: not tested.",
        "",
        f"The `lowest` session runs the unit tier on Python {PYTHONS[0]} with every runtime "
        f"dependency at its floor ({floors}). On Python 3.10 the Haystack peer test "
        f"(`{_HAYSTACK_TESTS}`) is left out: jina-haystack needs Python 3.11. With clients "
        f"before 4.20 the 3-node cluster import test is skipped (its setup needs "
        f"`Configure.Replication`, new in weaviate-client 4.20).",
    ]
    return "\n".join([TABLE_START, *rows, *notes, TABLE_END]) + "\n"


def replace_table(text: str, table: str) -> str:
    """``text`` with the block between the table markers replaced by ``table``."""
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        msg = f"no compatibility table markers ({TABLE_START!r} ... {TABLE_END!r})"
        raise ValueError(msg)
    return text[:start] + table + text[end + len(TABLE_END) + 1 :]


TABLE_FILES = ("README.md", "docs/compatibility.md")


@nox.session(python=False, default=False)
def compatibility(session: nox.Session) -> None:
    """Rewrite the compatibility table in README.md and docs/compatibility.md."""
    table = compatibility_table()
    for name in TABLE_FILES:
        path = ROOT / name
        path.write_text(replace_table(path.read_text(encoding="utf-8"), table), encoding="utf-8")
        session.log(f"wrote the compatibility table into {name}")
