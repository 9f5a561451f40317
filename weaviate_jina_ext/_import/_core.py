"""What both runners share and involves no I/O: input into chunks, the report, stopping, retries.

The sync and async runners read the input through :meth:`_Core.read` and :meth:`_Core.add`,
run the chunks it returns, and hand each settled chunk back to :meth:`_Core.finish`; the
core builds the report, remembers why the import stopped (and whether what it left unsent
can simply be re-run), owns the circuit breaker and the backoff, and shows the progress bar.

However an import ends (all sent, stopped by a verdict or the breaker, the input raising,
an interrupt, a bug) the report covers every object read: ``stored + skipped + failed ==
total``. :meth:`_Core.ending` turns the exception that ended it into the one to raise, with
the report attached.
"""

from __future__ import annotations

import contextlib
import logging
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, NoReturn

import stamina

from weaviate_jina_ext._exceptions import ImportAbortedError, JinaConfigError
from weaviate_jina_ext._import._breaker import _Breaker
from weaviate_jina_ext._import._chunks import _Chunk, _Item, _RetryLaterError
from weaviate_jina_ext._import._classify import (
    _FIX_BREAKER,
    _FIX_CLOSED,
    _FIX_COLLECTION,
    _FIX_GONE,
    _FIX_INPUT,
    _Kind,
    _Verdict,
)
from weaviate_jina_ext._import._ids import _derive, _given_uuid
from weaviate_jina_ext._import._plan import _Pacer
from weaviate_jina_ext._import._reasons import _scrub, _short
from weaviate_jina_ext._import._seen import SeenIds
from weaviate_jina_ext._import._targets import _Targets
from weaviate_jina_ext._import._types import FailedObject, ImportObject, ImportReport
from weaviate_jina_ext._import._validate import (
    _check_properties,
    _check_values,
    _check_vector,
    _InvalidObjectError,
    _Settings,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tqdm import tqdm

__all__: list[str] = []

_logger = logging.getLogger("weaviate_jina_ext")

#: Backoff between retry rounds of one chunk (stamina's ``wait_initial``/``wait_max``).
#: Weaviate does not pass Jina's ``Retry-After`` on, so the wait is exponential with jitter.
_WAIT_INITIAL: Final = 0.5
_WAIT_MAX: Final = 30.0


class _InputError(Exception):
    """The caller's iterable raised ``original`` while it was read."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original


class _Core:
    """Everything both runners share that involves no I/O: input, ids, report, stopping."""

    def __init__(self, name: str, settings: _Settings) -> None:
        self.name = name
        self.settings = settings
        self.total = 0
        self.stored = 0
        self.skipped = 0
        self.retried = 0
        self.rate_limited = 0
        self._failed: list[FailedObject] = []
        self._buffer: list[_Item] = []
        self._emitted = False
        self._seen = SeenIds()  # compact: flat memory however long the input
        self._lock = threading.Lock()
        self._systemic: set[str] = set()
        self._abort: _Verdict | None = None
        self._retryable_stop = True
        self._why_interrupted = "the import was interrupted"
        self._stopped = threading.Event()
        self._on_stop: list[Callable[[], None]] = []
        self._bar: tqdm[NoReturn] | None = None
        self._started = time.perf_counter()
        self.breaker = _Breaker(settings.breaker_after)
        #: Keeps a planned import at its pace and backs off on 429s; without a plan, made at
        #: the first 429 from the pace reached until then (``None`` before that).
        self.pacer = _Pacer.following(settings.plan) if settings.plan is not None else None
        self._sent = 0  # objects handed to sends, retries included (the observed pace)
        self._first_send: float | None = None
        #: The collection's vectors, read before the first send (``None``: not read yet).
        self.targets: _Targets | None = None

    # -- input

    def read(self, objects: Iterable[object]) -> Iterator[object]:
        """The caller's objects; an exception the iterable raises becomes :class:`_InputError`."""
        iterator = iter(objects)
        while True:
            try:
                raw = next(iterator)
            except StopIteration:
                return
            except Exception as exc:
                raise _InputError(exc) from exc
            yield raw

    def add(self, raw: object) -> _Chunk | None:
        """Take the next input object; return a chunk when one is full.

        Raises:
            JinaConfigError: The object is invalid and nothing has been sent yet.
        """
        index = self.total
        self.total += 1
        try:
            item = self._prepare(index, raw)
        except _InvalidObjectError as exc:
            message = f"objects[{index}] {exc.message}"
            self._reject(index, exc.uuid, message, exc.properties)
            if not self._emitted:
                raise JinaConfigError(message) from None
            return None
        too_long = self._too_long(item)
        if too_long is not None:
            self._reject(index, item.uuid, f"objects[{index}] {too_long}", item.properties)
            return None
        self._buffer.append(item)
        if len(self._buffer) >= self.settings.batch_size:
            return self._emit()
        return None

    def _reject(self, index: int, uid: Any, reason: str, properties: Mapping[str, Any]) -> None:  # noqa: ANN401 - a UUID
        self._failed.append(
            FailedObject(
                index=index,
                uuid=uid,
                reason=reason,
                retryable=False,
                attempts=0,
                properties=properties,
            )
        )
        self._advance(1)

    def _too_long(self, item: _Item) -> str | None:
        """Why Jina would refuse the object's text as too long, when that is certain."""
        if self.targets is None:
            return None
        found = self.targets.over_long(item.properties)
        if found is None:
            return None
        target, words = found
        return (
            f"has {words} words to vectorize for vector {target.name!r}, so at least {words} "
            f"tokens: over {target.model}'s limit of {target.max_tokens} tokens, which Jina "
            f"would refuse (Weaviate's Jina modules do not truncate); shorten or split the text"
        )

    def flush(self) -> _Chunk | None:
        """The last, partial chunk, if any."""
        return self._emit() if self._buffer else None

    def _emit(self) -> _Chunk:
        chunk = _Chunk(self, self._buffer)
        self._buffer = []
        self._emitted = True
        return chunk

    def _prepare(self, index: int, raw: object) -> _Item:
        if isinstance(raw, ImportObject):
            properties, vector, given = raw.properties, raw.vector, raw.uuid
        elif isinstance(raw, Mapping):
            properties, vector, given = raw, None, None
        else:
            msg = (
                f"is a {type(raw).__name__}; give a mapping of properties or "
                f"ImportObject(properties=..., vector=..., uuid=...)"
            )
            raise _InvalidObjectError(msg)
        props = _check_properties(properties)
        bad_value: _InvalidObjectError | None = None
        try:
            _check_values(props)
        except _InvalidObjectError as exc:
            bad_value = exc  # reported with the object's id, when one can be derived
        try:
            _check_vector(vector)
            self._check_covered(vector)
            uid = _given_uuid(given) if given is not None else _derive(props, self.settings.id_key)
        except _InvalidObjectError as exc:
            message = (bad_value or exc).message
            raise _InvalidObjectError(message, properties=props) from None
        if bad_value is not None:
            raise _InvalidObjectError(bad_value.message, uuid=uid, properties=props)
        if not self._seen.add(uid):
            msg = (
                f"has the id {uid} of an earlier object in this input; give each object a "
                f"distinct key (id_key=) or uuid, or drop the duplicate"
            )
            raise _InvalidObjectError(msg, uuid=uid, properties=props)
        return _Item(index, uid, props, vector)

    def _check_covered(self, vector: object) -> None:
        """Refuse an object that would be stored without a vector (unless allowed)."""
        if self.targets is None or self.settings.allow_no_vectorizer:
            return
        missing = self.targets.uncovered(vector)
        if not missing:
            return
        target = missing[0]
        has = (
            "has no vectorizer"
            if target.module == "none"
            else f"is vectorized by {target.module}, not by a Jina module"
        )
        msg = (
            f"carries no vector for {target.name!r}, and the collection's vector "
            f"{target.name!r} {has}: Weaviate would store the object without it. Give the "
            f"vector (ImportObject(vector=...)), or create the collection with a Jina "
            f"vectorizer for it (vector_config=JinaConfigure.Vectors.text2vec_jinaai("
            f"name={target.name!r}, ...)), or pass allow_no_vectorizer=True to import such "
            f"objects as they are"
        )
        raise _InvalidObjectError(msg)

    # -- results

    def finish(self, chunk: _Chunk) -> None:
        """Count a settled chunk (called by the runner's own thread or task only)."""
        self.stored += chunk.stored
        self.skipped += chunk.skipped
        self.retried += chunk.retried
        self._failed.extend(chunk.failed)
        self._advance(len(chunk.items))

    def report(self) -> ImportReport:
        if self._buffer:  # read, then the import stopped before sending them
            why = self.stop_reason()
            for item in self._buffer:
                self._failed.append(
                    FailedObject(
                        index=item.index,
                        uuid=item.uuid,
                        reason=f"not sent: {why}",
                        retryable=self.stop_retryable,
                        attempts=0,
                        properties=item.properties,
                    )
                )
            self._buffer = []
        failed = sorted(self._failed, key=lambda f: f.index)
        return ImportReport(
            total=self.total,
            stored=self.stored,
            failed=failed,
            retried=self.retried,
            skipped=self.skipped,
            rate_limited=self.rate_limited,
        )

    def result(self) -> ImportReport:
        """The report; raises :class:`ImportAbortedError` carrying it if the import stopped."""
        report = self.report()
        elapsed = time.perf_counter() - self._started
        _logger.info(
            "import into %s: %d of %d objects stored, %d failed, %d retried in %.1fs",
            self.name,
            report.stored,
            report.total,
            len(report.failed),
            report.retried,
            elapsed,
            extra={
                "weaviate_jina_ext.collection": self.name,
                "weaviate_jina_ext.total": report.total,
                "weaviate_jina_ext.stored": report.stored,
                "weaviate_jina_ext.failed": len(report.failed),
                "weaviate_jina_ext.retried": report.retried,
                "weaviate_jina_ext.elapsed": round(elapsed, 3),
            },
        )
        if self._abort is not None:
            raise self.aborted_error(report)
        return report

    def aborted_error(self, report: ImportReport) -> ImportAbortedError:
        verdict = self._abort
        assert verdict is not None
        message = (
            f"import into {self.name!r} stopped after {report.total} objects were read "
            f"({report.stored} stored, {len(report.failed)} not): {verdict.fix}. "
            f"Cause: {verdict.reason}"
        )
        return ImportAbortedError(
            message, report=report, reason=verdict.reason, cause=verdict.cause
        )

    def missing_collection(self) -> ImportAbortedError:
        self.stop(
            _Verdict(_Kind.ABORT, f"collection {self.name!r} does not exist", _FIX_COLLECTION)
        )
        return self.aborted_error(self.report())

    def closed_client(self, exc: Exception) -> ImportAbortedError:
        """The client was closed before the import could start."""
        self.stop(_Verdict(_Kind.ABORT, _scrub(str(exc)), _FIX_CLOSED, "client-closed"))
        return self.aborted_error(self.report())

    def ending(self, exc: BaseException) -> BaseException:
        """The exception to raise for one that ended the import, carrying the report.

        The input raising becomes an :class:`ImportAbortedError` (the original is its
        ``__cause__``); anything else (an interrupt, a cancelled task, a bug) is raised as it
        is, with the report as its ``report`` attribute.
        """
        if isinstance(exc, ImportAbortedError):
            return exc
        report = self.report()
        if isinstance(exc, _InputError):
            error = self.aborted_error(report)
            error.__cause__ = exc.original  # the runner raises it ``from`` this
            return error
        with contextlib.suppress(AttributeError, TypeError):
            exc.report = report  # type: ignore[attr-defined]
        return exc

    # -- stopping (thread-safe)

    def stop(self, verdict: _Verdict, *, retryable: bool = False) -> None:
        """Stop the import for ``verdict``; ``retryable``: a plain re-run stores what is left."""
        with self._lock:
            first = self._abort is None
            if first:
                self._abort = verdict
                self._retryable_stop = retryable
        self._signal()

    def trip(self) -> None:
        """The circuit breaker tripped: no send has got through for too long."""
        verdict = _Verdict(_Kind.ABORT, self.breaker.summary(), _FIX_BREAKER, "breaker")
        self.stop(verdict, retryable=True)

    def gone(self, why: str) -> None:
        """The collection is no longer the one the import started with."""
        self.stop(_Verdict(_Kind.ABORT, why, _FIX_GONE, "collection-gone"))

    def input_failed(self, exc: _InputError) -> None:
        """The caller's iterable raised: stop, leaving what was read to a re-run."""
        original = exc.original
        why = _scrub(f"reading the input raised {type(original).__name__}: {original}")
        self.stop(_Verdict(_Kind.ABORT, why, _FIX_INPUT, "input"), retryable=True)

    def interrupt(self, exc: BaseException | None = None) -> None:
        """Make running chunks stop quickly (the caller was interrupted)."""
        if exc is not None:
            self._why_interrupted = f"the import was interrupted ({type(exc).__name__})"
        self._signal()

    # -- pacing (plan=..., or after a first 429)

    def in_flight_limit(self) -> int:
        """Chunks allowed in flight now: the setting, or less while the pacer backs off."""
        pacer = self.pacer
        if pacer is None:
            return self.settings.concurrency
        return min(self.settings.concurrency, pacer.concurrency)

    def pace(self, objects: int) -> float:
        """Seconds to wait before sending ``objects`` (0 while unpaced); reserves the slot."""
        with self._lock:
            if self._first_send is None:
                self._first_send = time.monotonic()
            self._sent += objects
            pacer = self.pacer
        return 0.0 if pacer is None else pacer.delay(objects)

    def paced(self, rate_limited: bool) -> None:
        """After each send: whether Jina answered 429 for any of its objects."""
        with self._lock:
            if rate_limited:
                self.rate_limited += 1
                if self.pacer is None:  # no plan: pace from here, below what met the limit
                    seconds = time.monotonic() - (self._first_send or time.monotonic())
                    self.pacer = _Pacer.observed(self._sent, seconds, self.settings.concurrency)
            pacer = self.pacer
        if pacer is None:
            return
        if rate_limited:
            pacer.rate_limited()
            _logger.info(
                "rate limited: pacing at %.1f objects/s, %d chunks in flight",
                pacer.rate,
                self.in_flight_limit(),
            )
        elif pacer.clean():
            ceiling = "the plan" if self.settings.plan is not None else "the pace before the 429"
            _logger.info("pace back at %s: %.1f objects/s", ceiling, pacer.rate)

    def wait(self, seconds: float) -> None:
        """Sleep up to ``seconds`` in a worker thread; stopping the import cuts it short."""
        if seconds > 0:
            self._stopped.wait(seconds)

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the import stops (the async runner wakes its waits)."""
        self._on_stop.append(callback)

    def _signal(self) -> None:
        self._stopped.set()
        for callback in self._on_stop:
            callback()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    @property
    def stop_retryable(self) -> bool:
        """Whether objects left unsent by the stop are stored by a plain re-run."""
        return self._abort is None or self._retryable_stop

    def stop_reason(self) -> str:
        verdict = self._abort
        if verdict is None:
            return self._why_interrupted
        return f"the import was stopped ({_short(verdict.reason, 200)})"

    def changed(self, now: _Targets | None) -> str | None:
        """How the collection differs from the one the import started with, or ``None``.

        ``now`` is its config read again, ``None`` when it does not exist any more.
        """
        if now is None:
            return f"collection {self.name!r} was deleted while the import ran"
        if self.targets is None or now.fingerprint == self.targets.fingerprint:
            return None
        before = ", ".join(f"{t.name}: {t.module}" for t in self.targets.targets)
        after = ", ".join(f"{t.name}: {t.module}" for t in now.targets)
        return (
            f"collection {self.name!r} was re-created or changed while the import ran "
            f"(vectorizers {before} -> {after})"
        )

    def unusable(self, chunk: _Chunk, vectors: Mapping[int, Mapping[str, Any]]) -> dict[int, str]:
        """What is wrong with each stored object of ``chunk`` read back (``verify=True``).

        ``vectors`` maps ``uuid.int`` to the vectors Weaviate returned; a missing object is
        wrong too.
        """
        targets = self.targets.jina if self.targets is not None else ()
        problems: dict[int, str] = {}
        for uid in chunk.stored_uuids():
            found = vectors.get(uid.int)
            if found is None:
                problems[uid.int] = "it was not found when read back"
                continue
            for target in targets:
                problem = target.problem(found.get(target.name))
                if problem is not None:
                    problems[uid.int] = problem
                    break
        return problems

    def unreadable(self, chunk: _Chunk, exc: Exception) -> dict[int, str]:
        """Every stored object of ``chunk``, when they could not be read back to verify."""
        why = f"it could not be read back to check its vectors ({_short(_scrub(str(exc)), 200)})"
        return dict.fromkeys((uid.int for uid in chunk.stored_uuids()), why)

    def note_systemic(self, reason: str) -> None:
        with self._lock:
            self._systemic.add(reason)

    def is_systemic(self, reason: str) -> bool:
        with self._lock:
            return reason in self._systemic

    # -- retries and progress

    def retrying(self) -> Any:  # noqa: ANN401 - stamina's iterator, sync and async
        """A fresh ``stamina.retry_context`` for one chunk's rounds.

        Only :class:`_RetryLaterError` is retried (the objects that failed transiently),
        and only while the import has not been stopped. stamina counts the attempts and the
        time; the wait itself is the runner's (:attr:`_Chunk.pause`, see :meth:`backoff`),
        so that stopping the import, or the breaker, cuts it short.
        """
        return stamina.retry_context(
            on=self._should_retry,
            attempts=self.settings.max_attempts,
            timeout=self.settings.max_retry_time,
            wait_initial=self.settings.wait_initial,
            wait_max=self.settings.wait_max,
            wait_jitter=self.settings.wait_initial,
        )

    def _should_retry(self, exc: Exception) -> bool | float:
        if not isinstance(exc, _RetryLaterError) or self.stopped:
            return False
        return 0.0  # retry at once: the runner waits the chunk's pause, interruptibly

    def backoff(self, rounds: int) -> float:
        """The wait before a chunk's next round: stamina's exponential backoff with jitter.

        Zero in stamina's testing mode; cut to end when the circuit breaker would trip.
        """
        if stamina.is_testing():
            return 0.0
        settings = self.settings
        jitter = random.uniform(0, settings.wait_initial)  # noqa: S311 - jitter, not crypto
        try:
            wait = min(settings.wait_max, settings.wait_initial * 2.0 ** (rounds - 1) + jitter)
        except OverflowError:
            wait = settings.wait_max
        limit = self.breaker.pause_limit()
        return wait if limit is None else min(wait, limit)

    @contextlib.contextmanager
    def progress_bar(self) -> Iterator[None]:
        """Show a tqdm bar: forced with ``progress=True``; by default only on a terminal.

        In the default mode the bar appears only once the import has run for two seconds,
        so short imports print nothing.
        """
        wanted = self.settings.progress
        if wanted is False or (wanted is None and not _is_terminal()):
            yield
            return
        from tqdm import tqdm  # noqa: PLC0415 - only when a bar is shown

        bar: tqdm[NoReturn] = tqdm(
            total=self.settings.total,
            desc=f"import {self.name}",
            unit="obj",
            delay=0.0 if wanted else 2.0,
            dynamic_ncols=True,
        )
        self._bar = bar
        try:
            yield
        finally:
            self._bar = None
            bar.close()

    def _advance(self, count: int) -> None:
        bar = self._bar
        if bar is None:
            return
        bar.update(count)
        if self._failed:
            bar.set_postfix(failed=len(self._failed), refresh=False)


def _is_terminal() -> bool:
    stream = sys.stderr
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


def _cancelled(chunk: _Chunk, core: _Core) -> _Chunk:
    chunk.cancel(core.stop_reason(), retryable=core.stop_retryable)
    return chunk
