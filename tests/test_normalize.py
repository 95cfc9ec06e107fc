"""Arabic normalization, step by step, against the reference table.

Row numbers refer to ``shared/reference/arabic-normalization.md``; every
expected value below is read off that table, not taken from running the code.
"""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FIXED_POINT_LETTERS, INVISIBLE, normalizer_text

import dedup.normalize
from dedup.normalize import (
    NormalizationOptions,
    breaks_only_at_newlines,
    collapse_spaces,
    decode_entities,
    fold_letters,
    lowercase_latin,
    normalize_lines,
    normalize_many,
    normalize_pages,
    normalize_paragraphs,
    normalize_text,
    premap,
    strip_format_and_marks,
    unicode_nfkc,
)

ALEF, YEH, HEH, KAF = "\u0627", "\u064a", "\u0647", "\u0643"
HAMZA_OPTIONS = NormalizationOptions(fold_hamza_carriers=True)
LOANWORD_OPTIONS = NormalizationOptions(fold_loanword_letters=True)

# ---------------------------------------------------------------------------
# decode_entities (row 1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("الرياض&amp;جدة", "الرياض&جدة"),
        ("&#1580;&#x62F;&#x0629;", "جدة"),  # decimal and hex character references
        ("&nbsp;", "\u00a0"),
        ("&laquo;بغداد&raquo;", "«بغداد»"),
        ("بلا كيانات", "بلا كيانات"),
    ],
)
def test_decode_entities(raw: str, expected: str) -> None:
    assert decode_entities(raw) == expected


# ---------------------------------------------------------------------------
# premap (rows 1, 2, 5, 7-11: before NFKC)

FORMAT_CONTROLS = [
    0x200C,
    0x200D,
    0x200E,
    0x200F,
    0x061C,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0x2060,
    0xFEFF,
    0x00AD,
]
QURANIC_MARKS = [
    *range(0x0610, 0x061B),
    *range(0x06D6, 0x06DD),
    *range(0x06DF, 0x06E9),
    *range(0x06EA, 0x06EE),
]


@pytest.mark.parametrize(
    "code_point",
    [*FORMAT_CONTROLS, *range(0x064B, 0x0653), 0x0670, *QURANIC_MARKS, 0x0640],
    ids=lambda c: f"U+{c:04X}",
)
def test_premap_deletes_marks_and_format_controls_without_a_space(code_point: int) -> None:
    # Rows 5, 7, 8, 9, 10, 11: deleted, never spaced (they sit inside words).
    assert premap(f"كت{chr(code_point)}اب") == "كتاب"


@pytest.mark.parametrize(
    "code_point", [0x00, 0x01, 0x1F, 0x7F, 0x80, 0x85, 0x9F], ids=lambda c: f"U+{c:04X}"
)
def test_premap_turns_control_characters_into_a_space(code_point: int) -> None:
    assert premap(f"كتاب{chr(code_point)}قلم") == "كتاب قلم"  # row 1


def test_premap_keeps_tab_and_newline() -> None:
    assert premap("كتاب\tقلم\nورقة") == "كتاب\tقلم\nورقة"  # row 1: "except \t \n"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\ufdfc", "ريال"),  # row 2: spelled with the Arabic yeh U+064A
        ("\ufdfd", "بسم الله الرحمن الرحيم"),
    ],
)
def test_premap_spells_out_rial_and_basmala(raw: str, expected: str) -> None:
    assert premap(raw) == expected
    assert "\u06cc" not in premap(raw)  # not NFKC's Farsi yeh


@pytest.mark.parametrize("mark", ["\u0653", "\u0654", "\u0655"])
def test_premap_keeps_combining_hamza_and_maddah_for_composition(mark: str) -> None:
    # Row 6: deleting them before NFKC would lose the hamza of ا + U+0654 = أ.
    assert premap(ALEF + mark) == ALEF + mark


def test_premap_leaves_zwsp_to_the_space_step() -> None:
    assert premap("كتاب\u200bقلم") == "كتاب\u200bقلم"


# ---------------------------------------------------------------------------
# unicode_nfkc (rows 3, 4)


@pytest.mark.parametrize(
    ("ligature", "expected"),
    [
        ("\ufef5", "\u0644\u0622"),
        ("\ufef6", "\u0644\u0622"),  # lam + alef madda
        ("\ufef7", "\u0644\u0623"),
        ("\ufef8", "\u0644\u0623"),  # lam + alef hamza above
        ("\ufef9", "\u0644\u0625"),
        ("\ufefa", "\u0644\u0625"),  # lam + alef hamza below
        ("\ufefb", "\u0644\u0627"),
        ("\ufefc", "\u0644\u0627"),  # lam + alef
    ],
    ids=lambda v: f"U+{ord(v[0]):04X}" if len(v) == 1 else "",
)
def test_nfkc_splits_lam_alef_ligatures_keeping_the_hamza(ligature: str, expected: str) -> None:
    assert unicode_nfkc(ligature) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\ufe8d", ALEF),  # alef isolated form
        ("\ufb8e", "\u06a9"),  # keheh isolated form -> keheh (folded later, row 18)
        (ALEF + "\u0654", "\u0623"),  # row 6: ا + hamza above = أ
        (ALEF + "\u0655", "\u0625"),  # ا + hamza below = إ
        (ALEF + "\u0653", "\u0622"),  # ا + maddah = آ
        ("\u0648\u0654", "\u0624"),  # و + hamza above = ؤ
    ],
)
def test_nfkc_presentation_forms_and_composition(raw: str, expected: str) -> None:
    assert unicode_nfkc(raw) == expected


# ---------------------------------------------------------------------------
# strip_format_and_marks (rows 5-9, after NFKC)


@pytest.mark.parametrize("mark", ["\u0653", "\u0654", "\u0655", "\u064e", "\u0640", "\u200d"])
def test_strip_after_nfkc_deletes_leftover_marks(mark: str) -> None:
    # A hamza that found no letter to compose with (after ل) is a leftover.
    assert strip_format_and_marks("\u0644" + mark + "\u0645") == "\u0644\u0645"


def test_strip_after_nfkc_handles_isolated_harakat_forms() -> None:
    # Row 3: U+FE70 (fathatan isolated form) becomes space + U+064B under NFKC;
    # the haraka must then go, leaving the space.
    assert strip_format_and_marks(unicode_nfkc("كتب\ufe70")) == "كتب "


# ---------------------------------------------------------------------------
# fold_letters (rows 12-27)

LETTER_FOLDS = [
    # row 13
    ("\u0622", ALEF),
    ("\u0623", ALEF),
    ("\u0625", ALEF),
    # row 14
    ("\u0671", ALEF),
    ("\u0672", ALEF),
    ("\u0673", ALEF),
    ("\u0675", ALEF),
    # row 15
    ("\u0649", YEH),
    # row 16 (U+06CE is kept: row 23)
    ("\u06cc", YEH),
    ("\u06cd", YEH),
    ("\u06d0", YEH),
    ("\u06d1", YEH),
    ("\u06d2", YEH),
    # row 17
    ("\u0629", HEH),
    # row 18
    ("\u06a9", KAF),
    ("\u063b", KAF),
    ("\u063c", KAF),
    # row 19
    ("\u06c0", HEH),
    ("\u06c1", HEH),
    ("\u06c2", HEH),
    ("\u06be", HEH),
    ("\u06ff", HEH),
    # row 21
    ("\u066e", "\u0628"),
    ("\u066f", "\u0642"),
    ("\u06a2", "\u0641"),
    ("\u06a7", "\u0642"),
]


@pytest.mark.parametrize(("letter", "target"), LETTER_FOLDS, ids=lambda v: f"U+{ord(v):04X}")
def test_fold_letter_variants(letter: str, target: str) -> None:
    assert fold_letters(f"ب{letter}ب") == f"ب{target}ب"


@pytest.mark.parametrize(
    "letter", ["\u06d5", "\u06c6", "\u0695", "\u06b5", "\u06ce"], ids=lambda v: f"U+{ord(v):04X}"
)
def test_kurdish_letters_are_kept(letter: str) -> None:
    # Row 23: folding or deleting them damages Sorani text.
    assert fold_letters(f"ب{letter}ب") == f"ب{letter}ب"
    assert normalize_text(f"ب{letter}ب") == f"ب{letter}ب"


@pytest.mark.parametrize(
    ("digits", "expected"),
    [("٠١٢٣٤٥٦٧٨٩", "0123456789"), ("۰۱۲۳۴۵۶۷۸۹", "0123456789")],  # rows 24, 25
)
def test_fold_digits_to_ascii(digits: str, expected: str) -> None:
    assert fold_letters(digits) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("٣٫٥", "3.5"),  # row 26: decimal separator between digits
        ("۳٫۵", "3.5"),
        ("3٫5", "3.5"),
        ("3.5", "3.5"),  # an ASCII decimal point survives the punctuation pass
        ("١٬٠٠٠", "1000"),  # thousands separator deleted
        ("٥٪", "5%"),  # percent sign
        ("50%", "50%"),
        ("كلمة٫كلمة", "كلمه كلمه"),  # not between digits: punctuation (row 27)
        ("نهاية.", "نهايه "),
    ],
)
def test_fold_number_signs(raw: str, expected: str) -> None:
    assert fold_letters(raw) == expected


@pytest.mark.parametrize(
    "punctuation",
    [
        "\u060c",
        "\u061b",
        "\u061f",
        "\u06d4",
        "\u00ab",
        "\u00bb",
        "\u060d",
        "!",
        "(",
        "#",
        "@",
        "\u2013",
        "\u201c",
    ],
    ids=lambda v: f"U+{ord(v):04X}",
)
def test_fold_punctuation_to_space(punctuation: str) -> None:
    assert fold_letters(f"كتب{punctuation}قلم") == "كتب قلم"  # row 27


@pytest.mark.parametrize(
    "space",
    [
        "\u200b",
        "\u00a0",
        *(chr(c) for c in range(0x2000, 0x200B)),
        "\u202f",
        "\u205f",
        "\u3000",
        "\t",
        "\n",
        "\r",
    ],
    ids=lambda v: f"U+{ord(v):04X}",
)
def test_fold_spaces_of_every_width(space: str) -> None:
    assert fold_letters(f"كتب{space}قلم") == "كتب قلم"  # row 12


@pytest.mark.parametrize(
    "separator", ["\u06dd", "\u06de", "\u06e9"], ids=lambda v: f"U+{ord(v):04X}"
)
def test_quranic_separators_become_a_space(separator: str) -> None:
    assert normalize_text(f"كتب{separator}قلم") == "كتب قلم"  # row 8


# Optional tiers (rows 20, 22): off by default, on when set.


@pytest.mark.parametrize("carrier", ["\u0624", "\u0626"])
def test_hamza_carriers_kept_by_default_and_folded_when_asked(carrier: str) -> None:
    assert NormalizationOptions().fold_hamza_carriers is False
    assert fold_letters(f"مس{carrier}ول") == f"مس{carrier}ول"
    assert fold_letters(f"مس{carrier}ول", HAMZA_OPTIONS) == "مس\u0621ول"


def test_hamza_tier_merges_egyptian_and_levantine_spelling() -> None:
    egypt, levant = "مسئول", "مسؤول"
    assert normalize_text(egypt) != normalize_text(levant)
    assert normalize_text(egypt, HAMZA_OPTIONS) == normalize_text(levant, HAMZA_OPTIONS)


@pytest.mark.parametrize(
    ("letter", "target"),
    [
        ("\u06a4", "\u0641"),
        ("\u067e", "\u0628"),
        ("\u0686", "\u062c"),
        ("\u0698", "\u0632"),
        ("\u06af", KAF),
    ],
    ids=lambda v: f"U+{ord(v):04X}",
)
def test_loanword_letters_kept_by_default_and_folded_when_asked(letter: str, target: str) -> None:
    assert NormalizationOptions().fold_loanword_letters is False
    assert normalize_text(f"ب{letter}ب") == f"ب{letter}ب"
    assert normalize_text(f"ب{letter}ب", LOANWORD_OPTIONS) == f"ب{target}ب"


def test_tiers_are_independent() -> None:
    assert normalize_text("ڤيروس مسئول", HAMZA_OPTIONS) == "ڤيروس مسءول"
    assert normalize_text("ڤيروس مسئول", LOANWORD_OPTIONS) == "فيروس مسئول"


# ---------------------------------------------------------------------------
# lowercase_latin (row 28) and collapse_spaces (row 12)


def test_lowercase_latin_only_touches_cased_letters() -> None:
    assert lowercase_latin("قناة BBC و CNN Arabic") == "قناة bbc و cnn arabic"
    assert lowercase_latin(FIXED_POINT_LETTERS) == FIXED_POINT_LETTERS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  بغداد   اليوم ", "بغداد اليوم"), ("\tبغداد\n\nاليوم\r\n", "بغداد اليوم"), ("   ", "")],
)
def test_collapse_spaces(raw: str, expected: str) -> None:
    assert collapse_spaces(raw) == expected


# ---------------------------------------------------------------------------
# normalize_text: the steps composed


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("أإآٱ", "اااا"),
        ("مستشفى", "مستشفي"),
        ("فارسی", "فارسي"),
        ("کتاب", "كتاب"),
        ("مدرسة", "مدرسه"),
        ("العَرَبِيَّةُ", "العربيه"),  # harakat
        ("العـــربية", "العربيه"),  # tatweel
        ("الرَّحْمٰن", "الرحمن"),  # superscript alef U+0670
        ("\ufef7\ufefb", "لالا"),  # lam-alef ligatures, hamza then alef fold
        ("٣٫٥٪ من ١٬٢٠٠", "3.5% من 1200"),
        ("«بغداد»، اليوم؛ لماذا؟", "بغداد اليوم لماذا"),
        ("100 \ufdfc", "100 ريال"),
        ("BBC\u00a0عربي", "bbc عربي"),
        ("الرياض&nbsp;&amp;&nbsp;جدة", "الرياض جده"),
        ("\u0648\u0640\u064e\u0654", "\u0624"),  # tatweel/haraka do not block hamza composition
        ("\u0627\u0654\u064e", ALEF),  # ا + combining hamza = أ, then folded
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_zwnj_is_deleted_but_zwsp_is_a_space() -> None:
    # Row 10: ZWNJ deleted inside a word; row 12: ZWSP separates words.
    assert normalize_text("می\u200cخواهم") == "ميخواهم"
    assert normalize_text("كتاب\u200bجديد") == "كتاب جديد"
    assert normalize_text("كتاب\u200bجديد") != normalize_text("كتابجديد")


def test_numbers_are_never_collapsed() -> None:
    # Row 24: a toll update 30 -> 50 must stay a different text.
    before = normalize_text("رفع رسوم العبور إلى ٣٠ دينارا")
    after = normalize_text("رفع رسوم العبور إلى ٥٠ دينارا")
    assert before != after
    assert "30" in before
    assert "50" in after


def test_normalize_many_is_normalize_text_per_item() -> None:
    texts = ["الرياض", "جدّة", "", "أبها"]
    assert normalize_many(texts) == [normalize_text(t) for t in texts]
    assert normalize_many(["مسئول"], HAMZA_OPTIONS) == ["مسءول"]


def test_fixed_point_letters_are_fixed_points() -> None:
    # The planted-duplicate corpora rely on this.
    text = " ".join(FIXED_POINT_LETTERS[i : i + 5] for i in range(0, len(FIXED_POINT_LETTERS), 5))
    assert normalize_text(text) == text


# ---------------------------------------------------------------------------
# Properties


@settings(max_examples=400, deadline=None)
@given(normalizer_text(max_size=60))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    for options in (HAMZA_OPTIONS, LOANWORD_OPTIONS):
        folded = normalize_text(text, options)
        assert normalize_text(folded, options) == folded


@settings(max_examples=200, deadline=None)
@given(normalizer_text(max_size=60))
def test_normalized_text_has_single_spaces_and_no_invisible_marks(text: str) -> None:
    result = normalize_text(text)
    assert result == result.strip()
    assert "  " not in result
    assert not set(result) & set(INVISIBLE)
    assert not set(result) & {"\u0653", "\u0654", "\u0655", "\u200b", "\u00a0", "\t", "\n"}


@settings(max_examples=400, deadline=None)
@given(
    # "&" is left out: see test_invisible_marks_inside_an_html_entity_do_not_change_the_result.
    text=normalizer_text(max_size=40, with_ampersand=False),
    insertions=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(INVISIBLE)), max_size=8),
)
def test_inserting_invisible_marks_never_changes_the_result(
    text: str, insertions: list[tuple[float, str]]
) -> None:
    chars = list(text)
    for where, mark in insertions:
        chars.insert(round(where * len(chars)), mark)
    assert normalize_text("".join(chars)) == normalize_text(text)


@pytest.mark.parametrize("text", ["كتاب\ue000قلم", "٣\ue000٥", "3\ue0005"])
def test_private_use_characters_are_not_turned_into_a_decimal_point(text: str) -> None:
    # A private-use character must not be mistaken for an internal placeholder.
    once = normalize_text(text)
    assert "." not in once
    assert normalize_text(once) == once


LINE_BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(normalizer_text(max_size=12), st.sampled_from(LINE_BREAKS)), max_size=8).map(
        "".join
    )
)
def test_normalize_lines_is_normalize_text_per_line(text: str) -> None:
    expected = [line for line in map(normalize_text, text.splitlines()) if line]
    assert normalize_lines(text) == expected
    for options in (HAMZA_OPTIONS, LOANWORD_OPTIONS):
        assert normalize_lines(text, options) == [
            line for line in (normalize_text(x, options) for x in text.splitlines()) if line
        ]


def test_normalize_lines_hand_example() -> None:
    assert normalize_lines("المصدر: واس\r\n\n  أعلنَ الوزيرُ\u2028٣٫٥٪") == [
        "المصدر واس",
        "اعلن الوزير",
        "3.5%",
    ]


@settings(max_examples=100, deadline=None)
@given(st.text(st.sampled_from(FIXED_POINT_LETTERS), min_size=2, max_size=12), st.integers(1, 11))
def test_zwsp_inside_a_word_splits_it(word: str, cut: int) -> None:
    cut = min(cut, len(word) - 1)
    assert normalize_text(word[:cut] + "\u200b" + word[cut:]) == word[:cut] + " " + word[cut:]


# ---------------------------------------------------------------------------
# Regressions: bugs found by this suite, now fixed


@pytest.mark.parametrize("separator", ["\x1c", "\x1d", "\x1e"])
def test_normalize_lines_splits_where_splitlines_does(separator: str) -> None:
    text = f"كتاب{separator}قلم"
    assert normalize_lines(text) == ["كتاب", "قلم"] == text.splitlines()


def test_normalize_lines_does_not_split_on_private_use_characters() -> None:
    assert normalize_lines("كتاب\ue001قلم") == [normalize_text("كتاب\ue001قلم")]


def test_idempotent_when_a_deleted_hamza_separated_a_composable_mark() -> None:
    text = "e\u0654\u0301"  # e, combining hamza above, combining acute
    once = normalize_text(text)
    assert normalize_text(once) == once


@pytest.mark.parametrize("mark", ["\u200c", "\u064e", "\u0640", "\ufeff"])
def test_invisible_marks_inside_an_html_entity_do_not_change_the_result(mark: str) -> None:
    assert normalize_text(f"الرياض&nb{mark}sp;جدة") == normalize_text("الرياض&nbsp;جدة")


# ---------------------------------------------------------------------------
# The fast paths against the named steps (RapidFuzz's way: a fast path, a slow obviously
# correct reference, Hypothesis between them)


DEFAULTS = NormalizationOptions()


def named_steps(text: str, options: NormalizationOptions = DEFAULTS) -> str:
    """normalize_text as its docstring spells it: each step in turn, nothing skipped."""
    text = premap(text)
    decoded = decode_entities(text)
    if decoded != text:
        text = premap(decoded)
    text = fold_letters(unicode_nfkc(text), options)
    return collapse_spaces(lowercase_latin(unicodedata.normalize("NFC", text)))


# Characters each fast path hands to the full path, or treats apart: multi-character
# NFKC images (… ﻷ ″ ﬁ), the combining hamza, entities, the marks the fast paths use
# themselves, lowercase that depends on the context (Σ) or grows (İ), the Ogham space,
# decimal separators, and the placeholder of the short path.
TRICKY = ["\u2026", "\ufef7", "\u2033", "ﬁ", "\u0654", "&", "&amp;", "&#xe002;", "&#1611;",
          "\ue001", "\ue002", "\ue003", "\uffff", "Σ", "ΑΣ", "İ", "\u1680", "\u00a0", ".",
          "\u066b", "\u066c", "3", "٣", "\u064b", "\u0640", "\r", "\r\n", "\u2028", "\x1c",
          "\x85", "\n", " ", "  ", "،", "ا", "e\u0301", "\U0001d400", "\ud800"]  # fmt: skip
_TEXTS = st.one_of(
    normalizer_text(max_size=40),
    st.lists(st.one_of(st.sampled_from(TRICKY), normalizer_text(max_size=6)), max_size=14).map(
        "".join
    ),
    st.lists(st.sampled_from([*TRICKY, "ابت", "ABC"]), max_size=90).map("".join),  # > 64 chars
)
_OPTIONS = st.sampled_from([NormalizationOptions(), NormalizationOptions(True, True)])


@settings(max_examples=500, deadline=None)
@given(text=_TEXTS, options=_OPTIONS)
def test_normalize_text_equals_the_named_steps(text: str, options: NormalizationOptions) -> None:
    # Short texts take str.translate, longer ones the numpy lookup, some the full path.
    assert normalize_text(text, options) == named_steps(text, options)


@settings(max_examples=300, deadline=None)
@given(text=_TEXTS, options=_OPTIONS)
def test_normalize_paragraphs_is_normalize_text_per_line(
    text: str, options: NormalizationOptions
) -> None:
    expected = [normalize_text(line, options) for line in text.split("\n")]
    assert normalize_paragraphs(text, options) == expected


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(_TEXTS, max_size=8), options=_OPTIONS, batch=st.sampled_from([1, 40, 1 << 20])
)
def test_normalize_pages_is_normalize_paragraphs_per_text(
    texts: list[str], options: NormalizationOptions, batch: int
) -> None:
    # Batches of every size: one text each, a few, all of them (texts needing the full
    # path sit between texts that do not).
    default = dedup.normalize._BATCH_CODE_POINTS
    dedup.normalize._BATCH_CODE_POINTS = batch
    try:
        pages = normalize_pages(texts, options)
    finally:
        dedup.normalize._BATCH_CODE_POINTS = default
    assert pages == [normalize_paragraphs(text, options) for text in texts]


@settings(max_examples=200, deadline=None)
@given(text=_TEXTS)
def test_normalize_lines_equals_the_named_steps_per_line(text: str) -> None:
    if "\ue001" in text or "&" in text:
        # The full path of normalize_lines, kept as it was: an entity could spell out
        # its line mark (see test_normalize_lines_does_not_split_on_private_use_characters).
        text = text.replace("&", "").replace("\ue001", "")
    expected = [line for line in map(named_steps, text.splitlines()) if line]
    assert normalize_lines(text) == expected


@settings(max_examples=200, deadline=None)
@given(text=_TEXTS)
def test_white_space_at_the_ends_never_changes_the_result(text: str) -> None:
    # Furniture reads a page line's normalization for the line stripped (and the body's
    # lines for the body, which strip() trims at its ends).
    assert normalize_text(text.strip()) == normalize_text(text)


@settings(max_examples=200, deadline=None)
@given(text=_TEXTS)
def test_breaks_only_at_newlines(text: str) -> None:
    # A line with a break of its own ("\\r" even at its end) is no longer one line with
    # a letter after it.
    expected = all(len(f"{line}x".splitlines()) == 1 for line in text.split("\n"))
    assert breaks_only_at_newlines(text) == expected
    if expected:
        assert normalize_lines(text) == [p for p in normalize_paragraphs(text) if p]


def test_every_bmp_character_takes_each_fast_path_as_the_named_steps() -> None:
    # Each character alone (the str.translate path) and eight to a text, in the
    # contexts where a lookup could go wrong, through the page path (numpy, batched).
    surrogates = range(0xD800, 0xE000)
    chars = [chr(c) for c in range(0x10000) if c not in surrogates]
    alone = [normalize_text(f"3{c}5 ا{c}") for c in chars]
    assert alone == [named_steps(f"3{c}5 ا{c}") for c in chars]
    groups = ["".join(f"3{c}5 ا{c}e{c}\u0654 {c}\n{c}.{c}٫٣" for c in chars[i : i + 8])
              for i in range(0, len(chars), 8)]  # fmt: skip
    pages = normalize_pages(groups)
    assert pages == [[named_steps(line) for line in text.split("\n")] for text in groups]


def test_full_path_paragraphs_keep_an_entity_that_spells_a_mark() -> None:
    text = "المصدر&#xe002;واس\nأعلنَ"
    assert normalize_paragraphs(text) == ["المصدر\ue002واس", "اعلن"]
    assert normalize_pages([text, "ﻷ\n3.5"]) == [["المصدر\ue002واس", "اعلن"], ["لا", "3.5"]]


@pytest.mark.parametrize(
    "text",
    ["3\u064b.5", "3.\u064b5", "٣٫\u0640٥", "3٬.5", "3.٬5", ".5", "3.", "3..5", "3.5.7",
     "\u064b.5 و 3.\u064b", "3\ufe52\u064b5", "3\u2024\u0640\u06705"],
)  # fmt: skip
def test_decimal_separator_next_to_deleted_marks(text: str) -> None:
    # Premap's deletions go before the neighbours are read, the fold's (٬) after.
    assert normalize_text(text) == named_steps(text)
    assert normalize_text(text * 20) == named_steps(text * 20)  # the numpy path too


def test_composition_seconds_are_all_below_the_planes_not_read() -> None:
    # The table reads decompositions below _DECOMPOSED_BELOW only; a Unicode version with a
    # two-part canonical decomposition above it would fail here.
    everything = dedup.normalize._composed_seconds(sys.maxunicode + 1)
    assert dedup.normalize._composed_seconds() == everything
