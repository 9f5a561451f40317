"""One chunk of the input from its first send to its final outcome (the chunk state machine).

A chunk holds ``batch_size`` objects. It hands out groups to send, reads the verdict on each
object, stores, retries later, isolates culprits by splitting, or fails objects, and keeps
its own counts for the core to add up. It does no I/O: the runners send what it hands out.

Every object of a chunk ends in exactly one of ``stored``, ``skipped`` or ``failed``: when
the import stops, what waits (queued, to retry, or in a send whose answer never came) is
failed with the reason; stored objects found later to be unusable (written into a collection
deleted meanwhile, or stored with a bad vector) move from stored to failed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from weaviate.classes.data import DataObject

from weaviate_jina_ext._import._classify import (
    RATE_LIMIT_RULES,
    _classify_exception,
    _classify_message,
    _Kind,
    _Verdict,
)
from weaviate_jina_ext._import._reasons import _short
from weaviate_jina_ext._import._types import FailedObject

if TYPE_CHECKING:
    from collections.abc import Iterable
    from uuid import UUID

    from weaviate.collections.classes.batch import BatchObjectReturn

    from weaviate_jina_ext._import._core import _Core


@dataclass(slots=True, eq=False)
class _Item:
    index: int
    uuid: UUID
    properties: Mapping[str, Any]
    vector: Any
    attempts: int = 0
    retried: bool = False
    last_reason: str = ""

    def data_object(self) -> DataObject[Any, Any]:
        props = self.properties if type(self.properties) is dict else dict(self.properties)
        return DataObject(properties=props, uuid=self.uuid, vector=self.vector)


@dataclass(slots=True, eq=False)
class _Group:
    """Objects sent in one ``insert_many``; ``probe`` marks a half of a split group."""

    items: list[_Item]
    probe: str | None = None


class _RetryLaterError(Exception):
    """Some objects of a chunk failed transiently: the chunk waits, then goes on.

    ``round`` is the number of rounds sent so far (1 after the first), for the backoff.
    """

    def __init__(self, count: int, reason: str, round_: int) -> None:
        super().__init__(f"{count} objects to retry after: {_short(reason, 200)}")
        self.round = round_


class _Chunk:
    """One ``batch_size`` slice of the input, from its first send to its final outcome.

    The runner asks :meth:`next_send` for the groups to send, sends them and hands the
    results to :meth:`absorb`, until ``next_send`` returns ``None``; then :meth:`end_round`
    raises :class:`_RetryLaterError` when transient failures are waiting for another round.

    Failures Jina attached to a whole request (a 400/422 for one bad input, copied by
    Weaviate onto every object of that request) are isolated by splitting the group in
    halves and re-sending both at once: the innocent half is stored, the guilty half is
    split again, so one bad object costs about ``2 * log2(batch_size)`` extra sends. When
    both halves fail again for the same reason the error is not about one object (an
    unknown model, say): the whole group is reported and that reason is not split again.
    """

    __slots__ = (
        "_core",
        "_in_flight",
        "_later",
        "_queue",
        "_rounds",
        "_stored_items",
        "error",
        "failed",
        "items",
        "pause",
        "retried",
        "skipped",
        "stored",
    )

    def __init__(self, core: _Core, items: list[_Item]) -> None:
        self._core = core
        self.items = items
        self.stored = 0
        self.skipped = 0
        self.retried = 0
        self.failed: list[FailedObject] = []
        self._queue: deque[list[_Group]] = deque([[_Group(items)]])
        self._later: list[_Item] = []
        self._stored_items: list[_Item] = []
        self._in_flight: list[_Group] | None = None
        self._rounds = 0
        #: Seconds to wait before the next round (set between rounds by the core).
        self.pause = 0.0
        #: An exception no verdict explains (a bug), raised by the runner once counted.
        self.error: BaseException | None = None

    def uuids(self) -> list[UUID]:
        return [item.uuid for item in self.items]

    def skip(self, existing: Iterable[UUID]) -> None:
        """Drop objects already in the collection (before the first send only)."""
        present = {u.int for u in existing}
        keep = [item for item in self.items if item.uuid.int not in present]
        self.skipped = len(self.items) - len(keep)
        self._queue = deque([[_Group(keep)]]) if keep else deque()

    def has_pending(self) -> bool:
        """Whether groups wait to be sent in this round."""
        return bool(self._queue)

    def next_send(self) -> list[_Group] | None:
        """The next groups to send (marked in flight until :meth:`absorb`), or ``None``."""
        if not self._queue:
            return None
        unit = self._queue.popleft()
        for group in unit:
            for item in group.items:
                item.attempts += 1
        self._in_flight = unit
        return unit

    def absorb(
        self, unit: list[_Group], results: Sequence[BatchObjectReturn | Exception]
    ) -> str | None:
        """Settle the answers to a unit; the reason when every object failed for an outage."""
        verdicts = [self._verdicts(g, r) for g, r in zip(unit, results, strict=True)]
        self._in_flight = None
        flat = [v for vs in verdicts for v in vs]
        self._core.paced(any(v is not None and v.rule in RATE_LIMIT_RULES for v in flat))
        outages = [v.reason for v in flat if v is not None and v.outage]
        outage = outages[0] if flat and len(outages) == len(flat) else None
        probe = unit[0].probe
        if probe is not None and len(unit) == 2 and all(_all_shared(vs, probe) for vs in verdicts):
            self._core.note_systemic(probe)
            for group, group_verdicts in zip(unit, verdicts, strict=True):
                for item, verdict in zip(group.items, group_verdicts, strict=True):
                    assert verdict is not None
                    self._fail(item, verdict)
            return None
        for group, group_verdicts in zip(unit, verdicts, strict=True):
            self._settle(group, group_verdicts)
        return outage

    def end_round(self) -> None:
        """Raise :class:`_RetryLaterError` if objects wait for another round (and set the pause)."""
        self._rounds += 1
        if self._later:
            items, self._later = self._later, []
            self._queue.append([_Group(items)])
            self.pause = self._core.backoff(self._rounds)
            raise _RetryLaterError(len(items), items[0].last_reason, self._rounds)

    def settle_leftovers(self) -> None:
        """Retries ran out, or the import stopped while these objects waited."""
        if self._core.stopped:
            self.cancel(self._core.stop_reason(), retryable=self._core.stop_retryable)
            return
        while self._queue:
            for group in self._queue.popleft():
                for item in group.items:
                    reason = f"{item.last_reason} (gave up after {item.attempts} attempts)"
                    self._fail(item, _Verdict(_Kind.TRANSIENT, reason))

    def cancel(self, why: str, *, retryable: bool) -> None:
        """The import stopped: report what was not settled as not stored.

        Objects of a send whose answer never came (the runner was cancelled or interrupted
        while it was under way) may or may not have been written: they are reported failed
        and retryable, since re-sending them is an upsert.
        """
        unknown = [i for g in self._in_flight or [] for i in g.items]
        pending = [i for unit in self._queue for g in unit for i in g.items] + self._later
        self._queue.clear()
        self._later = []
        self._in_flight = None
        for item in unknown:
            reason = (
                f"sent, but the import stopped before Weaviate answered ({why}): it may or "
                f"may not be stored; re-running the same input stores it once"
            )
            self._fail(item, _Verdict(_Kind.TRANSIENT, reason))
        for item in pending:
            reason = (
                f"{item.last_reason} (not retried: {why})"
                if item.last_reason
                else f"not sent: {why}"
            )
            self._fail(item, _Verdict(_Kind.TRANSIENT if retryable else _Kind.PERMANENT, reason))

    def revoke(self, why: str) -> None:
        """The objects stored so far went into a collection that is gone: they are failed."""
        for item in self._stored_items:
            self._fail(item, _Verdict(_Kind.PERMANENT, f"written, but {why}"))
        self.stored -= len(self._stored_items)
        self._stored_items = []

    def stored_uuids(self) -> list[UUID]:
        return [item.uuid for item in self._stored_items]

    def reject(self, problems: Mapping[int, str]) -> None:
        """Stored objects whose read-back failed the check (``verify=True``) become failures.

        ``problems`` maps ``uuid.int`` to what is wrong. They are retryable: re-running the
        same input without ``skip_existing`` vectorizes them again.
        """
        if not problems:
            return
        keep: list[_Item] = []
        for item in self._stored_items:
            problem = problems.get(item.uuid.int)
            if problem is None:
                keep.append(item)
                continue
            reason = (
                f"stored, but {problem}; re-run the same input without skip_existing=True "
                f"to vectorize it again"
            )
            self._fail(item, _Verdict(_Kind.TRANSIENT, reason))
        self.stored -= len(self._stored_items) - len(keep)
        self._stored_items = keep

    # -- internals

    def _verdicts(
        self, group: _Group, result: BatchObjectReturn | Exception
    ) -> list[_Verdict | None]:
        """One verdict per object of ``group``; ``None`` means stored."""
        if isinstance(result, Exception):
            verdict = _classify_exception(result)
            if verdict.kind is _Kind.SPLIT and len(group.items) == 1:
                verdict = _Verdict(_Kind.PERMANENT, verdict.reason)
            return [verdict] * len(group.items)
        errors = result.errors
        if not errors:
            return [None] * len(group.items)
        return [
            None if i not in errors else _classify_message(errors[i].message)
            for i in range(len(group.items))
        ]

    def _settle(self, group: _Group, verdicts: list[_Verdict | None]) -> None:
        isolate: dict[tuple[_Kind, str], list[_Item]] = {}
        for item, verdict in zip(group.items, verdicts, strict=True):
            if verdict is None:
                self.stored += 1
                self._stored_items.append(item)
            elif verdict.kind is _Kind.TRANSIENT or verdict.kind is _Kind.GONE:
                # A collection that may be gone is checked before the next round's sends.
                item.last_reason = verdict.reason
                if not item.retried:
                    item.retried = True
                    self.retried += 1
                self._later.append(item)
            elif verdict.kind is _Kind.ABORT:
                self._fail(item, verdict)
                self._core.stop(verdict)
            elif verdict.kind is _Kind.SPLIT or (
                verdict.kind is _Kind.SHARED and not self._core.is_systemic(verdict.reason)
            ):
                isolate.setdefault((verdict.kind, verdict.reason), []).append(item)
            else:
                self._fail(item, verdict)
        for (kind, reason), items in isolate.items():
            if len(items) == 1:
                self._fail(items[0], _Verdict(_Kind.PERMANENT, reason))
                continue
            half = len(items) // 2
            # Halves of a Jina refusal are probes: if both fail alike, the error is systemic.
            probe = reason if kind is _Kind.SHARED else None
            self._queue.appendleft(
                [_Group(items[:half], probe=probe), _Group(items[half:], probe=probe)]
            )

    def _fail(self, item: _Item, verdict: _Verdict) -> None:
        self.failed.append(
            FailedObject(
                index=item.index,
                uuid=item.uuid,
                reason=verdict.reason,
                retryable=verdict.kind is _Kind.TRANSIENT,
                attempts=item.attempts,
                properties=item.properties,
            )
        )


def _all_shared(verdicts: list[_Verdict | None], reason: str) -> bool:
    return bool(verdicts) and all(
        v is not None and v.kind is _Kind.SHARED and v.reason == reason for v in verdicts
    )
