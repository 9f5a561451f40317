""":func:`async_import_objects`: the import runner for an async ``CollectionAsync``.

The calling task reads the input (sync or async iterable) and counts; chunks run as tasks
of the current event loop, ``concurrency`` at a time. Everything that involves no I/O is
the core's and the chunks'.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from weaviate.classes.query import Filter
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateClosedClientError

from weaviate_jina_ext._compat import EXISTS_RAISES_ERRORS, connection_credentials
from weaviate_jina_ext._import._breaker import DEFAULT_BREAKER_AFTER, _Gate
from weaviate_jina_ext._import._chunks import _Chunk, _Group, _RetryLaterError
from weaviate_jina_ext._import._classify import _UNREACHABLE_ERRORS
from weaviate_jina_ext._import._core import (
    _WAIT_INITIAL,
    _WAIT_MAX,
    _cancelled,
    _Core,
    _InputError,
)
from weaviate_jina_ext._import._plan import ImportPlan
from weaviate_jina_ext._import._targets import _Targets
from weaviate_jina_ext._import._types import ImportObject, ImportReport
from weaviate_jina_ext._import._validate import _check_collection, _Settings
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
    batch_size: int | None = None,
    max_attempts: int = 5,
    max_retry_time: float = 300.0,
    progress: bool | None = None,
    total: int | None = None,
    concurrency: int | None = None,
    skip_existing: bool = False,
    wait_initial: float = _WAIT_INITIAL,
    wait_max: float = _WAIT_MAX,
    verify: bool = False,
    allow_no_vectorizer: bool = False,
    breaker_after: float | None = DEFAULT_BREAKER_AFTER,
    plan: ImportPlan | None = None,
) -> ImportReport:
    """Async twin of :func:`import_objects` for a ``CollectionAsync``.

    Takes the same arguments and follows the same rules; ``objects`` may also be an async
    iterable. Chunks run as tasks of the current event loop, ``concurrency`` at a time.

    If the task running the import is cancelled, the chunks' tasks are cancelled too: the
    objects of a send that was under way are reported failed and retryable (whether Weaviate
    stored them is unknown; re-sending is an upsert), and the ``CancelledError`` raised in
    the cancelled task carries the report as its ``report`` attribute (catch it there: on
    Python 3.10 a task awaiting the cancelled one gets a fresh ``CancelledError``).

    Raises:
        JinaConfigError: An argument, or an object of the first chunk, is invalid, or the
            collection is a sync ``Collection`` (use :func:`import_objects`).
        ImportAbortedError: Continuing could store nothing, or the input raised (carries
            the partial report).
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
        verify=verify,
        allow_no_vectorizer=allow_no_vectorizer,
        breaker_after=breaker_after,
        plan=plan,
    )
    _check_collection(collection, want_async=True)
    remember_keys(connection_credentials(collection))  # cleared from every reason and log
    core = _Core(collection.name, settings)
    runner = _AsyncRunner(collection, core)
    try:
        await runner.start()
        with core.progress_bar():
            await runner.run(objects)
    except BaseException as exc:
        error = core.ending(exc)
        if error is exc:
            raise
        raise error from error.__cause__
    return core.result()


class _AsyncRunner:
    """Runs chunks as tasks; the calling task reads the input and counts."""

    def __init__(self, collection: CollectionAsync[Any, Any], core: _Core) -> None:
        self._collection = collection
        self._core = core
        self._in_hand: _Chunk | None = None  # a chunk made from the input, not yet started
        self._stop = asyncio.Event()
        core.on_stop(self._stop.set)

    async def start(self) -> None:
        """Before reading the input: the collection exists; read its vectors."""
        core = self._core
        try:
            # An old client's False may hide another error: _targets() then tells (_compat).
            if not await self._collection.exists() and EXISTS_RAISES_ERRORS:
                raise core.missing_collection()
            targets = await self._targets()
        except WeaviateClosedClientError as exc:
            raise core.closed_client(exc) from None
        if targets is None:
            raise core.missing_collection()
        core.targets = targets

    async def run(self, objects: Iterable[object] | AsyncIterable[object]) -> None:
        core = self._core
        pending: set[asyncio.Task[_Chunk]] = set()
        try:
            await self._feed(objects, pending)
            while pending:
                await self._settle(pending)
        except BaseException as exc:
            if isinstance(exc, _InputError):
                core.input_failed(exc)
            else:
                # Cancelled or interrupted: do not wait for sends under way.
                core.interrupt(exc)
                for task in pending:
                    task.cancel()
            while pending:
                await self._settle(pending, reraise=False)
            raise
        finally:
            if self._in_hand is not None:
                core.finish(_cancelled(self._in_hand, core))

    async def _feed(
        self,
        objects: Iterable[object] | AsyncIterable[object],
        pending: set[asyncio.Task[_Chunk]],
    ) -> None:
        """Read the input into chunks and start them, ``concurrency`` at a time."""
        core = self._core
        async for raw in _aiterate(objects, core):
            self._in_hand = core.add(raw)
            if self._in_hand is None:
                continue
            while len(pending) >= core.in_flight_limit():
                await self._settle(pending)
            if core.stopped:
                return
            pending.add(asyncio.create_task(self._run_chunk(self._in_hand)))
            self._in_hand = None
        self._in_hand = core.flush()
        if self._in_hand is not None:
            pending.add(asyncio.create_task(self._run_chunk(self._in_hand)))
            self._in_hand = None

    async def _settle(self, pending: set[asyncio.Task[_Chunk]], *, reraise: bool = True) -> None:
        done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        pending -= done
        for task in done:
            chunk = task.result()
            self._core.finish(chunk)
            if chunk.error is not None and reraise:
                raise chunk.error

    # -- one chunk, as a task

    async def _run_chunk(self, chunk: _Chunk) -> _Chunk:
        core = self._core
        try:
            if core.settings.skip_existing and not core.stopped:
                chunk.skip(await self._existing(chunk.uuids()))
            try:
                async for attempt in core.retrying():
                    with attempt:
                        await self._round(chunk)
            except _RetryLaterError:
                chunk.settle_leftovers()
            await self._after(chunk)
        except asyncio.CancelledError:
            # Only the runner cancels these tasks: count the chunk instead of dropping it.
            chunk.cancel(core.stop_reason(), retryable=True)
        except Exception as exc:  # noqa: BLE001 - a bug: counted, then raised by the calling task
            chunk.cancel(f"{type(exc).__name__} was raised", retryable=False)
            chunk.error = exc
        return chunk

    async def _round(self, chunk: _Chunk) -> None:
        core = self._core
        await self._wait(chunk.pause)
        checked = False
        while chunk.has_pending():
            if core.stopped:
                chunk.cancel(core.stop_reason(), retryable=core.stop_retryable)
                return
            gate, probe = core.breaker.admit()
            if gate is _Gate.TRIP:
                core.trip()
                continue
            if gate is _Gate.WAIT:
                await self._wait(core.breaker.wait_time())
                continue
            if not checked:
                checked = True
                if not await self._same_collection(chunk):
                    core.breaker.cancel_probe(probe)
                    continue
            unit = chunk.next_send()
            assert unit is not None
            await self._wait(core.pace(sum(len(group.items) for group in unit)))
            started = time.monotonic()
            results = [await self._send(group) for group in unit]
            outage: str | None = None
            try:
                outage = chunk.absorb(unit, results)
            finally:
                core.breaker.record(
                    outage=outage is not None,
                    duration=time.monotonic() - started,
                    probe=probe,
                    why=outage or "",
                )
        chunk.end_round()

    async def _wait(self, seconds: float) -> None:
        """Sleep up to ``seconds``; stopping the import cuts it short."""
        if seconds > 0 and not self._stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), seconds)

    async def _after(self, chunk: _Chunk) -> None:
        """After the chunk's last send: the stored objects are where they should be."""
        if chunk.stored == 0 or not await self._same_collection(chunk):
            return
        if self._core.settings.verify:
            try:
                found = await self._read_back(chunk.stored_uuids())
            except _UNREACHABLE_ERRORS as exc:
                chunk.reject(self._core.unreadable(chunk, exc))
                return
            chunk.reject(self._core.unusable(chunk, found))

    async def _same_collection(self, chunk: _Chunk) -> bool:
        """Whether the collection is still the one the import started with (see the sync twin)."""
        core = self._core
        try:
            now = await self._targets()
        except _UNREACHABLE_ERRORS:
            _logger.debug("collection config unreadable; going on", exc_info=True)
            return True
        why = core.changed(now)
        if why is None:
            return True
        core.gone(why)
        chunk.revoke(why)
        chunk.cancel(core.stop_reason(), retryable=False)
        return False

    async def _targets(self) -> _Targets | None:
        try:
            return _Targets.read(await self._collection.config.get())
        except UnexpectedStatusCodeError as exc:
            if exc.status_code == 404:
                return None
            raise

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
        except _UNREACHABLE_ERRORS as exc:
            _logger.debug(
                "skip_existing look-up failed (%s); sending the whole chunk", scrub_text(str(exc))
            )
            return []
        return [obj.uuid for obj in found.objects]

    async def _read_back(self, ids: list[UUID]) -> dict[int, Mapping[str, Any]]:
        """The vectors of ``ids`` as stored (``verify=True``)."""
        found = await self._collection.query.fetch_objects(
            filters=Filter.by_id().contains_any(ids),
            limit=len(ids),
            return_properties=[],
            include_vector=True,
        )
        return {obj.uuid.int: obj.vector for obj in found.objects}


async def _aiterate(
    objects: Iterable[object] | AsyncIterable[object], core: _Core
) -> AsyncIterator[object]:
    """The caller's objects, sync or async; an exception they raise becomes ``_InputError``."""
    if isinstance(objects, AsyncIterable):
        iterator = aiter(objects)
        while True:
            try:
                raw = await anext(iterator)
            except StopAsyncIteration:
                return
            except Exception as exc:
                raise _InputError(exc) from exc
            yield raw
    else:
        for raw in core.read(objects):
            yield raw
