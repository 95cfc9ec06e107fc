"""Golden test: ``dedup scan`` on ``sample_corpus/`` against its hand-written labels.

The labels (``sample_corpus/labels.json``) are the golden file; they are edited by
hand together with ``sample_corpus/make_corpus.py`` (``python sample_corpus/make_corpus.py
--check`` regenerates the corpus and re-checks the labels).
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import pytest

from dedup import DedupConfig, RelatedConfig, ScanReport, read_corpus, scan

CORPUS = Path(__file__).resolve().parents[1] / "sample_corpus"


@pytest.fixture(scope="module")
def labels() -> dict[str, object]:
    with (CORPUS / "labels.json").open(encoding="utf-8") as handle:
        data: dict[str, object] = json.load(handle)
    return data


@pytest.fixture(scope="module")
def report() -> ScanReport:
    config = DedupConfig(related=RelatedConfig(k=0))
    return scan(read_corpus(CORPUS / "articles.jsonl"), config=config)


def _cluster_of(report: ScanReport) -> dict[str, str]:
    return {m.id: c.cluster_id for c in report.clusters for m in c.members}


def test_every_article_is_accepted_and_clustered_once(report: ScanReport) -> None:
    lines = (CORPUS / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in lines if line.strip()]
    members = [m.id for c in report.clusters for m in c.members]
    assert sorted(members) == sorted(ids)
    assert report.rejected == ()


def test_every_duplicate_family_is_recovered(report: ScanReport, labels: dict) -> None:
    cluster_of = _cluster_of(report)
    split = [f for f in labels["duplicate_families"] if len({cluster_of[i] for i in f}) > 1]
    assert split == []


def test_no_cluster_mixes_families_or_stories(report: ScanReport, labels: dict) -> None:
    family_of = {i: n for n, family in enumerate(labels["duplicate_families"]) for i in family}
    for cluster in report.clusters:
        stories = {family_of.get(m.id, m.id) for m in cluster.members}
        assert len(stories) == 1, f"false merge: {[m.id for m in cluster.members]}"


def test_template_groups_are_reported_not_merged(report: ScanReport, labels: dict) -> None:
    cluster_of = _cluster_of(report)
    relation = {(p.a, p.b): p.relation for p in report.pairs}
    for group in labels["template_groups"]:
        for a, b in combinations(sorted(group), 2):
            assert cluster_of[a] != cluster_of[b], (a, b)
            assert relation.get((a, b)) in (None, "template"), (a, b, relation.get((a, b)))
    reported = [
        (a, b)
        for group in labels["template_groups"]
        for a, b in combinations(sorted(group), 2)
        if relation.get((a, b)) == "template"
    ]
    assert reported, "the template guard should report at least one template pair"


def test_every_member_is_a_verified_match_of_its_canonical_or_says_how(report: ScanReport) -> None:
    verified = {(p.a, p.b) for p in report.pairs if p.relation != "template"}
    for cluster in report.clusters:
        for member in cluster.members[1:]:
            key = tuple(sorted((member.id, cluster.canonical)))
            assert key in verified or member.via is not None, (cluster.canonical, member.id)
