"""The review report: its content is the run's, its strings are escaped, its texts budgeted."""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from dedup import Article, DedupConfig, RelatedConfig, read_corpus, scan
from dedup.cli import main
from dedup.furniture import strip_furniture
from dedup.prepare import prepare_texts
from dedup.report import ReportBudget, RunOutputs, build_html
from dedup.report.near import near_threshold_pairs
from dedup.report.payload import build_payload, struck_spans
from dedup.report.render import script_json
from dedup.shingle import shingle_texts
from dedup.verify import exact_similarities

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_corpus" / "articles.jsonl"
PAYLOADS = (
    "<script>document.title='pwned'</script>",
    "</script><script>document.title='pwned'</script>",
    "</textarea><!--",
    '"><img src=x onerror="document.title=\'pwned\'">',
)


def _articles() -> list[Article]:
    return [r for r in read_corpus(SAMPLE) if isinstance(r, Article)]


def _payload(page: str) -> dict[str, Any]:
    packed = re.search(r'<script type="application/octet-stream" id="report-data">([^<]*)<', page)
    assert packed is not None
    return json.loads(gzip.decompress(base64.b64decode(packed.group(1))))


def _cells(page: str, attribute: str) -> dict[str, str]:
    found = re.findall(rf'<td {attribute}="([^"]*)"[^>]*>([^<]*)</td>', page)
    return {html.unescape(key): html.unescape(value) for key, value in found}


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    result = CliRunner().invoke(main, ["scan", str(SAMPLE), "--out", str(out), "--html", "-q"])
    assert result.exit_code == 0, result.output
    return out


def test_every_cluster_is_in_the_report(sample_run: Path) -> None:
    payload = _payload((sample_run / "report.html").read_text(encoding="utf-8"))
    lines = (sample_run / "clusters.jsonl").read_text(encoding="utf-8").splitlines()
    clusters = [json.loads(line) for line in lines]
    columns, ids = payload["clusters"], payload["articles"]["id"]
    shown = {}
    for k, cluster_id in enumerate(columns["id"]):
        members = columns["member"][columns["start"][k] : columns["start"][k + 1]]
        shown[cluster_id] = [ids[n] for n in members]
    assert shown == {c["cluster_id"]: [m["id"] for m in c["members"]] for c in clusters}
    assert columns["size"] == sorted(columns["size"], reverse=True), "largest first"
    # Every member of a cluster of two or more has its text on the page (within budget).
    duplicated = {m["id"] for c in clusters if c["size"] > 1 for m in c["members"]}
    assert {ids[int(n)] for n in payload["texts"]} >= duplicated


def test_overview_numbers_are_the_summary(sample_run: Path) -> None:
    page = (sample_run / "report.html").read_text(encoding="utf-8")
    summary = json.loads((sample_run / "summary.json").read_text(encoding="utf-8"))
    counts = {k: v for k, v in summary["counts"].items() if not isinstance(v, dict)}
    assert _cells(page, "data-count") == {k: str(v) for k, v in counts.items()}
    assert _cells(page, "data-seconds") == {k: str(v) for k, v in summary["seconds"].items()}
    chars = summary["furniture"]["stripped_chars"]
    assert _cells(page, "data-furniture-chars") == {k: str(v) for k, v in chars.items()}
    relations = dict(re.findall(r'data-label="([a-z_]+)" data-n="(\d+)"', page))
    for relation, count in summary["counts"]["pairs_by_relation"].items():
        assert relations[relation] == str(count)
    totals = re.findall(r"of the verified pairs \((\d+) pairs", page)
    assert totals == [str(summary["counts"]["pairs"])] * 2


def test_dedup_report_rebuilds_the_same_page(sample_run: Path, tmp_path: Path) -> None:
    """From the folder and the inputs, byte for byte the page --html wrote."""
    first = (sample_run / "report.html").read_bytes()
    result = CliRunner().invoke(main, ["report", str(sample_run), str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "dedup report: 62 clusters" in result.output
    assert (sample_run / "report.html").read_bytes() == first
    assert not [p for p in sample_run.iterdir() if p.name.startswith(".")], "no staging left"


def test_dedup_report_errors(sample_run: Path, tmp_path: Path, write_jsonl: Any) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["report", str(tmp_path / "none"), str(SAMPLE)])
    assert missing.exit_code == 1
    assert "summary.json: no such file; give dedup report the --out folder" in missing.output
    partial = write_jsonl([{"id": "s001", "text": "نص"}])
    other = runner.invoke(main, ["report", str(sample_run), str(partial)])
    assert other.exit_code == 1
    assert "of the run is not in the input(s)" in other.output
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "summary.json").write_text('{"completed": false}', encoding="utf-8")
    result = runner.invoke(main, ["report", str(unfinished), str(SAMPLE)])
    assert result.exit_code == 1
    assert "does not say the run completed" in result.output
    usage = runner.invoke(main, ["report", str(sample_run)])
    assert usage.exit_code == 2


def _hostile_corpus() -> list[Article]:
    body = " ".join(PAYLOADS) + " " + _articles()[0].text
    hostile = [
        Article(id=f"h{i}<b>", text=body, title=PAYLOADS[i], source=PAYLOADS[3 - i])
        for i in range(2)
    ]
    return [*_articles(), *hostile]


def test_article_strings_reach_the_page_escaped() -> None:
    articles = _hostile_corpus()
    config = DedupConfig(related=RelatedConfig(k=0))
    page = build_html(RunOutputs.from_scan(scan(articles, config=config)), articles, config=config)
    assert page.count("<script") == 4, "the page's own scripts only"
    assert "<img" not in page
    assert "<!--" not in page
    assert "</textarea" not in page
    payload = _payload(page)
    titles = payload["articles"]["title"]
    assert PAYLOADS[0] in titles
    assert PAYLOADS[1] in titles
    assert "h0<b>" in payload["articles"]["id"]


@given(st.recursive(st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_script_json_cannot_end_its_element(value: Any) -> None:
    text = str(script_json(value))
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == value


@pytest.mark.parametrize("article", _articles(), ids=lambda a: a.id)
def test_struck_spans_are_the_stripped_furniture(article: Article) -> None:
    """The text without the struck ranges is the stripped body (white space aside)."""
    body = strip_furniture(article.text).body
    spans = struck_spans(article.text, body)
    kept, start = [], 0
    for begin, end in spans:
        assert article.text[begin:end].strip() == article.text[begin:end]
        kept.append(article.text[start:begin])
        start = end
    kept.append(article.text[start:])
    assert "".join("".join(kept).split()) == "".join(body.split())


def test_near_threshold_pairs_are_the_brute_force_ones() -> None:
    """Just under: every pair of the corpus with the similarity in the window, none verified."""
    articles = _articles()
    # Containment needs Jaccard 0.95 too, so the pairs at 0.85-0.95 are not kept.
    config = DedupConfig(
        jaccard_threshold=0.95, min_jaccard_for_containment=0.95, related=RelatedConfig(k=0)
    )
    report = RunOutputs.from_scan(scan(articles, config=config))
    ids = [a.id for a in articles]
    prepared = prepare_texts(articles, config).shingle_texts
    found = near_threshold_pairs(ids, prepared, report.pairs, config, per_list=1000)
    shingles = shingle_texts(prepared, config.ngram)
    every = np.array([(i, j) for i in range(len(ids)) for j in range(i + 1, len(ids))])
    jaccard, _ = exact_similarities(shingles, every)
    verified = {(p["a"], p["b"]) for p in report.pairs}
    matchable = shingles.sizes >= config.min_shingles
    expected = {
        tuple(sorted((ids[i], ids[j])))
        for (i, j), value in zip(every.tolist(), jaccard.tolist(), strict=True)
        if 0.85 <= value < 0.95 and matchable[i] and matchable[j]
    } - verified
    assert expected, "the corpus has pairs just under 0.95"
    under = found["jaccard"]["under"]
    assert {(p.a, p.b) for p in under} == expected
    assert all(p.relation == "" for p in under)
    distances = [0.95 - p.jaccard for p in under]
    assert distances == sorted(distances)
    over = found["jaccard"]["over"]
    assert over
    assert all(0.95 <= p.jaccard < 1.05 and (p.a, p.b) in verified for p in over)


def test_texts_stay_within_the_budget() -> None:
    articles = _articles()
    config = DedupConfig(related=RelatedConfig(k=0))
    run = RunOutputs.from_scan(scan(articles, config=config))
    budget = ReportBudget(text_chars=12_000, chars_per_text=3_000, explanations=5)
    payload = build_payload(run, articles, config=config, budget=budget)
    texts = payload["texts"]
    assert 0 < sum(len(t[0]) for t in texts.values()) <= 12_000
    assert all(len(t[0]) <= 3_000 and t[2] == (len(t[0]) == 3_000) for t in texts.values())
    assert len(payload["explain"]) <= 5
    for key in payload["explain"]:
        assert all(n in texts for n in key.split(","))
    # Clusters are whole or absent: a cluster with one member's text has all of them.
    columns = payload["clusters"]
    for k in range(len(columns["id"])):
        members = columns["member"][columns["start"][k] : columns["start"][k + 1]]
        on_page = [str(n) in texts for n in members]
        assert all(on_page) or not any(on_page) or columns["size"][k] == 1 or len(members) == 2


def test_rejects_are_listed(tmp_path: Path, write_jsonl: Any) -> None:
    records = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    bad = [{"id": "empty", "text": ""}, {"id": "short", "text": "لا"}]
    inputs = write_jsonl([*records[:20], *bad])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["scan", str(inputs), "--out", str(out), "--html", "-q"])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    lines = (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    rejects = [json.loads(line) for line in lines]
    shown = _payload(page)["rejects"]
    assert shown["total"] == len(rejects) == 2
    assert [[shown["files"][f], line, i, why] for f, line, i, why in shown["rows"]] == [
        [r["file"], r["line"], r["id"], r["reason"]] for r in rejects
    ]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    by_reason = summary["counts"]["rejects_by_reason"]
    assert by_reason
    assert _cells(page, "data-reject-reason") == {k: str(v) for k, v in by_reason.items()}


def test_a_later_scan_replaces_the_report(tmp_path: Path) -> None:
    """Without --html the folder is replaced whole: no report of another run stays."""
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(main, ["scan", str(SAMPLE), "--out", str(out), "--html", "-q"])
    assert first.exit_code == 0
    assert (out / "report.html").exists()
    assert runner.invoke(main, ["scan", str(SAMPLE), "--out", str(out), "-q"]).exit_code == 0
    assert not (out / "report.html").exists()


def test_new_relations_are_shown_as_they_come() -> None:
    """Relation strings are the run's: one this version never wrote still appears."""
    articles = _articles()
    config = DedupConfig(related=RelatedConfig(k=0))
    run = RunOutputs.from_scan(scan(articles, config=config))
    pairs = [{**p, "relation": "follow_up"} if p["relation"] == "near" else p for p in run.pairs]
    clusters = [
        {
            **c,
            "members": [
                {**m, "relation": m["relation"].replace("near", "update")} for m in c["members"]
            ],
        }
        for c in run.clusters
    ]
    changed = RunOutputs(clusters, pairs, run.rejects, run.related, run.summary)
    page = build_html(changed, articles, config=config)
    assert 'data-label="follow_up"' in page
    payload = _payload(page)
    assert "update" in payload["relations"]
    assert "near" not in payload["relations"]


@given(
    st.lists(
        st.tuples(st.text(alphabet="ابت ثج\t", min_size=1, max_size=12), st.booleans()),
        min_size=1,
        max_size=8,
    )
)
def test_struck_spans_cover_the_lines_left_out(lines: list[tuple[str, bool]]) -> None:
    """A body made of some of the page's lines: the struck ranges are the others' letters."""
    text = "\n".join(line for line, _ in lines)
    body = "\n".join(line for line, kept in lines if kept)
    spans = struck_spans(text, body)
    struck = "".join(text[start:end] for start, end in spans)
    for start, end in spans:
        assert text[start:end].strip() == text[start:end] != ""
    left_out = "".join(line for line, kept in lines if not kept)
    # A kept line may be matched inside an equal removed one before it: the place differs,
    # the letters struck do not.
    assert sorted("".join(struck.split())) == sorted("".join(left_out.split()))
    outside, start = [], 0
    for begin, end in [*spans, (len(text), len(text))]:
        outside.append(text[start:begin])
        start = end
    assert "".join("".join(outside).split()) == "".join(body.split())
