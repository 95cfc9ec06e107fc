"""The data the page draws from: a run's records joined to the articles, in compact columns.

Every accepted article gets a row (id, title, source, date) and a number; clusters, pairs,
related lists and explanations refer to articles by that number. Article *texts* go in only
where a view needs them, within a :class:`ReportBudget`: both sides of the template pairs and
of the pairs near a threshold, then the members of whole clusters, largest first, while the
budget lasts. The page says so for the clusters left without texts, and names the
``dedup explain`` command that shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dedup.config import DedupConfig
from dedup.errors import InputError
from dedup.explain import PairExplanation, explain_pairs
from dedup.furniture import strip_furniture
from dedup.prepare import prepare_texts
from dedup.records import Article
from dedup.report.near import NearPair, near_threshold_pairs
from dedup.report.run import RunOutputs

__all__ = ["ReportBudget", "build_payload", "struck_spans"]

_DIGITS = 4
# Longest title and date kept in the article table: a title is a line, a date an ISO 8601
# stamp (25 characters with its zone); longer values are scraping accidents.
_TITLE_CHARS = 300
_DATE_CHARS = 32


@dataclass(frozen=True)
class ReportBudget:
    """How much of the corpus the page may carry (sizes measured in ``benchmarks/README.md``).

    Attributes
    ----------
    text_chars
        Characters of article text embedded in all: 3 million, about 1,500 articles of
        2,000 characters, which gzip to about 2 MB.
    chars_per_text
        A longer text is cut there (the page says so).
    explanations
        Pairs explained (:func:`dedup.explain.explain_pairs`) for the side-by-side view.
    template_pairs
        Template pairs listed (the most similar first); the page gives the total.
    near_pairs
        Pairs per near-threshold list (under and over each threshold).
    rejects
        Rejects listed; the page gives the total.
    """

    text_chars: int = 3_000_000
    chars_per_text: int = 8_000
    explanations: int = 2_000
    template_pairs: int = 500
    near_pairs: int = 50
    rejects: int = 20_000


def _round(value: float) -> float:
    return round(float(value), _DIGITS)


def struck_spans(text: str, body: str) -> list[list[int]]:
    """``[start, end)`` ranges of ``text`` that are not in ``body``, the text with its page
    furniture stripped (:func:`dedup.furniture.strip_furniture` keeps the original characters
    of the lines it keeps, in order). White space alone is never a range; when a line of
    ``body`` cannot be found, no range (nothing is marked rather than the wrong thing).

    Examples
    --------
    >>> text = "عاجل\\nنص الخبر كاملا\\nالمصدر: واس"
    >>> [text[s:e] for s, e in struck_spans(text, "نص الخبر كاملا")]
    ['عاجل', 'المصدر: واس']
    """
    kept: list[tuple[int, int]] = []
    position = 0
    for line in body.split("\n"):
        if not line.strip():
            continue
        found = text.find(line, position)
        if found < 0:
            return []
        kept.append((found, found + len(line)))
        # The next kept line starts on a later line of the page.
        end_of_line = text.find("\n", found + len(line))
        position = len(text) if end_of_line < 0 else end_of_line
    spans = []
    start = 0
    for begin, end in [*kept, (len(text), len(text))]:
        gap = text[start:begin]
        if gap.strip():
            lead = len(gap) - len(gap.lstrip())
            spans.append([start + lead, start + len(gap.rstrip())])
        start = end
    return spans


@dataclass(frozen=True)
class _Table:
    """Articles by id, numbered in the order the clusters list them."""

    articles: dict[str, Article]
    number: dict[str, int]
    order: list[str]


def _largest_first(run: RunOutputs) -> list[dict[str, Any]]:
    return sorted(run.clusters, key=lambda c: (-c["size"], c["cluster_id"]))


def _table(clusters: Sequence[dict[str, Any]], articles: Iterable[Article]) -> _Table:
    by_id = {a.id: a for a in articles}
    order = [m["id"] for c in clusters for m in c["members"]]
    missing = [i for i in order if i not in by_id]
    if missing:
        raise InputError(
            f"article {missing[0]!r} of the run is not in the input(s) ({len(missing)} "
            "missing); give dedup report the inputs the scan read, with the same field options"
        )
    return _Table(by_id, {i: n for n, i in enumerate(order)}, order)


def _article_columns(table: _Table) -> tuple[dict[str, list[Any]], list[str]]:
    sources: dict[str, int] = {}
    columns: dict[str, list[Any]] = {"id": [], "title": [], "source": [], "date": []}
    for article_id in table.order:
        article = table.articles[article_id]
        columns["id"].append(article.id)
        columns["title"].append(article.title[:_TITLE_CHARS])
        columns["source"].append(sources.setdefault(article.source, len(sources)))
        columns["date"].append(article.published_at[:_DATE_CHARS])
    return columns, list(sources)


def _cluster_columns(
    clusters: Sequence[dict[str, Any]], table: _Table, relations: dict[str, int]
) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {
        key: [] for key in ("id", "size", "start", "member", "sim", "con", "rel", "via")
    }
    for cluster in clusters:
        columns["id"].append(cluster["cluster_id"])
        columns["size"].append(cluster["size"])
        columns["start"].append(len(columns["member"]))
        for member in cluster["members"]:
            columns["member"].append(table.number[member["id"]])
            columns["sim"].append(_round(member["similarity"]))
            columns["con"].append(_round(member["containment"]))
            columns["rel"].append(relations.setdefault(member["relation"], len(relations)))
            via = member["via"]
            columns["via"].append(-1 if via is None else table.number.get(via, -1))
    columns["start"].append(len(columns["member"]))
    return columns


def _related_columns(run: RunOutputs, table: _Table) -> dict[str, list[Any]]:
    """Per article number, its related list (``start`` offsets into ``id`` and ``score``)."""
    lists = {r["id"]: r["related"] for r in run.related}
    columns: dict[str, list[Any]] = {"start": [], "id": [], "score": []}
    for article_id in table.order:
        columns["start"].append(len(columns["id"]))
        for item in lists.get(article_id, ()):
            number = table.number.get(item["id"])
            if number is not None:
                columns["id"].append(number)
                columns["score"].append(_round(item["score"]))
    columns["start"].append(len(columns["id"]))
    return columns


def _rejects(run: RunOutputs, limit: int) -> dict[str, Any]:
    files: dict[str, int] = {}
    rows = [
        [files.setdefault(r["file"], len(files)), r["line"], r["id"], r["reason"]]
        for r in run.rejects[:limit]
    ]
    return {"files": list(files), "rows": rows, "total": len(run.rejects)}


def _pair_row(pair: NearPair | dict[str, Any], table: _Table) -> list[Any]:
    if isinstance(pair, NearPair):
        a, b, j, c, relation = pair.a, pair.b, pair.jaccard, pair.containment, pair.relation
    else:
        a, b, j, c, relation = (pair[k] for k in ("a", "b", "jaccard", "containment", "relation"))
    return [table.number[a], table.number[b], _round(j), _round(c), relation]


def _texts(
    wanted: Sequence[Sequence[int]], table: _Table, config: DedupConfig, budget: ReportBudget
) -> dict[str, list[Any]]:
    """Texts of whole groups of articles (a pair, a cluster), in order, while they fit."""
    texts: dict[str, list[Any]] = {}
    spent = 0
    for group in wanted:
        new = [n for n in dict.fromkeys(group) if str(n) not in texts]
        cost = sum(
            min(len(table.articles[table.order[n]].text), budget.chars_per_text) for n in new
        )
        if spent + cost > budget.text_chars:
            continue
        spent += cost
        for number in new:
            texts[str(number)] = _text_entry(table.articles[table.order[number]], config, budget)
    return texts


def _text_entry(article: Article, config: DedupConfig, budget: ReportBudget) -> list[Any]:
    """``[text, struck ranges, cut]``: the text as it came, at most ``chars_per_text``."""
    text = article.text
    spans = struck_spans(text, strip_furniture(text).body) if config.strip_furniture else []
    limit = budget.chars_per_text
    if len(text) <= limit:
        return [text, spans, False]
    kept = [[s, min(e, limit)] for s, e in spans if s < limit]
    return [text[:limit], kept, True]


def _explanation(found: PairExplanation) -> dict[str, Any]:
    values = found.to_dict()
    for key in ("text_a", "text_b", "a", "b"):
        values.pop(key)
    return values


def build_payload(
    run: RunOutputs,
    articles: Sequence[Article],
    *,
    config: DedupConfig | None = None,
    budget: ReportBudget | None = None,
) -> dict[str, Any]:
    """Everything the page shows, as plain JSON values.

    Parameters
    ----------
    run
        The run's records.
    articles
        The articles the run read (at least every accepted one).
    config
        The run's parameters; from its ``summary.json`` when omitted.
    budget
        What the page may carry; :class:`ReportBudget` defaults when omitted.

    Raises
    ------
    InputError
        An article of the run is not among ``articles``.
    """
    config = run.config() if config is None else config
    budget = ReportBudget() if budget is None else budget
    ordered = _largest_first(run)
    table = _table(ordered, articles)
    relations: dict[str, int] = {}
    clusters = _cluster_columns(ordered, table, relations)
    # Prepared as the scan prepared them: every article read (the rejected ones too) teaches
    # the boilerplate lines.
    corpus = list(articles)
    position = {article.id: k for k, article in enumerate(corpus)}
    everyone = prepare_texts(corpus, config).shingle_texts
    prepared = [everyone[position[i]] for i in table.order]
    near = near_threshold_pairs(
        table.order, prepared, run.pairs, config, per_list=budget.near_pairs
    )
    templates = sorted(
        (p for p in run.pairs if p["relation"] == "template"),
        key=lambda p: (-p["jaccard"], p["a"], p["b"]),
    )
    near_rows = {
        rule: {side: [_pair_row(p, table) for p in found] for side, found in sides.items()}
        for rule, sides in near.items()
    }
    template_rows = [_pair_row(p, table) for p in templates[: budget.template_pairs]]
    shown_pairs = [r[:2] for r in template_rows] + [
        r[:2] for sides in near_rows.values() for rows in sides.values() for r in rows
    ]
    texts = _texts([*shown_pairs, *_cluster_groups(clusters)], table, config, budget)
    explained = _explained(shown_pairs, clusters, texts, budget.explanations)
    explanations = explain_pairs(
        corpus, [(table.order[a], table.order[b]) for a, b in explained], config=config
    )
    article_columns, sources = _article_columns(table)
    return {
        "articles": article_columns,
        "sources": sources,
        "relations": list(relations),
        "clusters": clusters,
        "texts": texts,
        "explain": {
            f"{a},{b}": _explanation(found)
            for (a, b), found in zip(explained, explanations, strict=True)
        },
        "templates": {"rows": template_rows, "total": len(templates)},
        "near": near_rows,
        "rejects": _rejects(run, budget.rejects),
        "related": _related_columns(run, table),
        "budget": {
            "text_chars": budget.text_chars,
            "chars_per_text": budget.chars_per_text,
            "texts": len(texts),
            "explanations": budget.explanations,
        },
        "thresholds": {
            "jaccard": config.jaccard_threshold,
            "containment": config.containment_threshold,
            "min_jaccard_for_containment": config.min_jaccard_for_containment,
        },
    }


def _cluster_groups(clusters: dict[str, list[Any]]) -> list[list[int]]:
    """The members of each cluster of two or more, in the list's order (largest first)."""
    starts = clusters["start"]
    return [
        clusters["member"][starts[k] : starts[k + 1]]
        for k in range(len(clusters["id"]))
        if clusters["size"][k] > 1
    ]


def _explained(
    shown: Sequence[Sequence[int]],
    clusters: dict[str, list[Any]],
    texts: dict[str, list[Any]],
    limit: int,
) -> list[tuple[int, int]]:
    """The pairs to explain: those listed, then each member with its canonical, while both
    texts are on the page, at most ``limit``."""
    wanted: dict[tuple[int, int], None] = {}
    for a, b in shown:
        wanted[(a, b)] = None
    for group in _cluster_groups(clusters):
        canonical = group[0]
        for member in group[1:]:
            wanted[(canonical, member)] = None
    on_page = [(a, b) for a, b in wanted if str(a) in texts and str(b) in texts]
    return on_page[:limit]
