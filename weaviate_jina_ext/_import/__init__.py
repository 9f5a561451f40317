"""Imports that lose nothing: stream objects into a Jina-vectorized collection, get a report.

Why a helper of our own: Weaviate's Jina modules do not retry. The error of a 429 or a 5xx
from Jina is copied onto every object of that vectorizer batch, and the client's batching
re-queues only the rate-limit messages of other providers. A plain batch loop therefore
loses objects under rate limits, and says so only in ``failed_objects``. :func:`import_objects` (and its twin
:func:`async_import_objects`) sends the input through the client's own ``insert_many`` in
chunks, reads the error Weaviate attached to each object, and:

* retries what failed for a transient reason (Jina 429/5xx, timeouts, connection errors,
  replicas briefly out of reach) with ``stamina`` backoff, bounded in attempts and time,
  re-sending only those objects;
* reports what failed for a permanent reason (an input too long, a property of the wrong
  type) at once, with Weaviate's message, without retrying it;
* stops with one :class:`ImportAbortedError` when retrying is pointless for everything (a
  wrong or missing key, an empty Jina balance, a missing module or collection, a closed
  client, the collection deleted or re-created mid-import, or every send failing for an
  outage for ``breaker_after`` seconds: the circuit breaker);
* returns an :class:`ImportReport`: how many objects were stored and every object that was
  not, with its position in the input and why. However the import ends, the report covers
  every object read (an exception carries it as ``.report``).

Ids are deterministic when the caller gives none (UUID5 of a caller-chosen key, or of the
properties), so objects are upserted: re-running the same input after a crash or a partial
failure stores nothing twice and fills the gaps. ``skip_existing=True`` makes a re-run send
only the objects that are missing, so Jina is not paid twice for the rest.

The input is streamed: only ``concurrency`` chunks of ``batch_size`` objects are held at a
time, plus the ids seen so far, kept compactly to detect duplicate ids exactly (about 20
bytes per object: 20 MB for 1,000,000 objects; see ``_seen``).

Layout (as in httpx): everything without I/O is shared, and the two runners differ only in
how they send, wait and run chunks concurrently.

* ``_types``: :class:`ImportObject`, :class:`FailedObject`, :class:`ImportReport`;
* ``_ids``: :func:`derive_uuid` and reading given ids;
* ``_seen``: the compact set of ids seen, for exact duplicate detection;
* ``_plan``: the throughput planner (:func:`plan_import`, :class:`ImportPlan`) and the
  pacing that adapts to 429s;
* ``_validate``: checks of the arguments and of each input object (shape, property values,
  text UTF-8 cannot encode);
* ``_targets``: the collection's target vectors (Jina or not, model, length), read from its
  config: objects without a vector, over-long texts, stored vectors, re-created collections;
* ``_classify``: the verdict on each failure (retry, report, isolate, check or stop), one
  table;
* ``_reasons``: failure reasons as shown to users (keys masked, length capped);
* ``_breaker``: the circuit breaker across chunks;
* ``_chunks``: one chunk's state machine, from first send to final outcome;
* ``_core``: input into chunks, the report, stopping, retries and the progress bar;
* ``_sync`` / ``_async``: :func:`import_objects` and :func:`async_import_objects`.
"""

from __future__ import annotations

from weaviate_jina_ext._exceptions import ImportAbortedError, ImportIncompleteError
from weaviate_jina_ext._import._async import async_import_objects
from weaviate_jina_ext._import._breaker import DEFAULT_BREAKER_AFTER
from weaviate_jina_ext._import._ids import derive_uuid
from weaviate_jina_ext._import._plan import TIERS, ImportPlan, JinaLimits, plan_import
from weaviate_jina_ext._import._sync import import_objects
from weaviate_jina_ext._import._types import FailedObject, ImportObject, ImportReport
from weaviate_jina_ext._import._validate import DEFAULT_CONCURRENCY

__all__ = [
    "DEFAULT_BREAKER_AFTER",
    "DEFAULT_CONCURRENCY",
    "FailedObject",
    "ImportAbortedError",
    "ImportIncompleteError",
    "TIERS",
    "ImportObject",
    "ImportPlan",
    "ImportReport",
    "JinaLimits",
    "async_import_objects",
    "derive_uuid",
    "import_objects",
    "plan_import",
]
