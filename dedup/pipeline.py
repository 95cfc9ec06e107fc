"""The one place that knows the whole flow of a scan.

read → prepare (furniture, normalize, corpus boilerplate) → shingle → signature
→ LSH candidates → exact verification (+ template guard) → star clusters →
related lists. Each stage is a pure function of its inputs in its own module;
this module only wires them and times them.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from dedup import __version__
from dedup.arrays import distinct_with_inverse
from dedup.boilerplate import LineStatistics
from dedup.cluster import (
    LinkRule,
    SimilarityRule,
    build_clusters,
    estimated_jaccard,
    exact_groups,
    exact_similarities,
)
from dedup.config import DedupConfig
from dedup.furniture import strip_furniture
from dedup.lsh import candidate_pairs
from dedup.normalize import normalize_lines
from dedup.records import Article, Pair, Rejected, Relation, ScanReport
from dedup.shingle import ShingleSets, concatenate, shingle_texts
from dedup.signature import minhash_signatures
from dedup.template import template_verdict

__all__ = [
    "PreparedTexts",
    "Progress",
    "prepare_texts",
    "scan",
    "sort_key_for",
    "too_far_apart",
    "verify_pairs",
]

Progress = Callable[[str, int, int], None]
"""Progress callback: (stage name, items done, items total)."""

# Texts shingled at once: bounds the code-point arrays to a few hundred MB even
# for long articles, while keeping numpy calls few.
_SHINGLE_BATCH = 4096
# Passage windows: 40 characters, about 7 words. On judged-duplicates-dev the re-topped
# copies (a new lead on the same text) keep 0.47-0.68 of their 40-character windows
# verbatim in the other text, while the same event written independently keeps at most
# 0.44 and template siblings at most 0.15; 24-character windows separate less (0.53
# vs 0.49), 64-character ones no better (0.67 vs 0.38).
_PASSAGE_CHARS = 40
_SECONDS_PER_DAY = 86400.0
# The MinHash estimate of J has standard deviation sqrt(J(1-J)/num_perm); a
# candidate more than 3 of those below the lowest Jaccard that can be accepted
# is dropped before exact verification (one-sided miss chance 0.13% at the floor,
# below 1e-4 at floor + 0.05).
_PREFILTER_SIGMAS = 3.0


def _noop(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class PreparedTexts:
    """Texts ready for shingling, and what preparation removed."""

    shingle_texts: list[str]
    stripped_chars: dict[str, int] = field(default_factory=dict)
    stripped_lines: dict[str, int] = field(default_factory=dict)
    kept_whole: int = 0
    boilerplate_lines_dropped: int = 0
    bodies: list[str] = field(default_factory=list)


def prepare_texts(
    articles: Sequence[Article],
    config: DedupConfig,
    *,
    line_statistics: LineStatistics | None = None,
) -> PreparedTexts:
    """Strip page furniture, normalize, and leave out corpus-learned boilerplate lines.

    With ``line_statistics`` given (an incremental index), those counts are
    used and updated; otherwise they are learned from ``articles`` first.
    """
    bodies: list[str] = []
    stripped_chars: Counter[str] = Counter()
    stripped_lines: Counter[str] = Counter()
    kept_whole = 0
    for article in articles:
        if config.strip_furniture:
            result = strip_furniture(article.text)
            bodies.append(result.body)
            stripped_chars.update(result.stripped_chars)
            stripped_lines.update(result.stripped_lines)
            kept_whole += int(result.kept_whole)
        else:
            bodies.append(article.text)
    options = config.normalization
    lines_per_article = [normalize_lines(body, options) for body in bodies]
    dropped = 0
    if config.learn_boilerplate:
        statistics = line_statistics or LineStatistics(min_articles=config.boilerplate_min_articles)
        for lines, article in zip(lines_per_article, articles, strict=True):
            statistics.add(lines, article.source)
        kept_lines = []
        for lines, article in zip(lines_per_article, articles, strict=True):
            kept = statistics.filter_lines(lines, article.source)
            dropped += len(lines) - len(kept)
            kept_lines.append(kept)
        lines_per_article = kept_lines
    texts = [" ".join(line for line in lines if line) for lines in lines_per_article]
    return PreparedTexts(
        shingle_texts=texts,
        stripped_chars=dict(sorted(stripped_chars.items())),
        stripped_lines=dict(sorted(stripped_lines.items())),
        kept_whole=kept_whole,
        boilerplate_lines_dropped=dropped,
        bodies=bodies,
    )


def _timestamp(value: str) -> float | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def sort_key_for(articles: Sequence[Article]) -> Callable[[str], tuple[object, ...]]:
    """Canonical order: earliest ``published_at`` (undated last), longest text, smallest id."""
    keys: dict[str, tuple[object, ...]] = {}
    for article in articles:
        moment = _timestamp(article.published_at)
        keys[article.id] = (moment is None, moment or 0.0, -len(article.text), article.id)
    return keys.__getitem__


def too_far_apart(
    jaccard: npt.NDArray[np.float64],
    first: npt.NDArray[np.float64],
    second: npt.NDArray[np.float64],
    config: DedupConfig,
) -> npt.NDArray[np.bool_]:
    """Which containment matches join articles published too far apart to be copies.

    ``first`` and ``second`` are publication times in seconds (NaN when undated, which is
    never too far). Pairs at or above ``jaccard_threshold`` are copies whatever their dates.

    Examples
    --------
    >>> day = 86400.0
    >>> too_far_apart(np.array([0.5, 0.5, 0.9, 0.5]), np.array([0.0, 0.0, 0.0, np.nan]),
    ...               np.array([3 * day, 15 * day, 15 * day, 0.0]), DedupConfig()).tolist()
    [False, True, False, False]
    """
    limit = config.containment_max_days_apart
    if limit is None:
        return np.zeros(len(jaccard), dtype=bool)
    with np.errstate(invalid="ignore"):
        gap = np.abs(first - second)
        # NaN (an undated side) compares False: never too far apart.
        return (jaccard < config.jaccard_threshold) & (gap > limit * _SECONDS_PER_DAY)


def _accept_by_passages(
    pairs: npt.NDArray[np.int64],
    jaccard: npt.NDArray[np.float64],
    containment: npt.NDArray[np.float64],
    accepted: npt.NDArray[np.bool_],
    sizes: npt.NDArray[np.int64],
    texts: Sequence[str],
    config: DedupConfig,
) -> npt.NDArray[np.bool_]:
    """Pairs the 5-gram rule missed whose shorter text is mostly long verbatim passages.

    Only pairs with Jaccard >= ``min_jaccard_for_containment`` and 5-gram containment
    >= ``passage_containment_threshold`` are looked at (every shared passage brings its
    5-grams along, so the passage containment is hardly ever the higher of the two); their
    texts are shingled again in ``_PASSAGE_CHARS``-character windows.
    """
    threshold = config.passage_containment_threshold
    result = np.zeros(len(pairs), dtype=bool)
    if threshold is None or not len(pairs):
        return result
    maybe = (
        ~accepted
        & (jaccard >= config.min_jaccard_for_containment)
        & (containment >= threshold)
        & (
            np.minimum(sizes[pairs[:, 0]], sizes[pairs[:, 1]])
            >= max(config.min_shingles, config.min_shingles_for_containment)
        )
    )
    if not maybe.any():
        return result
    involved, local = distinct_with_inverse(pairs[maybe].ravel())
    passages = shingle_texts([texts[i] for i in involved.tolist()], _PASSAGE_CHARS)
    _, passage_containment = exact_similarities(passages, local.reshape(-1, 2))
    result[np.flatnonzero(maybe)[passage_containment >= threshold]] = True
    return result


def verify_pairs(
    candidates: npt.NDArray[np.int64],
    shingles: ShingleSets,
    signatures: npt.NDArray[np.uint32],
    texts: Sequence[str],
    config: DedupConfig,
    timestamps: npt.NDArray[np.float64] | None = None,
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    list[Relation],
    dict[str, int],
]:
    """Exact verification of LSH candidates; returns accepted pairs with similarities.

    Returns the accepted index pairs, their Jaccard and containment, their
    relation (``"near"`` or ``"template"``), and counts per step.
    ``timestamps`` (seconds, NaN when undated; one per shingle set) apply
    ``config.containment_max_days_apart``; without them no pair is too far apart.
    """
    rule = SimilarityRule.of(config)
    floor = rule.jaccard_floor
    sigma = math.sqrt(max(floor * (1 - floor), 1e-6) / config.num_perm)
    estimates = estimated_jaccard(signatures, candidates)
    survivors = candidates[estimates >= floor - _PREFILTER_SIGMAS * sigma]
    jaccard, containment = exact_similarities(shingles, survivors)
    sizes = shingles.sizes
    accepted = (
        rule.accepts_many(jaccard, containment, sizes[survivors[:, 0]], sizes[survivors[:, 1]])
        if len(survivors)
        else np.zeros(0, dtype=bool)
    )
    by_passages = _accept_by_passages(
        survivors, jaccard, containment, accepted, sizes, texts, config
    )
    accepted |= by_passages
    too_far = np.zeros(len(survivors), dtype=bool)
    if timestamps is not None and len(survivors):
        too_far = accepted & too_far_apart(
            jaccard, timestamps[survivors[:, 0]], timestamps[survivors[:, 1]], config
        )
        accepted &= ~too_far
    pairs = survivors[accepted]
    jaccard, containment = jaccard[accepted], containment[accepted]
    relations: list[Relation] = ["exact" if j >= 1.0 else "near" for j in jaccard.tolist()]
    if config.template_guard:
        to_check = [i for i, relation in enumerate(relations) if relation == "near"]
        for i in to_check:
            if template_verdict(texts[pairs[i, 0]], texts[pairs[i, 1]]).is_template:
                relations[i] = "template"
    counts = {
        "candidates": len(candidates),
        "prefiltered_out": int(len(candidates) - len(survivors)),
        "verified_exactly": len(survivors),
        "accepted_by_passages": int(np.count_nonzero(by_passages & ~too_far)),
        "too_far_apart": int(np.count_nonzero(too_far)),
        "accepted_pairs": len(pairs),
    }
    return pairs, jaccard, containment, relations, counts


def scan(
    records: Iterable[Article | Rejected],
    *,
    config: DedupConfig | None = None,
    progress: Progress | None = None,
) -> ScanReport:
    """Find duplicate clusters (and related lists) in a corpus.

    Parameters
    ----------
    records
        Articles, and rejects from the readers (passed through to the report).
    config
        All parameters; defaults when omitted.
    progress
        Called as ``progress(stage, done, total)``; the CLI draws a bar from it.

    Returns
    -------
    ScanReport
        Clusters covering every accepted article once, verified pairs, rejects,
        related lists, and stats (counts, parameters, seconds per stage).

    Examples
    --------
    >>> from dedup.config import RelatedConfig
    >>> body = "أعلنت وزارة النفط العراقية اليوم عن زيادة صادرات الخام عبر موانئ البصرة"
    >>> report = scan([Article(id="a", text=body),
    ...                Article(id="b", text="بغداد - " + body.replace("أعلنت", "اعلنت")),
    ...                Article(id="c", text="فاز الفريق الوطني بالمباراة النهائية للبطولة")],
    ...               config=DedupConfig(related=RelatedConfig(k=0)))
    >>> sorted(len(c.members) for c in report.clusters)
    [1, 2]
    """
    config = config or DedupConfig()
    report_progress = progress or _noop
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = round(now - clock, 4)
        clock = now

    articles: list[Article] = []
    rejected: list[Rejected] = []
    for record in records:
        if isinstance(record, Article):
            articles.append(record)
        else:
            rejected.append(record)
    input_records = len(articles) + len(rejected)
    lap("read")

    prepared = prepare_texts(articles, config)
    lap("prepare")

    texts = prepared.shingle_texts
    usable = [i for i, text in enumerate(texts) if len(text) >= config.ngram]
    for index in sorted(set(range(len(articles))) - set(usable)):
        article = articles[index]
        rejected.append(
            Rejected(
                article.origin_file,
                article.origin_line,
                article.id,
                f"text too short to shingle ({len(texts[index])} characters after normalization "
                f"and furniture stripping; needs at least {config.ngram})",
            )
        )
    articles = [articles[i] for i in usable]
    texts = [texts[i] for i in usable]
    bodies = [prepared.bodies[i] for i in usable]
    shingle_parts = []
    for start in range(0, len(texts), _SHINGLE_BATCH):
        shingle_parts.append(shingle_texts(texts[start : start + _SHINGLE_BATCH], config.ngram))
        report_progress("shingle", min(start + _SHINGLE_BATCH, len(texts)), len(texts))
    shingles = concatenate(shingle_parts, config.ngram)
    lap("shingle")

    signatures = minhash_signatures(shingles, num_perm=config.num_perm, seed=config.seed)
    report_progress("signature", len(texts), len(texts))
    lap("signature")

    groups = exact_groups(shingles)
    sizes = shingles.sizes
    representatives = np.flatnonzero(
        (groups == np.arange(len(groups))) & (sizes >= config.min_shingles)
    )
    bands, rows = config.bands_rows
    local_pairs = candidate_pairs(signatures[representatives], bands=bands, rows=rows)
    candidates = representatives[local_pairs] if len(local_pairs) else local_pairs
    report_progress("candidates", len(texts), len(texts))
    lap("candidates")

    # Dates are applied per article pair by _expand_pairs: members of an exact group
    # share a text, not a date.
    pair_index, jaccard, containment, relations, counts = verify_pairs(
        candidates, shingles, signatures, texts, config
    )
    report_progress("verify", len(texts), len(texts))
    lap("verify")

    moments = [_timestamp(a.published_at) for a in articles]
    timestamps = np.array([np.nan if m is None else m for m in moments], dtype=np.float64)
    pairs, counts["too_far_apart"] = _expand_pairs(
        articles, groups, sizes, config, pair_index, jaccard, containment, relations, timestamps
    )
    ids = [a.id for a in articles]
    position = {article_id: index for index, article_id in enumerate(ids)}

    def similarity(first: str, second: str) -> tuple[float, float]:
        pair = np.array([[position[first], position[second]]], dtype=np.int64)
        jaccard_of, containment_of = exact_similarities(shingles, pair)
        return float(jaccard_of[0]), float(containment_of[0])

    clusters = build_clusters(
        ids,
        pairs,
        sort_key_for(articles),
        similarity=similarity,
        link_rule=LinkRule(config.link_jaccard, config.link_containment),
        strong_jaccard=config.jaccard_threshold,
        same_story_rule=LinkRule(config.same_story_jaccard, config.same_story_containment),
    )
    lap("cluster")

    related = {}
    if config.related.k > 0:
        from dedup.related import RelatedIndex

        cluster_of = {m.id: c.cluster_id for c in clusters for m in c.members}
        canonical_of = {c.cluster_id: c.canonical for c in clusters}
        stripped = [replace(a, text=body) for a, body in zip(articles, bodies, strict=True)]
        related_index = RelatedIndex(config.related, normalization=config.normalization)
        related = related_index.fit(
            stripped, cluster_of=cluster_of, canonical_of=canonical_of
        ).related()
        report_progress("related", len(texts), len(texts))
    lap("related")

    rejected.sort(key=lambda r: (r.file, r.line, r.id or ""))
    relation_counts = Counter(p.relation for p in pairs)
    stats: dict[str, object] = {
        "version": __version__,
        "config_fingerprint": config.fingerprint,
        "parameters": {**config.to_dict(), "bands": bands, "rows": rows},
        "counts": {
            "input_records": input_records,
            "accepted": len(articles),
            "rejected": len(rejected),
            "clusters": len(clusters),
            "duplicate_clusters": sum(1 for c in clusters if c.size > 1),
            "articles_in_duplicate_clusters": sum(c.size for c in clusters if c.size > 1),
            "too_small_to_match": int(np.count_nonzero(sizes < config.min_shingles)),
            "exact_duplicate_articles": int(np.count_nonzero(groups != np.arange(len(groups)))),
            **counts,
            "pairs": len(pairs),
            "pairs_by_relation": dict(sorted(relation_counts.items())),
            "rejects_by_reason": dict(
                sorted(Counter(r.reason.split(" (")[0] for r in rejected).items())
            ),
        },
        "furniture": {
            "stripped_chars": prepared.stripped_chars,
            "stripped_lines": prepared.stripped_lines,
            "kept_whole": prepared.kept_whole,
            "boilerplate_lines_dropped": prepared.boilerplate_lines_dropped,
        },
        "seconds": seconds,
    }
    return ScanReport(
        clusters=clusters,
        pairs=tuple(pairs),
        rejected=tuple(rejected),
        related=related,
        stats=stats,
    )


def _expand_pairs(
    articles: Sequence[Article],
    groups: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int64],
    config: DedupConfig,
    pair_index: npt.NDArray[np.int64],
    jaccard: npt.NDArray[np.float64],
    containment: npt.NDArray[np.float64],
    relations: Sequence[Relation],
    timestamps: npt.NDArray[np.float64],
) -> tuple[list[Pair], int]:
    """Pairs between representatives, extended to every member of their exact groups.

    Member pairs published too far apart (:func:`too_far_apart`) are left out and counted.
    """
    members: dict[int, list[int]] = {}
    for index, group in enumerate(groups.tolist()):
        members.setdefault(group, []).append(index)
    pairs: list[Pair] = []

    def add(left: int, right: int, j: float, c: float, relation: Relation) -> None:
        a, b = sorted((articles[left].id, articles[right].id))
        pairs.append(Pair(a, b, j, c, relation))

    for group, indices in members.items():
        if len(indices) > 1 and sizes[group] >= config.min_shingles:
            for position, left in enumerate(indices):
                for right in indices[position + 1 :]:
                    add(left, right, 1.0, 1.0, "exact")
    # Every member pair of every verified pair, then one date check over all of them.
    expanded = [
        (member_left, member_right, k)
        for k, (left, right) in enumerate(pair_index.tolist())
        for member_left in members[left]
        for member_right in members[right]
    ]
    ends = np.array(expanded, dtype=np.int64).reshape(-1, 3)
    apart = too_far_apart(
        jaccard[ends[:, 2]], timestamps[ends[:, 0]], timestamps[ends[:, 1]], config
    )
    jaccard_of, containment_of = jaccard.tolist(), containment.tolist()
    for member_left, member_right, k in ends[~apart].tolist():
        add(member_left, member_right, jaccard_of[k], containment_of[k], relations[k])
    pairs.sort(key=lambda p: (p.a, p.b))
    return pairs, int(np.count_nonzero(apart))
