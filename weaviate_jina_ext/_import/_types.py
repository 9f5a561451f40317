"""What an import takes and gives back: :class:`ImportObject`, :class:`FailedObject`, :class:`ImportReport`.

Plain values with no I/O, so they can be built and inspected without a Weaviate client.
The errors that carry a report (:class:`~weaviate_jina_ext.ImportIncompleteError`,
:class:`~weaviate_jina_ext.ImportAbortedError`) name :class:`ImportReport` for type
checkers only; this module imports them, never the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from weaviate_jina_ext._exceptions import ImportIncompleteError
from weaviate_jina_ext._import._reasons import _short

if TYPE_CHECKING:
    from uuid import UUID

__all__ = ["FailedObject", "ImportObject", "ImportReport"]


@dataclass(frozen=True, slots=True)
class ImportObject:
    """One object to import; a plain mapping in the input is shorthand for properties only.

    Attributes:
        properties: The object's properties.
        vector: A vector you computed (bring your own vectors), or a mapping of named
            vectors (each a list of floats, or a list of lists for multi-vectors). ``None``
            lets Weaviate's Jina module compute it.
        uuid: The object's id. ``None`` derives one (see :func:`derive_uuid`).
    """

    properties: Mapping[str, Any]
    vector: Sequence[float] | Mapping[str, Sequence[float]] | None = None
    uuid: str | UUID | None = None


@dataclass(frozen=True, slots=True)
class FailedObject:
    """An object of the input that is not stored, and why.

    Attributes:
        index: Its position in the input (0-based).
        uuid: The id it was sent with; the nil UUID when no id could be derived.
        reason: What Weaviate (or the validation before sending) said. Never contains a key.
        retryable: ``True`` when the failure was transient (rate limit, 5xx, timeout) and
            the retries ran out: re-running the same input may store it. ``False`` when the
            object or the setup must be fixed first.
        attempts: How many times it was sent (0: never sent).
        properties: Its properties, as given.
    """

    index: int
    uuid: UUID
    reason: str
    retryable: bool
    attempts: int
    properties: Mapping[str, Any]


@dataclass(repr=False)
class ImportReport:
    """What an import did: ``stored + skipped + len(failed) == total``.

    Attributes:
        total: Objects read from the input.
        stored: Objects Weaviate confirmed as written (each with its vector).
        failed: Every object that is not stored, in input order.
        retried: Objects sent more than once because of transient failures.
        skipped: Objects left alone because they already existed (``skip_existing=True``).
        rate_limited: Sends in which Jina answered 429 for some objects (through Weaviate):
            0 when the import stayed within the key's limits.
    """

    total: int
    stored: int
    failed: list[FailedObject]
    retried: int
    skipped: int = 0
    rate_limited: int = 0

    @property
    def ok(self) -> bool:
        """``True`` when no object failed."""
        return not self.failed

    def raise_for_failures(self) -> None:
        """Raise :class:`ImportIncompleteError` (carrying this report) if any object failed."""
        if self.failed:
            raise ImportIncompleteError(self.summary(), report=self)

    def summary(self) -> str:
        """Counts and the most common reasons, in a few lines, for logs and error messages."""
        head = (
            f"{self.stored} of {self.total} objects stored"
            + (f", {self.skipped} already present" if self.skipped else "")
            + f", {len(self.failed)} failed, {self.retried} retried"
        )
        if not self.failed:
            return head
        reasons: dict[str, int] = {}
        for failure in self.failed:
            reasons[failure.reason] = reasons.get(failure.reason, 0) + 1
        ranked = sorted(reasons.items(), key=lambda kv: -kv[1])
        lines = [f"  {count} x {_short(reason, 300)}" for reason, count in ranked[:5]]
        if len(ranked) > 5:
            lines.append(f"  ... and {len(ranked) - 5} other reasons")
        indexes = ", ".join(str(f.index) for f in self.failed[:10])
        more = ", ..." if len(self.failed) > 10 else ""
        retryable = sum(f.retryable for f in self.failed)
        hint = (
            f"{retryable} of them failed for transient reasons: re-running the same input "
            f"stores them without duplicating the rest"
            if retryable
            else "fix the objects (or the setup) and re-run the same input"
        )
        return "\n".join([f"{head}; failed indexes: {indexes}{more}", *lines, hint])

    def __repr__(self) -> str:
        return (
            f"ImportReport(total={self.total}, stored={self.stored}, "
            f"failed=<{len(self.failed)} objects>, retried={self.retried}, skipped={self.skipped})"
        )
