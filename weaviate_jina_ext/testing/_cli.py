"""The rig's command line: ``python -m weaviate_jina_ext.testing <command>``, for CI and Makefiles.

It provisions what the launchers need ahead of a test run (the pinned ``weaviate-server``
binary and the tokenizer data Weaviate needs offline; for Docker, the image, pulled or built
locally) and shows the pinned version and the binary's cache location.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Final

from weaviate_jina_ext._exceptions import WeaviateRigError
from weaviate_jina_ext.testing._weaviate import (
    binary_path,
    ensure_image,
    ensure_tokenizer_data,
    ensure_weaviate_binary,
    pinned_version,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

_COMMANDS: Final = ("ensure-binary", "ensure-image", "print-version", "binary-path")


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """Provision the binary or show the pinned version; for CI and Makefiles.

    ``ensure-binary`` (or ``--ensure-binary``) prints the path of a ready ``weaviate-server``
    (building it with Go if needed, and caching the tokenizer data Weaviate needs offline)
    and exits 0, or prints what to install and exits 1. ``ensure-image`` prints the image the
    Docker backend runs once the engine has it (``WEAVIATE_IMAGE`` or the pinned official
    image, pulled; else a local stand-in built from the binary). ``print-version`` prints
    the pinned version, ``binary-path`` where the cached binary belongs.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when ``None``.
        prog: The program name shown in usage messages.
    """
    parser = argparse.ArgumentParser(
        prog=prog or "python -m weaviate_jina_ext.testing._weaviate",
        description="Provision the weaviate-server binary the test rig runs.",
    )
    parser.add_argument("command", nargs="?", choices=_COMMANDS, help="what to do")
    for command in _COMMANDS:
        parser.add_argument(f"--{command}", action="store_true", help=f"same as {command}")
    parser.add_argument("--weaviate-version", help="a version other than the pinned one")
    parser.add_argument("--no-build", action="store_true", help="never run `go install`")
    parser.add_argument("--no-pull", action="store_true", help="never run `docker pull`")
    args = parser.parse_args(argv)
    chosen = {c for c in _COMMANDS if getattr(args, c.replace("-", "_"))}
    if args.command:
        chosen.add(args.command)
    if len(chosen) != 1:
        parser.error(f"name exactly one of: {', '.join(_COMMANDS)}")
    [command] = chosen
    try:
        if command == "print-version":
            print(pinned_version())
        elif command == "binary-path":
            print(binary_path(args.weaviate_version))
        elif command == "ensure-image":
            print(ensure_image(pull=not args.no_pull))
        else:
            print(ensure_weaviate_binary(args.weaviate_version, build=not args.no_build))
            ensure_tokenizer_data()
    except WeaviateRigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
