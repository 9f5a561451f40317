"""What the Weaviate server does with Jina, by server version: the facts as data.

The Jina modules changed across Weaviate releases in ways that alter what a collection
stores and what is sent to Jina: the default model, the ``dimensions`` written into a
collection that sets none, the name of the multi-vector module, which modules exist,
whether API-based modules are on without ``ENABLE_MODULES``, and which fields go into an
embedding request. Each change is one :class:`ServerChange` row below, with the first
version(s) that have it and where it was read. :func:`server_line` folds the rows into a
:class:`ServerLine` for one version; the config builders, ``doctor`` and the test-suite
ask it rather than comparing version numbers themselves.

Every row was checked against the source of the tagged Weaviate releases named in
``checked_in`` (the Go module of each tag, read from the Go module proxy); versions between
two checked tags are assumed to behave like the older one unless a row says otherwise.

Why 1.29.0-1.31.5 cannot serve the v2 models: those releases send the stored
``dimensions`` (1024 unless set) with every text embedding request, and the fixed-size v2
models take no ``dimensions``. That the real API refuses it is inferred, not quoted: Jina
documents Matryoshka truncation only for v3 and later; the API validates each request
against the named model's own schema and refuses fields that schema lacks
(``body -> jina-embeddings-v2-base-en -> task``: "Extra inputs are not permitted",
infiniflow/ragflow#11614; the same for ``user``, amikos-tech/chroma-go#315); Weaviate up to
1.28 sent ``dimensions`` to v3 and CLIP models only, and its own end-to-end suite, which
runs against the live API, had a v2 case only in releases that sent no ``dimensions`` to v2
(present in 1.28, absent from 1.29.0 to 1.31.5, back without ``dimensions`` in 1.31.6). The
local Jina-compatible server refuses it the same way (a 422 naming the fix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

from weaviate_jina_ext._catalogue import (
    MODULE_MULTI2MULTIVEC,
    MODULE_MULTI2VEC,
    MODULE_RERANKER,
    MODULE_TEXT2MULTIVEC,
    MODULE_TEXT2VEC,
)
from weaviate_jina_ext._exceptions import JinaConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "MIN_SERVER_VERSION",
    "SERVER_CHANGES",
    "TESTED_LINES",
    "LEGACY_MULTIVECTOR_MODULE",
    "ServerChange",
    "ServerLine",
    "parse_server_version",
    "server_line",
]

#: A Weaviate version as ``(major, minor, patch)``.
Version = tuple[int, int, int]

#: The name ``text2multivec-jinaai`` had before Weaviate 1.31.5 (still accepted after it).
LEGACY_MULTIVECTOR_MODULE: Final = "text2colbert-jinaai"

#: The oldest server the facts cover: weaviate-client 4.24 refuses anything older, and
#: 1.27.0 is the first release with ``reranker-jinaai``.
MIN_SERVER_VERSION: Final = "1.27.0"

#: The Weaviate versions the integration suite runs against, oldest first: the oldest line
#: tried whose Go module builds with Go 1.26 (1.28: dimensions sent to v3/CLIP only, no
#: ColBERT module), the last release before the 1.31.6 default-model change (dimensions=1024
#: sent to every model) and the pinned newest, which is on the later side of every change in
#: SERVER_CHANGES. A line between them (1.35.16 passes the subset too) would add a Go build
#: of several minutes to a cold CI run and no side of a change that these three miss.
TESTED_LINES: Final[tuple[str, ...]] = ("1.28.16", "1.31.5", "1.39.3")

#: Which models the text path sends ``dimensions`` for: only names containing ``v3`` or
#: ``clip``, or every model.
DimensionsRule = Literal["v3-or-clip", "every-model"]
#: When ``normalized`` is sent: whenever it is true (any model; false is omitted), or
#: always for names containing ``v3`` or ``clip`` and never for others.
NormalizedRule = Literal["when-true", "v3-or-clip"]

_VERSION_RE: Final = re.compile(r"v?([0-9]+)\.([0-9]+)(?:\.([0-9]+))?(?:[-+][0-9A-Za-z.+-]*)?")


def parse_server_version(version: str) -> Version:
    """``"1.31.5"``, ``"v1.31.5"``, ``"1.40.0-rc.1"`` or ``"1.31"`` as ``(1, 31, 5)``.

    A pre-release counts as the release it leads to (``1.40.0-rc.1`` has 1.40.0's code
    paths), and a missing patch as ``0``.

    Raises:
        JinaConfigError: Not a version string; the message shows the accepted forms.
    """
    match = _VERSION_RE.fullmatch(str(version).strip())
    if match is None:
        msg = (
            f"version={version!r} is not a Weaviate version; give one like '1.31.5', "
            "'v1.31.5' or '1.40.0-rc.1' (GET /v1/meta returns it as 'version')"
        )
        raise JinaConfigError(msg)
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


@dataclass(frozen=True, slots=True)
class ServerChange:
    """One change in how Weaviate treats Jina, and the releases that have it.

    Attributes:
        attribute: The :class:`ServerLine` field it sets.
        before: The value on releases without the change.
        after: The value from ``since`` on.
        since: The first release of each line that has the change, oldest first. A change
            backported to an older line lists that line's first patch with it too:
            ``("1.31.7", "1.32.1")`` means 1.31.7 and later 1.31 patches, and 1.32.1
            onwards, but not 1.32.0.
        source: Where it was read (file and release, or pull request).
        checked_in: Releases whose source was read to confirm ``before`` and ``after``.
    """

    attribute: str
    before: object
    after: object
    since: tuple[str, ...]
    source: str
    checked_in: tuple[str, ...] = ()

    def applies_to(self, version: Version) -> bool:
        """Whether ``version`` has the change (see ``since``)."""
        firsts = sorted(parse_server_version(v) for v in self.since)
        if version >= firsts[-1]:
            return True
        return any(version[:2] == first[:2] and version >= first for first in firsts)


_T2V_SETTINGS = "modules/text2vec-jinaai/ent/class_settings.go and config.go"
_JINA_CLIENT = "usecases/modulecomponents/clients/jinaai/jinaai.go"

#: Every version-dependent behaviour, one row per change (several rows may set one field).
SERVER_CHANGES: Final[tuple[ServerChange, ...]] = (
    ServerChange(
        "default_text_model", "jina-embeddings-v2-base-en", "jina-embeddings-v4", ("1.31.6",),
        f"{_T2V_SETTINGS} (weaviate/weaviate#8587)", ("1.31.5", "1.31.6", "1.39.3"),
    ),
    ServerChange(
        "default_text_dimensions", 1024, None, ("1.31.6",),
        f"{_T2V_SETTINGS}: ClassConfigDefaults writes dimensions=1024 into every "
        "text2vec-jinaai config without one, whatever the model (weaviate/weaviate#8587 "
        "removed it)", ("1.28.0", "1.31.5", "1.31.6"),
    ),
    ServerChange(
        "default_vectorize_class_name", True, False, ("1.31.6",),
        f"{_T2V_SETTINGS} (weaviate/weaviate#8587)", ("1.31.5", "1.31.6"),
    ),
    ServerChange(
        "text_dimensions_sent_for", "v3-or-clip", "every-model", ("1.29.0",),
        f"{_JINA_CLIENT}: getTextEmbeddingsRequest set dimensions only inside the "
        "v3/clip branch up to 1.28.x, for every model from 1.29.0",
        ("1.27.0", "1.28.16", "1.29.0", "1.31.5", "1.39.3"),
    ),
    ServerChange(
        "normalized_sent", "when-true", "v3-or-clip", ("1.31.7", "1.32.1"),
        f"{_JINA_CLIENT}: a plain bool with omitempty (sent only when true, any model), "
        "then a pointer set only for v3/clip models",
        ("1.31.6", "1.31.7", "1.32.0", "1.32.1", "1.39.3"),
    ),
    ServerChange(
        "multivector_module", LEGACY_MULTIVECTOR_MODULE, MODULE_TEXT2MULTIVEC, ("1.31.5",),
        "modules/text2multivec-jinaai/module.go: renamed, the old name kept as an alias "
        "(AltNames)", ("1.31.4", "1.31.5", "1.39.3"),
    ),
    ServerChange(
        "has_multi2vec", False, True, ("1.28.0",),
        "modules/multi2vec-jinaai (absent in 1.27.0)", ("1.27.0", "1.28.0"),
    ),
    ServerChange(
        "has_multivector", False, True, ("1.29.0",),
        "adapters/handlers/rest/configure_api.go registers text2colbert-jinaai from 1.29.0 "
        "(1.28 ships the module's code but never registers it)", ("1.28.16", "1.29.0"),
    ),
    ServerChange(
        "has_multi2multivec", False, True, ("1.32.0",),
        "modules/multi2multivec-jinaai (absent in 1.31.x)", ("1.31.20", "1.32.0"),
    ),
    ServerChange(
        "api_based_modules_on_by_default", False, True, ("1.33.0",),
        "usecases/config/environment.go: API_BASED_MODULES_DISABLED, API-based modules "
        "enabled unless it is set", ("1.32.1", "1.33.0"),
    ),
    ServerChange(
        "rerank_reads_string_documents", False, True, ("1.32.17", "1.33.5", "1.34.1"),
        "modules/reranker-jinaai/clients/ranker.go: a result's document was decoded as an "
        "object ({text}); Jina's API now answers a bare string, which those releases cannot "
        "decode, so every rerank fails (weaviate/weaviate#9387, fixed by #9709)",
        ("1.31.22", "1.32.16", "1.32.17", "1.33.4", "1.33.5", "1.34.0", "1.34.1", "1.35.16"),
    ),
    ServerChange(
        "has_validate_base_url", False, True, ("1.37.0",),
        "usecases/modulecomponents/settings/class_settings_property_helper.go: "
        "MODULES_VALIDATE_BASE_URL", ("1.36.0", "1.37.0"),
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ServerLine:
    """How one Weaviate version treats the Jina modules.

    Attributes:
        version: The version as ``"major.minor.patch"``.
        default_text_model: The model ``text2vec-jinaai`` uses when a collection names none.
        default_text_dimensions: ``dimensions`` the server writes into a ``text2vec-jinaai``
            config that sets none (``None``: nothing is written).
        default_vectorize_class_name: Server-side default of ``vectorizeClassName``
            (the Python client always sends its own, ``True`` unless told otherwise).
        text_dimensions_sent_for: Which models get ``dimensions`` in text embedding
            requests (``"v3-or-clip"`` or ``"every-model"``).
        normalized_sent: When ``normalized`` is in a request (``"when-true"``: only when
            true, any model; ``"v3-or-clip"``: for those models only).
        multivector_module: The name the ColBERT module registers under.
        has_multi2vec: Whether ``multi2vec-jinaai`` exists.
        has_multivector: Whether the ColBERT module exists (under either name).
        has_multi2multivec: Whether ``multi2multivec-jinaai`` exists.
        api_based_modules_on_by_default: Whether the Jina modules are enabled without
            ``ENABLE_MODULES`` (``API_BASED_MODULES_DISABLED=true`` turns them off).
        has_validate_base_url: Whether ``MODULES_VALIDATE_BASE_URL`` exists (when set, an
            ``http://`` or internal ``baseURL`` is refused).
        rerank_reads_string_documents: Whether ``reranker-jinaai`` understands Jina's
            current rerank answer (each result's ``document`` a bare string). Without it,
            every rerank through the module fails; no 1.31 release has the fix.
        task_sent_for: Which models get ``task`` in requests: names containing ``v3`` or
            ``clip``, on every covered line.
    """

    version: str
    default_text_model: str
    default_text_dimensions: int | None
    default_vectorize_class_name: bool
    text_dimensions_sent_for: DimensionsRule
    normalized_sent: NormalizedRule
    multivector_module: str
    has_multi2vec: bool
    has_multivector: bool
    has_multi2multivec: bool
    api_based_modules_on_by_default: bool
    has_validate_base_url: bool
    rerank_reads_string_documents: bool
    task_sent_for: Literal["v3-or-clip"] = field(default="v3-or-clip")

    @property
    def jina_modules(self) -> frozenset[str]:
        """The Jina module names this version registers (the alias included)."""
        names = {MODULE_TEXT2VEC, MODULE_RERANKER}
        if self.has_multi2vec:
            names.add(MODULE_MULTI2VEC)
        if self.has_multivector:
            names.add(self.multivector_module)
            if self.multivector_module == MODULE_TEXT2MULTIVEC:
                names.add(LEGACY_MULTIVECTOR_MODULE)
        if self.has_multi2multivec:
            names.add(MODULE_MULTI2MULTIVEC)
        return frozenset(names)

    def has_module(self, module: str) -> bool:
        """Whether ``module`` (either ColBERT module name) exists on this version."""
        return module in self.jina_modules

    def sends_text_dimensions(self, model: str) -> bool:
        """Whether a configured (or defaulted) ``dimensions`` reaches Jina for ``model``."""
        return self.text_dimensions_sent_for == "every-model" or _v3_or_clip(model)

    def sends_task(self, model: str) -> bool:
        """Whether ``task`` is sent for ``model``."""
        return _v3_or_clip(model)

    def text_dimensions_sent(self, model: str, configured: int | None) -> int | None:
        """The ``dimensions`` a ``text2vec-jinaai`` request carries for this config.

        Args:
            model: The collection's model.
            configured: The ``dimensions`` the collection was created with (``None``: unset).

        Returns:
            The value sent, or ``None`` when the field is left out: the configured value, or
            the default the server wrote at creation (1024 before 1.31.6), when the server
            sends dimensions for this model.
        """
        stored = configured if configured is not None else self.default_text_dimensions
        return stored if stored is not None and self.sends_text_dimensions(model) else None


def _v3_or_clip(model: str) -> bool:
    return "v3" in model or "clip" in model


def _fold(version: Version, changes: Iterable[ServerChange]) -> dict[str, object]:
    values: dict[str, object] = {}
    for change in changes:
        if change.applies_to(version):
            values[change.attribute] = change.after
        else:
            values.setdefault(change.attribute, change.before)
    return values


def server_line(version: str) -> ServerLine:
    """The Jina behaviour of Weaviate ``version`` (``"1.31.5"``, ``"v1.31.5"``, ``"1.40.0-rc.1"``).

    Raises:
        JinaConfigError: Not a version, or older than :data:`MIN_SERVER_VERSION`.
    """
    parsed = parse_server_version(version)
    if parsed < parse_server_version(MIN_SERVER_VERSION):
        msg = (
            f"Weaviate {version} is older than {MIN_SERVER_VERSION}, the oldest server "
            "weaviate-jina-ext knows the Jina modules of (and the newest weaviate-client "
            "accepts); upgrade the server"
        )
        raise JinaConfigError(msg)
    values = _fold(parsed, SERVER_CHANGES)
    return ServerLine(version="{}.{}.{}".format(*parsed), **values)  # type: ignore[arg-type]
