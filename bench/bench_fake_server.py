"""Throughput of the local Jina-compatible server, in embeddings per second.

Starts ``weaviate-jina-ext fake-jina --workers 2`` in a subprocess (so server and client
each have their own interpreter lock, and the server one process per core), then sends pre-built ``/v1/embeddings`` requests of ``--batch``
random sentences (5-20 words from a 5,000-word vocabulary) at the model's full 1,024
dimensions over keep-alive connections from ``--concurrency`` threads. The load generator
is the standard library's ``http.client``, which reads each answer (1.6 MB of JSON at batch
128) in one call: a heavier client would measure itself on a 2-core machine. It runs
``--trials`` timed rounds and prints each round's embeddings/s, the best and the median; the
best round is the one least disturbed by other work on a shared machine, and the ratio line
is its ratio to the 25,000/s target. The same rounds against one server process
(``--workers 1``, what :class:`FakeJina` in a test's own process gives) are printed for
comparison, without a target.

CPU time is printed too, because it depends much less than wall-clock time on how busy the
machine is: the server's CPU milliseconds per request and the client's, and ``embeddings per
server CPU-second``, what one core of the server does.

Every round is bounded in requests and seconds, and only loopback is contacted.

Usage::

    python bench/bench_fake_server.py [--batch 128] [--requests 400] [--trials 3]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from _proc import tree_cpu_seconds
from _report import Report

from weaviate_jina_ext._catalogue import find_model

TARGET = 25_000
KEY = "jina_bench_key_0000"


@dataclass
class Round:
    """One timed round: embeddings/s and CPU milliseconds per request."""

    rate: float
    server_ms: float | None
    client_ms: float


def _sentences(rng: random.Random, vocab: list[str], count: int) -> list[str]:
    return [" ".join(rng.choices(vocab, k=rng.randint(5, 20))) for _ in range(count)]


def _start_server(workers: int) -> tuple[subprocess.Popen[str], str]:
    argv = [sys.executable, "-m", "weaviate_jina_ext._cli", "fake-jina", "--port", "0"]
    argv += ["--workers", str(workers)]
    argv += ["--api-key", KEY]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http://"):
        proc.kill()
        proc.wait()
        msg = f"fake-jina did not print its URL (got {url!r})"
        raise SystemExit(msg)
    return proc, url


_HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}


def _post(conn: http.client.HTTPConnection, body: bytes) -> bytes:
    """POST one request on a keep-alive connection; the answer's body (status 200 only)."""
    conn.request("POST", "/v1/embeddings", body=body, headers=_HEADERS)
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        msg = f"status {response.status}: {data[:200]!r}"
        raise SystemExit(msg)
    return data


def _round(
    conns: list[http.client.HTTPConnection],
    bodies: list[bytes],
    args: argparse.Namespace,
    server_pid: int,
) -> Round:
    """Send ``args.requests`` requests, one thread per connection."""
    counter = iter(range(args.requests))
    lock = threading.Lock()
    done = [0]
    deadline = time.monotonic() + args.max_seconds

    def worker(conn: http.client.HTTPConnection) -> None:
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            _post(conn, bodies[i % len(bodies)])
            with lock:
                done[0] += 1

    threads = [threading.Thread(target=worker, args=(conn,)) for conn in conns]
    server_before = tree_cpu_seconds(server_pid)
    client_before = time.process_time()
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    client_ms = (time.process_time() - client_before) * 1000 / max(done[0], 1)
    server_after = tree_cpu_seconds(server_pid)
    server_ms = None
    if server_before is not None and server_after is not None:
        server_ms = (server_after - server_before) * 1000 / max(done[0], 1)
    return Round(done[0] * args.batch / elapsed, server_ms, client_ms)


def _measure(bodies: list[bytes], args: argparse.Namespace) -> list[Round]:
    proc, url = _start_server(args.workers)
    parts = urlsplit(url)
    assert parts.hostname is not None, url
    assert parts.port is not None, url
    conns = [
        http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        for _ in range(args.concurrency)
    ]
    try:
        data = json.loads(_post(conns[0], bodies[0]))["data"]
        assert len(data) == args.batch, len(data)
        assert len(data[0]["embedding"]) == args.dims, len(data[0]["embedding"])
        for i, body in enumerate(bodies):  # the word cache warm, as a long run has it
            _post(conns[i % len(conns)], body)
        return [_round(conns, bodies, args, proc.pid) for _ in range(args.trials)]
    finally:
        for conn in conns:
            conn.close()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _print_rounds(label: str, rounds: list[Round], batch: int) -> float:
    rates = [r.rate for r in rounds]
    best, median = max(rates), statistics.median(rates)
    print(f"{label}: rounds (embeddings/s) " + ", ".join(f"{r:,.0f}" for r in rates))
    print(f"{label}: best {best:,.0f}/s, median {median:,.0f}/s")
    server = [r.server_ms for r in rounds if r.server_ms is not None]
    client = statistics.median(r.client_ms for r in rounds)
    if server:
        ms = statistics.median(server)
        print(
            f"{label}: CPU per request (median): server {ms:.2f} ms, "
            f"client {client:.2f} ms; {batch * 1000 / ms:,.0f} embeddings per server CPU-second"
        )
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--requests", type=int, default=400, help="requests per round")
    parser.add_argument("--trials", type=int, default=3, help="timed rounds")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (4)")
    parser.add_argument("--workers", type=int, default=2, help="server processes (2)")
    parser.add_argument("--model", default="jina-embeddings-v3")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="per round")
    args = parser.parse_args()

    rng = random.Random(42)
    vocab = [f"w{rng.getrandbits(40):x}" for _ in range(5000)]
    info = find_model(args.model)
    args.dims = info.default_dimensions if info else 768
    extra = {"task": "retrieval.passage"} if info and "retrieval.passage" in info.tasks else {}
    bodies = [
        json.dumps(
            {"model": args.model, "input": _sentences(rng, vocab, args.batch), **extra}
        ).encode()
        for _ in range(64)
    ]
    report = Report("bench_fake_server")
    print(
        f"model {args.model}, {args.dims} dimensions, batch {args.batch}, "
        f"{args.concurrency} client threads, {args.requests} requests x {args.trials} rounds, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    workers = args.workers
    args.workers = 1
    _print_rounds("one process", _measure(bodies, args), args.batch)
    args.workers = workers
    best = _print_rounds(f"{workers} workers", _measure(bodies, args), args.batch)
    name = f"embeddings/s / {TARGET:,}"
    report.ratio(name, best / TARGET, target=1.0, detail=f"best {best:,.0f}/s")
    return report.finish()


if __name__ == "__main__":
    raise SystemExit(main())
