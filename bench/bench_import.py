"""Throughput and memory of ``import_objects`` on a real Weaviate with the local Jina server.

Two measurements, printed as ratios (this is not a timed test):

1. Throughput: N objects (10,000 by default) imported through ``import_objects`` and
   through the client's own dynamic batch loop (``collection.batch.dynamic()`` with
   ``add_object``), alternately, into fresh collections of the same server in the same run.
   The best of ``--rounds`` runs of each is compared. Target: the helper reaches at least
   0.95 of the raw loop's objects per second.
2. Memory: M objects (100,000 by default) imported from a generator into a fresh server;
   the growth of the process's peak resident memory over its size just before the import.
   Target: under 100 MB.

Weaviate caps Jina calls at 1,000,000 estimated tokens a minute, whatever the client says,
so the objects are a few words long; the client raises the requests-per-minute cap
(``requests_per_minute=``) so that Weaviate's default of 500 does not pace the runs. The
Jina-compatible server runs in a child process, as the real API runs elsewhere: sharing
the client's interpreter would charge its work to the import.

Usage::

    python bench/bench_import.py
    python bench/bench_import.py --objects 20000 --rounds 3 --memory-objects 0
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

from weaviate.classes.config import DataType, Property

from weaviate_jina_ext import JinaConfigure, connect_to_custom
from weaviate_jina_ext._import import import_objects
from weaviate_jina_ext.testing import weaviate_process

if TYPE_CHECKING:
    from collections.abc import Iterator
    from multiprocessing.connection import Connection
    from multiprocessing.synchronize import Event

    from weaviate.client import WeaviateClient
    from weaviate.collections import Collection

    from weaviate_jina_ext.testing import WeaviateInstance

KEY = "jina_bench_key_0000000000000000"
TARGET_RATIO = 0.95
TARGET_MEMORY_MB = 100.0
RPM = 1_000_000


def serve(conn: Connection, stop: Event) -> None:
    """Run FakeJina in this (child) process until ``stop`` is set; send its URL on ``conn``."""
    from weaviate_jina_ext.testing import FakeJina  # noqa: PLC0415

    with FakeJina(api_keys=[KEY]) as jina:
        conn.send(jina.url)
        stop.wait()


def objects(count: int) -> Iterator[dict[str, Any]]:
    """Short distinct objects, generated lazily."""
    for i in range(count):
        yield {"title": f"Item {i}", "body": f"w{i % 97} w{i % 89}"}


def connect(instance: WeaviateInstance) -> WeaviateClient:
    return connect_to_custom(**instance.connect_kwargs(), jina_api_key=KEY, requests_per_minute=RPM)


def fresh(client: WeaviateClient, base_url: str) -> Collection[Any, Any]:
    return client.collections.create(
        "Bench" + uuid.uuid4().hex[:10],
        properties=[
            Property(name="title", data_type=DataType.TEXT),
            Property(name="body", data_type=DataType.TEXT),
        ],
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(
            base_url=base_url,
            model="jina-embeddings-v3",
            dimensions=32,
            vectorize_collection_name=False,
        ),
    )


def run_raw(collection: Collection[Any, Any], count: int) -> float:
    """The client's own dynamic batch loop, as its documentation shows it."""
    started = time.perf_counter()
    with collection.batch.dynamic() as batch:
        for properties in objects(count):
            batch.add_object(properties=properties)
    elapsed = time.perf_counter() - started
    failed = len(collection.batch.failed_objects)
    if failed:
        print(f"raw loop: {failed} objects failed", file=sys.stderr)
    return elapsed


def run_helper(collection: Collection[Any, Any], count: int, args: argparse.Namespace) -> float:
    started = time.perf_counter()
    report = import_objects(
        collection,
        objects(count),
        id_key="title",
        batch_size=args.batch_size,
        concurrency=args.concurrency,
        progress=False,
    )
    elapsed = time.perf_counter() - started
    if not report.ok:
        print(f"helper: {report.summary()}", file=sys.stderr)
    return elapsed


def throughput(instance: WeaviateInstance, base_url: str, args: argparse.Namespace) -> bool:
    raw: list[float] = []
    helper: list[float] = []
    with connect(instance) as client:
        # Warm up both paths (connections, server caches) on a small import each.
        run_raw(fresh(client, base_url), 500)
        run_helper(fresh(client, base_url), 500, args)
        for _ in range(args.rounds):
            raw.append(args.objects / run_raw(fresh(client, base_url), args.objects))
            helper.append(args.objects / run_helper(fresh(client, base_url), args.objects, args))
            client.collections.delete_all()
    best_raw, best_helper = max(raw), max(helper)
    ratio = best_helper / best_raw
    print(
        f"throughput, {args.objects} objects, best of {args.rounds} "
        f"(batch {args.batch_size}, concurrency {args.concurrency}):"
    )
    print(f"  raw dynamic batch: {best_raw:8.0f} obj/s  (runs: {_fmt(raw)})")
    print(f"  import_objects:    {best_helper:8.0f} obj/s  (runs: {_fmt(helper)})")
    print(f"  helper / raw = {ratio:.2f}  (target >= {TARGET_RATIO})")
    return ratio >= TARGET_RATIO


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


def _rss_mb() -> float:
    """The current resident set size, from /proc (Linux)."""
    pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure_memory(base_url: str, count: int, conn: Connection) -> None:
    """Import ``count`` objects from a generator; send back counts, seconds and RSS growth.

    Runs in a child process of its own, so that its peak RSS covers only this import.
    """
    logging.getLogger("weaviate-client").setLevel(logging.CRITICAL)
    # A server of its own: the throughput runs used up part of Weaviate's token budget.
    with weaviate_process() as instance, connect(instance) as client:
        warm = import_objects(fresh(client, base_url), objects(2_000), progress=False)
        assert warm.ok, warm.summary()
        collection = fresh(client, base_url)
        before = _rss_mb()
        started = time.perf_counter()
        report = import_objects(collection, objects(count), id_key="title", progress=False)
        elapsed = time.perf_counter() - started
        growth = _peak_rss_mb() - before
        conn.send((report.stored, len(report.failed), len(collection), elapsed, growth))


def memory(base_url: str, args: argparse.Namespace) -> bool:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=measure_memory, args=(base_url, args.memory_objects, child))
    process.start()
    try:
        if not parent.poll(1800):
            print("the memory run did not finish", file=sys.stderr)
            return False
        stored, failed, held, elapsed, growth = parent.recv()
        growth = float(growth)
        failed = int(failed)
    finally:
        process.join(60)
    print(f"memory, {args.memory_objects} objects from a generator (own process and server):")
    print(f"  stored {stored}, failed {failed} (collection holds {held}) in {elapsed:.1f} s")
    print(f"  peak RSS growth = {growth:.1f} MB  (target < {TARGET_MEMORY_MB:.0f} MB)")
    return growth < TARGET_MEMORY_MB and failed == 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=10_000, help="throughput objects (10000)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each method (2)")
    parser.add_argument("--batch-size", type=int, default=100, help="helper batch size (100)")
    parser.add_argument("--concurrency", type=int, default=4, help="helper concurrency (4)")
    parser.add_argument(
        "--memory-objects", type=int, default=100_000, help="memory objects; 0 skips (100000)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.getLogger("weaviate-client").setLevel(logging.CRITICAL)
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    stop = context.Event()
    process = context.Process(target=serve, args=(child, stop))
    process.start()
    try:
        if not parent.poll(60):
            print("the fake Jina server did not start", file=sys.stderr)
            return 2
        base_url = parent.recv()
        ok = True
        if args.objects:
            with weaviate_process() as instance:
                ok = throughput(instance, base_url, args) and ok
        if args.memory_objects:
            ok = memory(base_url, args) and ok
    finally:
        stop.set()
        process.join(30)
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
