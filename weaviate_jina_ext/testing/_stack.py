"""One context manager for a whole local stack: Weaviate plus a Jina endpoint.

``local_stack()`` is what the examples, the quickstart and ad-hoc experiments use:

* with a Jina key in the environment (``JINAAI_APIKEY``, ``JINAAI_API_KEY`` or
  ``JINA_API_KEY``) or given as ``jina_api_key=``, Weaviate calls the real Jina API;
* without one, a local Jina-compatible server is started and collections point at it
  through ``base_url`` (``stack.base_url``, the URL under which Weaviate reaches it: see
  :mod:`weaviate_jina_ext.testing._endpoint`), so everything runs offline.

Weaviate itself comes from ``start_weaviate``: an existing instance named by
``WEAVIATE_URL``, Docker when an engine answers, else a local ``weaviate-server`` process.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from weaviate_jina_ext._connect import connect_to_custom
from weaviate_jina_ext._keys import resolve_api_key
from weaviate_jina_ext._secrets import mask_key
from weaviate_jina_ext.testing._key import FAKE_JINA_KEY

if TYPE_CHECKING:
    from collections.abc import Iterator

    from weaviate.client import WeaviateClient

    from weaviate_jina_ext.testing._fake import FakeJina
    from weaviate_jina_ext.testing._weaviate import WeaviateInstance

__all__ = ["LocalStack", "local_stack"]


@dataclass(frozen=True)
class LocalStack:
    """A running Weaviate and the Jina endpoint its collections should use.

    Attributes:
        weaviate: The running Weaviate instance.
        jina_api_key: The key to send (:data:`FAKE_JINA_KEY` when offline).
        base_url: ``base_url`` for Jina module configs: the local server's URL offline,
            ``None`` (the real API) when a key was found.
        fake_jina: The local Jina-compatible server, when one runs.
    """

    weaviate: WeaviateInstance
    jina_api_key: str
    base_url: str | None
    fake_jina: FakeJina | None

    @property
    def offline(self) -> bool:
        """Whether Jina calls go to the local server instead of the real API."""
        return self.fake_jina is not None

    def connect(self) -> WeaviateClient:
        """A connected client (through :func:`weaviate_jina_ext.connect_to_custom`)."""
        return connect_to_custom(**self.weaviate.connect_kwargs(), jina_api_key=self.jina_api_key)

    def __repr__(self) -> str:
        return (
            f"LocalStack(weaviate={self.weaviate.url!r}, base_url={self.base_url!r}, "
            f"jina_api_key={mask_key(self.jina_api_key)!r})"
        )


@contextlib.contextmanager
def local_stack(*, jina_api_key: str | None = None, backend: str = "auto") -> Iterator[LocalStack]:
    """Start (or find) Weaviate and a Jina endpoint; stop what was started on exit.

    Args:
        jina_api_key: A real Jina key; when ``None`` the environment is read, and with no
            key there the local Jina-compatible server is used.
        backend: ``"auto"``, ``"existing"``, ``"docker"`` or ``"process"``, as for
            :func:`weaviate_jina_ext.testing.start_weaviate`.

    Yields:
        The running stack.
    """
    from weaviate_jina_ext.testing._endpoint import jina_endpoint  # noqa: PLC0415
    from weaviate_jina_ext.testing._fake import FakeJina  # noqa: PLC0415
    from weaviate_jina_ext.testing._weaviate import resolve_backend, start_weaviate  # noqa: PLC0415

    key = resolve_api_key(jina_api_key)
    chosen = resolve_backend(backend)
    endpoint = jina_endpoint(chosen)
    with contextlib.ExitStack() as stack:
        fake: FakeJina | None = None
        if key is None:
            fake = stack.enter_context(FakeJina(host=endpoint.bind_host, api_keys=[FAKE_JINA_KEY]))
            key = FAKE_JINA_KEY
        instance = stack.enter_context(start_weaviate(backend=chosen))
        yield LocalStack(
            weaviate=instance,
            jina_api_key=key,
            base_url=endpoint.base_url(fake) if fake is not None else None,
            fake_jina=fake,
        )
