"""The compose file, the single source of truth for the pinned version and the environment.

``docker/docker-compose.yml`` pins the Weaviate image and lists the server environment. The
Docker launcher runs it as is; the process launchers read the version from its image tag and
the environment from its ``environment:`` block, interpolated the way Docker Compose does
(:func:`interpolate`), so the Docker and bare runs cannot drift apart.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from weaviate_jina_ext._exceptions import ComposeFileError, WeaviateRigError
from weaviate_jina_ext._keys import KEY_ENV_VARS

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Compose variables that carry server settings the rig decides itself. They are never taken
#: from the developer's shell: a Jina key there must not reach a test server (it would be
#: sent to the local Jina server, and the reranker prefers it to the client's key), and a
#: proxy or module list there would change what the tests test.
SERVER_VARIABLES: Final = frozenset(
    {
        *KEY_ENV_VARS,
        "ENABLE_MODULES",
        "HTTPS_PROXY",
        "NO_PROXY",
        "SSL_CERT_FILE",
        "WEAVIATE_TOKENIZER_DIR",
        "WEAVIATE_EXTRA_ENV_FILE",
    }
)
_COMPOSE_SERVICE: Final = "weaviate"
_COMPOSE_FILE: Final = "docker-compose.yml"

_VAR_RE: Final = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)
_BRACED_RE: Final = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?", re.DOTALL
)


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    """Resolve ``$VAR``, ``${VAR...}`` and ``$$`` in ``value`` the way Docker Compose does.

    Supported forms: ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``,
    ``${VAR?error}``, ``${VAR:+alternative}`` and ``${VAR+alternative}``; defaults may
    themselves contain ``$VAR`` (but no nested braces).

    Args:
        value: A string from the compose file.
        environ: The variables to resolve against (normally the host environment).

    Returns:
        The interpolated string; unset variables without a default become ``""``.

    Raises:
        ComposeFileError: A ``:?``/``?`` variable is unset, or the syntax is invalid.
    """

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["named"]:
            return environ.get(match["named"], "")
        braced = _BRACED_RE.fullmatch(match["braced"])
        if braced is None:
            msg = f"invalid interpolation {match[0]!r} in {value!r}"
            raise ComposeFileError(msg)
        name, op, arg = braced["name"], braced["op"], braced["arg"] or ""
        current = environ.get(name)
        is_set = current is not None
        non_empty = bool(current)
        if op is None:
            return current or ""
        if op in (":-", "-"):
            use_default = not non_empty if op == ":-" else not is_set
            return interpolate(arg, environ) if use_default else (current or "")
        if op in (":+", "+"):
            use_alt = non_empty if op == ":+" else is_set
            return interpolate(arg, environ) if use_alt else ""
        # ":?" and "?"
        missing = not non_empty if op == ":?" else not is_set
        if missing:
            msg = f"required variable {name} is not set: {arg or 'set it in the environment'}"
            raise ComposeFileError(msg)
        return current or ""

    return _VAR_RE.sub(replace, value)


@dataclass(frozen=True, slots=True)
class ComposeService:
    """The Weaviate service of a compose file, interpolated.

    Attributes:
        path: The compose file it was read from.
        name: The service name.
        image: The image reference, for example
            ``cr.weaviate.io/semitechnologies/weaviate:1.39.3``.
        version: The pinned version from the image tag, without a leading ``v``.
        environment: The service environment with variables resolved.
    """

    path: Path
    name: str
    image: str
    version: str
    environment: Mapping[str, str]


def compose_file_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Locate the single-node compose file.

    Looked up in order: ``path``; ``WEAVIATE_JINA_COMPOSE_FILE``; a copy shipped inside the
    package (``weaviate_jina_ext/testing/docker/``); the ``docker/`` directory of a source
    checkout.

    Raises:
        ComposeFileError: None of these exists.
    """
    if path is not None:
        candidates = [Path(path)]
    elif env_path := os.environ.get("WEAVIATE_JINA_COMPOSE_FILE"):
        candidates = [Path(env_path)]
    else:
        testing = Path(__file__).resolve().parents[1]  # weaviate_jina_ext/testing
        candidates = [
            testing / "docker" / _COMPOSE_FILE,
            testing.parents[1] / "docker" / _COMPOSE_FILE,
        ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    msg = (
        f"no Weaviate compose file found (tried {tried}); pass compose_file= or set "
        "WEAVIATE_JINA_COMPOSE_FILE to the path of docker/docker-compose.yml"
    )
    raise ComposeFileError(msg)


def _load_yaml(path: Path) -> Any:  # noqa: ANN401 - YAML is dynamically typed
    try:
        import yaml  # noqa: PLC0415 - a test-extra dependency, loaded on use
    except ImportError as exc:
        msg = (
            "reading the Weaviate compose file needs PyYAML: "
            "pip install 'weaviate-jina-ext[test]' (or pip install pyyaml)"
        )
        raise WeaviateRigError(msg) from exc
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        msg = f"{path} is not valid YAML: {exc}"
        raise ComposeFileError(msg) from exc


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _environment(raw: object, environ: Mapping[str, str], where: str) -> dict[str, str]:
    """Both compose forms (mapping, or list of ``KEY=VALUE``); bare keys pass host values."""
    pairs: list[tuple[str, str | None]] = []
    if raw is None:
        return {}
    if isinstance(raw, dict):
        pairs = [(str(k), None if v is None else _scalar(v)) for k, v in raw.items()]
    elif isinstance(raw, list):
        for item in raw:
            key, sep, val = str(item).partition("=")
            pairs.append((key, val if sep else None))
    else:
        msg = f"{where}: 'environment' must be a mapping or a list, not {type(raw).__name__}"
        raise ComposeFileError(msg)
    resolved: dict[str, str] = {}
    for name, value in pairs:
        if value is None:
            if name in environ:
                resolved[name] = environ[name]
        else:
            resolved[name] = interpolate(value, environ)
    return resolved


def _version_from_image(image: str, where: str) -> str:
    name, sep, tag = image.rpartition(":")
    if not sep or "/" in tag or not tag or tag == "latest":
        msg = f"{where}: image {image!r} must be pinned to a version tag, like weaviate:1.39.3"
        raise ComposeFileError(msg)
    del name
    return tag.removeprefix("v")


def rig_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environ`` (the process environment) without :data:`SERVER_VARIABLES`."""
    env = os.environ if environ is None else environ
    return {k: v for k, v in env.items() if k not in SERVER_VARIABLES}


def read_compose(
    path: str | os.PathLike[str] | None = None,
    *,
    service: str = _COMPOSE_SERVICE,
    environ: Mapping[str, str] | None = None,
) -> ComposeService:
    """Read the pinned version and the environment of Weaviate from the compose file.

    Args:
        path: The compose file; located with :func:`compose_file_path` when ``None``.
        service: The service to read.
        environ: Variables for interpolation; the process environment when ``None``.

    Raises:
        ComposeFileError: The file or service is missing or malformed, or unpinned.
    """
    file = compose_file_path(path)
    env = os.environ if environ is None else environ
    data = _load_yaml(file)
    services = data.get("services") if isinstance(data, dict) else None
    spec = services.get(service) if isinstance(services, dict) else None
    where = f"{file} service {service!r}"
    if not isinstance(spec, dict):
        msg = f"{file} has no service {service!r}"
        raise ComposeFileError(msg)
    image = spec.get("image")
    if not isinstance(image, str):
        msg = f"{where} has no 'image'"
        raise ComposeFileError(msg)
    image = interpolate(image, env)
    return ComposeService(
        path=file,
        name=service,
        image=image,
        version=_version_from_image(image, where),
        environment=_environment(spec.get("environment"), env, where),
    )


def pinned_version(compose_file: str | os.PathLike[str] | None = None) -> str:
    """The Weaviate version the compose file pins (its image tag)."""
    return read_compose(compose_file).version
