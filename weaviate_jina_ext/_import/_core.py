"""What both runners share and involves no I/O: input into chunks, the report, stopping, retries.

The sync and async runners read the input through :meth:`_Core.add`, run the chunks it
returns, and hand each settled chunk back to :meth:`_Core.finish`; the core builds the
report, remembers why the import stopped, and shows the progress bar.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, NoReturn

import stamina

from weaviate_jina_ext._exceptions import ImportAbortedError, JinaConfigError
from weaviate_jina_ext._import._chunks import _Chunk, _Item, _RetryLaterError
from weaviate_jina_ext._import._classify import _FIX_COLLECTION, _Kind, _Verdict
from weaviate_jina_ext._import._ids import _derive, _given_uuid
from weaviate_jina_ext._import._reasons import _short
from weaviate_jina_ext._import._types import FailedObject, ImportObject, ImportReport
from weaviate_jina_ext._import._validate import (
    _check_properties,
    _check_vector,
    _InvalidObjectError,
    _Settings,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tqdm import tqdm

__all__ = ["DEFAULT_CONCURRENCY"]

_logger = logging.getLogger("weaviate_jina_ext")

#: Chunks in flight at once. Weaviate answers one ``insert_many`` only after the Jina calls
#: for it return, so one request at a time leaves both servers idle most of the time; four
#: beat the client's dynamic batching in ``bench/bench_import.py``.
DEFAULT_CONCURRENCY: Final = 4
#: Backoff between retry rounds of one chunk (stamina's ``wait_initial``/``wait_max``).
#: Weaviate does not pass Jina's ``Retry-After`` on, so the wait is exponential with jitter.
_WAIT_INITIAL: Final = 0.5
_WAIT_MAX: Final = 30.0


class _Core:
    """Everything both runners share that involves no I/O: input, ids, report, stopping."""

    def __init__(self, name: str, settings: _Settings) -> None:
        self.name = name
        self.settings = settings
        self.total = 0
        self.stored = 0
        self.skipped = 0
        self.retried = 0
        self._failed: list[FailedObject] = []
        self._buffer: list[_Item] = []
        self._emitted = False
        self._seen: set[int] = set()
        self._lock = threading.Lock()
        self._systemic: set[str] = set()
        self._abort: _Verdict | None = None
        self._stopped = threading.Event()
        self._bar: tqdm[NoReturn] | None = None
        self._started = time.perf_counter()

    # -- input

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
            if not self._emitted:
                raise JinaConfigError(message) from None
            self._failed.append(
                FailedObject(
                    index=index,
                    uuid=exc.uuid,
                    reason=message,
                    retryable=False,
                    attempts=0,
                    properties=exc.properties,
                )
            )
            self._advance(1)
            return None
        self._buffer.append(item)
        if len(self._buffer) >= self.settings.batch_size:
            return self._emit()
        return None

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
        try:
            _check_vector(vector)
            uid = _given_uuid(given) if given is not None else _derive(props, self.settings.id_key)
        except _InvalidObjectError as exc:
            raise _InvalidObjectError(exc.message, properties=props) from None
        if uid.int in self._seen:
            msg = (
                f"has the id {uid} of an earlier object in this input; give each object a "
                f"distinct key (id_key=) or uuid, or drop the duplicate"
            )
            raise _InvalidObjectError(msg, uuid=uid, properties=props)
        self._seen.add(uid.int)
        return _Item(index, uid, props, vector)

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
                        retryable=False,
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

    # -- stopping (thread-safe)

    def stop(self, verdict: _Verdict) -> None:
        with self._lock:
            if self._abort is None:
                self._abort = verdict
        self._stopped.set()

    def interrupt(self) -> None:
        """Make running chunks stop quickly (the caller was interrupted)."""
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop_reason(self) -> str:
        verdict = self._abort
        if verdict is None:
            return "the import was interrupted"
        return f"the import was stopped ({_short(verdict.reason, 200)})"

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
        and only while the import has not been stopped.
        """
        return stamina.retry_context(
            on=self._should_retry,
            attempts=self.settings.max_attempts,
            timeout=self.settings.max_retry_time,
            wait_initial=self.settings.wait_initial,
            wait_max=self.settings.wait_max,
            wait_jitter=self.settings.wait_initial,
        )

    def _should_retry(self, exc: Exception) -> bool:
        return isinstance(exc, _RetryLaterError) and not self.stopped

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
    chunk.cancel(core.stop_reason())
    return chunk
