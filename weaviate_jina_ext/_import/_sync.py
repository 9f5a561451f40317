""":func:`import_objects`: the import runner for a sync ``Collection``.

The calling thread reads the input and counts; chunks run in a thread pool,
``concurrency`` at a time. Everything that involves no I/O is the core's and the chunks'.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from weaviate.classes.query import Filter
from weaviate.exceptions import WeaviateBaseError

from weaviate_jina_ext._compat import connection_credentials
from weaviate_jina_ext._import._chunks import _Chunk, _Group, _RetryLaterError
from weaviate_jina_ext._import._core import (
    _WAIT_INITIAL,
    _WAIT_MAX,
    DEFAULT_CONCURRENCY,
    _cancelled,
    _Core,
)
from weaviate_jina_ext._import._types import ImportObject, ImportReport
from weaviate_jina_ext._import._validate import _Settings
from weaviate_jina_ext._secrets import remember_keys, scrub_text

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

    from weaviate.collections import Collection
    from weaviate.collections.classes.batch import BatchObjectReturn

__all__ = ["import_objects"]

_logger = logging.getLogger("weaviate_jina_ext")


def import_objects(
    collection: Collection[Any, Any],
    objects: Iterable[ImportObject | Mapping[str, Any]],
    *,
    id_key: str | Callable[[Mapping[str, Any]], object] | None = None,
    batch_size: int = 100,
    max_attempts: int = 5,
    max_retry_time: float = 300.0,
    progress: bool | None = None,
    total: int | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    skip_existing: bool = False,
    wait_initial: float = _WAIT_INITIAL,
    wait_max: float = _WAIT_MAX,
) -> ImportReport:
    """Import ``objects`` into ``collection``, retrying what Jina failed transiently.

    Objects are read lazily, validated and sent a chunk of ``batch_size`` at a time through
    ``collection.data.insert_many``, ``concurrency`` chunks at once, so memory does not grow
    with the input. The collection's consistency level and tenant apply, so pass
    ``collection.with_consistency_level(...)`` or ``.with_tenant(...)`` as needed.

    Validation happens per chunk, just before the chunk is sent (the input is a stream, so
    it cannot all be checked first). An invalid object in the first chunk (not a mapping,
    non-str property names, a reserved property name, a vector that is not a list of
    numbers, a bad uuid, an id already used in this input) raises :class:`JinaConfigError`
    before anything is written; later ones are reported in ``report.failed`` with
    ``retryable=False`` and the import goes on. Duplicate ids are found with a set of the
    ids seen so far (about 80 bytes per object).

    After each send, every failed object is judged by the error Weaviate attached to it:
    Jina 429/5xx, timeouts and connection errors are retried (only those objects) in up to
    ``max_attempts`` rounds with exponential backoff, within ``max_retry_time`` seconds per
    chunk; anything else is reported at once. A wrong key (401), a missing key, an empty
    balance (402/403), a missing module or collection stops the import with
    :class:`ImportAbortedError`.

    Rate limits are passed to Weaviate in headers when the client is created, so that the
    server paces its own Jina calls::

        client = weaviate_jina_ext.connect_to_local(jina_api_key=key, requests_per_minute=450)

    (on a connected client: ``client.integrations.configure(Integrations.jinaai(api_key=key,
    requests_per_minute_embeddings=450))``). The helper cannot change a client's headers.

    Args:
        collection: The target collection (a ``Collection`` of a connected sync client).
        objects: :class:`ImportObject` items, or mappings (properties only), any iterable.
        id_key: How to derive ids for objects without a uuid: a property name, a function
            of the properties returning a key, or ``None`` for all the properties (see
            :func:`derive_uuid`).
        batch_size: Objects per ``insert_many`` request.
        max_attempts: Most rounds of sends for objects that keep failing transiently
            (1: no retries).
        max_retry_time: Most seconds one chunk spends retrying.
        progress: ``True`` shows a tqdm bar, ``False`` never; ``None`` shows one on a
            terminal once the import has run two seconds.
        total: The number of objects, for the bar (taken from ``len(objects)`` if any).
        concurrency: Chunks in flight at once.
        skip_existing: Look up each chunk's ids first and send only the objects that are not
            in the collection yet (for re-runs: nothing already stored is vectorized again).
        wait_initial: First backoff between retry rounds, in seconds (also the jitter).
        wait_max: Longest backoff between retry rounds, in seconds.

    Returns:
        The report; ``report.raise_for_failures()`` turns failures into an exception.

    Raises:
        JinaConfigError: An argument, or an object of the first chunk, is invalid.
        ImportAbortedError: Continuing could store nothing (carries the partial report).
    """
    settings = _Settings.check(
        objects,
        id_key=id_key,
        batch_size=batch_size,
        max_attempts=max_attempts,
        max_retry_time=max_retry_time,
        progress=progress,
        total=total,
        concurrency=concurrency,
        skip_existing=skip_existing,
        wait_initial=wait_initial,
        wait_max=wait_max,
    )
    remember_keys(connection_credentials(collection))  # cleared from every reason and log
    core = _Core(collection.name, settings)
    if not collection.exists():
        raise core.missing_collection()
    with core.progress_bar():
        _SyncRunner(collection, core).run(objects)
    return core.result()


class _SyncRunner:
    """Runs chunks in a thread pool; the calling thread reads the input and counts."""

    def __init__(self, collection: Collection[Any, Any], core: _Core) -> None:
        self._collection = collection
        self._core = core

    def run(self, objects: Iterable[object]) -> None:
        core = self._core
        limit = core.settings.concurrency
        pending: set[Future[_Chunk]] = set()
        with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="jina-import") as pool:
            try:
                for raw in objects:
                    chunk = core.add(raw)
                    if chunk is None:
                        continue
                    while len(pending) >= limit:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for future in done:
                            core.finish(future.result())
                    if core.stopped:
                        core.finish(_cancelled(chunk, core))
                        break
                    pending.add(pool.submit(self._run_chunk, chunk))
                else:
                    last = core.flush()
                    if last is not None:
                        pending.add(pool.submit(self._run_chunk, last))
                for future in _completed(pending):
                    core.finish(future.result())
            except BaseException:
                core.interrupt()
                raise

    def _run_chunk(self, chunk: _Chunk) -> _Chunk:
        core = self._core
        if core.settings.skip_existing:
            chunk.skip(self._existing(chunk.uuids()))
        try:
            for attempt in core.retrying():
                with attempt:
                    self._round(chunk)
        except _RetryLaterError:
            chunk.settle_leftovers()
        return chunk

    def _round(self, chunk: _Chunk) -> None:
        while (unit := chunk.next_send()) is not None:
            if self._core.stopped:
                chunk.cancel(self._core.stop_reason())
                return
            chunk.absorb(unit, [self._send(group) for group in unit])
        chunk.end_round()

    def _send(self, group: _Group) -> BatchObjectReturn | Exception:
        try:
            return self._collection.data.insert_many([item.data_object() for item in group.items])
        except Exception as exc:  # noqa: BLE001 - judged by the chunk; unknown types re-raised there
            return exc

    def _existing(self, ids: list[UUID]) -> list[UUID]:
        try:
            found = self._collection.query.fetch_objects(
                filters=Filter.by_id().contains_any(ids), limit=len(ids), return_properties=[]
            )
        except WeaviateBaseError as exc:
            _logger.debug(
                "skip_existing look-up failed (%s); sending the whole chunk", scrub_text(str(exc))
            )
            return []
        return [obj.uuid for obj in found.objects]


def _completed(pending: set[Future[_Chunk]]) -> Iterator[Future[_Chunk]]:
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        yield from done
