"""A seeded news archive of any size, with planted copy families and their ground truth.

The scale benchmark needs a corpus that behaves like an aggregator's archive: millions of
*distinct* stories (two unrelated articles share only the common phrases of the language),
and a realistic share of them republished. Replicating a few thousand real bodies (as
:func:`benchmarks.perturb.replicated_corpus` does) makes the true pairs themselves grow with
n², which hides whether a candidate stage grows linearly.

**Bodies.** A word-level Markov chain of order 1 learned from the shared news corpora
(``ant-multisource-2018``, ``saudinewsnet``, ``ant-jawharafm-2017``: ~6M words, line breaks
kept as a token) writes each story; its length (in words) is drawn from the real articles'
lengths. The text has the real corpora's words, spellings, punctuation and common phrases,
so its character statistics are those of Arabic news; two generated stories share short
common phrases as real ones do, never a body. The chain is sampled for a block of stories
at once (two gathers per word position over all of them).

**Copy families.** About 15 % of the stories are republished 1-4 times, within 0-3 days,
by other outlets, each copy by one recipe:

- ``copy``: the same text;
- ``trim``: the first 50-85 % (:func:`benchmarks.perturb.truncate`);
- ``extension``: one to three new paragraphs appended (at most ~40 % more text);
- ``retop``: a new lead in place of the first line or sentence, or on top (an update);
- ``spelling``: the feeds' spelling variants (:func:`benchmarks.perturb.apply_spelling`);
- ``furniture``: the page furniture of a news site around it
  (:func:`benchmarks.furniture_pages.wrap_page`).

**Template siblings.** 0.2 % of the articles are formulaic reports (gold, oil, weather,
market close: :func:`benchmarks.furniture_pages.make_formulaic_reports`, with random
figures), each its own family: two of them share a template, not a story, and a merge is
false.

**Truth by construction.** Every article's family is its story's id; the truth file lists
``id<TAB>family<TAB>recipe`` per article. Articles and truth are streamed to disk (JSON Lines
with ``id``, ``title``, ``text``, ``source``, ``published_at``), a block at a time: 1M
articles take about 3 GB and a few hundred MB of memory to write.

Usage::

    python -m benchmarks.archive --articles 100000 --out /tmp/archive-100k.jsonl [--seed 13]

writes ``/tmp/archive-100k.jsonl`` and ``/tmp/archive-100k.truth.tsv``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from random import Random

import numpy as np
import numpy.typing as npt

from benchmarks._data import NEWS_CORPORA, load_jsonl
from benchmarks.furniture_pages import SiteTemplate, make_formulaic_reports, make_site_templates
from benchmarks.furniture_pages import wrap_page as _wrap_page
from benchmarks.perturb import apply_spelling, truncate

__all__ = [
    "COPY_RECIPES",
    "ArchiveSpec",
    "MarkovChain",
    "read_truth",
    "truth_path",
    "write_archive",
]

COPY_RECIPES = ("copy", "trim", "extension", "retop", "spelling", "furniture")
# "~15 % of stories republished 1-4 times, within a few days" (issue 13).
REPUBLISHED_SHARE = 0.15
MAX_COPIES = 4
MAX_DAYS_LATER = 3
# "a few hundred outlets x a few hundred stories a day is ~1M a month" (issue 13): the
# archive's dates span n / 33,000 days, at least one.
ARTICLES_PER_DAY = 33_000
OUTLETS = 300
TEMPLATE_SHARE = 0.002
# 2 January 2024, 00:00 UTC: the archive's first day.
_EPOCH = 1_704_153_600
_LINE = "\n"
_TOKEN = re.compile(r"\S+|\n")
# Stories generated (and written) per block: the chain's word matrix is block x longest
# story, a few tens of MB.
_BLOCK = 4096
_MAX_WORDS = 900
_MIN_WORDS = 60


@dataclass(frozen=True)
class ArchiveSpec:
    """How many articles, from which seed."""

    articles: int
    seed: int = 13


class MarkovChain:
    """A word-level order-1 Markov chain over the shared news corpora, sampled in bulk.

    ``words[i]`` is a token (a word followed by a space, or a line break); the successors of
    token ``t`` are ``successors[start[t]:start[t + 1]]``, one per occurrence of ``t`` in the
    corpora, so one random index per chain draws the next token of every chain of a block
    at once, with the corpora's bigram frequencies.
    """

    def __init__(self, texts: list[str]) -> None:
        vocabulary: dict[str, int] = {_LINE: 0}
        sequence: list[int] = []
        lengths: list[int] = []
        for text in texts:
            tokens = _TOKEN.findall(text.strip())
            words = sum(1 for t in tokens if t != _LINE)
            if words < _MIN_WORDS:
                continue
            lengths.append(min(words, _MAX_WORDS))
            sequence.append(0)  # every story starts after a line break
            sequence.extend(vocabulary.setdefault(t, len(vocabulary)) for t in tokens)
        sequence.append(0)
        ids = np.asarray(sequence, dtype=np.int64)
        self.words = np.array([w if w == _LINE else w + " " for w in vocabulary], dtype=object)
        # Drawing a random occurrence of the current token and taking the token after it is
        # drawing from the bigram distribution exactly, with two gathers per step.
        occurrences = np.argsort(ids[:-1], kind="stable")
        self.successors = ids[occurrences + 1]
        counts = np.bincount(ids[:-1], minlength=len(vocabulary))
        self.start = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.start[1:])
        self.lengths = np.asarray(lengths, dtype=np.int64)

    @classmethod
    def from_corpora(cls) -> MarkovChain:
        """The chain of the shared news corpora (read from ``../shared/data``)."""
        from benchmarks._data import DATA

        texts = [
            row.get("text") or ""
            for folder in NEWS_CORPORA
            for row in load_jsonl(DATA / folder / "articles.jsonl")
        ]
        return cls(texts)

    def sample(self, count: int, rng: np.random.Generator) -> list[str]:
        """``count`` new texts, each as long (in words) as a random real article."""
        lengths = rng.choice(self.lengths, size=count)
        # Line breaks are tokens too: about one per 20 words in the corpora, 25 % margin.
        steps = int(lengths.max() * 1.25) + 8
        state = np.zeros(count, dtype=np.int64)
        tokens = np.zeros((count, steps), dtype=np.int64)
        begin, size = self.start[:-1], np.diff(self.start)
        for step in range(steps):
            state = np.where(size[state] == 0, 0, state)  # the corpus's last token: restart
            pick = (rng.random(count) * size[state]).astype(np.int64)
            state = self.successors[begin[state] + pick]
            tokens[:, step] = state
        return [self._text(row, int(n)) for row, n in zip(tokens, lengths, strict=True)]

    def _text(self, row: npt.NDArray[np.int64], words: int) -> str:
        is_word = row != 0
        end = int(np.searchsorted(np.cumsum(is_word), words)) + 1
        text = "".join(self.words[row[:end]].tolist())
        return "\n".join(line.strip() for line in text.split("\n") if line.strip())


@dataclass(frozen=True)
class _Record:
    id: str
    title: str
    text: str
    source: str
    published: float
    family: str
    recipe: str


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")


class _Planter:
    """Copies of a story by each recipe; holds the sites and the spare texts they draw on."""

    def __init__(self, chain: MarkovChain, rng: Random, generator: np.random.Generator) -> None:
        spare = chain.sample(400, generator)
        pairs = [(text.split("\n", 1)[0][:80], text) for text in spare]
        self.sites: list[SiteTemplate] = make_site_templates(rng, 24, articles=pairs)
        self.chain = chain
        self.generator = generator

    def copy(self, text: str, recipe: str, rng: Random, fresh: str) -> tuple[str, str | None]:
        """The copy's text and, for a furniture page, its site's name as source."""
        if recipe == "trim":
            return truncate(text, rng), None
        if recipe == "extension":
            return _extend(text, fresh, rng), None
        if recipe == "retop":
            return _retop(text, fresh), None
        if recipe == "spelling":
            return apply_spelling(text, rng), None
        if recipe == "furniture":
            site = rng.choice(self.sites)
            return _wrap_page(text, rng=rng, site=site), site.name
        return text, None


def _extend(text: str, fresh: str, rng: Random) -> str:
    """``text`` and new paragraphs from ``fresh`` adding at most ~40 % of its length."""
    budget = int(len(text) * rng.uniform(0.15, 0.4))
    added = fresh[:budget]
    cut = added.rfind(" ")
    return text + "\n" + (added[:cut] if cut > 0 else added)


def _retop(text: str, fresh: str) -> str:
    """``text`` with a new lead (the first line of ``fresh``, at most a fifth of the text's
    length): in place of its first line or first sentence when that is at most a third of
    the text, else on top of it (an updated story)."""
    lead = fresh.split("\n", 1)[0][: max(80, len(text) // 5)]
    lead = lead[: lead.rfind(" ")] if " " in lead else lead
    first_line, _, rest = text.partition("\n")
    if rest and len(first_line) <= len(text) // 3:
        return f"{lead}\n{rest}"
    head, separator, tail = text.partition(". ")
    if separator and len(head) <= len(text) // 3:
        return f"{lead}. {tail}"
    return f"{lead}\n{text}"


def _stories(spec: ArchiveSpec, chain: MarkovChain) -> Iterator[list[_Record]]:
    """Blocks of records: stories, their copies and template siblings, in a seeded order."""
    rng = Random(spec.seed)
    generator = np.random.default_rng(spec.seed)
    planter = _Planter(chain, rng, generator)
    days = max(1.0, spec.articles / ARTICLES_PER_DAY)
    written = 0
    number = 0
    while written < spec.articles:
        bodies = chain.sample(_BLOCK, generator)
        # New text for extensions and new leads, each used once: two copies sharing an
        # added paragraph would share a passage no story of theirs has.
        fresh = iter(chain.sample(_BLOCK, generator))
        titles = chain.sample(_BLOCK, generator)
        block: list[_Record] = []
        for index, body in enumerate(bodies):
            if written + len(block) >= spec.articles:
                break
            story = f"s{number:08d}"
            number += 1
            when = _EPOCH + rng.random() * days * 86400
            title = " ".join(titles[index].split()[: rng.randint(6, 12)])
            outlet = f"outlet-{rng.randrange(OUTLETS):03d}"
            if rng.random() < TEMPLATE_SHARE:
                # Gold, oil, weather or market close with random figures (the fifth kind,
                # a cable, differs from another to the same country in the sender alone).
                text = make_formulaic_reports(rng, rng.randint(1, 4))[-1]
                block.append(_Record(story, title, text, outlet, when, story, "template"))
                continue
            block.append(_Record(story, title, body, outlet, when, story, "original"))
            if rng.random() >= REPUBLISHED_SHARE:
                continue
            for copy in range(1, rng.randint(1, MAX_COPIES) + 1):
                recipe = rng.choice(COPY_RECIPES)
                donor = next(fresh, "")
                text, site = planter.copy(body, recipe, rng, donor)
                source = site or f"outlet-{rng.randrange(OUTLETS):03d}"
                later = when + rng.random() * MAX_DAYS_LATER * 86400
                block.append(
                    _Record(f"{story}~{recipe}{copy}", title, text, source, later, story, recipe)
                )
        block = block[: spec.articles - written]
        rng.shuffle(block)
        written += len(block)
        yield block


def truth_path(path: Path) -> Path:
    """Where the truth file of the archive at ``path`` is written."""
    return path.with_name(path.name.removesuffix(".jsonl") + ".truth.tsv")


def write_archive(
    spec: ArchiveSpec, path: Path, *, progress: bool = True, chain: MarkovChain | None = None
) -> Path:
    """Write the archive to ``path`` (JSON Lines) and its truth next to it; the truth's path.

    ``chain`` writes the stories (default: the one of the shared news corpora). Written
    under temporary names and renamed at the end, so an interrupted run leaves no file that
    looks complete.
    """
    truth = truth_path(path)
    chain = MarkovChain.from_corpora() if chain is None else chain
    partial, partial_truth = path.with_suffix(".partial"), truth.with_suffix(".partial")
    started, done = time.perf_counter(), 0
    with (
        partial.open("w", encoding="utf-8") as articles,
        partial_truth.open("w", encoding="utf-8") as families,
    ):
        for block in _stories(spec, chain):
            for record in block:
                row = {
                    "id": record.id,
                    "title": record.title,
                    "text": record.text,
                    "source": record.source,
                    "published_at": _iso(record.published),
                }
                articles.write(json.dumps(row, ensure_ascii=False) + "\n")
                families.write(f"{record.id}\t{record.family}\t{record.recipe}\n")
            done += len(block)
            if progress:
                rate = done / max(1e-9, time.perf_counter() - started)
                print(f"archive: {done:,} / {spec.articles:,} ({rate:,.0f}/s)", file=sys.stderr)
    partial.rename(path)
    partial_truth.rename(truth)
    return truth


def read_truth(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``family`` and ``recipe`` by article id, from a truth file."""
    family: dict[str, str] = {}
    recipe: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            article, story, kind = line.rstrip("\n").split("\t")
            family[article], recipe[article] = story, kind
    return family, recipe


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file to write")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    truth = write_archive(ArchiveSpec(args.articles, args.seed), args.out)
    print(f"{args.out}\n{truth}")


if __name__ == "__main__":
    main()
