"""The pytest plugin: fixtures for a real Weaviate whose Jina modules answer offline.

Installed with the package and loaded through the ``pytest11`` entry point, so importing
this module must stay cheap and start nothing: everything heavy (the launchers, the fake
Jina server, the Weaviate client) is imported inside the fixtures that need it.

Fixtures compose, and each one is small enough to override in a ``conftest.py``::

    weaviate_jina_version ─┐
    weaviate_jina_modules ─┼─> weaviate_jina_server ─> weaviate_jina_client
    weaviate_jina_backend ─┤
    weaviate_jina_server_env (the proxy's variables in transparent mode)

    weaviate_jina_backend ─> jina_endpoint ─> jina_fake ─> jina_proxy, jina_base_url,
                                                        jina_fake_base_url
    jina_live ─> jina_api_key
    weaviate_jina_backend ─> weaviate_jina_start, weaviate_jina_start_cluster

``jina_endpoint`` is the one rule for where the local servers listen and which URL Weaviate
gets for them (loopback for a process, ``host.docker.internal`` for a container), so a test
written against these fixtures passes on every backend.

By default Weaviate's Jina modules are pointed at a local :class:`FakeJina` through the
collection's ``base_url`` (``jina_base_url``). With ``--weaviate-jina-routing=transparent``,
Weaviate is started with ``HTTPS_PROXY``/``SSL_CERT_FILE`` of a :class:`JinaProxy`, so
collections configured *without* ``base_url`` (and the reranker, which cannot be
redirected) reach the fake too. With ``--jina-live`` and a key in ``JINAAI_APIKEY``, the real
Jina API is used instead.

The fake is strict like the real API (unknown body fields are 422, unknown models 400). A
test that wants the lenient fake says so: ``@pytest.mark.jina_fake_lenient`` (that test
only), ``with jina_fake.lenient():`` (a block), or ``--jina-fake-lenient`` (the session).
"""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING, Final

import pytest

from weaviate_jina_ext.testing._key import FAKE_JINA_KEY

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator

    from weaviate.client import WeaviateClient

    from weaviate_jina_ext.testing._endpoint import JinaEndpoint
    from weaviate_jina_ext.testing._fake import FakeJina
    from weaviate_jina_ext.testing._proxy import JinaProxy
    from weaviate_jina_ext.testing._weaviate import WeaviateCluster, WeaviateInstance

__all__ = ["pytest_addoption", "pytest_configure", "pytest_runtest_makereport"]

# Kept literal so that loading the plugin imports nothing; a test checks they match the
# launcher's ``BACKENDS``.
_BACKENDS: Final = ("auto", "existing", "docker", "process")
_ROUTINGS: Final = ("base_url", "transparent")
_LOG_LINES: Final = 50


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``weaviate-jina`` option group."""
    group = parser.getgroup("weaviate-jina", "Weaviate with Jina modules (weaviate-jina-ext)")
    group.addoption(
        "--weaviate-backend",
        choices=_BACKENDS,
        default="auto",
        help=(
            "where weaviate_jina_server comes from: 'existing' (WEAVIATE_URL), 'docker' "
            "(docker compose), 'process' (a local weaviate-server), or 'auto' (the first "
            "that works, in that order). Default: auto."
        ),
    )
    group.addoption(
        "--weaviate-version",
        default=None,
        metavar="X.Y.Z",
        help="Weaviate version for the process backend (default: the compose file's pin).",
    )
    group.addoption(
        "--jina-live",
        action="store_true",
        default=False,
        help=(
            "use the real Jina API with the key in JINAAI_APIKEY instead of the local fake; "
            "tests that need it are skipped when no key is set."
        ),
    )
    group.addoption(
        "--jina-fake-lenient",
        action="store_true",
        default=False,
        help=(
            "make the local Jina fake lenient for the session: body fields outside a model's "
            "schema are ignored and unknown models served (the real API refuses both). "
            "One test: @pytest.mark.jina_fake_lenient."
        ),
    )
    group.addoption(
        "--weaviate-jina-routing",
        choices=_ROUTINGS,
        default="base_url",
        help=(
            "how Weaviate reaches the fake Jina API: 'base_url' (collections set "
            "base_url=jina_base_url) or 'transparent' (Weaviate runs behind a local HTTPS "
            "proxy that answers for api.jina.ai). Default: base_url."
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``jina_fake_lenient`` marker."""
    config.addinivalue_line(
        "markers",
        "jina_fake_lenient: serve this test from a lenient jina_fake (unknown body fields "
        "ignored, unknown models served) instead of the strict default",
    )


def _live(config: pytest.Config) -> bool:
    return bool(config.getoption("--jina-live"))


# -- Jina side ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def weaviate_jina_routing(pytestconfig: pytest.Config) -> str:
    """``"base_url"`` or ``"transparent"``, from ``--weaviate-jina-routing``."""
    return str(pytestconfig.getoption("--weaviate-jina-routing"))


@pytest.fixture(scope="session")
def jina_live(pytestconfig: pytest.Config) -> str:
    """The real Jina key; skips the test unless ``--jina-live`` is given and a key is set."""
    if not _live(pytestconfig):
        pytest.skip("uses the real Jina API: run with --jina-live and JINAAI_APIKEY set")
    from weaviate_jina_ext._keys import resolve_api_key  # noqa: PLC0415

    key = resolve_api_key(None)
    if key is None:
        pytest.skip("--jina-live was given but JINAAI_APIKEY (or JINAAI_API_KEY) is not set")
    return key


@pytest.fixture(scope="session")
def jina_endpoint(weaviate_jina_backend: str) -> JinaEndpoint:
    """Where local servers for Weaviate listen, and the URL Weaviate uses for them.

    ``jina_endpoint.base_url(server)`` is the ``base_url`` a collection needs to reach a
    Jina-compatible server of the test (``jina_fake`` or one of its own, started with
    ``host=jina_endpoint.bind_host``), whichever backend runs Weaviate.
    """
    from weaviate_jina_ext.testing._endpoint import jina_endpoint as endpoint  # noqa: PLC0415

    return endpoint(weaviate_jina_backend)


@pytest.fixture(scope="session")
def jina_fake(jina_endpoint: JinaEndpoint, pytestconfig: pytest.Config) -> Iterator[FakeJina]:
    """A running Jina-compatible server for the session (accepts :data:`FAKE_JINA_KEY`).

    Strict like the real API unless ``--jina-fake-lenient`` is given (one test:
    ``@pytest.mark.jina_fake_lenient``).

    Call ``jina_fake.clear()`` at the start of a test that inspects ``jina_fake.requests``.
    It listens where Weaviate can reach it (all interfaces for a container); give Weaviate
    ``jina_base_url`` or ``jina_endpoint.base_url(jina_fake)``, never ``jina_fake.url``.
    """
    from weaviate_jina_ext.testing._fake import FakeJina  # noqa: PLC0415

    strict = not pytestconfig.getoption("--jina-fake-lenient")
    with FakeJina(host=jina_endpoint.bind_host, api_keys=[FAKE_JINA_KEY], strict=strict) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _jina_fake_lenient_marker(request: pytest.FixtureRequest) -> Iterator[None]:
    """Make ``jina_fake`` lenient for a test marked ``jina_fake_lenient``."""
    if request.node.get_closest_marker("jina_fake_lenient") is None:
        yield
        return
    fake: FakeJina = request.getfixturevalue("jina_fake")
    with fake.lenient():
        yield


@pytest.fixture(scope="session")
def jina_proxy(jina_fake: FakeJina, jina_endpoint: JinaEndpoint) -> Iterator[JinaProxy]:
    """An HTTPS proxy that answers for ``api.jina.ai`` from ``jina_fake``."""
    from weaviate_jina_ext.testing._proxy import JinaProxy  # noqa: PLC0415

    with JinaProxy(jina_fake, host=jina_endpoint.bind_host) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def jina_api_key(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> str:
    """The Jina key to send: the fake's, or with ``--jina-live`` the real one."""
    if _live(pytestconfig):
        return str(request.getfixturevalue("jina_live"))
    return FAKE_JINA_KEY


@pytest.fixture(scope="session")
def jina_base_url(
    pytestconfig: pytest.Config,
    request: pytest.FixtureRequest,
    weaviate_jina_routing: str,
    jina_endpoint: JinaEndpoint,
) -> str | None:
    """``base_url`` for Jina module configs: the fake's URL, or ``None`` (the real API).

    ``None`` in live and in transparent mode, where the proxy answers for the real address.
    """
    if _live(pytestconfig) or weaviate_jina_routing == "transparent":
        return None
    fake: FakeJina = request.getfixturevalue("jina_fake")
    return jina_endpoint.base_url(fake)


@pytest.fixture(scope="session")
def jina_fake_base_url(jina_fake: FakeJina, jina_endpoint: JinaEndpoint) -> str:
    """``jina_fake``'s URL as Weaviate reaches it, whatever the routing.

    For collections that must reach the local server through ``base_url`` even in
    transparent mode; ``jina_base_url`` is the routing-aware choice.
    """
    return jina_endpoint.base_url(jina_fake)


# -- Weaviate side --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def weaviate_jina_version(pytestconfig: pytest.Config) -> str:
    """The Weaviate version: ``--weaviate-version``, else the compose file's pin."""
    option = pytestconfig.getoption("--weaviate-version")
    if option:
        return str(option).removeprefix("v")
    from weaviate_jina_ext.testing._weaviate import pinned_version  # noqa: PLC0415

    return pinned_version()


@pytest.fixture(scope="session")
def weaviate_jina_modules() -> tuple[str, ...] | None:
    """Modules to enable; ``None`` keeps the compose file's ``ENABLE_MODULES``."""
    return None


@pytest.fixture(scope="session")
def weaviate_jina_backend(pytestconfig: pytest.Config) -> str:
    """The backend in use, with ``auto`` resolved (see ``--weaviate-backend``)."""
    from weaviate_jina_ext.testing._weaviate import resolve_backend  # noqa: PLC0415

    return resolve_backend(str(pytestconfig.getoption("--weaviate-backend")))


@pytest.fixture(scope="session")
def weaviate_jina_server_env(
    pytestconfig: pytest.Config,
    request: pytest.FixtureRequest,
    weaviate_jina_routing: str,
    weaviate_jina_backend: str,
) -> dict[str, str]:
    """Extra server environment: the proxy's variables in transparent mode.

    Offline, a server the rig starts also gets an empty ``JINAAI_APIKEY``: the compose file
    passes the developer's own key through to the server, and a real key must never be
    sent to the local fake (the reranker prefers the server's key over the client's).
    """
    if _live(pytestconfig):
        return {}
    env: dict[str, str] = {}
    if weaviate_jina_backend != "existing":
        env["JINAAI_APIKEY"] = ""
    if weaviate_jina_routing == "transparent":
        proxy: JinaProxy = request.getfixturevalue("jina_proxy")
        env.update(proxy.env())
    return env


@pytest.fixture(scope="session")
def weaviate_jina_server(
    weaviate_jina_backend: str,
    weaviate_jina_version: str,
    weaviate_jina_modules: tuple[str, ...] | None,
    weaviate_jina_server_env: dict[str, str],
) -> Iterator[WeaviateInstance]:
    """A running Weaviate for the session (see ``--weaviate-backend``).

    Fails, with what to install or set, when none can be provided.
    """
    from weaviate_jina_ext.testing._weaviate import start_weaviate  # noqa: PLC0415

    with start_weaviate(
        weaviate_jina_backend,
        version=weaviate_jina_version if weaviate_jina_backend == "process" else None,
        modules=weaviate_jina_modules,
        extra_env=weaviate_jina_server_env or None,
    ) as instance:
        yield instance


@pytest.fixture(scope="session")
def weaviate_jina_start(
    weaviate_jina_backend: str, weaviate_jina_version: str
) -> Callable[..., contextlib.AbstractContextManager[WeaviateInstance]]:
    """``start_weaviate`` bound to the session's backend.

    For tests that need a server of their own (other modules, a server-side key, their own
    environment)::

        with weaviate_jina_start(modules=(), jina_api_key=None) as instance: ...
    """
    from weaviate_jina_ext.testing._weaviate import start_weaviate  # noqa: PLC0415

    version = weaviate_jina_version if weaviate_jina_backend == "process" else None
    return functools.partial(start_weaviate, weaviate_jina_backend, version=version)


@pytest.fixture(scope="session")
def weaviate_jina_start_cluster(
    weaviate_jina_backend: str,
) -> Callable[..., contextlib.AbstractContextManager[WeaviateCluster]]:
    """``start_cluster`` bound to the session's backend (three processes or containers)."""
    from weaviate_jina_ext.testing._weaviate import start_cluster  # noqa: PLC0415

    backend = "process" if weaviate_jina_backend == "existing" else weaviate_jina_backend
    return functools.partial(start_cluster, backend)


@pytest.fixture
def weaviate_jina_client(
    weaviate_jina_server: WeaviateInstance, jina_api_key: str
) -> Iterator[WeaviateClient]:
    """A connected client that sends the Jina key; deletes the collections the test made."""
    from weaviate_jina_ext._connect import connect_to_custom  # noqa: PLC0415

    client = connect_to_custom(**weaviate_jina_server.connect_kwargs(), jina_api_key=jina_api_key)
    try:
        before = set(client.collections.list_all(simple=True))
        yield client
        if not client.is_connected():
            client.connect()
        created = set(client.collections.list_all(simple=True)) - before
        if created:
            client.collections.delete(sorted(created))
    finally:
        client.close()


# -- reporting ------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the Weaviate log tail to the report of a failed test that used the server."""
    report = yield
    if report.failed and isinstance(item, pytest.Function):
        instance = item.funcargs.get("weaviate_jina_server")
        log_tail = getattr(instance, "log_tail", None)
        if callable(log_tail):
            tail = log_tail(_LOG_LINES)
            if tail:
                title = f"weaviate-server log, last {_LOG_LINES} lines ({call.when})"
                report.sections.append((title, str(tail)))
    return report
