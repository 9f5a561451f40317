""":func:`import_objects`: the import runner for a sync ``Collection``.

The calling thread reads the input and counts; chunks run in a thread pool,
``concurrency`` at a time. Everything that involves no I/O is the core's and the chunks'.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
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
    ``retryable=False`` and the import goes on. Duplicate ids are found exactly with a compact
    set of the ids seen so far (about 20 bytes per object).

    Before the first send the collection's config is read: an object that carries no vector
    for a target vector without a Jina vectorizer is refused like an invalid object (it
    would be stored without that vector) unless ``allow_no_vectorizer=True``; a text with
    more words than the model's token limit (so certainly over it) is reported failed
    without being sent. Property values weaviate-client cannot send (bytes, ``Decimal``,
    sets, ...) and text UTF-8 cannot encode (lone surrogates) are invalid objects too.

    After each send, every failed object is judged by the error Weaviate attached to it:
    Jina 429/5xx, timeouts, connection errors and restarting nodes are retried (only those
    objects) in up to ``max_attempts`` rounds with exponential backoff, within
    ``max_retry_time`` seconds per chunk; anything else is reported at once. A wrong key
    (401), a missing key, an empty balance (402/403), a missing module or collection, a
    closed client, or the collection deleted (or re-created) during the import stops it
    with :class:`ImportAbortedError`. So does the circuit breaker, when every send has
    failed for an outage for about ``breaker_after`` seconds. The collection's vectorizers
    are checked again before each round of sends and after each chunk, so nothing is
    written into a collection re-created under the same name.

    However the import ends, the report covers every object read (``stored + skipped +
    len(failed) == total``): an :class:`ImportAbortedError` carries it as ``.report``; an
    exception raised by ``objects`` itself becomes an :class:`ImportAbortedError` whose
    ``__cause__`` is that exception; an interrupt (``KeyboardInterrupt``) or another error
    is raised as it is, with the report as its ``report`` attribute.

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
        batch_size: Objects per ``insert_many`` request (default: the plan's, else 100).
        max_attempts: Most rounds of sends for objects that keep failing transiently
            (1: no retries).
        max_retry_time: Most seconds one chunk spends retrying.
        progress: ``True`` shows a tqdm bar, ``False`` never; ``None`` shows one on a
            terminal once the import has run two seconds.
        total: The number of objects, for the bar (taken from ``len(objects)`` if any).
        concurrency: Chunks in flight at once (default: the plan's, else 4).
        skip_existing: Look up each chunk's ids first and send only the objects that are not
            in the collection yet (for re-runs: nothing already stored is vectorized again).
        wait_initial: First backoff between retry rounds, in seconds (also the jitter).
        wait_max: Longest backoff between retry rounds, in seconds.
        verify: Read back each chunk's stored objects and check every Jina target vector:
            present, of the configured length, finite and not all zeros (Weaviate stores
            whatever Jina answers). Objects that fail move from ``stored`` to ``failed``
            (``retryable=True``). Costs one query per chunk.
        allow_no_vectorizer: Import objects without a vector for a target vector that has
            no Jina vectorizer (they are stored without that vector).
        breaker_after: Seconds after the first failure of a streak in which every send
            failed for an outage (Weaviate unreachable, Jina down; not rate limits) after
            which the import stops with an exact report; ``None`` lets every chunk spend its
            own retries.
        plan: An :class:`ImportPlan` from :func:`plan_import`: its ``batch_size`` and
            ``concurrency`` (unless given here), and its pace: sends are spaced to keep its
            objects per second, halved (with the chunks in flight) after a send that met a
            429 and recovered step by step after sends that met none. Create the client
            with ``requests_per_minute=plan.requests_per_minute`` so Weaviate paces alike.
            Without a plan, sends are not paced until Jina first answers 429; from then on
            the pace reached until that 429 is the ceiling, halved and recovered the same way.

    Returns:
        The report; ``report.raise_for_failures()`` turns failures into an exception.

    Raises:
        JinaConfigError: An argument, or an object of the first chunk, is invalid, or the
            collection is a ``CollectionAsync`` (use :func:`async_import_objects`).
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
    _check_collection(collection, want_async=False)
    remember_keys(connection_credentials(collection))  # cleared from every reason and log
    core = _Core(collection.name, settings)
    runner = _SyncRunner(collection, core)
    try:
        runner.start()
        with core.progress_bar():
            runner.run(objects)
    except BaseException as exc:
        error = core.ending(exc)
        if error is exc:
            raise
        raise error from error.__cause__
    return core.result()


class _SyncRunner:
    """Runs chunks in a thread pool; the calling thread reads the input and counts."""

    def __init__(self, collection: Collection[Any, Any], core: _Core) -> None:
        self._collection = collection
        self._core = core
        self._in_hand: _Chunk | None = None  # a chunk made from the input, not yet started

    def start(self) -> None:
        """Before reading the input: the collection exists; read its vectors."""
        core = self._core
        try:
            # An old client's False may hide another error: _targets() then tells (_compat).
            if not self._collection.exists() and EXISTS_RAISES_ERRORS:
                raise core.missing_collection()
            targets = self._targets()
        except WeaviateClosedClientError as exc:
            raise core.closed_client(exc) from None
        if targets is None:
            raise core.missing_collection()
        core.targets = targets

    def run(self, objects: Iterable[object]) -> None:
        core = self._core
        pending: set[Future[_Chunk]] = set()
        with ThreadPoolExecutor(
            max_workers=core.settings.concurrency, thread_name_prefix="jina-import"
        ) as pool:
            try:
                self._feed(objects, pending, pool)
                while pending:
                    self._settle(pending, FIRST_COMPLETED)
            except BaseException as exc:
                if isinstance(exc, _InputError):
                    core.input_failed(exc)
                else:
                    core.interrupt(exc)
                while pending:  # chunks stop at their next check; count what they did
                    self._settle(pending, FIRST_COMPLETED, reraise=False)
                raise
            finally:
                if self._in_hand is not None:
                    core.finish(_cancelled(self._in_hand, core))

    def _feed(
        self, objects: Iterable[object], pending: set[Future[_Chunk]], pool: ThreadPoolExecutor
    ) -> None:
        """Read the input into chunks and start them, ``concurrency`` at a time."""
        core = self._core
        for raw in core.read(objects):
            self._in_hand = core.add(raw)
            if self._in_hand is None:
                continue
            while len(pending) >= core.in_flight_limit():
                self._settle(pending, FIRST_COMPLETED)
            if core.stopped:
                return
            pending.add(pool.submit(self._run_chunk, self._in_hand))
            self._in_hand = None
        self._in_hand = core.flush()
        if self._in_hand is not None:
            pending.add(pool.submit(self._run_chunk, self._in_hand))
            self._in_hand = None

    def _settle(self, pending: set[Future[_Chunk]], when: str, *, reraise: bool = True) -> None:
        done, _ = wait(pending, return_when=when)
        pending -= done
        for future in done:
            chunk = future.result()
            self._core.finish(chunk)
            if chunk.error is not None and reraise:
                raise chunk.error

    # -- one chunk, in a worker thread

    def _run_chunk(self, chunk: _Chunk) -> _Chunk:
        core = self._core
        try:
            if core.settings.skip_existing and not core.stopped:
                chunk.skip(self._existing(chunk.uuids()))
            try:
                for attempt in core.retrying():
                    with attempt:
                        self._round(chunk)
            except _RetryLaterError:
                chunk.settle_leftovers()
            self._after(chunk)
        except Exception as exc:  # noqa: BLE001 - a bug: counted, then raised by the caller's thread
            chunk.cancel(f"{type(exc).__name__} was raised", retryable=False)
            chunk.error = exc
        return chunk

    def _round(self, chunk: _Chunk) -> None:
        core = self._core
        core.wait(chunk.pause)
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
                core.wait(core.breaker.wait_time())
                continue
            if not checked:
                checked = True
                if not self._same_collection(chunk):
                    core.breaker.cancel_probe(probe)
                    continue
            unit = chunk.next_send()
            assert unit is not None
            core.wait(core.pace(sum(len(group.items) for group in unit)))
            started = time.monotonic()
            results = [self._send(group) for group in unit]
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

    def _after(self, chunk: _Chunk) -> None:
        """After the chunk's last send: the stored objects are where they should be."""
        if chunk.stored == 0 or not self._same_collection(chunk):
            return
        if self._core.settings.verify:
            try:
                found = self._read_back(chunk.stored_uuids())
            except _UNREACHABLE_ERRORS as exc:
                chunk.reject(self._core.unreadable(chunk, exc))
                return
            chunk.reject(self._core.unusable(chunk, found))

    def _same_collection(self, chunk: _Chunk) -> bool:
        """Whether the collection is still the one the import started with.

        If not, the import stops and the chunk's stored objects are failed: they went into
        a collection that is gone, or into one auto-schema re-created without vectorizers.
        A config that cannot be read (a server that is down) is not a verdict: the send
        that follows will tell.
        """
        core = self._core
        try:
            now = self._targets()
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

    def _targets(self) -> _Targets | None:
        """The collection's vectors as its config says now; ``None`` if it does not exist."""
        try:
            return _Targets.read(self._collection.config.get())
        except UnexpectedStatusCodeError as exc:
            if exc.status_code == 404:
                return None
            raise

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
        except _UNREACHABLE_ERRORS as exc:
            _logger.debug(
                "skip_existing look-up failed (%s); sending the whole chunk", scrub_text(str(exc))
            )
            return []
        return [obj.uuid for obj in found.objects]

    def _read_back(self, ids: list[UUID]) -> dict[int, Mapping[str, Any]]:
        """The vectors of ``ids`` as stored (``verify=True``)."""
        found = self._collection.query.fetch_objects(
            filters=Filter.by_id().contains_any(ids),
            limit=len(ids),
            return_properties=[],
            include_vector=True,
        )
        return {obj.uuid.int: obj.vector for obj in found.objects}
