"""Relations beyond copy: where the shared passages of a verified pair lie.

A pair the similarity rule accepts by containment is not always one story: the longer text
may be the same report with new paragraphs under its lead (an *update*), a new development
written on top of the old report kept below as background (a *follow-up*), or a bulletin that
carries the story among other items (a *roundup*). The shingle sets cannot tell these apart;
the word alignment can (:func:`dedup.align.matching_blocks`): :func:`passage_layout` measures
where the passages the two texts share lie in each, and :func:`relation_of` reads the layout:

* ``roundup``: the longer text turns to another item ("من جهة أخرى") where the shared story
  begins or ends, or moves on to another place after it ("وفي العاصمة"), or the shared story
  sits inside it with more before and after it;
* ``follow_up``: the longer text opens with a new lead of half of it or more and shares
  under 0.35 of it;
* ``update``: both start with the shared lead and the longer adds a quarter or more;
* ``near`` otherwise.

Before the layout, :func:`word_order` tells a formula filled with other facts (the same
teams paired otherwise) from a copy: :func:`out_of_order`. :func:`dedup.verify.pair_relation`
applies both, the same way for every driver; ``exact``, ``near`` and ``update`` merge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Final, Literal

from dedup.align import matching_blocks, word_set, word_trigrams, words_of

__all__ = [
    "PassageLayout",
    "RelationVerdict",
    "out_of_order",
    "passage_layout",
    "relation_of",
    "word_order",
]

# A shared passage: a run of at least this many words in both texts (shorter runs are common
# words meeting by chance).
_MIN_PASSAGE_WORDS: Final = 4
# A bulletin moves to its next item with one of these phrases (normalized text): "on another
# side", "on a second side", "in a similar accident", "in another context", "on another
# level", "in another matter", "from another angle", "in a separate context". At the seam
# between the passages two texts share and the rest of the longer one, such a phrase says the
# rest is another item (the readers of the cluster sheet cite them for most of its bulletins).
# Phrases that continue one story are not in the list: "في سياق متصل" (in a related context),
# and "الي ذلك" (besides that), which as often adds a paragraph to the same story (a republished
# copy that dropped its last paragraph, "إلى ذلك، ...", in benchmarks.furniture_eval).
_NEXT_ITEM = re.compile(
    r"(?<!\S)(?:و|ف)?(?:من جهه (?:اخري|ثانيه)|في حادث مماثل|في سياق (?:اخر|منفصل)"
    r"|علي صعيد اخر|في شان اخر|من ناحيه اخري)(?!\S)"
)
# After the shared story, a wrap-up also moves on by place: "وفي العاصمه ..." (the Syria wrap
# of the cluster sheet: the Latakia sit-in, then the capital's toll), "وفي المدينه المنوره ..."
# (the two Friday sermons). Only at the opening of the stretch after the shared passages, and
# only before a word that names a place: "وفي تصريح", "وفي سياق", "وفي ختام" continue a story.
# On judged-duplicates-dev and the cluster sheet no same-story pair (DUP, UPDATE, SAME) has
# a stretch after its shared passages that opens with "وفي".
_NEXT_PLACE = re.compile(
    r"^وفي (?:ال)?(?:عاصمه|مدينه|محافظه|منطقه|ولايه|اقليم|بلده|قريه|مخيم|ريف"
    r"|مسجد|حرم)(?!\S)"
)
# The other item of a bulletin is a story of its own: at least 0.4 of the shared story's
# words. On the cluster reading sheet the bulletins' other items hold 0.55-1.4 of the shared
# story; on judged-duplicates-dev a statement followed by a short "من جهة أخرى" paragraph on
# the same event (19 of the wounded discharged, 0.16 of it) is one story (DUP).
_MIN_ITEM_SHARE: Final = 0.4
# Words on each side of a seam searched for such a phrase; an unshared stretch shorter than a
# sentence (8 words, as the template guard's) is an edit, not another item.
_SEAM_WORDS: Final = 6
_ITEM_WORDS: Final = 8
# Word order: the share of the shared vocabulary that keeps its three-word sequences. A copy,
# even reworded, keeps most of its phrases; a formula filled with other facts (the fixtures of
# another round, the same teams paired otherwise; another day's weather with other regions)
# shares words in other sequences. On the containment matches of judged-duplicates-dev and the
# cluster reading sheet, every DUP, UPDATE and SAME pair keeps 0.53 or more; fixture and
# results lists of ant-jawharafm-2017 of other rounds keep 0.18-0.45, another day's weather
# bulletin 0.47.
_MIN_WORD_ORDER: Final = 0.5
# A follow-up: the longer text opens with new material that is at least half of it, and the
# passages shared with the older report cover under 0.35 of it. On the cluster reading sheet
# (benchmarks/cluster_labels) the two follow-ups of that shape open with 0.55-0.56 new lead and
# share 0.21-0.26; on judged-duplicates-dev the DUP/UPDATE pairs that open with half new
# material (re-topped wire copies, a new lead on the same event) share 0.41-0.47 of the longer
# text, and no DUP/UPDATE pair with a new lead of a third or more shares under 0.35.
_FOLLOW_UP_LEAD: Final = 0.5
_FOLLOW_UP_COVER: Final = 0.35
# An update: the shared passages start within the first words of both texts (the same lead)
# and the longer text adds at least a quarter of new words (new paragraphs); less is a copy
# with a sentence more (``near``).
_SAME_LEAD_WORDS: Final = 12
_UPDATE_ADDED: Final = 0.25


@dataclass(frozen=True, slots=True)
class PassageLayout:
    """Where two texts' shared passages lie, seen from the longer text (in words).

    Attributes
    ----------
    long_words, short_words
        Words of the longer and of the shorter text.
    shared_words
        Words inside shared passages (of at least ``_MIN_PASSAGE_WORDS`` words).
    long_lead, long_tail
        Words of the longer text before its first shared passage, and after its last.
    short_lead
        Words of the shorter text before its first shared passage.
    long_first
        Whether the first argument was the longer text.
    next_item
        A phrase that opens another item ("من جهه اخري") at a seam between the shared
        passages and an unshared stretch of the longer text (of a sentence or more); empty
        when there is none.
    """

    long_words: int
    short_words: int
    shared_words: int
    long_lead: int
    long_tail: int
    short_lead: int
    long_first: bool
    next_item: str = ""

    @property
    def long_cover(self) -> float:
        """Share of the longer text inside shared passages."""
        return self.shared_words / max(1, self.long_words)

    @property
    def short_cover(self) -> float:
        """Share of the shorter text inside shared passages."""
        return self.shared_words / max(1, self.short_words)


def passage_layout(text_a: str, text_b: str) -> PassageLayout:
    """Measure where the passages shared by two texts lie.

    Examples
    --------
    >>> old = "قرر مجلس الوزراء اليوم رفع اسعار الوقود في جميع المحطات اعتبارا من الشهر المقبل"
    >>> new = "اعلن الوزير استقالته بعد ساعات من القرار " + old
    >>> layout = passage_layout(old, new)
    >>> layout.long_lead, layout.long_tail, layout.shared_words, layout.long_first
    (7, 0, 14, False)
    """
    words_a, words_b = words_of(text_a), words_of(text_b)
    long_first = (len(words_a), text_a) >= (len(words_b), text_b)
    long, short = (words_a, words_b) if long_first else (words_b, words_a)
    blocks = [(i, j, k) for i, j, k in matching_blocks(long, short) if k >= _MIN_PASSAGE_WORDS]
    if not blocks:
        return PassageLayout(len(long), len(short), 0, len(long), 0, len(short), long_first)
    last = blocks[-1]
    return PassageLayout(
        next_item=_next_item(long, blocks),
        long_words=len(long),
        short_words=len(short),
        shared_words=sum(k for _, _, k in blocks),
        long_lead=blocks[0][0],
        long_tail=len(long) - (last[0] + last[2]),
        short_lead=min(j for _, j, _ in blocks),
        long_first=long_first,
    )


def _next_item(long: Sequence[str], blocks: list[tuple[int, int, int]]) -> str:
    """A next-item phrase where the longer text turns from the shared story to another item,
    else ``""``.

    Only the stretch before the first shared passage and the one after the last count, of a
    sentence or more and of ``_MIN_ITEM_SHARE`` of the shared story or more (an item, not a
    closing paragraph): the shared story lies wholly on one side of the turn. A phrase between
    two shared passages belongs to the story both texts tell (an edited sentence, an item
    both carry).
    """
    first, last = blocks[0], blocks[-1]
    shared = sum(k for _, _, k in blocks)
    # The stretch before the shared story: the phrase closes it, opening the shared passage
    # (a phrase is up to three words, so the window reaches as far into the passage: the
    # shorter text may be the item cut from a bulletin with its phrase). The stretch after
    # it: the phrase opens it, wholly unshared; a shorter text that ends inside the phrase
    # ("... كما اذن رئيس الحكومه من") is a copy cut there, not an item.
    lead_end, tail_begin = first[0], last[0] + last[2]
    stretches = (
        (lead_end, long[max(0, lead_end - _SEAM_WORDS - 3) : lead_end + 3]),
        (len(long) - tail_begin, long[tail_begin : tail_begin + _SEAM_WORDS + 3]),
    )
    for side, (words, window) in enumerate(stretches):
        if words < max(_ITEM_WORDS, _MIN_ITEM_SHARE * shared):
            continue
        seam = " ".join(window)
        found = _NEXT_ITEM.search(seam) or (_NEXT_PLACE.match(seam) if side == 1 else None)
        if found:
            return found.group()
    return ""


@dataclass(frozen=True, slots=True)
class RelationVerdict:
    """The relation a layout reads as, and why (in words, for ``dedup explain``)."""

    relation: Literal["near", "update", "follow_up", "roundup"]
    reason: str


def relation_of(layout: PassageLayout) -> RelationVerdict:
    """Read a containment pair's layout as ``near``, ``update``, ``follow_up`` or ``roundup``.

    ``roundup`` when the longer text turns to another item at a seam of the shared passages
    (a phrase such as "من جهه اخري"), or when the shared passages sit inside it with more of
    the longer text both before and after them than they hold (an item of a wrap-up);
    ``follow_up`` when the longer text opens with a new lead of at least half of it and the
    shared passages cover under 0.35 of it (the older report kept as background); ``update``
    when the shared passages start at both texts' leads and the longer text adds at least a
    quarter of new words; else ``near``.

    Examples
    --------
    >>> relation_of(PassageLayout(200, 90, 45, 110, 20, 0, True)).relation
    'follow_up'
    >>> relation_of(PassageLayout(300, 180, 170, 0, 120, 0, True)).relation
    'update'
    >>> relation_of(PassageLayout(100, 95, 90, 0, 3, 0, True)).relation
    'near'
    """
    if layout.next_item:
        return RelationVerdict(
            "roundup",
            f"the longer text moves to another item ({layout.next_item!r}) where the shared "
            f"passages end or begin: a bulletin carrying the other among other items",
        )
    if min(layout.long_lead, layout.long_tail) >= max(1, layout.shared_words):
        return RelationVerdict(
            "roundup",
            f"the shared passages ({layout.shared_words} words) sit inside the longer text, "
            f"with more of it before ({layout.long_lead}) and after ({layout.long_tail}): "
            "an item of a wrap-up",
        )
    lead_share = layout.long_lead / max(1, layout.long_words)
    if lead_share >= _FOLLOW_UP_LEAD and layout.long_cover < _FOLLOW_UP_COVER:
        return RelationVerdict(
            "follow_up",
            f"a new lead of {lead_share:.2f} of the longer text before the shared passages, "
            f"which cover {layout.long_cover:.2f} of it: the other is background",
        )
    added = 1.0 - layout.short_words / max(1, layout.long_words)
    same_lead = layout.long_lead <= _SAME_LEAD_WORDS and layout.short_lead <= _SAME_LEAD_WORDS
    if same_lead and added >= _UPDATE_ADDED:
        return RelationVerdict(
            "update",
            f"the same lead, and the longer text adds {added:.2f} of new words after it",
        )
    return RelationVerdict(
        "near", f"shared passages cover {layout.long_cover:.2f} of the longer text"
    )


def word_order(text_a: str, text_b: str) -> float:
    """Word-trigram containment over word containment (both relative to the smaller set).

    1.0 for a copy, a truncation or an extension; low when the shared words stand in other
    sequences (a list of the same names paired otherwise).

    Examples
    --------
    >>> head = "تدور اليوم مقابلات الجوله وفق البرنامج التالي "
    >>> one = head + "النجم الساحلي النادي الافريقي الترجي الرياضي الملعب التونسي"
    >>> other = head + "النجم الساحلي الترجي الرياضي النادي الافريقي الملعب التونسي"
    >>> word_order(one, one), round(word_order(one, other), 2)
    (1.0, 0.54)
    """
    words = _containment(word_set(text_a), word_set(text_b))
    if not words:
        return 0.0
    trigrams = _containment(word_trigrams(text_a), word_trigrams(text_b))
    return trigrams / words


def _containment(first: AbstractSet[object], second: AbstractSet[object]) -> float:
    smaller = min(len(first), len(second))
    return len(first & second) / smaller if smaller else 0.0


def out_of_order(text_a: str, text_b: str) -> str:
    """Why a containment match is a formula with other facts (words in other sequences),
    or ``""`` when the shared words keep their order."""
    order = word_order(text_a, text_b)
    if order >= _MIN_WORD_ORDER:
        return ""
    return (
        f"template: only {order:.2f} of the shared words keep their three-word sequences "
        f"(a copy keeps {_MIN_WORD_ORDER} or more): a formula or list with other facts"
    )
