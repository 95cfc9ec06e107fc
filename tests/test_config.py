"""Configuration: validation messages, the fingerprint, from_dict, derived bands and rows."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dedup import ConfigError, DedupConfig, DedupError, NormalizationOptions, RelatedConfig
from dedup.lsh import optimal_bands_rows


def test_config_error_is_a_dedup_error_and_a_value_error() -> None:
    assert issubclass(ConfigError, DedupError)
    assert issubclass(ConfigError, ValueError)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"ngram": 1}, r"ngram must be between 2 and 32, got 1"),
        ({"ngram": 33}, r"ngram must be between 2 and 32, got 33"),
        ({"num_perm": 4}, r"num_perm must be between 8 and 1024, got 4"),
        ({"num_perm": 2048}, r"num_perm must be between 8 and 1024, got 2048"),
        ({"seed": -1}, r"seed must be in \[0, 2\*\*32\), got -1"),
        ({"seed": 2**32}, r"seed must be in \[0, 2\*\*32\), got 4294967296"),
        ({"jaccard_threshold": 1.5}, r"jaccard_threshold must be in \(0, 1\], got 1\.5"),
        ({"jaccard_threshold": 0.0}, r"jaccard_threshold must be in \(0, 1\], got 0\.0"),
        ({"containment_threshold": -0.2}, r"containment_threshold must be in \(0, 1\], got -0\.2"),
        ({"candidate_threshold": 0.0}, r"candidate_threshold must be in \(0, 1\], got 0\.0"),
        ({"link_jaccard": 0.0}, r"link_jaccard must be in \(0, 1\], got 0\.0"),
        ({"link_containment": 2.0}, r"link_containment must be in \(0, 1\], got 2\.0"),
        (
            {"min_jaccard_for_containment": 1.1},
            r"min_jaccard_for_containment must be in \[0, 1\], got 1\.1",
        ),
        (
            {"candidate_threshold": 0.9},
            r"candidate_threshold must not exceed the verification thresholds \(0\.9 > "
            r"min\(jaccard_threshold, containment_threshold\)\); lower it",
        ),
        (
            {"jaccard_threshold": 0.5, "candidate_threshold": 0.6},
            r"candidate_threshold must not exceed the verification thresholds",
        ),
        (
            {"lsh_weights": (0.5, 0.6)},
            r"lsh_weights must be two non-negative numbers summing to 1, got \(0\.5, 0\.6\)",
        ),
        ({"lsh_weights": (1.2, -0.2)}, r"lsh_weights must be two non-negative numbers"),
        ({"lsh_weights": (1.0,)}, r"lsh_weights must be two non-negative numbers"),
        ({"min_shingles": 0}, r"min_shingles must be >= 1, got 0"),
        ({"boilerplate_min_articles": 1}, r"boilerplate_min_articles must be >= 2, got 1"),
    ],
)
def test_invalid_values_are_refused_with_a_message(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DedupConfig(**values)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"k": -1}, r"related k must be >= 0, got -1"),
        ({"min_score": 1.0}, r"related min_score must be in \[0, 1\), got 1\.0"),
        ({"title_weight": -1.0}, r"title_weight must be >= 0, got -1\.0"),
        ({"time_window_days": 0}, r"time_window_days must be positive or None"),
        ({"recency_half_life_days": -3.0}, r"recency_half_life_days must be positive or None"),
        ({"per_source_cap": 0}, r"per_source_cap must be >= 1 or None"),
        ({"mmr_lambda": 1.5}, r"mmr_lambda must be in \[0, 1\], got 1\.5"),
    ],
)
def test_invalid_related_values(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RelatedConfig(**values)


def test_boundary_values_are_accepted() -> None:
    config = DedupConfig(
        ngram=2,
        num_perm=8,
        seed=0,
        jaccard_threshold=1.0,
        containment_threshold=1.0,
        candidate_threshold=1.0,
        min_jaccard_for_containment=0.0,
        min_shingles=1,
        boilerplate_min_articles=2,
        lsh_weights=(0.0, 1.0),
    )
    assert config.lsh_weights == (0.0, 1.0)
    assert RelatedConfig(k=0, min_score=0.0, mmr_lambda=0.0).k == 0


def test_config_is_frozen() -> None:
    config = DedupConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.ngram = 7  # type: ignore[misc]


def test_lsh_weights_become_a_tuple_of_floats() -> None:
    config = DedupConfig(lsh_weights=[0, 1])  # type: ignore[arg-type]
    assert config.lsh_weights == (0.0, 1.0)
    assert all(isinstance(w, float) for w in config.lsh_weights)


# ---------------------------------------------------------------------------
# Fingerprint


def test_fingerprint_is_the_same_for_equal_configs() -> None:
    assert DedupConfig().fingerprint == DedupConfig().fingerprint
    assert DedupConfig(ngram=6).fingerprint == DedupConfig(ngram=6).fingerprint
    assert len(DedupConfig().fingerprint) == 16
    int(DedupConfig().fingerprint, 16)


@pytest.mark.parametrize(
    "change",
    [
        {"ngram": 6},
        {"seed": 2},
        {"jaccard_threshold": 0.85},
        {"min_shingles": 21},
        {"strip_furniture": False},
        {"normalization": NormalizationOptions(fold_hamza_carriers=True)},
        {"related": RelatedConfig(k=5)},
        {"lsh_weights": (0.2, 0.8)},
    ],
)
def test_fingerprint_changes_with_any_parameter(change: dict[str, Any]) -> None:
    assert DedupConfig(**change).fingerprint != DedupConfig().fingerprint


def test_fingerprint_is_stable_across_processes() -> None:
    # Not built on hash(): a fresh interpreter with another hash seed agrees.
    code = (
        "from dedup import DedupConfig, RelatedConfig; "
        "print(DedupConfig(ngram=6, related=RelatedConfig(k=3)).fingerprint)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == DedupConfig(ngram=6, related=RelatedConfig(k=3)).fingerprint


# ---------------------------------------------------------------------------
# to_dict / from_dict


def test_from_dict_round_trips_through_json() -> None:
    config = DedupConfig(
        ngram=6,
        lsh_weights=(0.2, 0.8),
        normalization=NormalizationOptions(fold_loanword_letters=True),
        related=RelatedConfig(k=3, per_source_cap=2),
    )
    restored = DedupConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert restored == config
    assert restored.fingerprint == config.fingerprint


def test_from_dict_partial_values_keep_the_defaults() -> None:
    config = DedupConfig.from_dict({"ngram": 4, "related": {"k": 0}})
    assert config == DedupConfig(ngram=4, related=RelatedConfig(k=0))


def test_from_dict_rejects_unknown_keys() -> None:
    with pytest.raises(
        ConfigError,
        match=r"unknown config key\(s\): shingle_size, treshold; "
        r"known: .*jaccard_threshold",
    ):
        DedupConfig.from_dict({"treshold": 0.8, "shingle_size": 5})


def test_from_dict_rejects_unknown_related_keys() -> None:
    with pytest.raises(ConfigError, match=r"unknown related key\(s\): top_k"):
        DedupConfig.from_dict({"related": {"top_k": 5}})


def test_from_dict_validates_values() -> None:
    with pytest.raises(ConfigError, match=r"ngram must be between 2 and 32, got 40"):
        DedupConfig.from_dict({"ngram": 40})


def test_from_dict_rejects_unknown_normalization_keys() -> None:
    with pytest.raises(ConfigError, match=r"fold_hamza"):
        DedupConfig.from_dict({"normalization": {"fold_hamza": True}})


@pytest.mark.parametrize(
    "values", [{"normalization": 5}, {"related": 5}, {"normalization": "fold_hamza_carriers"}]
)
def test_nested_configs_of_the_wrong_type_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match=r"normalization|related"):
        DedupConfig.from_dict(values)


# ---------------------------------------------------------------------------
# Derived parameters


@pytest.mark.parametrize(
    ("candidate_threshold", "num_perm", "weights"),
    [(0.3, 128, (0.1, 0.9)), (0.5, 256, (0.5, 0.5)), (0.8, 64, (0.3, 0.7))],
)
def test_bands_rows_derived_from_the_candidate_threshold(
    candidate_threshold: float, num_perm: int, weights: tuple[float, float]
) -> None:
    config = DedupConfig(
        candidate_threshold=candidate_threshold,
        num_perm=num_perm,
        lsh_weights=weights,
        jaccard_threshold=0.9,
        containment_threshold=0.9,
    )
    bands, rows = config.bands_rows
    assert (bands, rows) == optimal_bands_rows(candidate_threshold, num_perm, weights)
    assert bands * rows <= num_perm
    # The S-curve 1 - (1 - s^r)^b is at about one half near the tuned threshold
    # for equal weights; weighted to recall, it is already high there.
    at_threshold = 1 - (1 - candidate_threshold**rows) ** bands
    assert at_threshold > (0.9 if weights[1] >= 0.9 else 0.3)


def test_default_bands_rows_catch_near_copies_and_few_unrelated_pairs() -> None:
    config = DedupConfig()
    bands, rows = config.bands_rows
    # The Jaccard branch of dedup.candidates: a pair at Jaccard 0.8 is a candidate for
    # practical purposes always, one at 0.5 often; an unrelated pair (Jaccard 0.1) rarely.
    # Contained copies at a lower Jaccard are the passage branch's (tests/test_candidates.py).
    assert 1 - (1 - 0.8**rows) ** bands > 0.9999
    assert 1 - (1 - 0.5**rows) ** bands > 0.5
    assert 1 - (1 - 0.1**rows) ** bands < 0.001
    assert config.passage_candidates


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"jaccard_threshold": "0.9"}, r"jaccard_threshold must be a number, got '0\.9' \(str\)"),
        ({"ngram": 5.0}, r"ngram must be a whole number, got 5\.0 \(float\)"),
        ({"template_guard": "yes"}, r"template_guard must be true or false, got 'yes' \(str\)"),
        (
            {"containment_max_days_apart": "7"},
            r"containment_max_days_apart must be a number or None, got '7' \(str\)",
        ),
        ({"related": {"k": "10"}}, r"related\.k must be a whole number, got '10' \(str\)"),
    ],
)
def test_a_value_of_the_wrong_type_names_its_key(values: dict[str, object], message: str) -> None:
    """A TOML string where a number belongs used to fail later as "'<' not supported"."""
    with pytest.raises(ConfigError, match=message):
        DedupConfig.from_dict(values)


def test_a_whole_number_for_a_float_setting_is_the_same_setting() -> None:
    assert (
        DedupConfig(jaccard_threshold=1).fingerprint
        == DedupConfig(jaccard_threshold=1.0).fingerprint
    )


def test_the_readme_lists_every_key_with_its_default() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"\| `([a-z_.]+)` \| ([^|]+?) \|", readme))

    for key, value in DedupConfig().flat_dict().items():
        assert key in listed, f"README lacks the config key {key}"
        shown = "none" if value is None else json.dumps(value)
        assert listed[key] == shown, (key, listed[key], shown)
