"""Stage "furniture": page furniture removed from one scraped page.

Takes the raw text of one page (one paragraph per line) and gives a
:class:`FurnitureResult`: the body with its original characters, and what was
removed per kind. :func:`strip_furniture` removes header and timestamp lines, a
dateline or agency byline glued to the first sentence, and the trailing
sections that begin at a furniture marker (source, tags, read-also blocks,
related lists, share/follow/copyright footers) or form a trailing list of
headlines. It is conservative: when it would remove most of the text it keeps
the text whole. :func:`split_lines` then gives the body's lines, which the
"boilerplate" stage (:mod:`dedup.boilerplate`) counts across the corpus.

The marker wordings, agency names and the calendar vocabulary live in
``dedup/data/furniture_markers.json`` (with a ``"version"``). Wordings are
matched after :func:`~dedup.normalize.normalize_text`, so hamza, alef maksura,
teh marbuta, tatweel and diacritic variants of a wording all match.

Everything works on whole lines with ``str``/``re`` operations; the only
per-token Python loop looks at the first few tokens of the first body line,
and a raw-text regex over every spelling of every wording keeps story lines
from being normalized at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Final

from dedup.errors import ConfigError
from dedup.normalize import (
    NormalizationOptions,
    breaks_only_at_newlines,
    normalize_lines,
    normalize_pages,
    normalize_paragraphs,
    normalize_text,
)

__all__ = [
    "FURNITURE_KINDS",
    "FurnitureResult",
    "date_words",
    "markers_version",
    "month_number",
    "split_lines",
    "strip_furniture",
    "strip_furniture_lines",
    "strip_furniture_pages",
]

#: Kinds of furniture, in page order, as reported by :class:`FurnitureResult`.
FURNITURE_KINDS: Final = (
    "header",
    "dateline",
    "source",
    "tags",
    "read_also",
    "related_list",
    "footer",
    "headline_list",
)

# A stripped body shorter than this is not an article any more; the brief's
# "leave < ~80 characters" floor (about one short sentence of news Arabic).
_MIN_BODY_CHARS: Final = 80
# Leading furniture is looked for in the first few lines only: headers,
# timestamps, breadcrumbs and bylines come before the first sentence.
_MAX_LEADING_LINES: Final = 6
# Only this many characters at the start of the first body line can be a
# dateline ("دبي، الإمارات العربية المتحدة (CNN)--" is 40); a longer prefix
# ending in a dash or colon is a sentence.
_MAX_DATELINE_CHARS: Final = 80
_MAX_DATELINE_WORDS: Final = 9
# Lines following a 'short'-content marker (tags, a related list, a footer)
# are headlines, tags or links (titles: p90 about 70 characters); a longer
# line, or a sentence ending in a full stop, is prose, so the marker was not
# the start of a furniture section.
_MAX_SHORT_CONTENT_CHARS: Final = 100
_MAX_SHORT_CONTENT_LINES: Final = 30
# A bulleted headline may run longer than a bare one.
_MAX_BULLET_CHARS: Final = 150
_PROSE_END = re.compile(r"[^\W\d_]\s*\.\s*$")
# Headline lists (brief: "< 90 chars, no sentence-final punctuation, or
# starting with a bullet"); 3 lines at least, so one or two short closing
# lines of a story never count.
_MAX_HEADLINE_CHARS: Final = 90
_MIN_HEADLINE_CHARS: Final = 12
_MIN_HEADLINE_RUN: Final = 3
# A trailing sign-off ("فرانس24/ أ ف ب", "(رويترز)", "20:26 ت م") is short.
_MAX_SIGNOFF_CHARS: Final = 40
# Tags glued to the last sentence ("… الحدودي. سمات ايران تركيا") are short
# and carry no sentence punctuation.
_MAX_GLUED_TAGS_CHARS: Final = 150

_HAS_SENTENCE_PUNCT = re.compile(r"[.!؟?؛;…](?:\s|$)")
_BULLET = re.compile(r"^\s*[-•*»·▪◦●–—>›]")
_DIGIT = re.compile(r"[0-9٠-٩۰-۹]")
_CLOCK = re.compile(r"[0-9٠-٩]{1,2}\s*[:：]\s*[0-9٠-٩]{2}")
_RAW_TOKEN = re.compile(r"\S+")
# Separators that end a dateline. A hyphen between two digits is a range
# ("18-38 كم/ساعة"), not a separator; a spaced tatweel or underscore is used
# as a dash by some outlets ("جدة ـ", "رواف الكويكبي _ عين اليوم").
_DATELINE_SEPARATOR = re.compile(
    r"\s*(?:-{2,}|(?<![0-9٠-٩])-(?![0-9٠-٩])|[–—]+|(?<=\s)[ـ_|](?=\s)|[:：])\s*"
)
_DATELINE_SEPARATOR_CHARS: Final = "-–—ـ_|:："
_INNER_SEPARATOR = re.compile(r"(?:-{2,}|(?<![0-9٠-٩])-(?![0-9٠-٩])|[–—]+|\s[ـ_|]\s|/)")
# "(رويترز)", "(CNN)", "(د ب أ)"; letters inside, so a list number "(١)" is not one.
_PARENTHESIZED = re.compile(r"\((?=[^()]*[^\W\d_])[^()]{1,25}\)")
_SLASH_BETWEEN_WORDS = re.compile(r"[^\W\d_]\s*/\s*[^\W\d_]")
_BREADCRUMB_SEPARATOR = re.compile(r"[»>›|/]")
# Marks and invisible characters normalize_text deletes (reference rows 5–11);
# they may sit between the letters of a wording in raw text.
_OPTIONAL_MARKS = "[\u0610-\u061a\u064b-\u065f\u0670\u0640\u06d6-\u06ed\u200b-\u200f]*"
# Raw letters that normalize_text folds onto each target letter (rows 13–19).
_RAW_VARIANTS: Final = {
    "ا": "اأإآٱٲٳٵ",
    "ي": "يىیۍېۑے",
    "ه": "هةۀہۂھۿ",
    "ك": "كکػؼ",
}


# ---------------------------------------------------------------------------
# Marker table


@dataclass(frozen=True, slots=True)
class _Marker:
    kind: str
    line_only: bool  # the wording must be the whole line (a heading)
    content_any: bool  # any lines may follow it (the other article of a read-also block)


@dataclass(frozen=True)
class _Table:
    version: int
    markers: dict[str, _Marker]  # normalized wording -> marker
    marker_re: re.Pattern[str]  # on a normalized line: ^(wording)(?= |$)
    marker_head_re: re.Pattern[str]  # on a raw line: any spelling of a wording at its start
    max_line_chars: dict[str, int]
    max_marker_line_chars: int  # the longest of max_line_chars
    footer_symbols: tuple[str, ...]  # "©", "(c)": a line holding one may be a footer
    agency_re: re.Pattern[str]  # an agency name as whole words of normalized text
    agency_tokens: frozenset[str]
    byline_labels: frozenset[str]
    header_label_re: re.Pattern[str]
    header_label_heads: frozenset[str]  # the first words of a header label ("اخر", "اخر تحديث")
    header_line_prefixes: tuple[str, ...]
    share_tokens: frozenset[str]
    share_networks: frozenset[str]
    share_words: frozenset[str]  # whole share phrases: "تويتر", "جوجل بلس", "اكتب رايك"
    date_tokens: frozenset[str]  # every token of a date-time expression
    calendar_tokens: frozenset[str]  # month, Hijri month and weekday tokens
    relative_tokens: frozenset[str]
    month_of: dict[str, int]  # normalized Gregorian month name (1 or 2 words) -> 1..12
    glued_marker_re: re.Pattern[str]  # a marker inside raw text, after a sentence end
    glued_tags: frozenset[str]  # tag wordings that may be glued without a colon


def _alternation(wordings: Iterable[str]) -> str:
    # Longest first, so "شارك الخبر" wins over "شارك" at the same position.
    ordered = sorted(set(wordings), key=lambda w: (-len(w), w))
    return "|".join(re.escape(w) for w in ordered)


def _raw_pattern(wording: str) -> str:
    """A regex matching every raw spelling whose normalization is ``wording``."""
    parts: list[str] = []
    for char in wording:
        if char == " ":
            parts.append(r"[\W_]+")
        elif char in _RAW_VARIANTS:
            parts.append(f"[{_RAW_VARIANTS[char]}]")
        else:
            parts.append(re.escape(char))
    return _OPTIONAL_MARKS.join(parts)


def _normalized_set(words: Iterable[str]) -> frozenset[str]:
    return frozenset(n for n in (normalize_text(w) for w in words) if n)


def _token_set(words: Iterable[str]) -> frozenset[str]:
    """Every token of the normalized ``words`` ("تشرين الثاني" gives two)."""
    return frozenset(t for n in _normalized_set(words) for t in n.split())


def _raw_alternation(wordings: Iterable[str]) -> str:
    """Longest first, as in _alternation; each wording in every raw spelling, and in any
    case when it has letters with a case (the Latin wordings: "read more", "source").

    The case-insensitive flag is scoped to those wordings: over the whole alternation it made
    Python compile each Arabic wording's optional-mark classes for case folding, which they do
    not have (0.22 s in every process that strips furniture, for the same matches).
    """
    return "|".join(
        f"(?i:{_raw_pattern(w)})" if _cased(w) else _raw_pattern(w)
        for w in sorted(wordings, key=lambda w: -len(w))
    )


def _cased(wording: str) -> bool:
    """Whether a wording or one of its raw spellings has a letter with a case."""
    spelled = wording + "".join(_RAW_VARIANTS.get(char, "") for char in wording)
    return any(char.lower() != char.upper() for char in spelled)


def _read_markers_file() -> dict[str, Any]:
    path = resources.files("dedup").joinpath("data/furniture_markers.json")
    raw: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return raw


def _markers(entries: Iterable[dict[str, Any]]) -> dict[str, _Marker]:
    """Normalized wording -> marker, checking that no wording is listed twice differently."""
    markers: dict[str, _Marker] = {}
    for entry in entries:
        marker = _Marker(
            kind=entry["kind"],
            line_only=entry["match"] == "line",
            content_any=entry["content"] == "any",
        )
        if marker.kind not in FURNITURE_KINDS:
            raise ValueError(f"furniture_markers.json: unknown kind {marker.kind!r}")
        for wording in entry["wordings"]:
            key = normalize_text(wording)
            if markers.get(key, marker) != marker:
                raise ValueError(
                    f"furniture_markers.json: {wording!r} is listed twice with different "
                    "kinds or match forms; keep one."
                )
            markers[key] = marker
    return markers


def _month_of(calendar: dict[str, Any]) -> dict[str, int]:
    return {
        normalize_text(name): int(number)
        for number, names in calendar["months"].items()
        for name in names
    }


@cache
def _table() -> _Table:
    raw = _read_markers_file()
    markers = _markers(raw["markers"])
    calendar = raw["calendar"]
    month_of = _month_of(calendar)
    calendar_tokens = _token_set([*month_of, *calendar["hijri_months"], *calendar["weekdays"]])
    agencies = _normalized_set(raw["agencies"])
    header_labels = _normalized_set(raw["header_labels"])
    share_words = _normalized_set(raw["share_words"])
    share_networks = frozenset(t for w in share_words for t in w.split())
    glued_wordings = [w for w, m in markers.items() if m.kind != "footer"]
    return _Table(
        version=int(raw["version"]),
        markers=markers,
        marker_re=re.compile(rf"^(?:{_alternation(markers)})(?= |$)"),
        marker_head_re=re.compile(rf"^[\W_]*(?:{_raw_alternation(markers)})"),
        max_line_chars={k: int(v) for k, v in raw["max_marker_line_chars"].items()},
        max_marker_line_chars=max(int(v) for v in raw["max_marker_line_chars"].values()),
        footer_symbols=tuple(raw["footer_symbols"]),
        agency_re=re.compile(rf"(?:^| )(?:{_alternation(agencies)})(?= |$)"),
        agency_tokens=frozenset(t for a in agencies for t in a.split()),
        byline_labels=_normalized_set(raw["byline_labels"]),
        header_label_re=re.compile(rf"^(?:{_alternation(header_labels)})(?= |$)"),
        header_label_heads=frozenset(
            " ".join(words[:count])
            for words in map(str.split, header_labels)
            for count in range(1, len(words) + 1)
        ),
        header_line_prefixes=tuple(_normalized_set(raw["header_line_prefixes"])),
        share_tokens=share_networks | {"شارك", "من", "خلال", "عبر", "علي", "في"},
        share_networks=share_networks,
        share_words=share_words,
        date_tokens=calendar_tokens | _token_set(calendar["time_words"]),
        calendar_tokens=calendar_tokens,
        relative_tokens=_token_set(calendar["relative_time_words"]),
        month_of=month_of,
        glued_marker_re=re.compile(
            rf"[.!؟?…»\"”)]\s*(?P<marker>{_raw_alternation(glued_wordings)})"
            r"(?P<after>\s*[:：]|(?=\s|$))",
        ),
        glued_tags=_normalized_set(raw["glued_tag_wordings"]),
    )


def markers_version() -> int:
    """Version of the marker table in ``dedup/data/furniture_markers.json``.

    Examples
    --------
    >>> markers_version() >= 1
    True
    """
    return _table().version


def date_words() -> frozenset[str]:
    """Normalized tokens of Gregorian and Hijri month names and weekdays.

    Month names of the three Arabic systems are included (``نوفمبر``,
    ``تشرين``, ``نونبر``); used by :mod:`dedup.template` to recognise a
    substituted date.

    Examples
    --------
    >>> {"نونبر", "تشرين", "شوال", "الاحد"} <= date_words()
    True
    """
    return _table().calendar_tokens


def month_number(normalized_name: str) -> int | None:
    """Month number (1–12) of a normalized Gregorian month name, any of the three systems.

    Examples
    --------
    >>> month_number("نونبر"), month_number("تشرين الثاني"), month_number("مارس ضغوطا")
    (11, 11, None)
    """
    return _table().month_of.get(normalized_name)


# ---------------------------------------------------------------------------
# Line classification


def _is_number(token: str) -> bool:
    return token[:1].isdigit() or bool(_DIGIT.search(token))


def _date_profile(tokens: Sequence[str]) -> tuple[int, int, int]:
    """(date-vocabulary tokens, numbers, calendar names) among ``tokens``."""
    table = _table()
    numbers = sum(1 for t in tokens if _is_number(t))
    names = sum(1 for t in tokens if t in table.calendar_tokens)
    vocabulary = sum(1 for t in tokens if _is_date_word(t))
    return vocabulary, numbers, names


def _is_date_line(norm: str) -> bool:
    """A bare date/time line: '4 نونبر 2023 - 10:14 ص', 'الأحد 5 نوفمبر 2023', '2023/11/04'."""
    if len(norm) > 80:
        return False
    tokens = norm.split()
    if not tokens:
        return False
    vocabulary, numbers, names = _date_profile(tokens)
    return vocabulary == len(tokens) and numbers >= 1 and (names >= 1 or numbers >= 2)


def _header_kind(raw: str, norm: str) -> str | None:
    """'header' or 'dateline' for a leading furniture line, else None.

    The tests look at the length and the first word before splitting the line into
    words: the line is most often the story's first paragraph.
    """
    if not norm:
        return None
    if (
        _is_labelled_timestamp(norm)
        or _is_date_line(norm)
        or _is_breadcrumb(raw, norm)
        or _is_share_line(norm)
    ):
        return "header"
    if _is_dateline_line(raw, norm):
        return "dateline"
    return None


def _is_labelled_timestamp(norm: str) -> bool:
    """A header label alone, or followed by date or time words only.

    "آخر تحديث: 4 نونبر 2023", "منذ ساعتين", "وقت القراءة: 3 دقائق". A story
    opening with the verb "نشر" goes on with ordinary words and is not matched.
    """
    match = _table().header_label_re.match(norm) if len(norm) <= 100 else None
    if match is None:
        return False
    rest = norm[match.end() :].split()
    if not rest:
        return norm != "نشر"
    vocabulary, numbers, names = _date_profile(rest)
    return vocabulary >= len(rest) - 1 and bool(numbers or names or vocabulary == len(rest))


def _is_breadcrumb(raw: str, norm: str) -> bool:
    """'الرئيسية » أخبار » محليات': a home-page prefix, then separators or one more word."""
    if len(norm) > 150 or not norm.startswith(_table().header_line_prefixes):
        return False
    # Two words at most: a normalized line has single spaces between words.
    return _BREADCRUMB_SEPARATOR.search(raw) is not None or norm.count(" ") <= 1


def _is_share_line(norm: str) -> bool:
    table = _table()
    if norm.partition(" ")[0] not in table.share_tokens:
        return False  # every word must be one
    tokens = norm.split()
    networks = sum(1 for t in tokens if t in table.share_networks)
    return networks >= 2 and all(t in table.share_tokens for t in tokens)


def _is_dateline_line(raw: str, norm: str) -> bool:
    """A whole-line dateline or byline before the first sentence.

    'الرياض 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م واس', 'عين اليوم – متابعات',
    'رواف الكويكبي _ عين اليوم', 'كتب: محمد علي'.
    """
    table = _table()
    stripped = raw.strip()
    if len(stripped) > 90 or _HAS_SENTENCE_PUNCT.search(stripped):
        return False
    tokens = norm.split()
    if _is_place_date_line(tokens):
        return True
    if len(stripped) > 60 or len(tokens) > 7 or any(_is_number(t) for t in tokens):
        return False
    if tokens[0] in table.byline_labels and len(tokens) <= 5:
        return True
    separated = bool(_INNER_SEPARATOR.search(stripped))
    if table.agency_re.search(norm):
        # "عين اليوم – متابعات", "(رويترز)"; a short title that merely holds
        # an agency-like word ("لقاء خاص مع الوزير") has no separator.
        return separated or len(tokens) <= 3 or bool(_PARENTHESIZED.search(stripped))
    return separated and len(tokens) <= 5


def _is_place_date_line(tokens: Sequence[str]) -> bool:
    """Place, then a date naming a month, then optionally an agency (the SPA wire header).

    'الرياض 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م واس'. The date must be one
    contiguous run: a sentence that mentions a date has words after it.
    """
    table = _table()
    end = len(tokens)
    while end > 0 and tokens[end - 1] in table.agency_tokens and not _is_number(tokens[end - 1]):
        end -= 1
    start = 0
    while start < min(end, 3) and not (
        _is_number(tokens[start]) or tokens[start] in table.date_tokens
    ):
        start += 1
    date = tokens[start:end]
    if len(date) < 2:
        return False
    vocabulary, numbers, names = _date_profile(date)
    return vocabulary == len(date) and numbers >= 1 and names >= 1


def _marker_of_line(page: _Page, index: int) -> tuple[_Marker, bool] | None:
    """The furniture marker a line starts with, and whether the line is a bare heading."""
    table = _table()
    stripped = page.lines[index].strip()
    if not stripped or len(stripped) > table.max_marker_line_chars:
        return None
    # Most lines are story: a raw-text regex over every spelling of every
    # wording rejects them before the paragraph's normalization is read.
    if table.marker_head_re.match(stripped) is None:
        match = None
    else:
        norm = page.norm(index)
        match = table.marker_re.match(norm)
    if match is not None:
        wording = match.group(0)
        marker = table.markers[wording]
        rest = norm[match.end() :].strip()
        if len(norm) > table.max_line_chars[marker.kind]:
            return None
        if not rest:
            return marker, True
        if marker.line_only and not _is_label(stripped, wording):
            # "شارك في الحفل عدد من المسؤولين": the heading word opens a sentence.
            return None
        return marker, False
    if (
        page.footer_symbols
        and len(stripped) <= table.max_line_chars["footer"]
        and any(symbol in stripped for symbol in table.footer_symbols)
    ):
        return _Marker(kind="footer", line_only=False, content_any=False), False
    return None


def _is_label(stripped: str, wording: str) -> bool:
    """'wording: rest' — the part before the first colon normalizes to the wording."""
    colon = min((i for i in (stripped.find(":"), stripped.find("：")) if i >= 0), default=-1)
    return colon > 0 and normalize_text(stripped[:colon]) == wording


def _is_headline_like(page: _Page, index: int) -> bool:
    """A title of another article: short, three words or more, not a sentence.

    A bullet allows a longer line, but a bulleted item ending in a full stop is
    a point of the story ("- الشريحة الأولى: … ريالا."), not a headline.
    """
    stripped = page.lines[index].strip()
    if len(stripped) > _MAX_BULLET_CHARS or len(stripped) < _MIN_HEADLINE_CHARS:
        return False  # too long even for a bulleted title
    limit = _MAX_BULLET_CHARS if _BULLET.match(stripped) else _MAX_HEADLINE_CHARS - 1
    if len(stripped) > limit:
        return False
    if page.norm(index).count(" ") < 2:
        return False  # names ("• ناصر السبيعي") and labels are not titles
    if _HAS_SENTENCE_PUNCT.search(stripped.rstrip("؟?")):
        return False
    return not stripped.endswith((":", "،", ","))


# Article titles have a median of about 50 characters in saudinewsnet and
# ant-multisource (p25 36-42); verse lines of the poems that close opinion
# columns are 20-35.
_MIN_MEAN_TITLE_CHARS: Final = 32
# Verse rhymes: most lines end in the same letter. Four titles share a last
# letter on 3 lines or more about 5% of the time (the commonest ending, ه,
# ends 25% of the titles of saudinewsnet and ant-multisource).
_RHYME_SHARE: Final = 0.75
# Bulleted titles vouch for themselves unless they are mere keywords of the
# story ("- اللقاءات المباشرة").
_MIN_MEAN_BULLET_CHARS: Final = 25


_INTRODUCES_LIST = re.compile(r"(?:ما يلي|التالي|الاتي|كالتالي|كالاتي|هي|وهم|منها)\W*$")


def _long_enough_for_titles(items: Sequence[str]) -> bool:
    return sum(len(item) for item in items) >= _MIN_MEAN_TITLE_CHARS * len(items)


def _is_verse(norms: Sequence[str]) -> bool:
    """Four lines or more, most ending in the same letter: a poem closing the story."""
    if len(norms) < 4:
        return False
    endings = [norm[-1:] for norm in norms]
    return max(endings.count(e) for e in set(endings)) >= _RHYME_SHARE * len(norms)


def _signoff_kind(page: _Page, index: int) -> str | None:
    """'source' for an agency sign-off line, 'footer' for a bare time line."""
    stripped = page.lines[index].strip()
    if len(stripped) > _MAX_SIGNOFF_CHARS:
        return None
    norm = page.norm(index)
    tokens = norm.split()
    if not tokens:
        return None
    table = _table()
    if table.agency_re.search(norm) and all(
        t in table.agency_tokens or t in {"خدمه", "و", "وكاله"} or _is_number(t) for t in tokens
    ):
        return "source"
    if _CLOCK.search(stripped) and _is_date_line(norm):
        return "footer"
    return None


# ---------------------------------------------------------------------------
# Prefixes glued to the first body line


@lru_cache(maxsize=1 << 16)
def _normalize_word(word: str) -> str:
    # Header and dateline words repeat across pages (labels, month names,
    # agencies); one normalization each.
    return normalize_text(word)


class _Tokens:
    """Raw tokens of a line with their spans, normalized on first use (most lines stop early)."""

    def __init__(self, line: str, limit: int) -> None:
        self._matches = [m for _, m in zip(range(limit), _RAW_TOKEN.finditer(line), strict=False)]
        self._spans: list[tuple[int, int, str] | None] = [None] * len(self._matches)

    def __len__(self) -> int:
        return len(self._matches)

    def __getitem__(self, index: int) -> tuple[int, int, str]:
        span = self._spans[index]
        if span is None:
            match = self._matches[index]
            span = self._spans[index] = (match.start(), match.end(), _normalize_word(match.group()))
        return span


def _share_prefix_end(line: str) -> int:
    """End of a share widget glued to the first sentence ('شارك من خلال تويتر فيسبوك …')."""
    table = _table()
    if "ش" not in line[:8]:
        return 0
    spans = _Tokens(line, 16)
    if not len(spans) or spans[0][2] != "شارك":
        return 0
    end, networks, index = 0, 0, 1
    # "من خلال" / "عبر" / "على" only right after "شارك"; then whole share
    # phrases (one or two words: "فيسبوك", "جوجل بلس", "اكتب رأيك"), so the
    # story's first word ("في", "على") is never taken for part of the widget.
    while index < len(spans) and spans[index][2] in _SHARE_CONNECTORS and networks == 0:
        index += 1
    while index < len(spans):
        pair = f"{spans[index][2]} {spans[index + 1][2]}" if index + 1 < len(spans) else ""
        if pair in table.share_words:
            index += 2
        elif spans[index][2] in table.share_words:
            index += 1
        else:
            break
        networks += 1
        end = spans[index - 1][1]
    # Two network names at least: "شارك سفير خادم الحرمين…" is a sentence.
    return end if networks >= 2 else 0


_SHARE_CONNECTORS: Final = frozenset({"من", "خلال", "عبر", "علي", "في"})


def _header_prefix_end(line: str) -> int:
    """End of a header label and timestamp glued to the first sentence.

    'آخر تحديث: 4 نونبر 2023 - 10:14 ص بغداد/…' → the end of 'ص'. A bare date
    opening a sentence ('في 4 نوفمبر 2023 أعلنت…') is kept: without a label
    only a timestamp that includes a clock time is furniture.
    """
    first = _RAW_TOKEN.search(line)
    if first is None:
        return 0
    word = _normalize_word(first.group())
    if (
        word
        and word not in _table().header_label_heads
        and not all(_is_date_word(part) for part in word.split())
    ):
        return 0  # the line opens with neither a header label nor a date or time word
    spans = _Tokens(line, 20)
    start = _glued_label_width(line, spans)
    end, facts, clock = _timestamp_run(line, spans, start)
    if end == 0 or facts == 0 or (start == 0 and not clock):
        return 0
    separator = re.match(r"\s*[-–—|]?\s*", line[end:])
    return end + (separator.end() if separator else 0)


def _glued_label_width(line: str, spans: _Tokens) -> int:
    """Tokens of a header label opening the line ('آخر تحديث:' → 2), or 0."""
    table = _table()
    for width in (3, 2, 1):
        label = " ".join(spans[i][2] for i in range(min(width, len(spans))))
        if len(spans) <= width or table.header_label_re.fullmatch(label) is None:
            continue
        # A label needs its colon, or several words: "نشر في 4 نوفمبر تقرير…"
        # may open a sentence, "آخر تحديث 4 نوفمبر" does not.
        has_colon = ":" in line[: spans[width - 1][1] + 2]
        return width if has_colon or (" " in label and label != "نشر في") else 0
    return 0


def _timestamp_run(line: str, spans: _Tokens, start: int) -> tuple[int, int, bool]:
    """The date and time tokens from ``start`` on: (end, dates or numbers, has a clock time)."""
    end, facts, clock = 0, 0, False
    for index in range(start, len(spans)):
        token_start, token_end, norm = spans[index]
        parts = norm.split()
        if parts and not all(_is_date_word(p) for p in parts):
            break
        facts += sum(1 for p in parts if _is_date_fact(p))
        clock = clock or bool(_CLOCK.search(line[token_start:token_end]))
        end = token_end
        if clock and norm in _AM_PM:
            break  # am/pm closes the timestamp; a number after it is the story's
    return end, facts, clock


_AM_PM: Final = frozenset({"ص", "م", "مساء", "صباحا", "pm", "am"})


def _is_date_word(token: str) -> bool:
    """A number, or a word of a date, a time or a relative time ('منذ', 'ساعتين')."""
    table = _table()
    return _is_number(token) or token in table.date_tokens or token in table.relative_tokens


def _is_date_fact(token: str) -> bool:
    """A number, a month or weekday name, or a relative time: what makes a timestamp."""
    table = _table()
    return _is_number(token) or token in table.calendar_tokens or token in table.relative_tokens


def _dateline_prefix_end(line: str) -> int:
    """End of a dateline or agency byline glued to the first sentence, or 0.

    'بغداد/شبكة أخبار العراق-بحث…', 'الرياض - واس: …', 'القاهرة (رويترز) - …',
    '(د ب أ) - …', 'بدر الجبل – سبق- تبوك: …'. Only the prefix is removed, and
    only when it is short, ends with a dash or colon and shows a dateline:
    an agency, a parenthesized agency, 'place/outlet', a date, or a place of
    one or two words before a dash with spaces on both sides ('القاهرة – ').
    """
    best = 0
    for prefix in _dateline_candidates(line):
        if _is_dateline_prefix(prefix):
            best = prefix.separator.end()
    return best


@dataclass(frozen=True, slots=True)
class _Prefix:
    """The start of a line up to a separator that may end a dateline."""

    separator: re.Match[str]
    text: str  # the raw prefix, stripped
    norm: str  # the prefix normalized
    rest: str  # the line after the separator

    @property
    def words(self) -> list[str]:
        return self.norm.split()


def _dateline_candidates(line: str) -> Iterator[_Prefix]:
    """Prefixes ending at each separator, until one could no longer be a dateline."""
    head = line[: _MAX_DATELINE_CHARS + 4]
    if not any(char in head for char in _DATELINE_SEPARATOR_CHARS):
        return  # each separator holds one of them; most first sentences have none this early
    for separator in _DATELINE_SEPARATOR.finditer(line, 0, _MAX_DATELINE_CHARS + 4):
        prefix = line[: separator.start()].strip()
        rest = line[separator.end() :]
        if not prefix or separator.start() > _MAX_DATELINE_CHARS or len(rest.strip()) < 20:
            continue
        if ":" in prefix or _HAS_SENTENCE_PUNCT.search(prefix):
            return  # a colon or a sentence end closes any dateline
        norm = normalize_text(prefix)
        words = norm.split()
        if not words or len(words) > _MAX_DATELINE_WORDS:
            return
        yield _Prefix(separator, prefix, norm, rest)


def _is_dateline_prefix(prefix: _Prefix) -> bool:
    """Whether the prefix is a dateline: evidence of one, or a lone place before a dash."""
    pieces = _INNER_SEPARATOR.split(prefix.text)
    segments = [s for s in (normalize_text(p).split() for p in pieces) if s]
    if not segments or any(len(s) > 6 for s in segments):
        return False
    if _has_dateline_evidence(prefix):
        return not _runs_into_sentence(prefix, segments)
    return len(segments) == 1 and _is_place_before_dash(prefix)


def _has_dateline_evidence(prefix: _Prefix) -> bool:
    """An agency, a parenthesized agency, 'place/outlet', or a date with a number."""
    table, words = _table(), prefix.words
    return (
        table.agency_re.search(prefix.norm) is not None
        or _PARENTHESIZED.search(prefix.text) is not None
        or _SLASH_BETWEEN_WORDS.search(prefix.text) is not None
        or (any(t in table.calendar_tokens for t in words) and any(_is_number(t) for t in words))
    )


def _runs_into_sentence(prefix: _Prefix, segments: list[list[str]]) -> bool:
    """Words of the sentence after the dateline's last separator.

    "الرياض - واس - أعلن وزير الصحة -": after the agency come three words of
    the sentence; the dateline ended earlier.
    """
    last = segments[-1]
    after_slash = re.search(r"/[^/\-–—]*$", prefix.text) is not None
    sentence_tail = len(segments) > 1 and len(last) > 2 and not after_slash
    return sentence_tail and not _table().agency_re.search(" ".join(last))


def _is_place_before_dash(prefix: _Prefix) -> bool:
    """One or two words of a place name, then a dash with spaces on both sides ('القاهرة – ')."""
    separator, words, rest = prefix.separator.group(), prefix.words, prefix.rest
    colon = separator.strip() in {":", "："}
    # A dash glued to the next word opens a parenthesis ("كان -أعني أحد …-").
    spaced_dash = not colon and separator[:1].isspace() and separator[-1:].isspace()
    return (
        spaced_dash
        and len(words) <= 2
        and not any(_is_number(w) or w in _SENTENCE_OPENERS for w in words)
        and not words[0].startswith("و")
        and rest[:1].isalpha()
        and _first_word(rest) not in _HONORIFICS
    )


# Words that open sentences, never a place name: "قال الوزير - في تصريح -".
_SENTENCE_OPENERS: Final = frozenset(
    {"قال", "قالت", "كان", "كانت", "مع", "في", "من", "علي", "الي", "ان", "لم", "لا", "هل", "ما",
     "عن", "اكد", "اكدت", "اعلن", "اعلنت", "ذكر", "ذكرت", "اوضح", "اوضحت", "اشار", "بعد", "قبل"}
)  # fmt: skip
# Words that open a parenthetical between dashes ("الملك سلمان - حفظه الله -"),
# so the dash before them does not end a dateline.
_HONORIFICS: Final = frozenset(
    {"حفظه", "حفظها", "حفظهم", "رحمه", "يرحمه", "رعاه", "ايده", "عليه", "رضي", "سلمه", "وفقه", "في"}
)


def _first_word(text: str) -> str:
    norm = normalize_text(text[:40]).split()
    return norm[0] if norm else ""


# ---------------------------------------------------------------------------
# strip_furniture


@dataclass(frozen=True)
class FurnitureResult:
    """What :func:`strip_furniture` removed from one page.

    Attributes
    ----------
    body
        The input with furniture removed; original characters kept (not normalized).
    stripped_chars
        Characters removed, per kind (every kind of :data:`FURNITURE_KINDS`).
    stripped_lines
        Whole lines removed, per kind (a dateline glued to the first sentence
        removes characters but no line).
    kept_whole
        True when the conservative fallback kept the text unchanged.
    """

    body: str
    stripped_chars: dict[str, int]
    stripped_lines: dict[str, int]
    kept_whole: bool

    @property
    def stripped(self) -> bool:
        """True when anything was removed."""
        return any(self.stripped_chars.values())


class _Page:
    """Lines of one page with, per line, the kind that removed it (or None) and a cut prefix."""

    def __init__(self, text: str, norms: Sequence[str] | None = None) -> None:
        self.lines = text.split("\n")
        # normalize_text of each line: given by the caller (one pass over the page), or
        # computed on first use (a page stripped alone reads a few lines only).
        self.norms: Sequence[str | None] = [None] * len(self.lines) if norms is None else norms
        self.filled = [i for i, line in enumerate(self.lines) if line.strip()]
        # Most pages have no footer symbol at all: looked for once, not line by line.
        self.footer_symbols = any(symbol in text for symbol in _table().footer_symbols)
        self.removed: list[str | None] = [None] * len(self.lines)
        self.removals: dict[int, str] = {}  # the same, for the few lines removed
        self.prefix_cut: list[tuple[int, str]] = []  # (chars, kind) cut from the first body line
        self.first_body = -1
        self.suffix_cut: tuple[int, str] | None = None  # (chars kept, kind) of the last body line
        self.last_body = -1

    def norm(self, index: int) -> str:
        """``normalize_text(self.lines[index])``."""
        norm = self.norms[index]
        if norm is None:
            norm = normalize_text(self.lines[index])
            self.norms[index] = norm  # type: ignore[index]  # the list made above
        return norm

    def live(self) -> list[int]:
        return [i for i in self.filled if self.removed[i] is None]

    def remove(self, index: int, kind: str) -> None:
        self.removed[index] = self.removals[index] = kind

    def kept(self) -> Iterator[tuple[int, str]]:
        """The kept lines (index, text), the first and last body lines cut as decided."""
        for index, line in enumerate(self.lines):
            if self.removed[index] is not None:
                continue
            if index == self.first_body:
                line = line[sum(width for width, _ in self.prefix_cut) :]
            if index == self.last_body and self.suffix_cut is not None:
                keep = self.suffix_cut[0] - (len(self.lines[index]) - len(line))
                line = line[:keep].rstrip()
            yield index, line

    def cut(self, index: int) -> bool:
        """Whether a kept line lost a prefix or a suffix."""
        return (index == self.first_body and bool(self.prefix_cut)) or (
            index == self.last_body and self.suffix_cut is not None
        )

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Characters and whole lines removed, per kind."""
        chars = dict.fromkeys(FURNITURE_KINDS, 0)
        lines = dict.fromkeys(FURNITURE_KINDS, 0)
        for index, kind in self.removals.items():
            chars[kind] += len(self.lines[index].strip())
            lines[kind] += 1
        if self.first_body >= 0 and self.removed[self.first_body] is None:
            line, cut = self.lines[self.first_body], 0
            for width, cut_kind in self.prefix_cut:
                chars[cut_kind] += len(line[cut : cut + width].strip())
                cut += width
        if self.suffix_cut is not None and self.removed[self.last_body] is None:
            line = self.lines[self.last_body]
            if self.last_body == self.first_body:
                line = line[sum(width for width, _ in self.prefix_cut) :]
            keep, cut_kind = self.suffix_cut
            keep -= len(self.lines[self.last_body]) - len(line)
            chars[cut_kind] += len(line[keep:].strip())
        return chars, lines

    def body(self) -> str:
        return "\n".join(line for _, line in self.kept()).strip()


def strip_furniture(text: str, *, max_strip_fraction: float = 0.6) -> FurnitureResult:
    """Remove page furniture from one scraped article page.

    At the start: header and timestamp lines (``آخر تحديث: …``, ``منذ ساعتين``,
    a bare date-time line in any of the three Arabic month systems),
    breadcrumbs, a share bar, a dateline or byline line, and a dateline or
    share widget glued to the first sentence (only the prefix, never the
    sentence). At the end: sections that begin at a furniture marker line and
    run to the end (source, tags, read-also, related lists, footers), a list of
    three or more short headline lines, and an agency sign-off.

    Parameters
    ----------
    text
        Raw page text, one paragraph per line (a single line works too: then
        only the start and a ``marker:`` after a sentence end are looked at).
    max_strip_fraction
        If more than this fraction of the characters would go, the text is kept
        whole (``kept_whole=True``): furniture is short, a story is not. A
        trailing section confirmed by two markers of different kinds (a
        read-also block followed by a related list or a footer) is exempt,
        because the other article of a read-also block can be longer than the
        story itself.

    Returns
    -------
    FurnitureResult
        The body with original characters, and what was removed per kind.

    Examples
    --------
    >>> page = (
    ...     "آخر تحديث: 4 نونبر 2023 - 10:14 ص\\n"
    ...     "بغداد/شبكة أخبار العراق-بحث رئيس الوزراء مع وفد البنك الدولي خطط "
    ...     "إعادة إعمار المدن المتضررة وتمويل مشاريع الكهرباء والمياه.\\n"
    ...     "المصدر: شبكة أخبار العراق\\n"
    ...     "كلمات دلالية: العراق، البنك الدولي"
    ... )
    >>> result = strip_furniture(page)
    >>> result.body[:30]
    'بحث رئيس الوزراء مع وفد البنك '
    >>> {k: v for k, v in result.stripped_lines.items() if v}
    {'header': 1, 'source': 1, 'tags': 1}
    """
    _check_fraction(max_strip_fraction)
    return _stripped(text, _Page(text), max_strip_fraction)[0]


# Markers are matched on the default normalization, whatever a caller's options.
_DEFAULT_OPTIONS: Final = NormalizationOptions()


def strip_furniture_lines(
    text: str,
    options: NormalizationOptions = _DEFAULT_OPTIONS,
    *,
    max_strip_fraction: float = 0.6,
) -> tuple[FurnitureResult, list[str]]:
    """:func:`strip_furniture` and the body's normalized lines, from one pass over the page.

    The same as ``strip_furniture(text)`` and ``normalize_lines(result.body, options)``,
    at about the cost of the normalization alone: the page is normalized once, line by
    line (:func:`~dedup.normalize.normalize_paragraphs`); the furniture tests read those
    lines, and the body's lines are the kept ones (the two a prefix or a suffix was cut
    from are normalized again).

    Examples
    --------
    >>> result, lines = strip_furniture_lines(
    ...     "آخر تحديث: 4 نونبر 2023\\n"
    ...     "أعلنت وزارة الصحة اليوم افتتاح ثلاثة مستشفيات جديدة في المحافظات الجنوبية "
    ...     "بطاقة استيعابية تبلغ ستمئة سرير."
    ... )
    >>> result.stripped_lines["header"], lines[0][:23]
    (1, 'اعلنت وزاره الصحه اليوم')
    """
    _check_fraction(max_strip_fraction)
    return _stripped_lines(text, normalize_paragraphs(text), options, max_strip_fraction)


def strip_furniture_pages(
    texts: Sequence[str],
    options: NormalizationOptions = _DEFAULT_OPTIONS,
    *,
    max_strip_fraction: float = 0.6,
) -> list[tuple[FurnitureResult, list[str]]]:
    """:func:`strip_furniture_lines` of each text, normalized together
    (:func:`~dedup.normalize.normalize_pages`).

    Examples
    --------
    >>> [lines for _, lines in strip_furniture_pages(["عاجل\\nارتفاع أسعار النفط", ""])]
    [['عاجل', 'ارتفاع اسعار النفط'], []]
    """
    _check_fraction(max_strip_fraction)
    return [
        _stripped_lines(text, paragraphs, options, max_strip_fraction)
        for text, paragraphs in zip(texts, normalize_pages(texts), strict=True)
    ]


def _stripped_lines(
    text: str, paragraphs: Sequence[str], options: NormalizationOptions, max_fraction: float
) -> tuple[FurnitureResult, list[str]]:
    """:func:`strip_furniture_lines` given ``normalize_paragraphs(text)``."""
    page = _Page(text, paragraphs)
    result, cut = _stripped(text, page, max_fraction)
    if options != _DEFAULT_OPTIONS or not breaks_only_at_newlines(text):
        return result, normalize_lines(result.body, options)
    if not cut:
        return result, [norm for norm in paragraphs if norm]
    norms = (
        normalize_text(line) if page.cut(index) else page.norm(index) for index, line in page.kept()
    )
    return result, [norm for norm in norms if norm]


def _check_fraction(max_strip_fraction: float) -> None:
    if not 0.0 < max_strip_fraction <= 1.0:
        raise ConfigError(
            f"max_strip_fraction must be in (0, 1], got {max_strip_fraction!r}; "
            "0.6 keeps a text whole when more than 60% of it would be removed."
        )


def _stripped(text: str, page: _Page, max_fraction: float) -> tuple[FurnitureResult, bool]:
    """The page stripped, and whether anything was (else the result is the text unchanged)."""
    live = page.live()
    if not live:
        return _unchanged(text, kept_whole=False), False
    _strip_leading(page, live)
    confirmed = _strip_trailing(page)
    return _result_or_whole(text, page, confirmed=confirmed, max_fraction=max_fraction)


def _result_or_whole(
    text: str, page: _Page, *, confirmed: bool, max_fraction: float
) -> tuple[FurnitureResult, bool]:
    """What the page lost, or the text whole when that is too much (the conservative fallback)."""
    chars, lines = page.counts()
    removed = sum(chars.values())
    if removed == 0:
        return _unchanged(text, kept_whole=False), False
    body = page.body()
    too_much = removed > max_fraction * len(text.strip()) and not confirmed
    if too_much or len(body.strip()) < _MIN_BODY_CHARS:
        return _unchanged(text, kept_whole=True), False
    result = FurnitureResult(
        body=body, stripped_chars=chars, stripped_lines=lines, kept_whole=False
    )
    return result, True


def _unchanged(text: str, *, kept_whole: bool) -> FurnitureResult:
    zeros = dict.fromkeys(FURNITURE_KINDS, 0)
    return FurnitureResult(
        body=text, stripped_chars=dict(zeros), stripped_lines=dict(zeros), kept_whole=kept_whole
    )


def _strip_leading(page: _Page, live: list[int]) -> None:
    # Whole leading lines, while they are furniture and a body line follows.
    position = 0
    while position < min(len(live) - 1, _MAX_LEADING_LINES):
        raw = page.lines[live[position]]
        kind = _header_kind(raw, page.norm(live[position]))
        if kind is None:
            break
        page.remove(live[position], kind)
        position += 1
    first = live[position]
    page.first_body = first
    # Prefixes glued to the first body line, in page order: share widget,
    # header timestamp, dateline.
    line = page.lines[first]
    offset = 0
    for kind, finder in (
        ("header", _share_prefix_end),
        ("header", _header_prefix_end),
        ("dateline", _dateline_prefix_end),
    ):
        end = finder(line[offset:])
        if end:
            page.prefix_cut.append((end, kind))
            offset += end


def _strip_trailing(page: _Page) -> bool:
    """Remove trailing sections; True when two markers of different kinds confirm the cut."""
    candidates = [i for i in page.live() if i > page.first_body]
    found = {i: _marker_of_line(page, i) for i in candidates}
    markers = {i: m for i, m in found.items() if m is not None}
    cut = _section_start(page, candidates, markers)
    confirmed = cut is not None and _remove_section(page, candidates, markers, cut)
    _remove_inline_links(page, markers, before=cut)
    _strip_headline_list(page)
    _strip_signoff(page)
    _strip_glued_marker(page)
    return confirmed


def _section_start(
    page: _Page, candidates: list[int], markers: dict[int, tuple[_Marker, bool]]
) -> int | None:
    """The first marker from which every line to the end is furniture, or None.

    A read-also heading with its links inside the story is no section: only
    the heading and the links go, and the search goes on.
    """
    for start in sorted(markers):
        links = _inline_link_list(page, candidates, markers, start)
        if links:
            for index in links:
                page.remove(index, "read_also")
            continue
        if _valid_section(page, candidates, markers, start):
            return start
    return None


def _remove_section(
    page: _Page, candidates: list[int], markers: dict[int, tuple[_Marker, bool]], cut: int
) -> bool:
    """Remove the lines from ``cut`` on, each under the kind of the marker above it.

    True when markers of two kinds or more lie in the section.
    """
    kinds: set[str] = set()
    kind = markers[cut][0].kind
    for index in candidates:
        if index < cut:
            continue
        if index in markers:
            kind = markers[index][0].kind
            kinds.add(kind)
        page.remove(index, kind)
    return len(kinds) >= 2


def _remove_inline_links(
    page: _Page, markers: dict[int, tuple[_Marker, bool]], *, before: int | None
) -> None:
    """Read-also links inside the story ("للمزيد: عنوان مقال آخر"): only the link line goes."""
    for index, (marker, bare) in markers.items():
        if before is not None and index >= before:
            break
        if marker.kind == "read_also" and not bare:
            page.remove(index, "read_also")


def _inline_link_list(
    page: _Page,
    candidates: list[int],
    markers: dict[int, tuple[_Marker, bool]],
    start: int,
) -> list[int]:
    """A read-also heading inside the story: the heading and its links, or [].

    "أقرأ أيضا:" followed by two or more titles, then the story goes on (BBC
    pages do this) and no other marker follows: only the heading and the
    titles are furniture. One title followed by prose is the read-also block
    of a page (the title and the other article) and is cut as a section.
    """
    marker, bare = markers[start]
    if marker.kind != "read_also" or not bare or any(i > start for i in markers):
        return []
    following = [i for i in candidates if i > start]
    titles = 0
    while titles < len(following) and _is_headline_like(page, following[titles]):
        titles += 1
    if titles < 2 or titles == len(following):
        return []
    return [start, *following[:titles]]


def _valid_section(
    page: _Page,
    candidates: list[int],
    markers: dict[int, tuple[_Marker, bool]],
    start: int,
) -> bool:
    """Whether every line from ``start`` to the end is furniture."""
    segments: list[tuple[_Marker, bool, list[str]]] = []
    for index in candidates:
        if index < start:
            continue
        if index in markers:
            marker, bare = markers[index]
            segments.append((marker, bare, []))
        else:
            segments[-1][2].append(page.lines[index])
    for position, (marker, bare, content) in enumerate(segments):
        is_last = position == len(segments) - 1
        # One odd title in four ("… لماذا لم تتزوج ؟!" running long) does not
        # turn a list into prose; a paragraph after a mid-story "المصدر:" does.
        prose = sum(
            1 for line in content if len(line.strip()) > _MAX_SHORT_CONTENT_CHARS or _is_prose(line)
        )
        short = len(content) <= _MAX_SHORT_CONTENT_LINES and prose <= len(content) // 4
        if marker.content_any and (bare or not is_last):
            continue  # a read-also heading: the other article follows
        if not short:
            return False
    return True


def _is_prose(line: str) -> bool:
    """A sentence: several words ending in a full stop after a word ("… الأسبوع المقبل.")."""
    stripped = line.strip()
    if _BULLET.match(stripped):
        return False
    return len(stripped.split()) >= 6 and bool(_PROSE_END.search(stripped))


def _strip_headline_list(page: _Page) -> None:
    """Remove three or more headline lines closing the page: titles of other articles."""
    body = [i for i in page.live() if i >= page.first_body]
    run = _trailing_headlines(page, body)
    if len(run) < _MIN_HEADLINE_RUN:
        return
    before = body[len(body) - len(run) - 1]
    if _introduces_list(page.lines[before].strip(), page.norm(before)):
        return  # "على النحو التالي:" introduces a list that is part of the story
    norms = [page.norm(index) for index in run]
    if _share_first_word(norms):
        return  # "أفضل مخرج: …", "أفضل ممثل: …": parallel items of the story's own list
    if _are_titles(page, run, norms):
        for index in run:
            page.remove(index, "headline_list")


def _are_titles(page: _Page, run: list[int], norms: Sequence[str]) -> bool:
    """Whether the trailing run is a list of other articles' titles, not the story's own lines."""
    # Furniture already removed after the run (a related list, a footer)
    # vouches for it; so do bullets. Otherwise the run must look like titles
    # rather than verse: poems close many columns, in short rhyming lines.
    followed = any(kind is not None for kind in page.removed[max(run) + 1 :])
    items = [page.lines[index].strip() for index in run]
    return not _is_verse(norms) and (
        _is_bulleted(items) or followed or _long_enough_for_titles(items)
    )


def _trailing_headlines(page: _Page, body: list[int]) -> list[int]:
    """The headline-like lines closing the body, last first (never its first line)."""
    run: list[int] = []
    for index in reversed(body[1:]):
        if not _is_headline_like(page, index):
            break
        run.append(index)
    return run


def _introduces_list(stripped: str, norm: str) -> bool:
    return stripped.endswith((":", "：")) or bool(_INTRODUCES_LIST.search(norm[-60:]))


def _share_first_word(norms: Sequence[str]) -> bool:
    """More than half of the items open with the same word."""
    first_words = [norm.partition(" ")[0] for norm in norms]
    return 2 * max(first_words.count(w) for w in first_words) > len(norms)


def _is_bulleted(items: Sequence[str]) -> bool:
    """Mostly bulleted items, long enough on average not to be keywords of the story."""
    bullets = sum(1 for item in items if _BULLET.match(item))
    long_enough = sum(len(item) for item in items) >= _MIN_MEAN_BULLET_CHARS * len(items)
    return 2 * bullets > len(items) and long_enough


def _strip_signoff(page: _Page) -> None:
    for _ in range(3):
        body = [i for i in page.live() if i >= page.first_body]
        if len(body) < 2:
            return
        kind = _signoff_kind(page, body[-1])
        if kind is None:
            return
        page.remove(body[-1], kind)


def _strip_glued_marker(page: _Page) -> None:
    """A marker glued to the end of the last body line ('… الحدودي. سمات ايران تركيا').

    Kept unless the marker follows a sentence end and is either a label
    (``المصدر: …``, ``اقرأ أيضا: …``) or a short run of tags.
    """
    body = [i for i in page.live() if i >= page.first_body]
    if not body:
        return
    index = body[-1]
    line = page.lines[index]
    table = _table()
    for match in table.glued_marker_re.finditer(line):
        marker = table.markers.get(normalize_text(match.group("marker")))
        if marker is None:
            continue
        rest = line[match.end() :]
        is_label = match.group("after").strip() != ""
        short_tags = (
            normalize_text(match.group("marker")) in table.glued_tags
            and len(rest.strip()) <= _MAX_GLUED_TAGS_CHARS
            and not _HAS_SENTENCE_PUNCT.search(rest)
        )
        if is_label or short_tags:
            page.last_body = index
            page.suffix_cut = (match.start("marker"), marker.kind)
            return


# ---------------------------------------------------------------------------
# Lines


def split_lines(text: str) -> list[str]:
    """Raw text → its non-empty lines, surrounding white space removed.

    Examples
    --------
    >>> split_lines("الرياض\\n\\n  جدة \\r\\nالدمام")
    ['الرياض', 'جدة', 'الدمام']
    """
    return [line.strip() for line in text.splitlines() if line.strip()]
