"""Why two articles are, or are not, duplicates: the scan's stages, one pair at a time.

:func:`explain_pair` prepares the corpus as the scan does (so the learned boilerplate lines
are the scan's), then walks the pair through every step that decides it, in the scan's
order: too few shingles, the candidate stage (do they share an LSH band, or enough passage
fingerprints among the corpus's?), the MinHash prefilter, the similarity
rule (Jaccard, or containment with its floors), verbatim passages, the publication dates, and
the template guard, and for a containment match the relation its shared passages read as
(update, follow-up, roundup: :mod:`dedup.relations`). The first step that settles the pair
is named in ``decided_by``.

It explains the *pair*: whether the two articles end in one cluster also depends on the
others (stars and links, :mod:`dedup.cluster`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from dedup.candidates import fingerprints_of, passage_pairs
from dedup.config import DedupConfig
from dedup.errors import InputError
from dedup.lsh import band_values
from dedup.prepare import prepare_texts, published_timestamp
from dedup.records import MERGED_RELATIONS, Article, Relation
from dedup.relations import out_of_order, passage_layout, relation_of
from dedup.shingle import shingle_texts
from dedup.signature import minhash_signatures
from dedup.template import own_fact_words, template_verdict
from dedup.verify import (
    SimilarityRule,
    estimated_jaccard,
    exact_groups,
    exact_similarities,
    minimum_estimate,
    passage_containment,
    too_far_apart,
)

__all__ = ["PairExplanation", "explain_pair", "explain_pairs"]

_SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class PairExplanation:
    """Every figure the scan's verification reads for one pair, and its verdict.

    Attributes
    ----------
    a, b
        The two ids, as given.
    text_a, text_b
        The texts that are shingled: furniture stripped, normalized, learned boilerplate
        lines left out.
    shingles_a, shingles_b
        Distinct shingles of each.
    jaccard, containment
        Exact, on the shingle sets.
    estimate, minimum_estimate
        The MinHash estimate of the Jaccard, and the lowest one the prefilter lets through.
    shares_a_band
        Whether LSH proposes the pair (the two signatures agree on a whole band).
    shares_passages
        Whether the passage branch of the candidate stage proposes it: at least
        ``fingerprint_min_shared`` winnowed fingerprints in common, and
        ``fingerprint_min_share`` of the smaller text's, counting only those of at most
        ``fingerprint_max_df`` articles of the corpus (:mod:`dedup.candidates`).
    passages
        Share of the shorter text's 40-character windows found verbatim in the other.
    days_apart
        Between the two ``published_at`` (None when either is undated).
    template
        The template guard's reason, when it looked at the pair (a near pair, the guard on).
    duplicate
        Whether the scan merges the pair.
    relation
        ``"exact"``, ``"near"``, ``"update"`` (merged); ``"template"``, ``"follow_up"``,
        ``"roundup"`` (reported and linked, never merged); or None.
    decided_by
        The step that settled it, in words; for a pair accepted by containment, which
        relation its shared passages read as and why.
    """

    a: str
    b: str
    text_a: str
    text_b: str
    shingles_a: int
    shingles_b: int
    jaccard: float
    containment: float
    estimate: float
    minimum_estimate: float
    shares_a_band: bool
    shares_passages: bool
    passages: float
    days_apart: float | None
    template: str | None
    duplicate: bool
    relation: Relation | None
    decided_by: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (``dedup explain --json``)."""
        values = asdict(self)
        for key in ("jaccard", "containment", "estimate", "minimum_estimate", "passages"):
            values[key] = round(values[key], 6)
        return values


@dataclass(frozen=True)
class _Figures:
    """The measured side of an explanation, before the verdict."""

    sizes: tuple[int, int]
    jaccard: float
    containment: float
    estimate: float
    shares_a_band: bool
    shares_passages: bool
    passages: float
    days_apart: float | None


def explain_pair(
    articles: Sequence[Article], first: str, second: str, *, config: DedupConfig | None = None
) -> PairExplanation:
    """Why ``first`` and ``second`` of ``articles`` are, or are not, duplicates.

    Parameters
    ----------
    articles
        The corpus the two belong to (its learned boilerplate lines are the scan's).
    first, second
        The two ids.
    config
        The scan's parameters (defaults when omitted).

    Raises
    ------
    InputError
        An id that is not among the articles.

    Examples
    --------
    >>> body = "أعلنت وزارة النفط العراقية اليوم زيادة صادرات الخام عبر موانئ البصرة الجنوبية"
    >>> found = explain_pair([Article(id="a", text=body),
    ...                       Article(id="b", text="بغداد - " + body)], "a", "b")
    >>> found.duplicate, found.relation, found.decided_by.split(" (")[0]
    (True, 'near', 'Jaccard at or above the threshold')
    """
    return explain_pairs(articles, [(first, second)], config=config)[0]


def explain_pairs(
    articles: Sequence[Article],
    pairs: Sequence[tuple[str, str]],
    *,
    config: DedupConfig | None = None,
) -> list[PairExplanation]:
    """:func:`explain_pair` for several pairs of one corpus (prepared once).

    Examples
    --------
    >>> body = "أعلنت وزارة النفط العراقية اليوم زيادة صادرات الخام عبر موانئ البصرة الجنوبية"
    >>> found = explain_pairs([Article(id="a", text=body), Article(id="b", text=body),
    ...                        Article(id="c", text="فاز المنتخب الوطني بالمباراة")],
    ...                       [("a", "b"), ("a", "c")])
    >>> [(f.b, f.duplicate) for f in found]
    [('b', True), ('c', False)]
    """
    config = DedupConfig() if config is None else config
    position = {article.id: i for i, article in enumerate(articles)}
    missing = [i for pair in pairs for i in pair if i not in position]
    if missing:
        raise InputError(f"no article with the id {missing[0]!r} in the input(s)")
    prepared = prepare_texts(articles, config).shingle_texts
    groups, by_passages = _passage_candidates(prepared, config)
    found = []
    for first, second in pairs:
        i, j = position[first], position[second]
        shared = (min(groups[i], groups[j]), max(groups[i], groups[j])) in by_passages
        texts = [prepared[i], prepared[j]]
        found.append(_explain(first, second, texts, (articles[i], articles[j]), shared, config))
    return found


def _passage_candidates(
    texts: Sequence[str], config: DedupConfig
) -> tuple[list[int], set[tuple[int, int]]]:
    """The scan's passage branch over the whole corpus (its fingerprint frequencies are the
    corpus's): each text's exact group (its first text with the same shingle set), and the
    pairs of group firsts the branch proposes, as :func:`dedup.pipeline.scan` counts them."""
    shingles = shingle_texts(list(texts), config.ngram)
    groups = exact_groups(shingles)
    firsts = (groups == np.arange(len(groups))) & (shingles.sizes >= config.min_shingles)
    representatives = np.flatnonzero(firsts)
    fingerprints = fingerprints_of([texts[i] for i in representatives.tolist()], config)
    if fingerprints is None:
        return groups.tolist(), set()
    local = passage_pairs(fingerprints, config)
    proposed = representatives[local].tolist() if len(local) else []
    return groups.tolist(), {(a, b) for a, b in proposed}


def _explain(
    first: str,
    second: str,
    texts: list[str],
    pair: tuple[Article, Article],
    shares_passages: bool,
    config: DedupConfig,
) -> PairExplanation:
    figures = _measure(texts, pair, shares_passages, config)
    duplicate, relation, decided_by, template = _verdict(figures, texts, config)
    return PairExplanation(
        a=first,
        b=second,
        text_a=texts[0],
        text_b=texts[1],
        shingles_a=figures.sizes[0],
        shingles_b=figures.sizes[1],
        jaccard=figures.jaccard,
        containment=figures.containment,
        estimate=figures.estimate,
        minimum_estimate=minimum_estimate(config),
        shares_a_band=figures.shares_a_band,
        shares_passages=figures.shares_passages,
        passages=figures.passages,
        days_apart=figures.days_apart,
        template=template,
        duplicate=duplicate,
        relation=relation,
        decided_by=decided_by,
    )


def _measure(
    texts: list[str], both: tuple[Article, Article], shares_passages: bool, config: DedupConfig
) -> _Figures:
    left, right = both
    shingles = shingle_texts(texts, config.ngram)
    signatures = minhash_signatures(shingles, num_perm=config.num_perm, seed=config.seed)
    pair = np.array([[0, 1]], dtype=np.int64)
    jaccard, containment = exact_similarities(shingles, pair)
    bands, rows = config.bands_rows
    values = band_values(signatures, bands, rows)
    moments = [published_timestamp(left.published_at), published_timestamp(right.published_at)]
    days = (
        None
        if moments[0] is None or moments[1] is None
        else abs(moments[0] - moments[1]) / _SECONDS_PER_DAY
    )
    sizes = shingles.sizes.tolist()
    return _Figures(
        sizes=(sizes[0], sizes[1]),
        jaccard=float(jaccard[0]),
        containment=float(containment[0]),
        estimate=float(estimated_jaccard(signatures, pair)[0]),
        shares_a_band=bool((values[0] == values[1]).any()),
        shares_passages=shares_passages,
        passages=float(passage_containment(texts, pair)[0]),
        days_apart=days,
    )


def _verdict(
    figures: _Figures, texts: list[str], config: DedupConfig
) -> tuple[bool, Relation | None, str, str | None]:
    """(duplicate, relation, the step that decided, the template guard's reason when it was
    asked), in the order the scan decides."""
    rule = SimilarityRule.of(config)
    smaller = min(figures.sizes)
    if smaller < config.min_shingles:
        return False, None, f"too few shingles to match ({smaller} < min_shingles)", None
    if figures.jaccard >= 1.0:
        return True, "exact", "the same text after preparation (exact copy)", None
    if not (figures.shares_a_band or figures.shares_passages):
        why = (
            "the candidate stage never proposes the pair (no LSH band of the signatures "
            "agrees, and too few shared passage fingerprints)"
        )
        return False, None, why, None
    if figures.estimate < minimum_estimate(config):
        return False, None, "the MinHash prefilter drops it (estimate under the bound)", None
    accepted, why = _accepted(figures, rule, config)
    if not accepted:
        return False, None, why, None
    if _too_far(figures, config):
        return False, None, f"{why}, but published more than the allowed days apart", None
    if not config.template_guard:
        return (*_relation(figures, texts, config, why), None)
    guard = template_verdict(texts[0], texts[1])
    if guard.is_template:
        why = f"{why}, but the template guard: same template, other facts"
        return False, "template", why, guard.reason
    return (*_relation(figures, texts, config, why), guard.reason)


def _relation(
    figures: _Figures, texts: list[str], config: DedupConfig, why: str
) -> tuple[bool, Relation, str]:
    """A pair accepted by containment, read as :func:`dedup.verify.pair_relation` reads it:
    a template when its shared words stand in other sequences, else by where its shared
    passages lie; a pair at the Jaccard threshold is ``near``."""
    if figures.jaccard >= config.jaccard_threshold:
        return True, "near", why
    disorder = ""
    if config.template_guard:
        disorder = out_of_order(texts[0], texts[1]) or own_fact_words(texts[0], texts[1])
    if disorder:
        return False, "template", f"{why}, but {disorder}"
    verdict = relation_of(passage_layout(texts[0], texts[1]))
    merged = verdict.relation in MERGED_RELATIONS
    link = "merged" if merged else "reported and linked, not merged"
    return merged, verdict.relation, f"{why}; {verdict.relation} ({link}): {verdict.reason}"


def _accepted(figures: _Figures, rule: SimilarityRule, config: DedupConfig) -> tuple[bool, str]:
    smaller = min(figures.sizes)
    if figures.jaccard >= rule.jaccard_threshold:
        return True, f"Jaccard at or above the threshold ({rule.jaccard_threshold})"
    if rule.accepts(figures.jaccard, figures.containment, *figures.sizes):
        return True, (
            f"containment at or above {rule.containment_threshold} with Jaccard at or above "
            f"{rule.min_jaccard_for_containment}"
        )
    threshold = config.passage_containment_threshold
    passage_floor = max(config.min_shingles, config.min_shingles_for_containment)
    if (
        threshold is not None
        and figures.jaccard >= config.min_jaccard_for_containment
        and figures.containment >= threshold
        and smaller >= passage_floor
        and figures.passages >= threshold
    ):
        return True, f"verbatim passages cover at least {threshold} of the shorter text"
    return False, (
        f"below the rule: Jaccard < {rule.jaccard_threshold}, and not containment >= "
        f"{rule.containment_threshold} with Jaccard >= {rule.min_jaccard_for_containment} and "
        f">= {rule.min_shingles_for_containment} shingles, nor passages"
    )


def _too_far(figures: _Figures, config: DedupConfig) -> bool:
    if figures.days_apart is None:
        return False
    apart = too_far_apart(
        np.array([figures.jaccard]),
        np.array([0.0]),
        np.array([figures.days_apart * _SECONDS_PER_DAY]),
        config,
    )
    return bool(apart[0])
