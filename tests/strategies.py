"""Shared test data: Hypothesis strategies, planted-duplicate corpora and a brute-force oracle.

Everything here is written independently of ``dedup``'s implementation: the
oracle measures Jaccard and containment on Python sets of character n-gram
*strings*, and the corpus generator only uses letters that the normalizer
leaves unchanged, so the text the pipeline shingles is the text written here.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from dedup import Article

# Arabic letters that normalization maps to themselves (no alef/yeh/teh
# marbuta/keheh variants): random words made of them are already normalized.
FIXED_POINT_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"

# Characters that must vanish without a trace (reference rows 5, 7, 8, 9, 10, 11):
# harakat U+064B..U+0652, superscript alef U+0670, tatweel U+0640, and the
# zero-width / bidi controls. ZWSP U+200B is *not* here: row 12 makes it a space.
HARAKAT = [chr(c) for c in range(0x064B, 0x0653)]
INVISIBLE = [
    *HARAKAT,
    "\u0670",  # superscript alef
    "\u0640",  # tatweel
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",  # ZWNJ, ZWJ, LRM, RLM
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",  # LRI, RLI, FSI, PDI
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",  # LRE..RLO
    "\u2060",  # word joiner
    "\ufeff",  # BOM
    "\u061c",  # Arabic letter mark
    "\u00ad",  # soft hyphen
]

_ARABIC_BLOCKS = [
    (0x0600, 0x06FF),  # Arabic
    (0x0750, 0x077F),  # Arabic Supplement
    (0x08A0, 0x08FF),  # Arabic Extended-A
    (0xFB50, 0xFDFF),  # Arabic Presentation Forms-A
    (0xFE70, 0xFEFF),  # Arabic Presentation Forms-B
]


def _block(low: int, high: int) -> st.SearchStrategy[str]:
    return st.characters(min_codepoint=low, max_codepoint=high, exclude_categories=("Cs",))


def normalizer_alphabet(*, with_ampersand: bool = True) -> st.SearchStrategy[str]:
    """Characters of Arabic news text: Arabic blocks, Latin, digits, punctuation, spaces, marks.

    Latin *combining* marks (U+0300..U+036F) and private-use characters are left
    out on purpose; each has its own pinned test in ``test_normalize.py``.
    """
    ascii_punctuation = "!\"#$%'()*+,-./:;<=>?@[\\]^_`{|}~" + ("&" if with_ampersand else "")
    return st.one_of(
        *(_block(low, high) for low, high in _ARABIC_BLOCKS),
        st.sampled_from(FIXED_POINT_LETTERS),
        st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéÉçÇ"),
        st.sampled_from("0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬٪"),
        st.sampled_from(ascii_punctuation + "،؛؟«»۔"),
        st.sampled_from(" \t\n\r\u00a0\u2003\u200b\u3000"),
        st.sampled_from(INVISIBLE),
        st.sampled_from(["\u0653", "\u0654", "\u0655"]),  # combining maddah / hamza
    )


def normalizer_text(*, max_size: int = 40, with_ampersand: bool = True) -> st.SearchStrategy[str]:
    """Raw text for the normalizer properties."""
    return st.text(normalizer_alphabet(with_ampersand=with_ampersand), max_size=max_size)


def shingle_text(max_size: int = 30) -> st.SearchStrategy[str]:
    """Short texts over a small alphabet (so n-grams repeat) plus non-BMP characters."""
    alphabet = st.one_of(
        st.sampled_from("ابت "),
        st.sampled_from(FIXED_POINT_LETTERS),
        st.sampled_from(["\U0001ee00", "\U0001f600", "\U00020000"]),  # Arabic math, emoji, CJK-B
        st.characters(min_codepoint=1, max_codepoint=0x10FFFF, exclude_categories=("Cs",)),
    )
    return st.text(alphabet, max_size=max_size)


# ---------------------------------------------------------------------------
# Brute-force oracle


def char_ngrams(text: str, n: int) -> set[str]:
    """The set of character n-grams of a text (empty when shorter than n)."""
    return {text[i : i + n] for i in range(len(text) - n + 1)}


def jaccard_containment(left: set[str], right: set[str]) -> tuple[float, float]:
    """Exact Jaccard and containment (overlap / smaller set); 0 when a set is empty."""
    if not left or not right:
        return 0.0, 0.0
    overlap = len(left & right)
    return overlap / len(left | right), overlap / min(len(left), len(right))


@dataclass(frozen=True)
class PairTruth:
    """Brute-force similarities of one pair of articles."""

    a: str
    b: str
    jaccard: float
    containment: float
    size_a: int
    size_b: int


def all_pairs(articles: Sequence[Article], n: int) -> dict[tuple[str, str], PairTruth]:
    """Every pair of articles with overlapping shingles, keyed by sorted ids."""
    sets = {a.id: char_ngrams(a.text, n) for a in articles}
    # Inverted index on shingles so only overlapping pairs are measured (pairs
    # without any common shingle have Jaccard 0 and never matter).
    postings: dict[str, list[str]] = {}
    for article_id, shingles in sets.items():
        for shingle in shingles:
            postings.setdefault(shingle, []).append(article_id)
    touching: set[tuple[str, str]] = set()
    for ids in postings.values():
        for x, y in itertools.combinations(sorted(set(ids)), 2):
            touching.add((x, y))
    truth = {}
    for x, y in touching:
        j, c = jaccard_containment(sets[x], sets[y])
        truth[(x, y)] = PairTruth(x, y, j, c, len(sets[x]), len(sets[y]))
    return truth


# ---------------------------------------------------------------------------
# Corpora with planted near-duplicates


def random_word(rng: random.Random) -> str:
    return "".join(rng.choice(FIXED_POINT_LETTERS) for _ in range(rng.randint(2, 7)))


def random_sentence(rng: random.Random, words: int) -> str:
    return " ".join(random_word(rng) for _ in range(words))


def _mutate(rng: random.Random, words: list[str]) -> list[str]:
    """One random edit of a story, at a random strength (so similarities spread over [0, 1])."""
    kind = rng.choice(["substitute", "delete", "truncate", "append", "prepend", "mixed", "copy"])
    strength = rng.random()
    words = list(words)
    if kind == "copy":
        return words
    if kind in ("substitute", "mixed"):
        for index in range(len(words)):
            if rng.random() < strength * 0.5:
                words[index] = random_word(rng)
    if kind in ("delete", "mixed"):
        words = [w for w in words if rng.random() >= strength * 0.4] or words[:1]
    if kind == "truncate":
        words = words[: max(3, int(len(words) * (1 - strength * 0.8)))]
    if kind in ("append", "mixed"):
        words = words + [random_word(rng) for _ in range(int(len(words) * strength * 1.5))]
    if kind == "prepend":
        words = [random_word(rng) for _ in range(int(len(words) * strength * 1.5))] + words
    return words


def planted_corpus(
    seed: int,
    *,
    stories: int = 30,
    copies: tuple[int, int] = (1, 5),
    short: int = 4,
    dated: bool = True,
) -> list[Article]:
    """Stories, each with a few edited copies, plus unrelated and too-short articles.

    Ids are random (so input order and id order disagree); about half the
    articles carry a ``published_at`` and some dates repeat, so canonical
    ties are broken by length and id.
    """
    rng = random.Random(seed)
    articles: list[Article] = []
    used: set[str] = set()

    def new_id() -> str:
        while True:
            candidate = f"{rng.choice('abcdefgh')}{rng.randrange(10_000):04d}"
            if candidate not in used:
                used.add(candidate)
                return candidate

    def date() -> str:
        if not dated or rng.random() < 0.4:
            return ""
        return f"2023-0{rng.randint(1, 3)}-1{rng.randint(0, 2)}T0{rng.randint(0, 2)}:00:00+00:00"

    for _ in range(stories):
        base = random_sentence(rng, rng.randint(25, 90)).split()
        articles.append(Article(id=new_id(), text=" ".join(base), published_at=date()))
        for _ in range(rng.randint(*copies)):
            text = " ".join(_mutate(rng, base))
            articles.append(Article(id=new_id(), text=text, published_at=date()))
    for _ in range(short):
        articles.append(Article(id=new_id(), text=random_sentence(rng, 2), published_at=date()))
    rng.shuffle(articles)
    return articles
