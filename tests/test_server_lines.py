"""The server-line facts: each version-dependent behaviour on both sides of its change.

The expected values are written out literally (read from the tagged Weaviate sources), not
derived from the table under test, so a wrong row fails here.
"""

from __future__ import annotations

import pytest

from weaviate_jina_ext import JinaConfigError
from weaviate_jina_ext._server_lines import (
    LEGACY_MULTIVECTOR_MODULE,
    MIN_SERVER_VERSION,
    SERVER_CHANGES,
    TESTED_LINES,
    ServerLine,
    parse_server_version,
    server_line,
)
from weaviate_jina_ext.testing._weaviate import pinned_version

V2 = "jina-embeddings-v2-base-en"
V3 = "jina-embeddings-v3"
V4 = "jina-embeddings-v4"
CLIP = "jina-clip-v2"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1.31.5", (1, 31, 5)),
        ("v1.31.5", (1, 31, 5)),
        (" 1.39.3\n", (1, 39, 3)),
        ("1.40.0-rc.1", (1, 40, 0)),
        ("1.31", (1, 31, 0)),
        ("1.36.23+build.7", (1, 36, 23)),
    ],
)
def test_versions_parse_in_every_form_weaviate_reports(text: str, parsed: tuple[int, ...]) -> None:
    """Tags, bare versions, pre-releases and build metadata all parse; patch defaults to 0."""
    assert parse_server_version(text) == parsed


@pytest.mark.parametrize(
    "bad", ["", "latest", "1", "1.x.3", "v1.31.5.6", "\uff11.31.5", "1.31.5 beta"]
)
def test_a_non_version_is_refused_with_the_accepted_forms(bad: str) -> None:
    """Anything but major.minor[.patch][-pre] is refused, and the message shows examples."""
    with pytest.raises(JinaConfigError, match=r"'1\.31\.5'.*GET /v1/meta"):
        parse_server_version(bad)


def test_servers_older_than_the_covered_range_are_refused() -> None:
    """1.26 predates the reranker and the client's floor: no facts are guessed for it."""
    assert server_line(MIN_SERVER_VERSION).version == MIN_SERVER_VERSION
    with pytest.raises(JinaConfigError, match=r"older than 1\.27\.0"):
        server_line("1.26.9")


def test_a_pre_release_has_the_behaviour_of_its_release() -> None:
    """1.40.0-rc.1 carries 1.40's code paths, so it is reported as 1.40.0."""
    assert server_line("1.40.0-rc.1") == server_line("1.40.0")
    assert server_line("v1.31.5") == server_line("1.31.5")


# --- each change, on both sides ---------------------------------------------------------------


def test_default_model_moves_to_v4_in_1_31_6() -> None:
    """weaviate/weaviate#8587: v2-base-en up to 1.31.5, v4 from 1.31.6."""
    assert server_line("1.28.16").default_text_model == V2
    assert server_line("1.31.5").default_text_model == V2
    assert server_line("1.31.6").default_text_model == V4
    assert server_line("1.39.3").default_text_model == V4


def test_default_dimensions_1024_are_written_until_1_31_5() -> None:
    """Before 1.31.6 every text2vec-jinaai config without dimensions is stored with 1024."""
    assert server_line("1.27.0").default_text_dimensions == 1024
    assert server_line("1.31.5").default_text_dimensions == 1024
    assert server_line("1.31.6").default_text_dimensions is None
    assert server_line("1.35.16").default_text_dimensions is None


def test_vectorize_class_name_server_default_flips_in_1_31_6() -> None:
    """The server-side default is true until 1.31.5, false from 1.31.6."""
    assert server_line("1.31.5").default_vectorize_class_name is True
    assert server_line("1.31.6").default_vectorize_class_name is False


def test_dimensions_reach_jina_for_v3_and_clip_only_until_1_28() -> None:
    """Up to 1.28.x the text path sends dimensions only for v3/clip models; from 1.29.0 for all."""
    old, new = server_line("1.28.16"), server_line("1.29.0")
    assert [old.sends_text_dimensions(m) for m in (V2, V3, V4, CLIP)] == [False, True, False, True]
    assert [new.sends_text_dimensions(m) for m in (V2, V3, V4, CLIP)] == [True] * 4


@pytest.mark.parametrize(
    ("version", "model", "configured", "sent"),
    [
        # 1.28: the stored 1024 never reaches a v2 or v4 request, a configured value neither.
        ("1.28.16", V2, None, None),
        ("1.28.16", V4, 512, None),
        ("1.28.16", V3, None, 1024),
        ("1.28.16", V3, 256, 256),
        # 1.29.0-1.31.5: the stored default goes to every model (v2 refused, v4 truncated).
        ("1.31.5", V2, None, 1024),
        ("1.31.5", V4, None, 1024),
        ("1.31.5", V4, 2048, 2048),
        # 1.31.6 on: only what the collection sets.
        ("1.31.6", V2, None, None),
        ("1.39.3", V4, None, None),
        ("1.39.3", V4, 256, 256),
    ],
)
def test_the_dimensions_a_request_carries(
    version: str, model: str, configured: int | None, sent: int | None
) -> None:
    """What text2vec-jinaai really sends combines the written default and the send rule."""
    assert server_line(version).text_dimensions_sent(model, configured) == sent


def test_normalized_rule_was_backported_to_1_31_7_but_is_missing_in_1_32_0() -> None:
    """The pointer field (sent for v3/clip only) is in 1.31.7+ and 1.32.1+, not in 1.32.0."""
    assert server_line("1.31.6").normalized_sent == "when-true"
    assert server_line("1.31.7").normalized_sent == "v3-or-clip"
    assert server_line("1.31.20").normalized_sent == "v3-or-clip"
    assert server_line("1.32.0").normalized_sent == "when-true"
    assert server_line("1.32.1").normalized_sent == "v3-or-clip"
    assert server_line("1.39.3").normalized_sent == "v3-or-clip"


def test_task_goes_to_v3_and_clip_models_on_every_line() -> None:
    """No covered line sends a task to v2, v4 or v5 models."""
    for version in ("1.27.0", "1.31.5", "1.39.3"):
        line = server_line(version)
        assert line.task_sent_for == "v3-or-clip"
        assert [line.sends_task(m) for m in (V2, V3, V4, CLIP)] == [False, True, False, True]


def test_multivector_module_is_renamed_in_1_31_5_with_the_old_name_kept() -> None:
    """text2colbert-jinaai up to 1.31.4; from 1.31.5 text2multivec-jinaai, the old name an alias."""
    old, new = server_line("1.31.4"), server_line("1.31.5")
    assert old.multivector_module == LEGACY_MULTIVECTOR_MODULE
    assert old.has_module(LEGACY_MULTIVECTOR_MODULE)
    assert not old.has_module("text2multivec-jinaai")
    assert new.multivector_module == "text2multivec-jinaai"
    assert new.has_module("text2multivec-jinaai")
    assert new.has_module(LEGACY_MULTIVECTOR_MODULE)


def test_which_jina_modules_exist() -> None:
    """1.27: text2vec + reranker; 1.28: + multi2vec; 1.29: + ColBERT; 1.32: + multi2multivec."""
    assert server_line("1.27.0").jina_modules == {"text2vec-jinaai", "reranker-jinaai"}
    assert server_line("1.28.16").jina_modules == {
        "text2vec-jinaai",
        "reranker-jinaai",
        "multi2vec-jinaai",
    }
    assert server_line("1.29.0").jina_modules == {
        "text2vec-jinaai",
        "reranker-jinaai",
        "multi2vec-jinaai",
        "text2colbert-jinaai",
    }
    assert not server_line("1.31.20").has_module("multi2multivec-jinaai")
    assert server_line("1.32.0").has_module("multi2multivec-jinaai")
    assert len(server_line("1.39.3").jina_modules) == 6


def test_api_based_modules_are_on_by_default_from_1_33() -> None:
    """Before 1.33 the Jina modules must be named in ENABLE_MODULES."""
    assert server_line("1.32.1").api_based_modules_on_by_default is False
    assert server_line("1.33.0").api_based_modules_on_by_default is True


def test_rerank_answers_are_understood_from_the_backported_fix_on() -> None:
    """Fixed in 1.32.17, 1.33.5 and 1.34.1 (and every later line); never in 1.31."""
    fixed = {
        "1.31.22": False,
        "1.32.16": False,
        "1.32.17": True,
        "1.33.4": False,
        "1.33.5": True,
        "1.34.0": False,
        "1.34.1": True,
        "1.35.0": True,
        "1.39.3": True,
    }
    assert {v: server_line(v).rerank_reads_string_documents for v in fixed} == fixed


def test_base_url_validation_setting_exists_from_1_37() -> None:
    """MODULES_VALIDATE_BASE_URL is read from 1.37.0 on."""
    assert server_line("1.36.23").has_validate_base_url is False
    assert server_line("1.37.0").has_validate_base_url is True


# --- the table itself -------------------------------------------------------------------------


def _just_before(version: str) -> str:
    major, minor, patch = parse_server_version(version)
    return f"{major}.{minor}.{patch - 1}" if patch else f"{major}.{minor - 1}.99"


@pytest.mark.parametrize("change", SERVER_CHANGES, ids=lambda c: c.attribute)
def test_every_row_flips_exactly_at_its_first_release(change: object) -> None:
    """Each row's value is 'before' just below its oldest first release and 'after' at each one."""
    from weaviate_jina_ext._server_lines import ServerChange  # noqa: PLC0415

    assert isinstance(change, ServerChange)
    oldest = min(change.since, key=parse_server_version)
    assert getattr(server_line(_just_before(oldest)), change.attribute) == change.before
    for first in change.since:
        assert getattr(server_line(first), change.attribute) == change.after
    assert change.source
    assert change.checked_in, "every row names the releases whose source confirmed it"
    assert change.attribute in ServerLine.__dataclass_fields__


def test_tested_lines_are_ordered_covered_and_end_at_the_pin() -> None:
    """Oldest first, all covered, the newest is the compose file's pin, one below 1.31.6."""
    parsed = [parse_server_version(v) for v in TESTED_LINES]
    assert parsed == sorted(parsed)
    assert len(set(parsed)) == len(parsed) >= 3
    assert all(server_line(v) for v in TESTED_LINES)
    assert TESTED_LINES[-1] == pinned_version()
    assert parsed[0] < (1, 31, 6), "the oldest line must predate the default-model change"


# --- the launcher speaks each line's module names -----------------------------------------------


@pytest.mark.parametrize(
    ("version", "enabled"),
    [
        ("1.28.16", "text2vec-jinaai,text2multivec-jinaai,reranker-jinaai,text2colbert-jinaai"),
        ("1.31.4", "text2vec-jinaai,text2multivec-jinaai,reranker-jinaai,text2colbert-jinaai"),
        ("1.31.5", "text2vec-jinaai,text2multivec-jinaai,reranker-jinaai"),
        ("1.39.3", "text2vec-jinaai,text2multivec-jinaai,reranker-jinaai"),
        ("1.20.0", "text2vec-jinaai,text2multivec-jinaai,reranker-jinaai"),  # not covered: as is
    ],
)
def test_process_environment_names_the_colbert_module_the_line_knows(
    version: str, enabled: str
) -> None:
    """Before 1.31.5 the server only knows text2colbert-jinaai, so the launcher adds it."""
    from weaviate_jina_ext.testing._weaviate._process import for_version  # noqa: PLC0415

    env = {"ENABLE_MODULES": "text2vec-jinaai, text2multivec-jinaai,reranker-jinaai", "X": "1"}
    adjusted = for_version(env, version)
    assert adjusted["X"] == "1"
    assert adjusted["ENABLE_MODULES"].replace(" ", "") == enabled
    assert env["ENABLE_MODULES"].startswith("text2vec-jinaai, ")  # the input is not changed


def test_process_environment_without_colbert_or_modules_is_left_alone() -> None:
    """No multi-vector module asked for (or no ENABLE_MODULES at all): nothing is added."""
    from weaviate_jina_ext.testing._weaviate._process import for_version  # noqa: PLC0415

    assert for_version({"ENABLE_MODULES": "text2vec-jinaai"}, "1.28.16") == {
        "ENABLE_MODULES": "text2vec-jinaai"
    }
    assert for_version({}, "1.28.16") == {}
