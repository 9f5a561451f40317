"""Throughput of AsyncJinaClient against the local fake Jina API with injected latency.

Embeds N texts (10,000 by default) twice against a ``FakeJina`` server that adds a fixed
latency to every request:

* with ``AsyncJinaClient`` (``max_concurrency`` requests in flight), and
* with a sequential peer: a plain ``httpx.Client`` loop that posts one batch after another
  and sorts each answer by ``index``, which is how the synchronous LangChain and LlamaIndex
  Jina clients work.

It prints the async throughput as a fraction of the best any client could reach,
``min(concurrency * batch / latency, rpm * batch / 60)`` texts per second, and as a multiple
of the sequential peer. Targets: at least 0.9 of the bound and 8 times the peer; the exit
status is 1 when a target is missed.

The server runs in a child process, as the real API runs elsewhere: sharing the client's
interpreter (and its GIL) would charge the server's work to the client.

Usage::

    python bench/bench_client.py
    python bench/bench_client.py --texts 2000 --concurrency 16 --latency 0.05
    python bench/bench_client.py --rpm 300 --texts 20000   # bound set by the rate limit
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx
import stamina

from weaviate_jina_ext._embeddings import AsyncJinaClient

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.synchronize import Event

KEY = "jina_bench_key_0000000000000000"
TARGET_BOUND = 0.9
TARGET_PEER = 8.0


def serve(latency: float, rpm: int | None, conn: Connection, stop: Event) -> None:
    """Run FakeJina in this (child) process until ``stop`` is set; send its URL on ``conn``."""
    from weaviate_jina_ext.testing._fake import FakeJina, Faults, RateLimit  # noqa: PLC0415

    limit = RateLimit(requests_per_minute=rpm) if rpm else None
    with FakeJina(api_keys=[KEY], faults=Faults(latency=latency), rate_limit=limit) as jina:
        conn.send(jina.url)
        stop.wait()


def make_texts(count: int) -> list[str]:
    """Distinct texts over a small vocabulary (the fake server caches vectors per word)."""
    words = [f"w{n}" for n in range(40)]
    return [
        f"{words[i % 40]} {words[i // 40 % 40]} {words[i // 1600 % 40]} text" for i in range(count)
    ]


async def run_async(url: str, texts: list[str], args: argparse.Namespace) -> float:
    async with AsyncJinaClient(
        api_key=KEY,
        base_url=url,
        batch_size=args.batch_size,
        max_concurrency=args.concurrency,
        max_retry_time=600,
        max_attempts=50,
    ) as client:
        # Warm up: open one pooled connection per concurrent request, as in steady state.
        warm = texts[: args.batch_size * args.concurrency]
        await client.embed(warm, model=args.model, dimensions=args.dimensions)
        started = time.perf_counter()
        result = await client.embed(texts, model=args.model, dimensions=args.dimensions)
        elapsed = time.perf_counter() - started
    assert len(result.vectors) == len(texts)
    return elapsed


def run_sequential(url: str, texts: list[str], args: argparse.Namespace) -> float:
    """The peer: one request at a time, no retries, sorted by index like LangChain's client."""
    headers = {"Authorization": f"Bearer {KEY}", "Accept": "application/json"}
    body: dict[str, Any] = {"model": args.model, "task": "retrieval.passage"}
    if args.dimensions:
        body["dimensions"] = args.dimensions
    vectors: list[list[float]] = []
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        client.post("/v1/embeddings", json={**body, "input": texts[:1]}).raise_for_status()
        started = time.perf_counter()
        for start in range(0, len(texts), args.batch_size):
            batch = texts[start : start + args.batch_size]
            answer = client.post("/v1/embeddings", json={**body, "input": batch})
            answer.raise_for_status()
            data = sorted(answer.json()["data"], key=lambda item: item["index"])
            vectors.extend(item["embedding"] for item in data)
        elapsed = time.perf_counter() - started
    assert len(vectors) == len(texts)
    return elapsed


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=10_000, help="texts to embed (10000)")
    parser.add_argument("--batch-size", type=int, default=50, help="texts per request (50)")
    parser.add_argument("--concurrency", type=int, default=10, help="async in-flight cap (10)")
    parser.add_argument("--latency", type=float, default=0.1, help="server latency, s (0.1)")
    parser.add_argument("--rpm", type=int, default=None, help="server requests/minute limit")
    parser.add_argument("--dimensions", type=int, default=32, help="vector length (32)")
    parser.add_argument("--model", default="jina-embeddings-v3")
    parser.add_argument(
        "--skip-sequential", action="store_true", help="do not run the (slow) sequential peer"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    texts = make_texts(args.texts)
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    stop = context.Event()
    process = context.Process(target=serve, args=(args.latency, args.rpm, child, stop))
    process.start()
    try:
        if not parent.poll(60):
            print("the fake Jina server did not start", file=sys.stderr)
            return 2
        url = parent.recv()
        stamina.set_active(True)
        async_s = asyncio.run(run_async(url, texts, args))
        seq_s = None if args.skip_sequential else run_sequential(url, texts, args)
    finally:
        stop.set()
        process.join(30)

    bound = args.concurrency * args.batch_size / args.latency
    if args.rpm:
        bound = min(bound, args.rpm * args.batch_size / 60)
    async_tps = len(texts) / async_s
    requests = math.ceil(len(texts) / args.batch_size)
    print(
        f"{len(texts)} texts, batch {args.batch_size} ({requests} requests), concurrency "
        f"{args.concurrency}, latency {args.latency * 1000:.0f} ms"
        + (f", {args.rpm} RPM" if args.rpm else "")
    )
    print(f"bound:      {bound:10.0f} texts/s")
    print(f"async:      {async_tps:10.0f} texts/s  ({async_s:.2f} s)")
    ok = async_tps / bound >= TARGET_BOUND
    print(f"async / bound      = {async_tps / bound:5.2f}  (target >= {TARGET_BOUND})")
    if seq_s is not None:
        seq_tps = len(texts) / seq_s
        print(f"sequential: {seq_tps:10.0f} texts/s  ({seq_s:.2f} s)")
        print(f"async / sequential = {async_tps / seq_tps:5.2f}  (target >= {TARGET_PEER})")
        ok = ok and async_tps / seq_tps >= TARGET_PEER
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
