"""The report in a real browser (headless Chromium): it renders, runs no injected code, and
records no script error.

Chromium is Debian's ``chromium`` package; ``.ci/run`` installs it when missing. Without it
these tests are skipped, except when the environment variable ``CI`` is set: then they fail,
so CI always runs them.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from dedup import Article, DedupConfig, RelatedConfig, read_corpus, scan
from dedup.report import RunOutputs, build_html

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_corpus" / "articles.jsonl"
PAYLOADS = (
    "<script>document.title='pwned'</script>",
    "</script><script>document.title='pwned'</script>",
    "</textarea><!-- x",
    '"><img src=x onerror="document.title=\'pwned\'">',
)
# Seconds of virtual time the page may take: it is ready in well under one (data-ready-ms).
_BUDGET_MS = 10_000


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "headless Chromium is not installed (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}. CI is set, so the browser tests fail instead of skipping.")
    pytest.skip(f"{message}. Skipped (they fail when CI is set).")


def dump_dom(page: Path, fragment: str = "") -> str:
    """The document as Chromium leaves it after the page's scripts ran."""
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={page.parent / 'profile'}",
        f"--virtual-time-budget={_BUDGET_MS}",
        "--dump-dom",
        page.as_uri() + fragment,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def _root_attributes(dom: str) -> dict[str, str]:
    tag = re.search(r"<html([^>]*)>", dom)
    assert tag is not None
    return {k: html.unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', tag.group(1))}


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The sample corpus and two copies of an article whose every string is a payload."""
    articles = [r for r in read_corpus(SAMPLE) if isinstance(r, Article)]
    body = "\n".join(PAYLOADS) + "\n" + articles[0].text
    hostile = [
        Article(id=f"x{i}\"'<b>", text=body, title=PAYLOADS[i], source=PAYLOADS[3 - i])
        for i in range(2)
    ]
    corpus = [*articles, *hostile]
    config = DedupConfig(related=RelatedConfig(k=3))
    report = scan(corpus, config=config)
    path = tmp_path_factory.mktemp("browser") / "report.html"
    path.write_text(build_html(RunOutputs.from_scan(report), corpus, config=config), "utf-8")
    return path, report


def test_the_cluster_list_renders_without_script_errors(hostile_page: tuple[Path, object]) -> None:
    path, report = hostile_page
    dom = dump_dom(path)
    root = _root_attributes(dom)
    assert root.get("data-ready") == "1", "the page finished drawing"
    assert "data-errors" not in root, root.get("data-errors")
    duplicates = [c.cluster_id for c in report.clusters if c.size > 1]  # type: ignore[attr-defined]
    shown = re.findall(r'<li data-cluster="([^"]+)"', dom)
    assert shown == sorted(duplicates, key=lambda i: (-_size(report, i), i))[:50]
    assert re.search(r"<title>dedup report [0-9a-f]{16}</title>", dom)


def _size(report: object, cluster_id: str) -> int:
    return next(c.size for c in report.clusters if c.cluster_id == cluster_id)  # type: ignore[attr-defined]


def test_payloads_show_as_text_and_run_nothing(hostile_page: tuple[Path, object]) -> None:
    """The hostile article opened with its text: title and DOM untouched, its text visible."""
    path, _ = hostile_page
    dom = dump_dom(path, "#pair=" + "x0%22'%3Cb%3E" + "," + "x1%22'%3Cb%3E")
    root = _root_attributes(dom)
    assert root.get("data-ready") == "1"
    assert "data-errors" not in root, root.get("data-errors")
    assert "pwned" not in re.search(r"<title>(.*?)</title>", dom).group(1)  # type: ignore[union-attr]
    assert "<img" not in dom, "no element was injected"
    assert dom.count("<script") == 4, "the page's own scripts only"
    assert "<textarea" not in dom
    view = dom[dom.index('<section id="view"') :]
    assert 'id="view" hidden' not in view[:80], "the side-by-side view is open"
    text = html.unescape(re.sub(r"<[^>]+>", "", view))
    for payload in PAYLOADS:
        assert payload in text, f"{payload!r} is visible as text"


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        (
            "أسعار الذهب",
            lambda article: "اسعار" in _folded(article.title) and "الذهب" in article.title,
        ),
        ("s06", lambda article: article.id.startswith("s06")),
    ],
)
def test_search_by_title_words_or_id(
    hostile_page: tuple[Path, object], query: str, matches: object
) -> None:
    path, report = hostile_page
    articles = {a.id: a for a in read_corpus(SAMPLE) if isinstance(a, Article)}
    expected = {
        c.cluster_id
        for c in report.clusters  # type: ignore[attr-defined]
        if any(m.id in articles and matches(articles[m.id]) for m in c.members)  # type: ignore[operator]
    }
    assert expected
    dom = dump_dom(path, "#q=" + quote(query))
    assert "data-errors" not in _root_attributes(dom)
    assert set(re.findall(r'<li data-cluster="([^"]+)"', dom)) == expected
    assert f"{len(expected)} of {len(report.clusters)} clusters match" in dom  # type: ignore[attr-defined]


def _folded(title: str) -> str:
    return title.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
