"""Memory of ``import_objects`` is flat in the input: peak RSS growth of a 1,000,000-object import.

The import reads a generator of 1,000,000 small objects (``--objects``) into a real Weaviate
and the process's peak resident memory is compared with its size just before the import
(after a warm-up import of 20,000 objects, so the client's connections and buffers exist).
What grows with the input is only the set of ids seen, for exact duplicate detection (about
20 bytes an object). Target: growth under 50 MB.

The objects carry no vector and the collection has no vectorizer (``allow_no_vectorizer``):
this measures the importer, not Jina (see ``bench_import.py`` for throughput under Jina's
limits). The import runs in a child process of its own so that its peak covers only it.

Usage::

    python bench/bench_memory.py
    python bench/bench_memory.py --objects 200000
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import resource
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _report import Report

if TYPE_CHECKING:
    from collections.abc import Iterator
    from multiprocessing.connection import Connection

TARGET_MB = 50.0
WARM_UP = 20_000


def objects(count: int, start: int = 0) -> Iterator[dict[str, Any]]:
    """Small distinct objects, generated lazily."""
    for i in range(start, start + count):
        yield {"title": f"Item {i}", "body": f"w{i % 97} w{i % 89}"}


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(count: int, conn: Connection) -> None:
    """In a child process: warm up, then import ``count`` objects; send back the figures."""
    import weaviate  # noqa: PLC0415
    from weaviate.classes.config import DataType, Property  # noqa: PLC0415

    from weaviate_jina_ext import import_objects  # noqa: PLC0415
    from weaviate_jina_ext.testing import weaviate_process  # noqa: PLC0415

    logging.getLogger("weaviate-client").setLevel(logging.CRITICAL)
    with (
        weaviate_process() as instance,
        weaviate.connect_to_custom(**instance.connect_kwargs()) as client,
    ):

        def fresh() -> Any:  # noqa: ANN401
            return client.collections.create(
                "Mem" + uuid.uuid4().hex[:10],
                properties=[
                    Property(name="title", data_type=DataType.TEXT),
                    Property(name="body", data_type=DataType.TEXT),
                ],
            )

        options: dict[str, Any] = {
            "id_key": "title",
            "progress": False,
            "allow_no_vectorizer": True,
        }
        warm = import_objects(fresh(), objects(WARM_UP), **options)
        assert warm.ok, warm.summary()
        collection = fresh()
        before = _rss_mb()
        peak_before = _peak_rss_mb()
        started = time.perf_counter()
        report = import_objects(collection, objects(count, start=WARM_UP), **options)
        elapsed = time.perf_counter() - started
        growth = _peak_rss_mb() - before
        conn.send(
            (
                report.stored,
                len(report.failed),
                len(collection),
                elapsed,
                growth,
                before,
                peak_before,
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=1_000_000, help="objects (1000000)")
    args = parser.parse_args(argv)
    report = Report("bench_memory")
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=measure, args=(args.objects, child))
    process.start()
    try:
        if not parent.poll(3600):
            report.problem("the import did not finish within an hour")
            return report.finish()
        stored, failed, held, elapsed, growth, before, peak_before = parent.recv()
    finally:
        process.join(120)
    print(
        f"{args.objects:,} objects from a generator: stored {stored:,}, failed {failed}, "
        f"collection holds {held:,}, {elapsed:.0f} s ({stored / elapsed:,.0f} obj/s); "
        f"RSS before {before:.0f} MB (peak so far {peak_before:.0f} MB)"
    )
    report.ratio(
        f"peak RSS growth MB, {args.objects:,} objects",
        growth,
        target=TARGET_MB,
        higher_is_better=False,
        detail=f"{growth * 2**20 / max(1, args.objects):.0f} bytes an object",
    )
    if failed or held != args.objects:
        report.problem(f"{failed} objects failed; the collection holds {held:,}")
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
