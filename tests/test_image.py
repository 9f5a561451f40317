"""The Docker backend's image: used when present, pulled when possible, else built locally."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from weaviate_jina_ext._exceptions import WeaviateBackendError
from weaviate_jina_ext.testing._weaviate import _image, pinned_version

OFFICIAL = f"cr.weaviate.io/semitechnologies/weaviate:{pinned_version()}"


class _Docker:
    """Answers `docker image inspect` / `docker pull` / `docker build` from a table."""

    def __init__(self, *, has: set[str], pull_ok: bool) -> None:
        self.has = has
        self.pull_ok = pull_ok
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        args = argv[1:]
        self.calls.append(args)
        ok = False
        if args[:2] == ["image", "inspect"]:
            ok = args[2] in self.has
        elif args[0] == "pull":
            ok = self.pull_ok
            if ok:
                self.has.add(args[-1])
        return subprocess.CompletedProcess(argv, 0 if ok else 1, "", "" if ok else "no registry")


@pytest.fixture(autouse=True)
def _docker_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")


def test_an_image_the_engine_has_is_used_as_is() -> None:
    docker = _Docker(has={OFFICIAL}, pull_ok=False)
    assert _image.ensure_image(environ={}, run=docker) == OFFICIAL
    assert [c[0] for c in docker.calls] == ["image"]


def test_a_missing_image_is_pulled_when_the_registry_answers() -> None:
    docker = _Docker(has=set(), pull_ok=True)
    assert _image.ensure_image(environ={}, run=docker) == OFFICIAL
    assert ["pull", "--quiet", OFFICIAL] in docker.calls


def test_weaviate_image_names_the_image() -> None:
    mirror = f"mirror.example/weaviate:{pinned_version()}"
    docker = _Docker(has={mirror}, pull_ok=False)
    assert _image.ensure_image(environ={"WEAVIATE_IMAGE": mirror}, run=docker) == mirror


def test_an_unreachable_registry_falls_back_to_the_local_stand_in() -> None:
    stand_in = _image.local_image(pinned_version())
    docker = _Docker(has={stand_in}, pull_ok=False)
    assert _image.ensure_image(environ={}, run=docker) == stand_in
    assert stand_in.startswith("weaviate-jina-ext/weaviate-local:")


def test_without_build_the_error_names_both_ways_out() -> None:
    docker = _Docker(has=set(), pull_ok=False)
    with pytest.raises(WeaviateBackendError) as caught:
        _image.ensure_image(environ={}, run=docker, build=False)
    assert "ensure-image" in str(caught.value)
    assert "WEAVIATE_IMAGE" in str(caught.value)


def test_the_stand_in_holds_what_the_compose_file_needs(tmp_path: Path) -> None:
    """Server, its C library, CA certificates, users, wget for the healthcheck, tokenizer."""
    binary = Path(shutil.which("ls") or "/bin/ls")  # any dynamically linked executable
    tokenizer = tmp_path / "tiktoken"
    tokenizer.mkdir()
    (tokenizer / "9b5ad71b2ce5302211f9c61530b329a4922fc6a4").write_bytes(b"tokens")
    busybox = tmp_path / "busybox"
    busybox.write_bytes(b"\x7fELF static")
    root = tmp_path / "rootfs"
    _image._assemble(root, binary=binary, tokenizer=tokenizer, busybox=busybox)
    assert (root / "bin" / "weaviate").read_bytes() == binary.read_bytes()
    assert (root / "bin" / "wget").read_bytes() == busybox.read_bytes()
    libraries = _image._linked_libraries(binary)
    assert libraries
    assert all((root / str(lib).lstrip("/")).is_file() for lib in libraries)
    assert (root / "etc" / "ssl" / "certs" / "ca-certificates.crt").is_file()
    assert "root:x:0:0" in (root / "etc" / "passwd").read_text()
    cached = root / "tmp" / "data-gym-cache" / "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
    assert cached.read_bytes() == b"tokens"


def test_a_dynamically_linked_busybox_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in has no shared libraries for busybox: a static one is required."""
    dynamic = shutil.which("ls") or "/bin/ls"
    with pytest.raises(WeaviateBackendError, match="busybox-static"):
        _image._static_busybox(lambda _name: dynamic)
