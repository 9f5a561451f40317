""":func:`async_import_objects`: the import runner for an async ``CollectionAsync``.

The calling task reads the input (sync or async iterable) and counts; chunks run as tasks
of the current event loop, ``concurrency`` at a time. Everything that involves no I/O is
the core's and the chunks'.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
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
    from collections.abc import AsyncIterator
    from uuid import UUID

    from weaviate.collections import CollectionAsync
    from weaviate.collections.classes.batch import BatchObjectReturn

__all__ = ["async_import_objects"]

_logger = logging.getLogger("weaviate_jina_ext")


async def async_import_objects(
    collection: CollectionAsync[Any, Any],
    objects: Iterable[ImportObject | Mapping[str, Any]]
    | AsyncIterable[ImportObject | Mapping[str, Any]],
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
    """Async twin of :func:`import_objects` for a ``CollectionAsync``.

    Takes the same arguments and follows the same rules; ``objects`` may also be an async
    iterable. Chunks run as tasks of the current event loop, ``concurrency`` at a time.
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
    if not await collection.exists():
        raise core.missing_collection()
    with core.progress_bar():
        await _AsyncRunner(collection, core).run(objects)
    return core.result()


class _AsyncRunner:
    """Runs chunks as tasks; the calling task reads the input and counts."""

    def __init__(self, collection: CollectionAsync[Any, Any], core: _Core) -> None:
        self._collection = collection
        self._core = core

    async def run(self, objects: Iterable[object] | AsyncIterable[object]) -> None:
        core = self._core
        limit = core.settings.concurrency
        pending: set[asyncio.Task[_Chunk]] = set()
        try:
            stopped = False
            async for raw in _aiterate(objects):
                chunk = core.add(raw)
                if chunk is None:
                    continue
                while len(pending) >= limit:
                    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        core.finish(task.result())
                if core.stopped:
                    core.finish(_cancelled(chunk, core))
                    stopped = True
                    break
                pending.add(asyncio.create_task(self._run_chunk(chunk)))
            if not stopped:
                last = core.flush()
                if last is not None:
                    pending.add(asyncio.create_task(self._run_chunk(last)))
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    core.finish(task.result())
        except BaseException:
            core.interrupt()
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            raise

    async def _run_chunk(self, chunk: _Chunk) -> _Chunk:
        core = self._core
        if core.settings.skip_existing:
            chunk.skip(await self._existing(chunk.uuids()))
        try:
            async for attempt in core.retrying():
                with attempt:
                    await self._round(chunk)
        except _RetryLaterError:
            chunk.settle_leftovers()
        return chunk

    async def _round(self, chunk: _Chunk) -> None:
        while (unit := chunk.next_send()) is not None:
            if self._core.stopped:
                chunk.cancel(self._core.stop_reason())
                return
            chunk.absorb(unit, [await self._send(group) for group in unit])
        chunk.end_round()

    async def _send(self, group: _Group) -> BatchObjectReturn | Exception:
        try:
            return await self._collection.data.insert_many(
                [item.data_object() for item in group.items]
            )
        except Exception as exc:  # noqa: BLE001 - judged by the chunk; unknown types re-raised there
            return exc

    async def _existing(self, ids: list[UUID]) -> list[UUID]:
        try:
            found = await self._collection.query.fetch_objects(
                filters=Filter.by_id().contains_any(ids), limit=len(ids), return_properties=[]
            )
        except WeaviateBaseError as exc:
            _logger.debug(
                "skip_existing look-up failed (%s); sending the whole chunk", scrub_text(str(exc))
            )
            return []
        return [obj.uuid for obj in found.objects]


async def _aiterate(objects: Iterable[object] | AsyncIterable[object]) -> AsyncIterator[object]:
    if isinstance(objects, AsyncIterable):
        async for raw in objects:
            yield raw
    else:
        for raw in objects:
            yield raw
