"""Readers: every input format, every reject reason, and the whole-input errors."""

from __future__ import annotations

import codecs
import csv
import gzip
import inspect
import io
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import (
    Article,
    DedupError,
    FieldMap,
    InputError,
    Rejected,
    read_corpus,
    read_many,
    readers,
)

STORY = "أعلنت وزارة النفط العراقية اليوم زيادة صادرات الخام عبر موانئ البصرة"
OTHER = "فاز المنتخب الوطني بالمباراة النهائية لبطولة غرب آسيا"

WriteJsonl = Callable[..., Path]


def articles(records: list[Article | Rejected]) -> list[Article]:
    return [r for r in records if isinstance(r, Article)]


def rejects(records: list[Article | Rejected]) -> list[Rejected]:
    return [r for r in records if isinstance(r, Rejected)]


# ---------------------------------------------------------------------------
# Formats


def test_jsonl_fields_and_origin(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl(
        [
            {
                "id": "a1",
                "text": STORY,
                "title": "النفط",
                "source": "ina",
                "url": "http://x/1",
                "date": "2023-05-01T08:00:00+03:00",
                "extra": [1, 2],
            },
            {"id": 7, "text": OTHER},
        ]
    )
    first, second = read_corpus(path)
    assert first == Article(
        id="a1",
        text=STORY,
        title="النفط",
        source="ina",
        published_at="2023-05-01T08:00:00+03:00",
        url="http://x/1",
    )
    assert (first.origin_file, first.origin_line) == (str(path), 1)
    assert second.id == "7"  # an integer id is accepted as its decimal text
    assert (second.title, second.source, second.published_at) == ("", "", "")


def test_jsonl_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    lines = [
        "",
        json.dumps({"id": "a", "text": STORY}),
        "   ",
        "{broken",
        json.dumps({"id": "b", "text": OTHER}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = list(read_corpus(path))
    assert [
        (type(r).__name__, r.origin_line if isinstance(r, Article) else r.line) for r in records
    ] == [("Article", 2), ("Rejected", 4), ("Article", 5)]


def test_jsonl_with_crlf_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(
        (
            json.dumps({"id": "a", "text": STORY}, ensure_ascii=False)
            + "\r\n"
            + json.dumps({"id": "b", "text": OTHER}, ensure_ascii=False)
            + "\r\n"
        ).encode("utf-8")
    )
    assert [a.text for a in articles(list(read_corpus(path)))] == [STORY, OTHER]


def test_csv_and_tsv(tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text(
        f'id,text,source\nx1,"{STORY}",ina\nx2,"سطر أول\nسطر ثان",wam\n', encoding="utf-8"
    )
    records = list(read_corpus(csv_path))
    assert [(a.id, a.text, a.source) for a in articles(records)] == [
        ("x1", STORY, "ina"),
        ("x2", "سطر أول\nسطر ثان", "wam"),
    ]
    # Header is line 1; a record's line is the physical line where it ends.
    assert [a.origin_line for a in articles(records)] == [2, 4]
    tsv_path = tmp_path / "a.tsv"
    tsv_path.write_text(f"id\ttext\nt1\t{STORY}\n", encoding="utf-8")
    assert [(a.id, a.text) for a in read_corpus(tsv_path)] == [("t1", STORY)]


def test_folder_of_txt_files(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "ina" / "2023").mkdir(parents=True)
    (root / "ina" / "2023" / "a.txt").write_text(STORY, encoding="utf-8")
    (root / "b.txt").write_text(OTHER, encoding="utf-8")
    with gzip.open(root / "c.txt.gz", "wt", encoding="utf-8") as handle:
        handle.write(STORY + " اليوم")
    (root / "notes.md").write_text("ليس خبرا", encoding="utf-8")
    (root / "empty.txt").write_text("  \n", encoding="utf-8")
    records = list(read_corpus(root))
    assert sorted((a.id, a.text) for a in articles(records)) == [
        ("b.txt", OTHER),
        ("c.txt", STORY + " اليوم"),
        ("ina/2023/a.txt", STORY),
    ]
    assert [(r.id, r.reason) for r in rejects(records)] == [
        ("empty.txt", "empty text field 'text'"),
        ("notes.md", "not a .txt file"),
    ]


def test_folder_without_txt_files_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("ملاحظات", encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"folder holds no \.txt files \(found 1 other file: notes\.md\); "
        r"a folder input reads \.txt and \.txt\.gz files, one article each$",
    ):
        list(read_corpus(tmp_path))


def test_empty_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"folder holds no \.txt files; a folder input"):
        list(read_corpus(tmp_path))


def test_single_txt_file(tmp_path: Path) -> None:
    path = tmp_path / "خبر.txt"
    path.write_text(STORY, encoding="utf-8")
    assert [(a.id, a.text) for a in read_corpus(path)] == [("خبر.txt", STORY)]


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".csv.gz"])
def test_gzip_inputs(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"a{suffix}"
    if suffix.startswith(".jsonl"):
        payload = json.dumps({"id": "g1", "text": STORY}, ensure_ascii=False) + "\n"
    else:
        payload = f"id,text\ng1,{STORY}\n"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(payload)
    assert [(a.id, a.text) for a in read_corpus(path)] == [("g1", STORY)]


def test_stdin_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = (
        json.dumps({"id": "s1", "text": STORY}, ensure_ascii=False)
        + "\n"
        + json.dumps({"id": "s2", "text": OTHER}, ensure_ascii=False)
        + "\n"
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(payload.encode("utf-8"))))
    records = list(read_corpus("-"))
    assert [(a.id, a.text, a.origin_file) for a in articles(records)] == [
        ("s1", STORY, "<stdin>"),
        ("s2", OTHER, "<stdin>"),
    ]


def test_stdin_stays_open_after_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process's stdin belongs to the caller: reading ``-`` to the end must not close it."""
    stdin = io.TextIOWrapper(io.BytesIO((json.dumps({"id": "s1", "text": STORY}) + "\n").encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert [a.id for a in articles(list(read_corpus("-")))] == ["s1"]
    assert not stdin.closed
    assert not stdin.buffer.closed
    assert stdin.buffer.read() == b""  # still usable, and read to its end


def test_cp1256_with_encoding(tmp_path: Path) -> None:
    path = tmp_path / "legacy.jsonl"
    line = json.dumps({"id": "w1", "text": STORY}, ensure_ascii=False) + "\n"
    path.write_bytes(line.encode("cp1256"))
    assert [a.text for a in read_corpus(path, encoding="cp1256")] == [STORY]
    # Read as UTF-8 no record decodes: the encoding is wrong, not the records.
    with pytest.raises(
        InputError,
        match=r"legacy\.jsonl: no record can be decoded as utf-8; give the right --encoding "
        r"\(cp1256 is common on older Arabic sites\)$",
    ):
        list(read_corpus(path))


def test_unknown_encoding_is_an_input_error(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([{"id": "a", "text": STORY}])
    with pytest.raises(InputError, match=r"unknown encoding 'latin-99'; try utf-8 or cp1256"):
        list(read_corpus(path, encoding="latin-99"))


def test_invalid_utf8_in_one_line_rejects_only_that_record(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    good = json.dumps({"id": "a", "text": STORY}, ensure_ascii=False).encode("utf-8")
    bad = b'{"id": "b", "text": "\xd9\x85\xff\xfe ' + "خبر".encode() + b'"}'
    also_good = json.dumps({"id": "c", "text": OTHER}, ensure_ascii=False).encode("utf-8")
    path.write_bytes(good + b"\n" + bad + b"\n" + also_good + b"\n")
    records = list(read_corpus(path))
    assert [a.id for a in articles(records)] == ["a", "c"]
    assert rejects(records) == [Rejected(str(path), 2, "b", "undecodable bytes (check --encoding)")]


def test_explicit_format_overrides_the_name(tmp_path: Path) -> None:
    path = tmp_path / "feed.txt"
    path.write_text(
        json.dumps({"id": "f1", "text": STORY}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    assert [a.id for a in read_corpus(path, format="jsonl")] == ["f1"]
    assert [a.id for a in read_corpus(path)] == ["feed.txt"]  # by name: one text file


def test_unknown_suffix_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text("<rss/>", encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"feed\.xml: cannot tell the format from the name; "
        r"use --format jsonl\|csv\|txt",
    ):
        read_corpus(path)


# ---------------------------------------------------------------------------
# One bad record -> one reject with file, line, id and reason


@pytest.mark.parametrize(
    ("line", "reason", "article_id"),
    [
        ('{"id": "x" "text": "خبر"}', r"invalid JSON: Expecting ',' delimiter at column 12", None),
        (
            "{'id': 'x'}",
            r"invalid JSON: Expecting property name enclosed in double quotes at "
            r"column 2",
            None,
        ),
        ("[1, 2]", r"JSON line is not an object", None),
        ('"نص"', r"JSON line is not an object", None),
        ('{"text": "خبر قصير"}', r"missing or empty id field 'id'", None),
        ('{"id": "", "text": "خبر قصير"}', r"missing or empty id field 'id'", None),
        ('{"id": "   ", "text": "خبر قصير"}', r"missing or empty id field 'id'", None),
        ('{"id": null, "text": "خبر قصير"}', r"missing or empty id field 'id'", None),
        ('{"id": "x"}', r"missing text field 'text'", "x"),
        ('{"id": "x", "text": null}', r"missing text field 'text'", "x"),
        ('{"id": "x", "text": ""}', r"empty text field 'text'", "x"),
        ('{"id": "x", "text": " \\n\\t "}', r"empty text field 'text'", "x"),
        ('{"id": "x", "text": 5}', r"text field 'text' is not a string", "x"),
        ('{"id": "x", "text": ["خبر"]}', r"text field 'text' is not a string", "x"),
        ('{"id": "good", "text": "نص مكرر"}', r"duplicate id \(first occurrence kept\)", "good"),
        (
            '{"id": true, "text": "خبر"}',
            r"id field 'id' is a boolean; expected a string or an integer",
            None,
        ),
        (
            '{"id": 1.5, "text": "خبر"}',
            r"id field 'id' is a number with a fraction; expected a string or an integer",
            None,
        ),
        (
            '{"id": ["x"], "text": "خبر"}',
            r"id field 'id' is an array; expected a string or an integer",
            None,
        ),
        (
            '{"id": {"x": 1}, "text": "خبر"}',
            r"id field 'id' is an object; expected a string or an integer",
            None,
        ),
        ('{"id": "x", "text": {"ar": "خبر"}}', r"text field 'text' is not a string", "x"),
        (
            '{"id": "x", "text": "خبر \\ud800"}',
            r"lone surrogate U\+D800 \(not valid Unicode\)",
            "x",
        ),
        (
            '{"id": "x\\udfff", "text": "خبر"}',
            r"lone surrogate U\+DFFF in id \(not valid Unicode\)",
            None,
        ),
        (
            '{"id": "x", "title": "\\ud83d", "text": "خبر"}',
            r"lone surrogate U\+D83D \(not valid Unicode\)",
            "x",
        ),
        pytest.param("[" * 100_000, r"invalid JSON: nested too deeply", None, id="deep"),
        pytest.param(
            '{"id": "x", "n": ' + "9" * 5000 + "}",
            r"invalid JSON: Exceeds the limit \(4300 digits\) for integer string conversion",
            None,
            id="huge-integer",
        ),
        (
            '{"id": "x",\x00 "text": "خبر"}',
            r"invalid JSON: Expecting property name enclosed in double quotes at column 12",
            None,
        ),
    ],
)
def test_bad_record_becomes_a_reject(
    tmp_path: Path, line: str, reason: str, article_id: str | None
) -> None:
    path = tmp_path / "a.jsonl"
    good = json.dumps({"id": "good", "text": STORY}, ensure_ascii=False)
    after = json.dumps({"id": "after", "text": OTHER}, ensure_ascii=False)
    path.write_text(f"{good}\n{line}\n{after}\n", encoding="utf-8")
    records = list(read_corpus(path))
    assert [a.id for a in articles(records)] == ["good", "after"]  # the run goes on
    (reject,) = rejects(records)
    assert (reject.file, reject.line, reject.id) == (str(path), 2, article_id)
    assert re.fullmatch(reason, reject.reason), reject.reason


def test_duplicate_id_across_files_in_read_many(write_jsonl: WriteJsonl, tmp_path: Path) -> None:
    first = write_jsonl([{"id": "a", "text": STORY}, {"id": "b", "text": OTHER}], name="1.jsonl")
    second = tmp_path / "2.csv"
    second.write_text(f"id,text\nb,{STORY}\nc,{OTHER}\n", encoding="utf-8")
    records = list(read_many([first, second]))
    assert [a.id for a in articles(records)] == ["a", "b", "c"]
    assert rejects(records) == [
        Rejected(str(second), 2, "b", "duplicate id (first occurrence kept)")
    ]
    # Each read_corpus call on its own has its own id space.
    assert len(articles(list(read_corpus(second)))) == 2


def test_read_many_of_nothing() -> None:
    assert list(read_many([])) == []


# ---------------------------------------------------------------------------
# Field mapping


def test_field_map(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl(
        [
            {
                "doc": "d1",
                "body": STORY,
                "headline": "عنوان",
                "outlet": "wam",
                "when": "2023-01-02",
                "link": "http://x",
                "published_at": "ignored",
            }
        ]
    )
    fields = FieldMap(
        id="doc", text="body", title="headline", source="outlet", published_at="when", url="link"
    )
    (article,) = read_corpus(path, fields=fields)
    assert article == Article(
        id="d1", text=STORY, title="عنوان", source="wam", published_at="2023-01-02", url="http://x"
    )


def test_date_fallback_order(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl(
        [
            {"id": "a", "text": STORY, "date": "2023-01-02", "published_at": "2023-01-01"},
            {"id": "b", "text": STORY, "pubdate": "2023-03-03"},
        ]
    )
    assert [a.published_at for a in read_corpus(path)] == ["2023-01-01", "2023-03-03"]


# ---------------------------------------------------------------------------
# Whole input unusable -> InputError that says how to fix it


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.jsonl: no such file or folder"):
        read_corpus(tmp_path / "missing.jsonl")


def test_text_field_absent_from_every_record(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([{"body": STORY, "headline": "عنوان"}, {"body": OTHER, "headline": "آخر"}])
    with pytest.raises(
        InputError,
        match=(r"no field 'text' in any record; available: body, headline; use --text-field body$"),
    ):
        list(read_corpus(path))


def test_text_field_present_in_some_records_is_not_a_whole_input_error(
    write_jsonl: WriteJsonl,
) -> None:
    path = write_jsonl([{"id": "a", "body": STORY}, {"id": "b", "text": OTHER}])
    records = list(read_corpus(path))
    assert [a.id for a in articles(records)] == ["b"]
    assert [r.reason for r in rejects(records)] == ["missing text field 'text'"]


def test_csv_without_the_text_column(tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text(f"body,headline\n{STORY},عنوان\n", encoding="utf-8")
    with pytest.raises(
        InputError,
        match=(
            r"articles\.csv: no column named 'text'\. Available columns: body, headline\. "
            r"Use --text-field body\.$"
        ),
    ):
        list(read_corpus(path))


def test_csv_without_the_id_column(tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text(f"doc,text\n1,{STORY}\n", encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"no column named 'id'\. Available columns: doc, text\. "
        r"Use --id-field doc\.",
    ):
        list(read_corpus(path))


def test_empty_csv(tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"no column named 'text'\. Available columns: \(none\)"):
        list(read_corpus(path))


# Regressions: bugs found by this suite, now fixed


def test_jsonl_text_field_hint_never_suggests_the_id_field(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([{"id": "1", "story": STORY, "title": "عنوان"}])
    with pytest.raises(InputError, match=r"; use --text-field story$"):
        list(read_corpus(path))


def test_truncated_json_line_reports_the_column_where_it_ends(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "x", "text": \n', encoding="utf-8")
    (reject,) = list(read_corpus(path))
    assert reject.reason == "invalid JSON: Expecting value at column 21"


def test_csv_text_field_hint_never_suggests_the_id_column(tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text(f"id,body,headline\n1,{STORY},عنوان\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"Use --text-field body\.$"):
        list(read_corpus(path))


def test_corrupt_gzip_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl.gz"
    path.write_bytes(b"this is not gzip data")
    with pytest.raises(InputError, match=r"feed\.jsonl\.gz"):
        list(read_corpus(path))


def test_missing_folder_is_reported_as_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such file or folder"):
        read_corpus(tmp_path / "corpus")


# ---------------------------------------------------------------------------
# Byte-order marks: accepted on every format, never part of a field name or a text

BOM = "\ufeff"


def _write(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write text as bytes, through gzip when the name ends in .gz."""
    data = text.encode(encoding)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as handle:
            handle.write(data)
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("gz", ["", ".gz"])
def test_bom_jsonl_keeps_its_first_record(tmp_path: Path, gz: str) -> None:
    lines = [
        json.dumps({"id": i, "text": t}, ensure_ascii=False)
        for i, t in [("a", STORY), ("b", OTHER)]
    ]
    path = _write(tmp_path / f"a.jsonl{gz}", BOM + "\n".join(lines) + "\n")
    assert [(a.id, a.text, a.origin_line) for a in read_corpus(path)] == [
        ("a", STORY, 1),
        ("b", OTHER, 2),
    ]


def test_bom_on_every_line_of_concatenated_jsonl(tmp_path: Path) -> None:
    one = BOM + json.dumps({"id": "a", "text": STORY}, ensure_ascii=False) + "\r\n"
    two = BOM + json.dumps({"id": "b", "text": OTHER}, ensure_ascii=False) + "\r\n"
    path = _write(tmp_path / "joined.jsonl", one + two)
    assert [a.id for a in read_corpus(path)] == ["a", "b"]


@pytest.mark.parametrize("gz", ["", ".gz"])
def test_bom_csv_header(tmp_path: Path, gz: str) -> None:
    path = _write(tmp_path / f"a.csv{gz}", f"{BOM}id,text\r\nx1,{STORY}\r\n")
    assert [(a.id, a.text) for a in read_corpus(path)] == [("x1", STORY)]


def test_bom_csv_id_hint_has_no_invisible_character(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", f"{BOM}doc,text\n1,{STORY}\n")
    with pytest.raises(
        InputError, match=r"Available columns: doc, text\. Use --id-field doc\.$"
    ) as caught:
        list(read_corpus(path))
    assert BOM not in str(caught.value)


def test_bom_txt_files_in_a_folder_and_alone(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    _write(root / "a.txt", BOM + STORY)
    _write(root / "b.txt.gz", BOM + OTHER)
    assert [(a.id, a.text) for a in read_corpus(root)] == [("a.txt", STORY), ("b.txt", OTHER)]
    assert [a.text for a in read_corpus(root / "a.txt")] == [STORY]


def test_bom_on_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = BOM + json.dumps({"id": "s1", "text": STORY}, ensure_ascii=False) + "\n"
    stdin = io.TextIOWrapper(io.BufferedReader(io.BytesIO(payload.encode("utf-8"))))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert [(a.id, a.text) for a in read_corpus("-")] == [("s1", STORY)]


def test_utf16_with_its_bom_reads_with_encoding_utf16(tmp_path: Path) -> None:
    line = json.dumps({"id": "u1", "text": STORY}, ensure_ascii=False) + "\n"
    path = _write(tmp_path / "a.jsonl", line, encoding="utf-16")
    assert [a.text for a in read_corpus(path, encoding="utf-16")] == [STORY]


@pytest.mark.parametrize(
    ("encoding_written", "encoding_read", "message"),
    [
        (
            "utf-16",
            "utf-8",
            r"a\.jsonl: starts with a UTF-16 byte-order mark but is read as utf-8; "
            r"use --encoding utf-16$",
        ),
        (
            "utf-8-sig",
            "cp1256",
            r"a\.jsonl: starts with a UTF-8 byte-order mark but is read as cp1256; "
            r"use --encoding utf-8$",
        ),
    ],
)
def test_bom_of_another_encoding_is_an_input_error(
    tmp_path: Path, encoding_written: str, encoding_read: str, message: str
) -> None:
    line = json.dumps({"id": "u1", "text": STORY}, ensure_ascii=False) + "\n"
    path = _write(tmp_path / "a.jsonl", line, encoding=encoding_written)
    with pytest.raises(InputError, match=message):
        list(read_corpus(path, encoding=encoding_read))


# ---------------------------------------------------------------------------
# Clear messages (issue row 10)


def test_invalid_control_character_message_says_at_once(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "x", "text": "a\tb"}\n', encoding="utf-8")
    (reject,) = list(read_corpus(path))
    assert reject.reason == "invalid JSON: Invalid control character at column 23"


def test_jsonl_read_as_csv_says_it_looks_like_json(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([{"id": "a", "text": STORY}])
    with pytest.raises(
        InputError,
        match=r"articles\.jsonl: the first line looks like JSON, not a CSV header; "
        r"if the file is JSON Lines, use --format jsonl$",
    ):
        list(read_corpus(path, format="csv"))


def test_every_file_of_a_folder_is_accounted_for(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "sub" / "b.md").write_text(OTHER, encoding="utf-8")
    (tmp_path / "c.json.gz").write_bytes(gzip.compress(b"{}"))
    records = list(read_corpus(tmp_path))
    assert [(type(r).__name__, r.id) for r in records] == [
        ("Article", "a.txt"),
        ("Rejected", "c.json.gz"),
        ("Rejected", "sub/b.md"),
    ]
    assert rejects(records)[1] == Rejected(
        str(tmp_path / "sub" / "b.md"), 1, "sub/b.md", "not a .txt file"
    )


def test_read_corpus_signature_has_no_private_parameter() -> None:
    assert list(inspect.signature(read_corpus).parameters) == [
        "path",
        "format",
        "fields",
        "encoding",
    ]


# ---------------------------------------------------------------------------
# Nothing escapes that is not a DedupError


@pytest.mark.parametrize("layout", ["jsonl", "csv", "folder", "txt"])
def test_wrong_encoding_everywhere_is_an_input_error(tmp_path: Path, layout: str) -> None:
    def cp1256(text: str) -> bytes:
        return text.encode("cp1256")

    if layout == "jsonl":
        path = tmp_path / "a.jsonl"
        lines = [
            json.dumps({"id": i, "text": t}, ensure_ascii=False)
            for i, t in [("a", STORY), ("b", OTHER)]
        ]
        path.write_bytes(cp1256("\n".join(lines) + "\n"))
    elif layout == "csv":
        path = tmp_path / "a.csv"
        path.write_bytes(cp1256(f"id,text\na,{STORY}\nb,{OTHER}\n"))
    elif layout == "folder":
        path = tmp_path / "corpus"
        path.mkdir()
        (path / "a.txt").write_bytes(cp1256(STORY))
        (path / "b.txt").write_bytes(cp1256(OTHER))
    else:
        path = tmp_path / "a.txt"
        path.write_bytes(cp1256(STORY))
    with pytest.raises(InputError, match=r"no record can be decoded as utf-8; give the right"):
        list(read_corpus(path))
    assert len(articles(list(read_corpus(path, encoding="cp1256")))) == (
        1 if layout == "txt" else 2
    )


def test_bytes_a_codec_cannot_decode_are_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    # UTF-16-LE for '{}', a newline, then a low surrogate with no high one before it.
    path.write_bytes("{}\n".encode("utf-16-le") + b"\x00\xdc\x41\x00")
    with pytest.raises(
        InputError,
        match=r"a\.jsonl: cannot be decoded as utf-16-le \(.*\); give the right --encoding$",
    ):
        list(read_corpus(path, encoding="utf-16-le"))


def test_a_codec_that_is_not_a_text_encoding_is_an_input_error(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([{"id": "a", "text": STORY}])
    with pytest.raises(InputError, match=r"'base64' is not a text encoding; try utf-8 or cp1256$"):
        list(read_corpus(path, encoding="base64"))


def test_csv_field_over_the_limit_is_a_reject_and_the_run_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f"id,text\na,{STORY}\nb,{'ب' * 200}\nc,{OTHER}\n", encoding="utf-8")
    with mock.patch.object(readers, "_CSV_FIELD_LIMIT", 100):
        records = list(read_corpus(path))
    assert [a.id for a in articles(records)] == ["a", "c"]
    assert rejects(records) == [
        Rejected(str(path), 3, None, "unreadable CSV row (field larger than field limit (100))")
    ]


def test_csv_header_over_the_limit_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f"id,{'t' * 200}\na,{STORY}\n", encoding="utf-8")
    with (
        mock.patch.object(readers, "_CSV_FIELD_LIMIT", 100),
        pytest.raises(InputError, match=r"a\.csv: the header line cannot be read as CSV"),
    ):
        list(read_corpus(path))


# ---------------------------------------------------------------------------
# Fuzz: nothing escapes that is not a DedupError, and every record is accounted for

# Every character here is in cp1256 too, so one text serves every encoding.
ALPHABET = "ابتثجحخدذرسشصضطظعغفقكلمنهويءآأؤإئة ًٌٍَُِّْـ،؛؟" + "az09 ,;\"'{}[]:\\\t\x00\x1f"
LINE_ENDS = ["\n", "\r\n", "\r"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1256"]
# Pieces of JSON and CSV, and what broke readers: deep nesting, huge numbers and
# fields, NUL, escapes of lone surrogates, byte-order marks, every line end.
FRAGMENTS = [
    '{"id": ', '"text": ', '"title": ', '"خبر"', "1", "true", "null", "1.5", "{", "}", "[",
    "]", ",", '"', "\\ud800", "\\udc80", "\x00", "\ufeff", "id,text", "\t", "\n", "\r\n", "\r",
    "[" * 5000, "9" * 5000, "ث" * 3000,
]  # fmt: skip
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIELD_LIMIT = 1000  # _CSV_FIELD_LIMIT while fuzzing, so that "huge" fields stay cheap


def _output_line(record: Article | Rejected) -> int:
    return record.origin_line if isinstance(record, Article) else record.line


def _output_file(record: Article | Rejected) -> str:
    return record.origin_file if isinstance(record, Article) else record.file


def _read_or_input_error(path: Path | str, *, encoding: str) -> list[Article | Rejected] | None:
    """All records, or None when the whole input was refused with a DedupError."""
    try:
        with mock.patch.object(readers, "_CSV_FIELD_LIMIT", FIELD_LIMIT):
            records = list(read_corpus(path, encoding=encoding))
    except DedupError:
        return None
    assert all(isinstance(r, Article | Rejected) for r in records)
    accepted = [a.id for a in articles(records)]
    assert len(accepted) == len(set(accepted)), "an id accepted twice"
    assert not any(a.text.startswith(BOM) for a in articles(records))
    return records


def _encoded(text: str, encoding: str, bom: bool) -> bytes:
    data = text.encode(encoding, errors="replace")  # U+FEFF is not in cp1256
    return codecs.BOM_UTF8 + data if bom and encoding == "utf-8" else data


fuzz_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(ALPHABET, max_size=20)), max_size=12
).map("".join)


@FUZZ
@given(
    chunks=st.lists(st.one_of(fuzz_text.map(str.encode), st.binary(max_size=40)), max_size=8),
    bom=st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF32_LE]),
    name=st.sampled_from(["a.jsonl", "a.csv", "a.tsv", "a.jsonl.gz", "a.csv.gz", "a.txt", "-"]),
    encoding=st.sampled_from([*ENCODINGS, "latin-1", "ascii", "utf-32", "utf-16-le"]),
)
def test_fuzz_random_bytes_never_escape(
    tmp_path_factory: pytest.TempPathFactory,
    chunks: list[bytes],
    bom: bytes,
    name: str,
    encoding: str,
) -> None:
    data = bom + b"".join(chunks)
    if name == "-":
        stdin = io.TextIOWrapper(io.BufferedReader(io.BytesIO(data)))  # type: ignore[arg-type]
        with mock.patch.object(sys, "stdin", stdin):
            records = _read_or_input_error("-", encoding=encoding)
        where = "<stdin>"
    else:
        path = tmp_path_factory.mktemp("fuzz") / name
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        records = _read_or_input_error(path, encoding=encoding)
        where = str(path)
    if records is None:
        return
    assert {_output_file(r) for r in records} <= {where}
    if name.endswith((".jsonl", ".jsonl.gz", "-")):
        # One record per non-blank line, in order (lines end at \n, \r\n or \r).
        stream = io.TextIOWrapper(
            io.BytesIO(data), encoding=encoding, errors="surrogateescape", newline=""
        )
        lines = [line.removeprefix(BOM) if n == 1 else line for n, line in enumerate(stream, 1)]
        expected = [n for n, line in enumerate(lines, 1) if line.strip()]
        assert [_output_line(r) for r in records] == expected


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(ALPHABET, max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(ALPHABET, max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
json_record = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(json_value, st.sampled_from(["a", "b", " ", ""])),
        "text": st.one_of(json_value, st.text(ALPHABET, min_size=1, max_size=60)),
        "title": json_value,
        "date": json_value,
    },
)
json_line = st.one_of(
    json_record.map(lambda r: json.dumps(r, ensure_ascii=False)),
    json_value.map(json.dumps),
    fuzz_text.map(lambda t: t.replace("\n", " ").replace("\r", " ").replace("\ufeff", " ")),
    st.sampled_from(["", " ", "\t", "\x0c"]),
)


def _physical_lines(text: str) -> list[str]:
    """Lines as a reader sees them: ended by \\r\\n, \\n or a lone \\r."""
    return re.findall(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$", text)


@FUZZ
@given(
    lines=st.lists(json_line, max_size=12),
    ends=st.lists(st.sampled_from(LINE_ENDS), min_size=13, max_size=13),
    anchor=st.integers(0, 12),
    encoding=st.sampled_from(ENCODINGS),
    bom=st.booleans(),
    gz=st.booleans(),
)
def test_fuzz_jsonl_every_line_is_accounted_for(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[str],
    ends: list[str],
    anchor: int,
    encoding: str,
    bom: bool,
    gz: bool,
) -> None:
    # One record with the text field, so that the input as a whole is usable.
    lines.insert(min(anchor, len(lines)), json.dumps({"id": "anchor", "text": STORY}))
    text = "".join(line + end for line, end in zip(lines, ends, strict=False))
    data = _encoded(text, encoding, bom)
    path = tmp_path_factory.mktemp("fuzz") / ("a.jsonl.gz" if gz else "a.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    records = _read_or_input_error(path, encoding=encoding)
    assert records is not None
    expected = [n for n, line in enumerate(_physical_lines(text), 1) if line.strip()]
    assert [_output_line(r) for r in records] == expected
    assert "anchor" in {a.id for a in articles(records)} | {r.id for r in rejects(records)}


csv_field = st.one_of(
    st.text(ALPHABET + "\r\n", max_size=30),
    st.sampled_from(["", " ", "a", "\r\n", "\r", "\x00", "ب" * (FIELD_LIMIT + 1)]),
)


@FUZZ
@given(
    rows=st.lists(st.lists(csv_field, min_size=1, max_size=4), max_size=10),
    terminator=st.sampled_from(LINE_ENDS),
    encoding=st.sampled_from(ENCODINGS),
    bom=st.booleans(),
    gz=st.booleans(),
)
def test_fuzz_csv_every_row_is_accounted_for(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[list[str]],
    terminator: str,
    encoding: str,
    bom: bool,
    gz: bool,
) -> None:
    for row in rows:
        if any(len(field) > FIELD_LIMIT for field in row):
            # After a field over the limit the reader goes on at the next physical line;
            # a line break later in the same row would split it in two.
            row[:] = [field.replace("\r", " ").replace("\n", " ") for field in row]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=terminator, quoting=csv.QUOTE_ALL)
    writer.writerow(["id", "text", "title"])
    writer.writerows(rows)
    data = _encoded(out.getvalue(), encoding, bom)
    path = tmp_path_factory.mktemp("fuzz") / ("a.csv.gz" if gz else "a.csv")
    path.write_bytes(gzip.compress(data) if gz else data)
    records = _read_or_input_error(path, encoding=encoding)
    assert records is not None
    assert len(records) == len(rows)
    line_numbers = [_output_line(r) for r in records]
    assert line_numbers == sorted(set(line_numbers))
    for row, record in zip(rows, records, strict=True):
        if isinstance(record, Article):
            assert (record.id, record.text) == (row[0].strip(), row[1])


@FUZZ
@given(
    files=st.dictionaries(
        st.tuples(
            st.sampled_from(["a", "b", "sub/c", "ملف"]),
            st.sampled_from([".txt", ".txt.gz", ".md", ".gz", ""]),
        ).map("".join),
        st.tuples(fuzz_text, st.booleans()),
        max_size=6,
    ),
    encoding=st.sampled_from(ENCODINGS),
)
def test_fuzz_folder_every_file_is_accounted_for(
    tmp_path_factory: pytest.TempPathFactory, files: dict[str, tuple[str, bool]], encoding: str
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    for name, (text, bom) in files.items():
        data = _encoded(text, encoding, bom)
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    try:
        records = list(read_corpus(root, encoding=encoding))
    except InputError:
        # Only a folder without any .txt file is unusable as a whole.
        assert not any(name.endswith((".txt", ".txt.gz")) for name in files)
        return
    assert sorted(map(_output_file, records)) == sorted(str(root / name) for name in files)
