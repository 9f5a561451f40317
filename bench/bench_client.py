"""Throughput of AsyncJinaClient against the local fake Jina API with injected latency.

The fake Jina server runs in child processes (``fake-jina --workers``, two by default: the
real API runs elsewhere, and sharing the client's interpreter would charge the server's
work to the client). Every answer takes ``--latency`` from the request's arrival, the
server's computing included, as a real API's latency does; ``--rpm`` caps requests a
minute (served by one process, which must count them). ``AsyncJinaClient``
(``max_concurrency=--concurrency``) then embeds ``concurrency x batch x --waves`` texts, at
its default batch (the model's 2,048 inputs, within its token budget), at 100 and at 512,
best of ``--trials`` runs each. Two bounds are printed for each batch:

* the bound: ``min(concurrency * batch / latency, rpm * batch / 60)`` texts/s, what any
  client could reach if the server answered in exactly ``latency``;
* the bound with the server's time: ``texts / (waves * (latency + server))``, where
  ``server`` is what a lone request of that batch takes beyond the latency (its round trip
  with nothing else in flight, read without parsing, minus the latency; best of 3): the
  transfer, and any computing that outlasts the latency.

The CPU the client spends per request is printed, and the server's (its processes, from
``/proc``): on a small machine both share the cores, which the real API does not.

Targets: the client at >= 0.95 of both bounds. A sequential peer (a plain ``httpx.Client``
loop, as the synchronous LangChain and LlamaIndex Jina clients work) is measured at batch
100 for comparison (target: 8 times slower than the async client at concurrency 10).

Usage::

    python bench/bench_client.py
    python bench/bench_client.py --latency 0.15 --concurrency 16
    python bench/bench_client.py --rpm 300      # bound set by the rate limit
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx
import stamina
from _proc import tree_cpu_seconds
from _report import Report

from weaviate_jina_ext._catalogue import find_model
from weaviate_jina_ext._embeddings import DEFAULT_MAX_TOKENS_PER_REQUEST, AsyncJinaClient
from weaviate_jina_ext._wire import estimate_tokens

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.synchronize import Event

KEY = "jina_bench_key_0000000000000000"
TARGET_BOUND = 0.95
TARGET_PEER = 8.0


def serve(latency: float, rpm: int | None, workers: int, conn: Connection, stop: Event) -> None:
    """Run the fake in this (child) process until ``stop`` is set; send its URL on ``conn``.

    Without a rate limit it is a pool of ``workers`` processes (``fake-jina --workers``);
    a rate limit must be counted in one process, so with ``rpm`` it is one FakeJina.
    """
    from weaviate_jina_ext.testing._fake import FakeJina, Faults, RateLimit  # noqa: PLC0415
    from weaviate_jina_ext.testing._fake._workers import WorkerPool  # noqa: PLC0415

    faults = Faults(latency=latency)
    server: FakeJina | WorkerPool
    if rpm:
        server = FakeJina(
            api_keys=[KEY], faults=faults, rate_limit=RateLimit(requests_per_minute=rpm)
        )
    else:
        server = WorkerPool(workers=workers, api_keys=[KEY], faults=faults)
    with server:
        conn.send(server.url)
        stop.wait()


def make_texts(count: int) -> list[str]:
    """Distinct texts over a small vocabulary (the fake server caches vectors per word)."""
    words = [f"w{n}" for n in range(40)]
    return [
        f"{words[i % 40]} {words[i // 40 % 40]} {words[i // 1600 % 40]} text" for i in range(count)
    ]


def default_batch(model: str, text: str) -> int:
    """The batch AsyncJinaClient uses without ``batch_size``: max inputs, within the token budget."""
    info = find_model(model)
    cap = info.max_inputs if info is not None else 2048
    return min(cap, DEFAULT_MAX_TOKENS_PER_REQUEST // max(1, estimate_tokens(text)))


def body(args: argparse.Namespace, texts: list[str]) -> dict[str, Any]:
    """The request AsyncJinaClient sends for ``texts`` (the peer and the probe send it too)."""
    return {
        "model": args.model,
        "embedding_type": "float",
        "task": "retrieval.passage",
        "dimensions": args.dimensions,
        "input": texts,
    }


async def run_async(
    url: str, texts: list[str], batch: int | None, args: argparse.Namespace
) -> tuple[float, float]:
    """Seconds AsyncJinaClient takes to embed ``texts`` (after a warm-up call), and its CPU."""
    async with AsyncJinaClient(
        api_key=KEY,
        base_url=url,
        batch_size=batch,
        max_concurrency=args.concurrency,
        max_retry_time=600,
        max_attempts=50,
    ) as client:
        # Warm up: one pooled connection per concurrent request, as in steady state.
        warm = texts[: len(texts) // args.waves]
        await client.embed(warm, model=args.model, dimensions=args.dimensions)
        cpu = time.process_time()
        started = time.perf_counter()
        result = await client.embed(texts, model=args.model, dimensions=args.dimensions)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    assert len(result.vectors) == len(texts)
    assert len(result.vectors[-1]) == args.dimensions
    return elapsed, cpu


def server_time(url: str, texts: list[str], batch: int, args: argparse.Namespace) -> float:
    """The server's own seconds for one request of ``batch`` texts (injected latency excluded)."""
    headers = {"Authorization": f"Bearer {KEY}"}
    best = float("inf")
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for _ in range(4):  # the first only opens the connection
            started = time.perf_counter()
            response = client.post("/v1/embeddings", json=body(args, texts[:batch]))
            response.read()
            best = min(best, time.perf_counter() - started)
            response.raise_for_status()
    latency: float = args.latency
    return max(0.0, best - latency)


def run_sequential(url: str, texts: list[str], batch: int, args: argparse.Namespace) -> float:
    """The peer: one request at a time, no retries, sorted by index like LangChain's client."""
    headers = {"Authorization": f"Bearer {KEY}", "Accept": "application/json"}
    vectors: list[list[float]] = []
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        client.post("/v1/embeddings", json=body(args, texts[:1])).raise_for_status()
        started = time.perf_counter()
        for start in range(0, len(texts), batch):
            answer = client.post("/v1/embeddings", json=body(args, texts[start : start + batch]))
            answer.raise_for_status()
            data = sorted(answer.json()["data"], key=lambda item: item["index"])
            vectors.extend(item["embedding"] for item in data)
        elapsed = time.perf_counter() - started
    assert len(vectors) == len(texts)
    return elapsed


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=10, help="async in-flight cap (10)")
    parser.add_argument("--latency", type=float, default=0.4, help="server latency, s (0.4)")
    parser.add_argument("--rpm", type=int, default=None, help="server requests/minute limit")
    parser.add_argument("--workers", type=int, default=2, help="server processes without --rpm (2)")
    parser.add_argument("--waves", type=int, default=4, help="requests per slot per run (4)")
    parser.add_argument("--trials", type=int, default=3, help="runs per batch; best counts (3)")
    parser.add_argument("--dimensions", type=int, default=32, help="vector length (32)")
    parser.add_argument("--model", default="jina-embeddings-v3")
    parser.add_argument(
        "--batches", default="default,100,512", help="batch sizes ('default': the client's)"
    )
    parser.add_argument("--skip-sequential", action="store_true", help="skip the (slow) peer")
    return parser.parse_args(argv)


def measure(
    url: str, server_pid: int, args: argparse.Namespace, report: Report, label: str
) -> float:
    """Measure one batch size; print its figures and ratio lines; return texts/s."""
    explicit = None if label == "default" else int(label)
    batch = explicit or default_batch(args.model, make_texts(1)[0])
    texts = make_texts(args.concurrency * batch * args.waves)
    server_before = tree_cpu_seconds(server_pid)
    seconds, cpu = min(
        asyncio.run(run_async(url, texts, explicit, args)) for _ in range(args.trials)
    )
    server_after = tree_cpu_seconds(server_pid)
    sent = args.trials * (len(texts) // batch + args.concurrency)  # with the warm-up calls
    server_cpu = ""
    if server_before is not None and server_after is not None:
        ms = (server_after - server_before) * 1000 / sent
        server_cpu = f"; server CPU {ms:.1f} ms a request"
    rate = len(texts) / seconds
    server = server_time(url, texts, batch, args)
    bound = args.concurrency * batch / args.latency
    requests = len(texts) // batch
    with_server = len(texts) / (args.waves * (args.latency + server))
    if args.rpm:
        bound = min(bound, args.rpm * batch / 60)
        with_server = min(with_server, args.rpm * batch / 60)
    name = f"batch {batch}" + (" (default)" if explicit is None else "")
    print(
        f"{name}: {len(texts)} texts in {seconds:.2f} s = {rate:,.0f} texts/s; bound "
        f"{bound:,.0f}/s; server's own time {server * 1000:.1f} ms a request; bound with it "
        f"{with_server:,.0f}/s; client CPU {cpu * 1000 / requests:.1f} ms a request "
        f"({cpu / seconds:.0%} of one core over the run){server_cpu}"
    )
    report.ratio(f"async / bound, {name}", rate / bound, target=TARGET_BOUND)
    report.ratio(
        f"async / bound with server time, {name}",
        rate / with_server,
        target=TARGET_BOUND,
        detail=f"server {server * 1000:.1f} ms + latency {args.latency * 1000:.0f} ms",
    )
    return rate


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = Report("bench_client")
    print(
        f"concurrency {args.concurrency}, latency {args.latency * 1000:.0f} ms, "
        f"{args.dimensions} dimensions, {args.waves} requests per slot, best of {args.trials}"
        + (f", {args.rpm} RPM" if args.rpm else "")
        + f"; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    stop = context.Event()
    process = context.Process(
        target=serve, args=(args.latency, args.rpm, args.workers, child, stop)
    )
    process.start()
    try:
        if not parent.poll(60):
            print("the fake Jina server did not start", file=sys.stderr)
            return 2
        url = parent.recv()
        assert process.pid is not None  # started above
        stamina.set_active(True)
        rates = {
            label: measure(url, process.pid, args, report, label)
            for label in args.batches.split(",")
        }
        if not args.skip_sequential and "100" in rates:
            texts = make_texts(args.concurrency * 100 * args.waves)
            seq = len(texts) / run_sequential(url, texts, 100, args)
            print(f"sequential peer, batch 100: {seq:,.0f} texts/s")
            report.ratio(
                "async / sequential peer, batch 100", rates["100"] / seq, target=TARGET_PEER
            )
    finally:
        stop.set()
        process.join(30)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
