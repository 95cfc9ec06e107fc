"""Arabic normalization for character shingling.

Every step follows the spec table in ``shared/reference/arabic-normalization.md``
(rows 1–28); the row number is cited next to each mapping. Two things are never
done: collapsing numbers (row 24: a toll update 30 → 50 would become identical)
and stemming (row 30).

The steps are small named functions so each can be tested alone;
:func:`normalize_text` composes them in the order the reference recommends.
Everything is ``str.translate``, ``unicodedata.normalize`` or one ``re`` pass:
C-level, no per-character Python loop.
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

__all__ = [
    "NormalizationOptions",
    "breaks_only_at_newlines",
    "collapse_spaces",
    "decode_entities",
    "fold_letters",
    "lowercase_latin",
    "normalize_lines",
    "normalize_many",
    "normalize_pages",
    "normalize_paragraphs",
    "normalize_text",
    "premap",
    "strip_format_and_marks",
    "unicode_nfkc",
]

SPACE = " "

# Rows 10 and 11: format and bidi controls occur *inside* words, so they are
# deleted, never turned into a space.
_FORMAT_CONTROLS = [
    0x200C,  # ZWNJ (row 10, Arabic text: delete)
    0x200D,  # ZWJ
    0x200E,  # LRM
    0x200F,  # RLM
    0x061C,  # ALM
    *range(0x202A, 0x202F),  # LRE, RLE, PDF, LRO, RLO
    *range(0x2066, 0x206A),  # LRI, RLI, FSI, PDI
    0x2060,  # word joiner
    0xFEFF,  # BOM / zero-width no-break space
    0x00AD,  # soft hyphen
]

# Rows 5, 7, 8, 9: marks deleted. U+0653..U+0655 (maddah, hamza above/below)
# are *not* in this first set: before NFKC they compose with the letter
# (ا + U+0654 = أ), so they are removed only after composition (row 6).
_MARKS_BEFORE_NFKC = [
    *range(0x064B, 0x0653),  # row 5: harakat fathatan..sukun
    *range(0x0656, 0x0660),  # row 6: other combining marks
    0x0670,  # row 7: superscript alef
    *range(0x0610, 0x061B),  # row 8: Quranic marks
    *range(0x06D6, 0x06DD),
    *range(0x06DF, 0x06E9),
    *range(0x06EA, 0x06EE),
    0x0640,  # row 9: tatweel
]
_MARKS_AFTER_NFKC = [0x0653, 0x0654, 0x0655]  # row 6, leftovers after composition

# Row 8: these three Quranic signs stand between words, so they become a space.
_QURANIC_SEPARATORS = [0x06DD, 0x06DE, 0x06E9]

# Row 12: spaces of every width, and line structure, become one space.
_SPACES = [
    0x200B,
    0x00A0,
    *range(0x2000, 0x200B),
    0x202F,
    0x205F,
    0x3000,
    0x09,
    0x0A,
    0x0D,
    0x0B,
    0x0C,
    0x2028,
    0x2029,
    0x0085,
]

# Rows 13–21: letter folds (target chosen as in Lucene Arabic + Persian, see the
# note under the reference table: one consistent target per letter).
_LETTER_FOLDS: dict[int, str] = {
    0x0622: "ا",
    0x0623: "ا",
    0x0625: "ا",  # row 13: آ أ إ
    0x0671: "ا",
    0x0672: "ا",
    0x0673: "ا",
    0x0675: "ا",  # row 14: ٱ and wavy-hamza alefs
    0x0649: "ي",  # row 15: alef maksura ى
    # Row 16: Farsi yeh ی, yeh with small v, yeh with tail, yeh barree ے.
    # U+06CE ێ is listed in row 16 *and* row 23 (Kurdish vowel letter); the more
    # specific row 23 wins: it is kept, so Sorani text is not damaged.
    0x06CC: "ي",
    0x06CD: "ي",
    0x06D0: "ي",
    0x06D1: "ي",
    0x06D2: "ي",
    0x0629: "ه",  # row 17: teh marbuta ة
    0x06A9: "ك",
    0x063B: "ك",
    0x063C: "ك",  # row 18: keheh ک and variants
    0x06C0: "ه",
    0x06C1: "ه",
    0x06C2: "ه",
    0x06BE: "ه",
    0x06FF: "ه",  # row 19
    0x066E: "ب",
    0x066F: "ق",
    0x06A2: "ف",
    0x06A7: "ق",  # row 21: Maghrebi forms
}

# Row 20 (optional tier): hamza on a carrier → bare hamza, so مسئول = مسؤول.
_HAMZA_CARRIER_FOLDS: dict[int, str] = {0x0624: "ء", 0x0626: "ء"}

# Row 22 (optional "loanword" tier, off by default): distinct letters in
# Persian and Kurdish, spelling variants in Arabic loanwords (ڤيروس/فيروس).
_LOANWORD_FOLDS: dict[int, str] = {0x06A4: "ف", 0x067E: "ب", 0x0686: "ج", 0x0698: "ز", 0x06AF: "ك"}

# Rows 24–26: digits to ASCII, thousands separator deleted, percent sign.
_DIGIT_FOLDS: dict[int, str] = {
    **{0x0660 + d: str(d) for d in range(10)},  # row 24 Arabic-Indic ٠..٩
    **{0x06F0 + d: str(d) for d in range(10)},  # row 25 Extended ۰..۹
    0x066C: "",  # row 26: ٬ thousands separator
    0x066A: "%",  # row 26: ٪
}

# Row 26: a decimal separator between two digits survives as "."; the
# punctuation pass (row 27) would otherwise split 3.5 into "3 5".
_FULL_STOP = np.uint32(ord("."))
_ARABIC_DECIMAL = np.uint32(0x066B)

# Row 1: C0/C1 controls other than tab/newline become a space.
_CONTROLS = [c for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if c not in (0x09, 0x0A)]

# Row 1 for pure-ASCII text (the common fast path for Latin-only lines).
_ASCII_CONTROLS = dict.fromkeys([c for c in _CONTROLS if c < 0x80], SPACE)

# Row 2: pre-mapped before NFKC (NFKC turns ﷼ into ری‌ال with a Farsi yeh and
# leaves ﷽ alone).
_PREMAP: dict[int, str] = {0xFDFC: "ريال", 0xFDFD: "بسم الله الرحمن الرحيم"}

_KEEP_AS_IS = {"%"}

# A translation table compiled to an array over all code points: the target code
# point, or -1 to delete. Applying it is one numpy gather instead of a dict
# lookup per character (5x faster than str.translate on saudinewsnet).
_DELETE = -1
LookupTable = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class NormalizationOptions:
    """Switches for the optional tiers of the reference table.

    Parameters
    ----------
    fold_hamza_carriers
        Row 20: ؤ and ئ become ء, so مسئول and مسؤول match. Off by default, as
        the reference lists it as an optional tier.
    fold_loanword_letters
        Row 22: ڤ پ چ ژ گ become ف ب ج ز ك. Off by default: they are distinct
        letters in Persian and Kurdish.
    """

    fold_hamza_carriers: bool = False
    fold_loanword_letters: bool = False


def decode_entities(text: str) -> str:
    """Decode HTML entities (row 1).

    Examples
    --------
    >>> decode_entities("الرياض&nbsp;&amp;&#1580;دة")
    'الرياض\\xa0&جدة'
    """
    if "&" not in text:
        return text
    return html.unescape(text)


def _compile(table: dict[int, str | None]) -> LookupTable:
    lookup = np.arange(sys.maxunicode + 1, dtype=np.int32)
    for code_point, target in table.items():
        lookup[code_point] = _DELETE if not target else ord(target)
    return lookup


def _to_code_points(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _from_code_points(code_points: npt.NDArray[np.int32]) -> str:
    # A view, not a copy: every value here is a code point (>= 0).
    return code_points.view("<u4").tobytes().decode("utf-32-le", "surrogatepass")


@cache
def _premap_lookup(*, line_marks: bool = False) -> LookupTable:
    table: dict[int, str | None] = dict.fromkeys(_CONTROLS, SPACE)
    table.update(dict.fromkeys(_FORMAT_CONTROLS))
    table.update(dict.fromkeys(_MARKS_BEFORE_NFKC))
    if line_marks:
        # As _LINE_BREAKS.sub(_LINE_MARK) before premap ("\r\n" gives two marks, that
        # is one empty line more, and empty lines are dropped).
        table.update(dict.fromkeys(map(ord, _LINE_BREAK_CHARS), _LINE_MARK))
    return _compile(table)


# In the table of :func:`_nfkc_free_lookup`: a character the full path must handle.
_FULL_PATH = -2


@cache
def _nfkc_free_lookup(*, line_marks: bool = False) -> LookupTable:
    """Premap, then NFKC, per code point, for texts where NFKC works character by character.

    Each entry is the code point that premap then NFKC make of the character, -1
    when premap deletes it, or ``_FULL_PATH``. A *stable* character (combining
    class 0, its own NFKC, and not the second of a canonical composition, so
    Unicode's quick check says yes) never changes nor combines with a
    neighbour; a text whose characters become stable ones under NFKC (NBSP,
    Arabic presentation forms) has as its NFKC those stable characters, since
    NFKC depends only on the full decomposition, which is the same. Such a text
    also holds no entity to decode, and stays NFC-normalized through
    :func:`fold_letters`, whose targets are stable: the whole normalization is
    this lookup, fold and lowercase. Anything else (lam-alef ligatures, a
    combining hamza, ``&``, characters outside the Basic Multilingual Plane)
    is ``_FULL_PATH``.
    """
    nfkc = _nfkc_to_stable()
    premapped = _premap_lookup(line_marks=line_marks)
    return np.where(premapped == _DELETE, _DELETE, nfkc[premapped])


@cache
def _nfkc_to_stable() -> LookupTable:
    """Per code point, its NFKC when that is one stable character, else ``_FULL_PATH``."""
    seconds = _composed_seconds()
    images = {
        code_point: unicodedata.normalize("NFKC", chr(code_point))
        for code_point in range(0x10000)
        if not 0xD800 <= code_point < 0xE000  # surrogates are no text
    }
    stable = {
        code_point
        for code_point, image in images.items()
        if _stable_alone(code_point, image, seconds)
    }
    nfkc = np.full(sys.maxunicode + 1, _FULL_PATH, dtype=np.int32)
    for code_point, image in images.items():
        if len(image) == 1 and ord(image) in stable and code_point not in _PREMAP:
            nfkc[code_point] = ord(image)
    return nfkc


# Every two-part canonical decomposition of Unicode 14-15 lies below this code point (the last
# one is U+1D1C0, a musical symbol); reading the decompositions of the planes above took
# 0.1 s in every process. tests/test_normalize.py checks it against all code points.
_DECOMPOSED_BELOW = 0x20000


def _composed_seconds(limit: int = _DECOMPOSED_BELOW) -> set[int]:
    """Code points that canonical composition can join to the character before them
    (read from the code points below ``limit``)."""
    seconds = set()
    for code_point in range(limit):
        parts = unicodedata.decomposition(chr(code_point)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    seconds.update(range(0x1100, 0x1200))  # Hangul jamo: composed by algorithm, not the table
    return seconds


def _stable_alone(code_point: int, image: str, seconds: set[int]) -> bool:
    """Whether a code point is its own NFKC whatever surrounds it."""
    return (
        image == chr(code_point)
        and unicodedata.combining(image) == 0
        and code_point not in seconds
        and code_point != ord("&")  # an entity may follow: the decoder's turn
        and code_point not in _PREMAP  # spelled out by premap, not looked up
    )


# The fast path: premap, NFKC, fold and lowercase in one lookup (:func:`_fast_lookup`),
# then the space collapse on the code points (:func:`_collapsed`). Negative entries:
_FOLDED_AWAY = -2  # deleted by the fold (٬), after the decimal check has seen it
_SEPARATOR = -3  # "." or "٫": kept as "." between two digits, else a space (row 26)
_SLOW = -4  # the full path decides (see _nfkc_free_lookup; also İ, Σ and the Ogham space)
# Which breaks become a mark: none (normalize_text), every line break (normalize_lines),
# or only "\n" (normalize_paragraphs).
_NO_MARKS, _LINE_MARKS, _PARAGRAPH_MARKS = "none", "lines", "paragraphs"
_SPACE_CODE = ord(SPACE)
# Texts up to this length take str.translate through a per-character table instead of
# numpy: a numpy pass costs about 8 us whatever the length, translate 0.1 us a character
# (measured on this machine; furniture normalizes many short pieces: words, prefixes).
_SHORT_TEXT = 64
# What the translate table gives for a character the fast path cannot take alone.
_SLOW_CHAR = "\uffff"


@cache
def _fast_lookup(options: NormalizationOptions, marks: str) -> LookupTable:
    """Per code point: premap, NFKC, fold then lowercase, or a negative code.

    ``_DELETE`` (premap deletes it: a harakah, a format control), ``_FOLDED_AWAY``,
    ``_SEPARATOR`` or ``_SLOW`` (the full path: :func:`_nfkc_free_lookup`'s
    ``_FULL_PATH``, a character whose lowercase depends on its neighbours or is longer,
    and one that would end as white space other than a space, which the space collapse
    on code points does not know). Line breaks become ``_LINE_MARK`` (``marks`` "lines")
    or, for "\\n" only, ``_PARAGRAPH_MARK`` ("paragraphs"); the marks are stable, so
    putting them last is the same as putting them first.
    """
    composed = _nfkc_free_lookup()
    folded = _fold_lookup(options)[np.maximum(composed, 0)]
    table = np.where(folded == _DELETE, _FOLDED_AWAY, _lowercase_lookup()[np.maximum(folded, 0)])
    table[composed == _DELETE] = _DELETE
    table[composed == _FULL_PATH] = _SLOW
    table[(composed == _FULL_STOP) | (composed == _ARABIC_DECIMAL)] = _SEPARATOR
    if marks == _LINE_MARKS:
        table[[ord(c) for c in _LINE_BREAK_CHARS]] = _LINE_MARK_CODE
    elif marks == _PARAGRAPH_MARKS:
        table[ord("\n")] = _PARAGRAPH_MARK_CODE
    return table


@cache
def _lowercase_lookup() -> LookupTable:
    """Per code point, its lowercase when that is one character whatever the context, else
    ``_SLOW`` (İ lowercases to two characters, Σ to ς or σ by position); white space other
    than a space is ``_SLOW`` as well."""
    lowered = np.full(sys.maxunicode + 1, _SLOW, dtype=np.int32)
    for code_point in range(0x10000):  # the fold's targets are all in the BMP
        lower = chr(code_point).lower()
        if len(lower) == 1 and code_point != ord("Σ"):
            lowered[code_point] = ord(lower)
        if chr(code_point).isspace() and code_point != _SPACE_CODE:
            lowered[code_point] = _SLOW
    return lowered


def _fast_code_points(
    text: str, options: NormalizationOptions, marks: str
) -> npt.NDArray[np.int32] | None:
    """The code points of the normalized text before the space collapse, or None when a
    character needs the full path (:func:`_normalize_keeping_spaces`)."""
    mapped = _fast_lookup(options, marks)[_to_code_points(text)]
    lowest = mapped.min(initial=0)
    if lowest >= _FOLDED_AWAY:  # no decimal separator: every step is per character
        kept: npt.NDArray[np.int32] = mapped[mapped >= 0]
        return kept
    if lowest == _SEPARATOR:
        return _with_separators(mapped)
    return None


def _with_separators(mapped: LookupTable) -> npt.NDArray[np.int32]:
    """Row 26 on looked-up code points: a separator between two digits is a ".", else a space.

    The neighbours are looked at after premap's deletions and before the fold's (a
    harakah between a digit and the separator does not count; ٬ does), as
    :func:`_fold_code_points` sees them. Most separators have letters, digits or spaces
    next to them, which are read in place; next to a deletion, the deletions go first.
    """
    separators = np.flatnonzero(mapped == _SEPARATOR)
    # Most separators end a sentence, after a letter: only one after a digit or a
    # deletion (or at the start, where index -1 wraps) is looked at closely.
    before = mapped[separators - 1]
    doubtful = separators[((before >= 0x30) & (before <= 0x39)) | (before == _DELETE)]
    last, stops = len(mapped) - 1, []
    for position in doubtful.tolist():
        if 0 < position < last:
            before, after = mapped[position - 1], mapped[position + 1]
            if before == _DELETE or after == _DELETE:
                return _with_separators(mapped[mapped != _DELETE])  # none left next time
            if 0x30 <= before <= 0x39 and 0x30 <= after <= 0x39:
                stops.append(position)
    mapped[separators] = _SPACE_CODE
    mapped[stops] = _FULL_STOP
    kept: npt.NDArray[np.int32] = mapped[mapped >= 0]
    return kept


def _collapsed(
    code_points: npt.NDArray[np.int32], mark: int | None = None, last_mark: int | None = None
) -> str:
    """:func:`collapse_spaces` on code points whose only white space is the space, around
    the marks too (``mark`` to ``last_mark``: no space next to one; marks are all kept)."""
    spaces = code_points == _SPACE_CODE
    if mark is None:
        separators = spaces
    elif last_mark is None:
        separators = spaces | (code_points == mark)
    else:
        separators = spaces | ((code_points >= mark) & (code_points <= last_mark))
    after_separator = np.empty_like(spaces)
    after_separator[:1] = True  # the start counts as one
    after_separator[1:] = separators[:-1]
    kept = code_points[~(spaces & after_separator)]  # the first space of a run only
    if mark is None:
        if len(kept) and kept[-1] == _SPACE_CODE:
            kept = kept[:-1]
    elif len(kept):
        before_mark = np.empty(len(kept), dtype=bool)
        before_mark[-1] = True  # as is the end
        following = kept[1:]
        if last_mark is None:
            before_mark[:-1] = following == mark
        else:
            before_mark[:-1] = (following >= mark) & (following <= last_mark)
        kept = kept[~((kept == _SPACE_CODE) & before_mark)]
    return _from_code_points(kept)


class _ShortTable(dict[int, str]):
    """The fast lookup as a ``str.translate`` table, filled on first use of a character."""

    def __init__(self, options: NormalizationOptions) -> None:
        super().__init__()
        self._lookup = _fast_lookup(options, _NO_MARKS)

    def __missing__(self, code_point: int) -> str:
        target = int(self._lookup[code_point])
        char = _SLOW_CHAR if target < _FOLDED_AWAY else "" if target < 0 else chr(target)
        self[code_point] = char
        return char


@cache
def _short_table(options: NormalizationOptions) -> _ShortTable:
    return _ShortTable(options)


def premap(text: str) -> str:
    """Before NFKC: controls → space, format marks, harakat and tatweel deleted, ﷼ ﷽ spelled out.

    Deleting tatweel and zero-width marks *before* composition matters: between
    a letter and a combining hamza they would block NFKC from composing the two.

    Examples
    --------
    >>> premap("العـــربيّة\u200c")
    'العربية'
    """
    if text.isascii():
        return text.translate(_ASCII_CONTROLS)
    for code_point, spelled in _PREMAP.items():
        if chr(code_point) in text:
            text = text.replace(chr(code_point), spelled)
    mapped = _premap_lookup()[_to_code_points(text)]
    return _from_code_points(mapped[mapped != _DELETE])


def unicode_nfkc(text: str) -> str:
    """NFKC: presentation forms and lam-alef ligatures to base letters (rows 3–4).

    Examples
    --------
    >>> unicode_nfkc("\ufefb") == "لا"
    True
    """
    return unicodedata.normalize("NFKC", text)


def strip_format_and_marks(text: str) -> str:
    """After NFKC: marks that NFKC produced or left (rows 5–9) are deleted.

    Examples
    --------
    >>> strip_format_and_marks("مَدْرَسَة")
    'مدرسة'
    """
    mapped = _marks_lookup()[_to_code_points(text)]
    return _from_code_points(mapped[mapped != _DELETE])


@cache
def _marks_lookup() -> LookupTable:
    return _compile(dict.fromkeys([*_FORMAT_CONTROLS, *_MARKS_BEFORE_NFKC, *_MARKS_AFTER_NFKC]))


@cache
def _fold_lookup(options: NormalizationOptions) -> LookupTable:
    """One table for rows 5–28 applied after NFKC."""
    table: dict[int, str | None] = {}
    # Row 27: every punctuation (P*) and symbol (S*) character becomes a space.
    # Built once from the Unicode database for the Basic Multilingual Plane.
    for code_point in range(0x10000):
        char = chr(code_point)
        if char in _KEEP_AS_IS:
            continue
        if unicodedata.category(char)[0] in "PS":
            table[code_point] = SPACE
    table.update(dict.fromkeys(_SPACES, SPACE))
    table.update(dict.fromkeys(_QURANIC_SEPARATORS, SPACE))
    table.update(dict.fromkeys(_CONTROLS, SPACE))
    table.update(dict.fromkeys([*_FORMAT_CONTROLS, *_MARKS_BEFORE_NFKC, *_MARKS_AFTER_NFKC]))
    table.update(_LETTER_FOLDS)
    if options.fold_hamza_carriers:
        table.update(_HAMZA_CARRIER_FOLDS)
    if options.fold_loanword_letters:
        table.update(_LOANWORD_FOLDS)
    table.update(_DIGIT_FOLDS)
    return _compile(table)


def fold_letters(text: str, options: NormalizationOptions = NormalizationOptions()) -> str:
    """Letter variants, digits, punctuation and spaces in one table lookup (rows 5–27).

    Examples
    --------
    >>> fold_letters("إقليم کوردستان، ٢٠٢٣")
    'اقليم كوردستان  2023'
    >>> fold_letters("نسبة ٣٫٥٪")
    'نسبه 3.5%'
    """
    if not text:
        return text
    return _from_code_points(_fold_code_points(_to_code_points(text), options))


def _fold_code_points(
    code_points: npt.NDArray[np.uint32] | npt.NDArray[np.int32], options: NormalizationOptions
) -> npt.NDArray[np.int32]:
    """:func:`fold_letters` on code points, deleted ones left out."""
    mapped: LookupTable = _fold_lookup(options)[code_points]
    inner = code_points[1:-1]
    separators = np.flatnonzero((inner == _FULL_STOP) | (inner == _ARABIC_DECIMAL)) + 1
    if len(separators):
        before, after = mapped[separators - 1], mapped[separators + 1]
        between_digits = (before >= 0x30) & (before <= 0x39) & (after >= 0x30) & (after <= 0x39)
        mapped[separators[between_digits]] = ord(".")
    kept: LookupTable = mapped[mapped != _DELETE]
    return kept


def lowercase_latin(text: str) -> str:
    """Latin lowercased (row 28); Arabic has no case and is unchanged.

    Examples
    --------
    >>> lowercase_latin("قناة BBC")
    'قناة bbc'
    """
    return text.lower()


def collapse_spaces(text: str) -> str:
    """Runs of white space become one space, none at the ends (row 12).

    Examples
    --------
    >>> collapse_spaces("  بغداد   اليوم ")
    'بغداد اليوم'
    """
    return SPACE.join(text.split())


def normalize_text(text: str, options: NormalizationOptions = NormalizationOptions()) -> str:
    """Normalize Arabic news text for shingling (reference rows 1–28, in order).

    Idempotent; adding harakat, tatweel or zero-width marks anywhere never
    changes the result.

    Parameters
    ----------
    text
        Raw text.
    options
        Optional tiers (hamza carriers, loanword letters).

    Returns
    -------
    str
        The normalized text: Arabic base letters, ASCII digits, lowercase
        Latin, single spaces.

    Examples
    --------
    >>> normalize_text("أعلنَ رئيسُ إقليمِ کوردستان، يوم ٤ نوفمبر")
    'اعلن رئيس اقليم كوردستان يوم 4 نوفمبر'
    >>> normalize_text("مستشفى") == normalize_text("مستشفي")
    True
    """
    if len(text) <= _SHORT_TEXT:
        translated = text.translate(_short_table(options))
        if _SLOW_CHAR not in translated:
            return SPACE.join(translated.split())
    code_points = _fast_code_points(text, options, _NO_MARKS)
    if code_points is not None:
        return _collapsed(code_points)
    return collapse_spaces(_normalize_keeping_spaces(text, options))


def _normalize_keeping_spaces(
    text: str, options: NormalizationOptions, *, line_marks: bool = False
) -> str:
    """The named steps but the final space collapse; line breaks become ``_LINE_MARK`` if asked.

    The full path, for the texts :func:`_fast_code_points` leaves (a lam-alef ligature, a
    combining hamza, an entity, a character outside the Basic Multilingual Plane).
    """
    if line_marks:
        text = _LINE_BREAKS.sub(_LINE_MARK, text)
    text = premap(text)
    if "&" in text:
        # After premap, so an invisible mark inside an entity cannot hide it;
        # premap again for what the entities spelled out.
        decoded = decode_entities(text)
        if decoded != text:
            text = premap(decoded)
    if not text.isascii():
        text = unicode_nfkc(text)
    text = fold_letters(text, options)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        # Deleting a combining hamza (row 6) can leave a Latin base letter next to
        # a mark it composes with; compose now so a second pass changes nothing.
        text = unicodedata.normalize("NFC", text)
    return lowercase_latin(text)


# Line breaks survive :func:`normalize_lines` as this private-use character, which
# no step maps (category Co is neither punctuation nor symbol).
_LINE_MARK = "\ue001"
_LINE_MARK_CODE = ord(_LINE_MARK)
# The "\n" of a page, in :func:`normalize_paragraphs`.
_PARAGRAPH_MARK = "\ue002"
_PARAGRAPH_MARK_CODE = ord(_PARAGRAPH_MARK)
# Between two pages in :func:`normalize_pages`.
_PAGE_MARK = "\ue003"
_PAGE_MARK_CODE = ord(_PAGE_MARK)
# Code points normalized in one go by normalize_pages: 4 MB per array of them.
_BATCH_CODE_POINTS = 1 << 20
# The line boundaries of str.splitlines.
_LINE_BREAK_CHARS = "\n\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85"
_LINE_BREAKS = re.compile(rf"\r\n|[{_LINE_BREAK_CHARS}]")
_OTHER_LINE_BREAK_CHARS = _LINE_BREAK_CHARS.replace("\n", "")


def normalize_lines(text: str, options: NormalizationOptions = NormalizationOptions()) -> list[str]:
    """Normalize a text line by line in one pass; empty lines are dropped.

    The same as ``[normalize_text(line) for line in text.splitlines()]`` without
    the empty results, at the cost of one :func:`normalize_text` call.

    Examples
    --------
    >>> normalize_lines("المصدر: واس\\n\\nأعلنَ الوزيرُ")
    ['المصدر واس', 'اعلن الوزير']
    """
    if _LINE_MARK in text:  # the marker would be taken for a line break: go line by line
        lines = (normalize_text(line, options) for line in _LINE_BREAKS.split(text))
        return [line for line in lines if line]
    code_points = _fast_code_points(text, options, _LINE_MARKS)
    if code_points is not None:
        return [line for line in _collapsed(code_points, _LINE_MARK_CODE).split(_LINE_MARK) if line]
    marked = _normalize_keeping_spaces(text, options, line_marks=True)
    return [line for line in map(collapse_spaces, marked.split(_LINE_MARK)) if line]


def normalize_paragraphs(
    text: str, options: NormalizationOptions = NormalizationOptions()
) -> list[str]:
    """Normalize each line of ``text.split("\\n")`` in one pass, empty results kept.

    The same as ``[normalize_text(line) for line in text.split("\\n")]`` (so a ``"\\r"``
    or a ``"\\u2028"`` inside a line becomes a space, as :func:`normalize_text` makes it):
    one entry per line of a scraped page, which :mod:`dedup.furniture` reads by position.

    Examples
    --------
    >>> normalize_paragraphs("المصدر: واس\\n\\nأعلنَ الوزيرُ")
    ['المصدر واس', '', 'اعلن الوزير']
    """
    if _PARAGRAPH_MARK not in text:
        code_points = _fast_code_points(text, options, _PARAGRAPH_MARKS)
        if code_points is not None:
            return _collapsed(code_points, _PARAGRAPH_MARK_CODE).split(_PARAGRAPH_MARK)
        # The full path once for the whole text, unless an entity spelled out a mark.
        marked = _normalize_keeping_spaces(text.replace("\n", _PARAGRAPH_MARK), options)
        if marked.count(_PARAGRAPH_MARK) == text.count("\n"):
            return [collapse_spaces(line) for line in marked.split(_PARAGRAPH_MARK)]
    return [normalize_text(line, options) for line in text.split("\n")]


def normalize_pages(
    texts: Sequence[str], options: NormalizationOptions = NormalizationOptions()
) -> list[list[str]]:
    """:func:`normalize_paragraphs` of each text, the numpy passes shared by a batch of them.

    A pass costs a few microseconds whatever its length: joined, the pages of a chunk
    of work pay it once (about twice as fast as one page at a time on saudinewsnet).

    Examples
    --------
    >>> normalize_pages(["المصدر: واس\\nأعلنَ الوزيرُ", "", "جدّة"])
    [['المصدر واس', 'اعلن الوزير'], [''], ['جده']]
    """
    pages: list[list[str]] = [[] for _ in texts]
    batch: list[int] = []
    size = 0
    for index, text in enumerate(texts):
        if _PARAGRAPH_MARK in text or _PAGE_MARK in text:  # a mark would split the page
            pages[index] = normalize_paragraphs(text, options)
            continue
        batch.append(index)
        size += len(text) + 1
        if size >= _BATCH_CODE_POINTS:
            _normalize_batch(texts, batch, options, pages)
            batch, size = [], 0
    if batch:
        _normalize_batch(texts, batch, options, pages)
    return pages


def _normalize_batch(
    texts: Sequence[str], batch: list[int], options: NormalizationOptions, pages: list[list[str]]
) -> None:
    """:func:`normalize_paragraphs` of ``texts[i]`` into ``pages[i]`` for ``i`` in ``batch``.

    The texts are joined by ``_PAGE_MARK``, which like a line end stops every step that
    looks at a neighbour; a text that needs the full path is deleted from the joined code
    points and done alone.
    """
    chunk = [texts[index] for index in batch]
    mapped = _fast_lookup(options, _PARAGRAPH_MARKS)[_to_code_points(_PAGE_MARK.join(chunk))]
    lowest = mapped.min(initial=0)
    slow: list[int] = []
    if lowest < _SEPARATOR:
        lengths = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
        ends = np.cumsum(lengths + 1) - 1  # where each text's following mark stands
        found = np.searchsorted(ends, np.flatnonzero(mapped < _SEPARATOR), side="right")
        slow = np.unique(found).tolist()
        for position in slow:
            mapped[ends[position] - lengths[position] : ends[position]] = _DELETE
    kept = mapped[mapped >= 0] if lowest >= _FOLDED_AWAY else _with_separators(mapped)
    joined = _collapsed(kept, _PARAGRAPH_MARK_CODE, _PAGE_MARK_CODE)
    for index, page in zip(batch, joined.split(_PAGE_MARK), strict=True):
        pages[index] = page.split(_PARAGRAPH_MARK)
    for position in slow:
        pages[batch[position]] = normalize_paragraphs(chunk[position], options)


def breaks_only_at_newlines(text: str) -> bool:
    """Whether ``text`` has no line break but ``"\\n"`` (no ``"\\r"``, ``"\\u2028"``, …).

    Then :func:`normalize_lines` gives the non-empty entries of
    :func:`normalize_paragraphs`, of the whole text or of any of its lines.

    Examples
    --------
    >>> breaks_only_at_newlines("سطر\\nسطر"), breaks_only_at_newlines("سطر\\r\\nسطر")
    (True, False)
    """
    # One C-level search per character beats a regex character class 5 to 1 here.
    return not any(char in text for char in _OTHER_LINE_BREAK_CHARS)


def normalize_many(
    texts: Iterable[str], options: NormalizationOptions = NormalizationOptions()
) -> list[str]:
    """Normalize a batch of texts (a pure stage function: list in, list out).

    Examples
    --------
    >>> normalize_many(["الرياض", "جدّة"])
    ['الرياض', 'جده']
    """
    return [normalize_text(text, options) for text in texts]
