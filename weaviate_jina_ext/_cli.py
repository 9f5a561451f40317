"""The ``weaviate-jina-ext`` command line.

Subcommands:

``fake-jina``
    Serve the local Jina-compatible API (:class:`weaviate_jina_ext.testing.FakeJina`) in the
    foreground until interrupted, printing its URL first so scripts can read it from the
    first line of output. Handy for pointing a Weaviate process, a notebook or another
    language's client at an offline Jina API.

``doctor``
    Check a live Weaviate and its collections for Jina pitfalls (see
    :func:`weaviate_jina_ext.doctor`); prints the findings with their fixes, or JSON with
    ``--json``, and exits 0 (nothing worse than info), 1 (warnings), 3 (errors) or
    4 (the checks could not finish); 2 is argparse's usage error.

Each subcommand is a ``_cmd_*`` function registered in :func:`build_parser`; adding one
takes a parser entry and a function.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType

__all__ = ["build_parser", "main"]

_log = logging.getLogger("weaviate_jina_ext.cli")


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"{text!r} is not a number"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0.0 <= value <= 1.0:
        msg = f"{text} is not a probability between 0 and 1"
        raise argparse.ArgumentTypeError(msg)
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"{text!r} is not a number"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 0:
        msg = f"{text} must be zero or more"
        raise argparse.ArgumentTypeError(msg)
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        msg = f"{text!r} is not an integer"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 1:
        msg = f"{text} must be at least 1"
        raise argparse.ArgumentTypeError(msg)
    return value


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with one subparser per subcommand."""
    parser = argparse.ArgumentParser(
        prog="weaviate-jina-ext",
        description="Tools for Weaviate with Jina AI embeddings.",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level of the weaviate_jina_ext loggers (default: WARNING)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fake = commands.add_parser(
        "fake-jina",
        help="serve a local Jina-compatible API until interrupted",
        description=(
            "Serve POST /v1/embeddings, /v1/multi-vector and /v1/rerank with deterministic "
            "vectors. Prints the base URL on the first line of output, then runs until "
            "Ctrl-C or SIGTERM."
        ),
    )
    fake.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback)")
    fake.add_argument("--port", type=int, default=8765, help="port to bind; 0 picks a free one")
    fake.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accepted Bearer key (repeatable); without it any non-empty key is accepted",
    )
    fake.add_argument(
        "--lenient",
        action="store_true",
        help="ignore body fields outside a model's schema and serve unknown models "
        "(the real API, and this server by default, refuse both)",
    )
    fake.add_argument("--strict", action="store_true", help="the default; kept for old scripts")
    fake.add_argument(
        "--latency-ms",
        type=_non_negative,
        default=0.0,
        help="least milliseconds from each request to its answer (computing included)",
    )
    for status in (429, 500, 503):
        fake.add_argument(
            f"--fault-rate-{status}",
            type=_probability,
            default=0.0,
            metavar="P",
            help=f"probability of answering {status}",
        )
    fake.add_argument(
        "--retry-after", type=int, default=1, help="Retry-After seconds of injected 429/503s"
    )
    fake.add_argument("--seed", type=int, default=0, help="seed of the fault RNG")
    fake.add_argument("--rpm", type=_positive_int, help="enforce requests per minute per key")
    fake.add_argument("--tpm", type=_positive_int, help="enforce tokens per minute per key")
    fake.add_argument(
        "--concurrency", type=_positive_int, help="enforce requests in flight per key"
    )
    fake.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help="processes serving the port (default 1); more for benchmarks and big loads, "
        "without --rpm/--tpm/--concurrency, which one process must count",
    )
    fake.set_defaults(handler=_cmd_fake_jina)
    _add_doctor(commands)
    return parser


def _add_doctor(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doc = commands.add_parser(
        "doctor",
        help="check a live Weaviate and its collections for Jina pitfalls",
        description=(
            "Check the server's version and Jina modules, whether it refuses a local "
            "base_url, every collection's Jina settings, and the key (one embedding of "
            "'ping' through the server, about one token). Exit codes: 0 nothing worse than "
            "info, 1 warnings, 3 errors, 4 the checks could not finish (2: usage error)."
        ),
    )
    doc.add_argument(
        "url",
        nargs="?",
        default="http://localhost:8080",
        help="Weaviate's REST address (default: http://localhost:8080, as connect_to_local)",
    )
    doc.add_argument(
        "--jina-api-key",
        help="Jina key sent as X-Jinaai-Api-Key (default: JINAAI_APIKEY, JINAAI_API_KEY, "
        "JINA_API_KEY; none: the server's own key)",
    )
    doc.add_argument(
        "--weaviate-api-key",
        default=None,
        help="Weaviate's own API key (default: the WEAVIATE_API_KEY environment variable)",
    )
    doc.add_argument("--requests-per-minute", type=_positive_int, help="as for the connect helpers")
    doc.add_argument("--tokens-per-minute", type=_positive_int, help="as for the connect helpers")
    doc.add_argument(
        "--no-probe", action="store_true", help="skip the probe embedding (spend no tokens)"
    )
    doc.add_argument(
        "--probe-model",
        help="model of the probe embedding (default: the first text2vec-jinaai collection's)",
    )
    doc.add_argument(
        "--probe-base-url",
        help="API root of the probe (default: the first text2vec-jinaai collection's base_url)",
    )
    doc.add_argument("--timeout", type=_non_negative, default=30.0, help="seconds per request")
    doc.add_argument("--json", action="store_true", help="print the report as JSON (for CI)")
    doc.add_argument(
        "--quiet", action="store_true", help="print problems only, not the info findings"
    )
    doc.set_defaults(handler=_cmd_doctor)


def _cmd_doctor(args: argparse.Namespace) -> int:
    import json  # noqa: PLC0415
    import os  # noqa: PLC0415

    from weaviate_jina_ext._doctor import doctor, render_text  # noqa: PLC0415
    from weaviate_jina_ext._exceptions import JinaConfigError  # noqa: PLC0415
    from weaviate_jina_ext._secrets import scrub_text  # noqa: PLC0415

    weaviate_key = args.weaviate_api_key or os.environ.get("WEAVIATE_API_KEY") or None
    try:
        report = doctor(
            args.url,
            jina_api_key=args.jina_api_key,
            weaviate_api_key=weaviate_key,
            requests_per_minute=args.requests_per_minute,
            tokens_per_minute=args.tokens_per_minute,
            probe=not args.no_probe,
            probe_base_url=args.probe_base_url,
            probe_model=args.probe_model,
            timeout=args.timeout,
        )
    except JinaConfigError as exc:
        secrets = [k for k in (args.jina_api_key, weaviate_key) if k]
        sys.stderr.write(f"weaviate-jina-ext doctor: {scrub_text(str(exc), secrets)}\n")
        return 2
    if args.json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(report, verbose=not args.quiet))
    return report.exit_code


def _cmd_fake_jina(args: argparse.Namespace) -> int:
    from weaviate_jina_ext._exceptions import JinaConfigError  # noqa: PLC0415
    from weaviate_jina_ext.testing._fake import FakeJina, Faults, RateLimit  # noqa: PLC0415
    from weaviate_jina_ext.testing._fake._workers import WorkerPool  # noqa: PLC0415

    rates = (args.fault_rate_429, args.fault_rate_500, args.fault_rate_503)
    faults = None
    if args.latency_ms or any(rates):
        faults = Faults(
            rate_429=args.fault_rate_429,
            rate_500=args.fault_rate_500,
            rate_503=args.fault_rate_503,
            latency=args.latency_ms / 1000.0,
            retry_after=args.retry_after,
            seed=args.seed,
        )
    limits = None
    if args.rpm or args.tpm or args.concurrency:
        if args.workers > 1:
            msg = (
                f"--workers {args.workers} cannot enforce --rpm, --tpm or --concurrency: each "
                "worker process would count alone; serve rate limits with --workers 1"
            )
            sys.stderr.write(f"weaviate-jina-ext fake-jina: {msg}\n")
            return 2
        limits = RateLimit(
            requests_per_minute=args.rpm,
            tokens_per_minute=args.tpm,
            concurrency=args.concurrency,
        )
    server: FakeJina | WorkerPool
    if args.workers > 1:
        try:
            server = WorkerPool(
                workers=args.workers,
                host=args.host,
                port=args.port,
                api_keys=args.api_keys,
                faults=faults,
                strict=not args.lenient,
            )
        except JinaConfigError as exc:
            sys.stderr.write(f"weaviate-jina-ext fake-jina: {exc}\n")
            return 2
    else:
        server = FakeJina(
            host=args.host,
            port=args.port,
            api_keys=args.api_keys,
            faults=faults,
            rate_limit=limits,
            strict=not args.lenient,
        )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        with server:
            sys.stdout.write(f"{server.url}\n")
            sys.stdout.flush()
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("weaviate_jina_ext").setLevel(args.log_level)
    try:
        status: int = args.handler(args)
    except OSError as exc:
        parser.exit(1, f"weaviate-jina-ext: {exc}\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
