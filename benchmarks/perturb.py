"""Near-duplicates made from real articles, with ground truth by construction and a seed.

A *variant* of a real article body is made by one named recipe:

- ``spelling``: the spellings aggregated feeds really mix: hamza dropped (أ إ آ → ا), final
  ى/ي swapped, final ة → ه, a Persian/Kurdish keyboard (ی U+06CC, ک U+06A9), harakat,
  tatweel, Arabic-Indic or Persian digits, Latin punctuation for Arabic. One or two of these
  kinds per variant, each on a share of the words. By design every one of them is undone by
  :func:`dedup.normalize_text`, so a spelling variant normalizes to its original (tested).
- ``furniture``: the body wrapped in the page furniture of a generated news site
  (:mod:`benchmarks.furniture_pages`: header date, dateline, source and tag lines, a read-also
  block with another whole article, a headline list, footer).
- ``sentence_edit``: two or three of: a sentence dropped, a sentence of another article
  inserted, one to three words of a sentence replaced (a changed figure or name), two
  neighbouring sentences swapped.
- ``truncation``: the first 50-85 % of the text, cut at a word, sometimes with an ellipsis
  (a feed teaser).
- ``combined``: a sentence edit, then spelling, then furniture.

Besides variants, *name templates* (:func:`name_template_corpus`): formulaic real articles and
a sibling of each that keeps the formula and changes the names, as the template guard must
tell apart (every merge is false): a fixture, results or referee list of
``ant-jawharafm-2017`` becomes another round's (the listed names paired otherwise, another
ordinal for the round, other times and scores), a congratulation cable of ``saudinewsnet``
goes to another cable's leader and country.

:func:`recipe_scenarios` builds, for each recipe, a corpus of distinct real bodies (pairwise
5-gram Jaccard < 0.2 and containment < 0.4, so any merge between two of them is false) each
with one variant; :func:`mixed_corpus` gives every body one to three variants of random
recipes; :func:`replicated_corpus` repeats real articles (duplicates among the originals
included) in families of 4-7 up to a size, for the scale runs. The article ids say what they
are: ``<base id>`` for the original and ``<base id>~<recipe><n>`` for its variants.

Real texts are read at run time from ``../shared/data`` and never stored in the repository.
Every function is pure given its seed (or the seeded :class:`random.Random` it receives).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from random import Random

from tqdm import tqdm

from benchmarks._data import NEWS_CORPORA, load_articles
from benchmarks.furniture_pages import SiteTemplate, make_site_templates, wrap_page
from dedup import Article

__all__ = [
    "RECIPES",
    "Corpus",
    "Perturber",
    "another_cable",
    "another_round",
    "apply_spelling",
    "distinct_articles",
    "list_names",
    "mixed_corpus",
    "name_template_corpus",
    "name_template_pairs",
    "real_articles",
    "recipe_scenarios",
    "replicated_corpus",
    "sentence_edit",
    "truncate",
]

RECIPES = ("spelling", "furniture", "sentence_edit", "truncation", "combined")

_WORD = re.compile(r"\S+")
# A sentence ends at . ! ? ؟ or a line break; the separator is kept with the sentence.
_SENTENCE = re.compile(r"[^.!?؟\n]+(?:[.!?؟]+|\n+|$)\s*")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
# Letters that do not join to the next one: tatweel after them would float, so skip them.
_NON_JOINING = set("ءاأإآدذرزوؤة")
_HARAKAT = ("\u064e", "\u0650", "\u064f", "\u0651", "\u0652", "\u064b")  # fatha..sukun, tanwin
_HAMZA_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})
_PERSIAN_KEYBOARD = str.maketrans({"ي": "\u06cc", "ك": "\u06a9"})
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_LATIN_PUNCTUATION = str.maketrans({"،": ",", "؛": ";", "؟": "?"})


# ------------------------------------------------------------------ spelling


def _on_words(text: str, rng: Random, share: float, change: Callable[[str], str]) -> str:
    def one(match: re.Match[str]) -> str:
        word = match.group()
        return change(word) if rng.random() < share else word

    return _WORD.sub(one, text)


def _final(word: str, old: str, new: str) -> str:
    # The word's last letter, before any trailing punctuation.
    stripped = word.rstrip('،.:؛!؟?"»)')
    if stripped.endswith(old):
        return stripped[: -len(old)] + new + word[len(stripped) :]
    return word


def _swap_final_yeh(word: str) -> str:
    # Feeds write a final alef maqsura as yeh and the other way round.
    swapped = _final(word, "ى", "ي")
    return _final(word, "ي", "ى") if swapped == word else swapped


def _harakat(word: str, rng: Random) -> str:
    return "".join(
        char + rng.choice(_HARAKAT) if _ARABIC_LETTER.match(char) and rng.random() < 0.5 else char
        for char in word
    )


def _tatweel(word: str, rng: Random) -> str:
    spots = [
        i
        for i in range(len(word) - 1)
        if _ARABIC_LETTER.match(word[i])
        and word[i] not in _NON_JOINING
        and _ARABIC_LETTER.match(word[i + 1])
    ]
    if not spots:
        return word
    at = rng.choice(spots)
    return word[: at + 1] + "ـ" * rng.randint(1, 4) + word[at + 1 :]


SPELLING_KINDS = (
    "hamza",
    "final_yeh",
    "teh_marbuta",
    "keyboard",
    "harakat",
    "tatweel",
    "digits",
    "punctuation",
)


def apply_spelling(text: str, rng: Random, *, kinds: Sequence[str] | None = None) -> str:
    """Spelling variants that :func:`dedup.normalize_text` undoes.

    Parameters
    ----------
    text
        The original text.
    rng
        Seeded generator.
    kinds
        Which variant kinds to apply (default: one or two of :data:`SPELLING_KINDS`: a
        copy usually follows one or two conventions of its outlet, throughout).

    Examples
    --------
    >>> from dedup import normalize_text
    >>> text = "أعلنت وزارة الصحة في إقليم كردستان عن 12 إصابة جديدة، وقال المتحدث إن الوضع مستقر"
    >>> variant = apply_spelling(text, Random(3))
    >>> variant != text, normalize_text(variant) == normalize_text(text)
    (True, True)
    """
    if kinds is None:
        kinds = rng.sample(SPELLING_KINDS, rng.randint(1, 2))
    for kind in kinds:
        share = rng.uniform(0.3, 0.9)
        if kind == "hamza":
            text = _on_words(text, rng, share, lambda w: w.translate(_HAMZA_FORMS))
        elif kind == "final_yeh":
            text = _on_words(text, rng, share, _swap_final_yeh)
        elif kind == "teh_marbuta":
            text = _on_words(text, rng, share, lambda w: _final(w, "ة", "ه"))
        elif kind == "keyboard":
            text = text.translate(_PERSIAN_KEYBOARD)  # a keyboard changes every word
        elif kind == "harakat":
            text = _on_words(text, rng, share * 0.3, lambda w: _harakat(w, rng))
        elif kind == "tatweel":
            text = _on_words(text, rng, share * 0.2, lambda w: _tatweel(w, rng))
        elif kind == "digits":
            text = text.translate(rng.choice((_ARABIC_INDIC, _PERSIAN_DIGITS)))
        elif kind == "punctuation":
            text = text.translate(_LATIN_PUNCTUATION)
        else:
            raise ValueError(f"unknown spelling kind {kind!r}; known: {', '.join(SPELLING_KINDS)}")
    return text


# ------------------------------------------------------------------ sentences, truncation


def sentences(text: str) -> list[str]:
    """``text`` split after . ! ? ؟ and line breaks, separators kept (joining gives ``text``)."""
    return [part for part in _SENTENCE.findall(text) if part]


def sentence_edit(text: str, rng: Random, donor: str) -> str:
    """Two or three light edits of whole sentences; ``donor`` supplies new sentences and words.

    Examples
    --------
    >>> text = "قال الوزير إن الصادرات ارتفعت. وأضاف أن الخطة مستمرة. وختم بالشكر."
    >>> edited = sentence_edit(text, Random(1), donor="انعقد المؤتمر في الرياض. حضره الوزراء.")
    >>> edited != text
    True
    """
    parts = sentences(text)
    donor_parts = sentences(donor) or [donor]
    donor_words = _WORD.findall(donor) or ["اليوم"]
    operations = ["drop", "insert", "words", "swap"]
    for operation in rng.sample(operations, rng.randint(2, 3)):
        if operation == "drop" and len(parts) >= 4:
            parts.pop(rng.randrange(1, len(parts)))
        elif operation == "insert":
            sentence = rng.choice(donor_parts).strip()
            parts.insert(rng.randint(1, len(parts)), f" {sentence} ")
        elif operation == "words" and parts:
            at = rng.randrange(len(parts))
            words = _WORD.findall(parts[at])
            for _ in range(min(len(words), rng.randint(1, 3))):
                words[rng.randrange(len(words))] = rng.choice(donor_words)
            parts[at] = " ".join(words) + " "
        elif operation == "swap" and len(parts) >= 3:
            at = rng.randrange(1, len(parts) - 1)
            parts[at], parts[at + 1] = parts[at + 1], parts[at]
    return "".join(parts).strip()


def truncate(text: str, rng: Random) -> str:
    """The first 50-85 % of ``text``, cut at a word, half the time with an ellipsis.

    Examples
    --------
    >>> text = " ".join(["كلمة"] * 100)
    >>> short = truncate(text, Random(0))
    >>> text.startswith(short.removesuffix(" ...")) and len(short) < len(text)
    True
    """
    cut = int(len(text) * rng.uniform(0.5, 0.85))
    space = text.rfind(" ", 0, cut)
    head = text[: space if space > 0 else cut].rstrip()
    return head + " ..." if rng.random() < 0.5 else head


# ------------------------------------------------------------------ variants


@dataclass
class Perturber:
    """Makes variants; holds the sites and donor texts they draw furniture and edits from.

    ``donors`` and the sites' read-also articles should not be the bases themselves, or a
    variant would carry a second original inside it.
    """

    sites: list[SiteTemplate]
    donors: list[str] = field(default_factory=list)

    @classmethod
    def from_pool(cls, pool: Sequence[Article], rng: Random, *, sites: int = 12) -> Perturber:
        pairs = [(a.title or a.text[:60], a.text) for a in pool]
        return cls(
            sites=make_site_templates(rng, sites, articles=pairs), donors=[a.text for a in pool]
        )

    def variant(
        self, text: str, recipe: str, rng: Random, *, source: str = "copy"
    ) -> tuple[str, str]:
        """One variant of ``text`` by ``recipe`` (one of :data:`RECIPES`) and its source.

        A page with furniture comes from its site (the source is the site's name, so
        per-source boilerplate learning sees what it would in a crawl); otherwise ``source``.
        """
        if recipe == "spelling":
            return apply_spelling(text, rng), source
        if recipe == "sentence_edit":
            return sentence_edit(text, rng, rng.choice(self.donors)), source
        if recipe == "truncation":
            return truncate(text, rng), source
        if recipe in ("furniture", "combined"):
            if recipe == "combined":
                text = apply_spelling(sentence_edit(text, rng, rng.choice(self.donors)), rng)
            site = rng.choice(self.sites)
            return wrap_page(text, rng=rng, site=site), site.name
        raise ValueError(f"unknown recipe {recipe!r}; known: {', '.join(RECIPES)}")


@dataclass
class Corpus:
    """Articles with their ground truth: ``family[id]`` is the original's id, ``recipe[id]``
    the recipe that made the article (``"original"`` for the originals)."""

    articles: list[Article]
    family: dict[str, str]
    recipe: dict[str, str]

    def add(self, article: Article, family: str, recipe: str) -> None:
        self.articles.append(article)
        self.family[article.id] = family
        self.recipe[article.id] = recipe


def _copy(base: Article, text: str, recipe: str, number: int, source: str) -> Article:
    return Article(
        id=f"{base.id}~{recipe}{number}",
        text=text,
        title=base.title,
        source=source,
        published_at=base.published_at,
    )


# ------------------------------------------------------------------ corpora


def real_articles(*, min_chars: int = 300, max_chars: int = 6000) -> list[Article]:
    """The shared news corpora's articles within a length range, in file order."""
    pool: list[Article] = []
    for folder in NEWS_CORPORA:
        pool.extend(
            a for a in load_articles(folder)[0] if min_chars <= len(a.text.strip()) <= max_chars
        )
    return pool


def distinct_articles(pool: Sequence[Article], count: int) -> list[Article]:
    """Up to ``count`` articles of ``pool``, no two alike (Jaccard < 0.2, containment < 0.4)."""
    from benchmarks.furniture_eval import distinct_bodies

    by_text = {a.text: a for a in pool}
    return [by_text[text] for text in distinct_bodies([("", a.text) for a in pool], count)]


def _split_pool(
    pool: Sequence[Article], bases: int, seed: int
) -> tuple[list[Article], list[Article], Random]:
    rng = Random(seed)
    shuffled = list(pool)
    rng.shuffle(shuffled)
    # Furniture and donors come from the far end of the shuffled pool, never from a base.
    spare = min(400, len(shuffled) // 3)
    helpers = shuffled[-spare:]
    chosen = distinct_articles(shuffled[:-spare], bases)
    return chosen, helpers, rng


def recipe_scenarios(
    bases: int = 300, *, seed: int = 6, pool: Sequence[Article] | None = None
) -> dict[str, Corpus]:
    """For each recipe, ``bases`` distinct real articles each with one variant by it."""
    chosen, helpers, rng = _split_pool(pool or real_articles(), bases, seed)
    perturber = Perturber.from_pool(helpers, rng)
    scenarios: dict[str, Corpus] = {}
    for recipe in RECIPES:
        corpus = Corpus([], {}, {})
        recipe_rng = Random(f"{seed}:{recipe}")
        for base in chosen:
            corpus.add(base, base.id, "original")
            text, source = perturber.variant(base.text, recipe, recipe_rng, source="copies")
            corpus.add(_copy(base, text, recipe, 1, source), base.id, recipe)
        scenarios[recipe] = corpus
    return scenarios


def mixed_corpus(
    bases: int = 300, *, seed: int = 6, pool: Sequence[Article] | None = None
) -> Corpus:
    """Distinct real articles, each with one to three variants of random recipes."""
    chosen, helpers, rng = _split_pool(pool or real_articles(), bases, seed)
    perturber = Perturber.from_pool(helpers, rng)
    corpus = Corpus([], {}, {})
    for base in chosen:
        corpus.add(base, base.id, "original")
        for number in range(1, rng.randint(1, 3) + 1):
            recipe = rng.choice(RECIPES)
            text, source = perturber.variant(
                base.text, recipe, rng, source=f"outlet-{rng.randrange(8)}"
            )
            corpus.add(_copy(base, text, recipe, number, source), base.id, recipe)
    return corpus


def replicated_corpus(
    size: int, *, seed: int = 6, pool: Sequence[Article] | None = None, progress: bool = False
) -> Corpus:
    """``size`` articles: real articles in a seeded order, each followed by 3-6 variants.

    The originals are not filtered for distinctness (the real corpora hold their own
    duplicates), so merges across families are not all false; the constructed pairs
    (original, variant) are true duplicates by construction.
    """
    pool = list(pool or real_articles(min_chars=200, max_chars=20000))
    rng = Random(seed)
    rng.shuffle(pool)
    perturber = Perturber.from_pool(pool[:400], rng)
    corpus = Corpus([], {}, {})
    bar = tqdm(
        total=size,
        desc=f"corpus of {size:,}",
        unit="art",
        leave=False,
        file=sys.stderr,
        disable=not progress,
    )
    for base in pool:
        if len(corpus.articles) >= size:
            break
        bar.update(len(corpus.articles) - bar.n)
        corpus.add(base, base.id, "original")
        for number in range(1, rng.randint(3, 6) + 1):
            if len(corpus.articles) >= size:
                break
            recipe = rng.choice(RECIPES)
            text, source = perturber.variant(
                base.text, recipe, rng, source=f"outlet-{rng.randrange(50)}"
            )
            corpus.add(_copy(base, text, recipe, number, source), base.id, recipe)
    bar.close()
    if len(corpus.articles) < size:
        raise SystemExit(
            f"only {len(corpus.articles)} articles from {len(pool)} originals; "
            f"{size} asked (use a smaller size)"
        )
    return corpus


# ------------------------------------------------------------------ name templates

# Where a list of fixtures, results or referee appointments starts in a jawharafm article.
_LIST_START = re.compile(
    r"وفق البرنامج التالي|وفي ما يلي (?:البرنامج|النتائج|تعيينات الحكام)|النتائج ?:"
    r"|تعيينات الحكام ?:"
)
# The separators between the names of a list: "النجم الساحلي – النادي الإفريقي / الحكم".
_LIST_SEPARATOR = re.compile(r"\s*[–\-*/]\s*")
_DIGITS = re.compile(r"\d+")
_ORDINAL_WORDS = (
    "الأولى", "الثانية", "الثالثة", "الرابعة", "الخامسة", "السادسة", "السابعة", "الثامنة",
    "التاسعة", "العاشرة",
)  # fmt: skip
# The round's ordinal ("الجولة الثامنة"), not the league's ("الرابطة المحترفة الأولى").
_ORDINAL = re.compile(r"(الجولة|الدور) (?:" + "|".join(_ORDINAL_WORDS) + ")")
# A cable: "... برقية تهنئة لفخامة الرئيس <leader> رئيس جمهورية <country> بمناسبة ..."
_CABLE = re.compile(r"(?:ال|لل)رئيس ((?:\S+ ){1,6}?)رئيس جمهورية (\S+)")
# Enough names for another round: a list of fewer names is hardly a list; a name is a few
# words (a club: "نادي كرة القدم بالحمامات").
_MIN_LIST_SEGMENTS = 6
_MAX_NAME_WORDS = 5
# Names of another round drawn from other lists: in the fixture lists of ant-jawharafm-2017 a
# third to a half of the names are referees, who change from one round to the next.
_NEW_NAME_SHARE = 1 / 3


def _list_parts(text: str) -> tuple[str, list[str], list[str], list[int]] | None:
    """A list article cut at its separators: the head, the segments, the separators and the
    positions of the names (segments of one to ``_MAX_NAME_WORDS`` words); None when it holds
    fewer than ``_MIN_LIST_SEGMENTS`` distinct names."""
    start = _LIST_START.search(text)
    if start is None:
        return None
    body = text[start.end() :]
    segments = _LIST_SEPARATOR.split(body)
    names = [i for i, seg in enumerate(segments) if 1 <= len(seg.split()) <= _MAX_NAME_WORDS]
    if len({segments[i] for i in names}) < _MIN_LIST_SEGMENTS:
        return None
    return text[: start.end()], segments, [*_LIST_SEPARATOR.findall(body), ""], names


def list_names(text: str) -> list[str]:
    """The names of a fixture, results or referee list (empty when ``text`` holds none)."""
    parts = _list_parts(text)
    return [] if parts is None else [parts[1][i].strip() for i in parts[3]]


def another_round(text: str, rng: Random, donor_names: Sequence[str] = ()) -> str | None:
    """The list of ``text`` as another round's; None when ``text`` holds no list.

    The names between separators ("النجم الساحلي – النادي الإفريقي / الحكم") are paired
    otherwise, a share ``_NEW_NAME_SHARE`` of them is drawn from ``donor_names`` (the names of
    other lists: the referees change every round, another division has other teams), the
    round gets another ordinal and every figure another value (dates, times, scores). Longer
    segments (a sentence, a referee with the next match glued on) stay where they are.
    """
    parts = _list_parts(text)
    if parts is None:
        return None
    head, segments, separators, names = parts
    moved = [segments[i] for i in names]
    while [segments[i] for i in names] == moved:
        rng.shuffle(moved)
    for position, name in zip(names, moved, strict=True):
        fresh = donor_names and rng.random() < _NEW_NAME_SHARE
        segments[position] = rng.choice(donor_names) if fresh else name
    body = " ".join(
        f"{seg.strip()} {sep.strip()}".strip()
        for seg, sep in zip(segments, separators, strict=True)
    )
    head = _ORDINAL.sub(lambda m: f"{m.group(1)} {rng.choice(_ORDINAL_WORDS)}", head)
    return _DIGITS.sub(lambda m: str((int(m.group()) + rng.randint(1, 9)) % 100), f"{head} {body}")


def another_cable(text: str, donor: str) -> str | None:
    """``text``, a congratulation cable, sent to ``donor``'s leader and country instead; None
    when either is no cable or both name the same country."""
    mine, theirs = _CABLE.search(text), _CABLE.search(donor)
    if mine is None or theirs is None or mine.group(2) == theirs.group(2):
        return None
    leader, country = mine.group(1).strip(), mine.group(2)
    return text.replace(leader, theirs.group(1).strip()).replace(country, theirs.group(2))


def name_template_corpus(*, seed: int = 6, limit: int = 200) -> Corpus:
    """Formulaic real articles, each with a sibling that changes its names.

    The congratulation cables of ``saudinewsnet`` (:func:`another_cable`, each sent to another
    cable's addressee), then the lists of ``ant-jawharafm-2017`` (:func:`another_round`), at
    most ``limit`` bases; ids ``<base>`` and ``<base>~names1``, the sibling in the base's
    family. A base and its sibling are two reports: every merge of such a pair is false
    (:func:`name_template_pairs`). Two bases may be real near-duplicates (a round's programme
    and its referee list), so merges between bases are not scored.
    """
    rng = Random(seed)
    made: list[tuple[Article, str]] = []
    cables = [(a, _CABLE.search(a.text)) for a in load_articles("saudinewsnet")[0]]
    addressed = [(a, found.group(2)) for a, found in cables if found is not None]
    for article, country in addressed:
        donors = [d for d, other in addressed if other != country]
        sibling = another_cable(article.text, rng.choice(donors).text) if donors else None
        if sibling is not None:
            made.append((article, sibling))
    lists = [a for a in load_articles("ant-jawharafm-2017")[0] if list_names(a.text)]
    for article in lists:
        mine = set(list_names(article.text))
        donors = sorted({n for d in lists for n in list_names(d.text)} - mine)
        sibling = another_round(article.text, rng, donors)
        if sibling is not None:
            made.append((article, sibling))
    corpus = Corpus([], {}, {})
    seen: set[str] = set()
    for article, sibling in made:
        if article.text in seen or len(seen) >= limit:
            continue
        seen.add(article.text)
        corpus.add(article, article.id, "original")
        corpus.add(_copy(article, sibling, "names", 1, article.source), article.id, "names")
    return corpus


def name_template_pairs(corpus: Corpus) -> list[tuple[str, str]]:
    """The (base, sibling) pairs of a :func:`name_template_corpus`: none may be merged."""
    return [(corpus.family[a.id], a.id) for a in corpus.articles if corpus.recipe[a.id] == "names"]
