"""Readers: JSON Lines, CSV, a folder of ``.txt`` files, ``.gz`` and stdin.

Each yields :class:`~dedup.records.Article` or :class:`~dedup.records.Rejected`
in input order. One bad record becomes a reject with file, line, id and reason;
a whole input that cannot be used raises :class:`~dedup.errors.InputError` with
a message that says how to fix it.

Bytes are decoded with ``errors="surrogateescape"`` so that one undecodable
record is rejected on its own instead of failing the whole file.

A byte-order mark (U+FEFF) at the start of an input, a folder's ``.txt`` file,
or any JSON Lines line (files joined with ``cat``) is dropped: it never becomes
part of a field name or a text. A UTF-8 mark on an input read with another
encoding, or a UTF-16/UTF-32 mark on one read as UTF-8, is an
:class:`~dedup.errors.InputError` that names the encoding to use.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from dedup.errors import InputError
from dedup.records import Article, Rejected

__all__ = [
    "FieldMap",
    "csv_header",
    "input_format",
    "raw_records",
    "read_corpus",
    "read_many",
    "unicode_problem",
]

Format = Literal["auto", "jsonl", "csv", "txt"]

_JSONL_SUFFIXES = {".jsonl", ".json", ".ndjson"}
_CSV_SUFFIXES = {".csv", ".tsv"}
# A whole input is declared unusable when none of its first records has the
# text field; looking further would only delay the message.
_PROBE_RECORDS = 1000
_DATE_FALLBACKS = ("published_at", "date", "published", "pubdate", "datetime")


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Which input field holds each article attribute.

    ``published_at=None`` takes the first present of ``published_at``, ``date``,
    ``published``, ``pubdate``, ``datetime``.
    """

    id: str = "id"
    text: str = "text"
    title: str = "title"
    source: str = "source"
    published_at: str | None = None
    url: str = "url"


# surrogateescape maps each undecodable byte to U+DC80..U+DCFF; one C-level
# regex search finds them (a per-character loop cost 2 s on saudinewsnet).
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
# A JSON escape such as "\ud800" decodes to a lone surrogate: not valid Unicode,
# and no writer can encode it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _undecodable(value: str) -> bool:
    return not value.isascii() and _ESCAPED_BYTE.search(value) is not None


def unicode_problem(value: str, place: str) -> str | None:
    """Why a decoded string is not valid Unicode (None when it is); ``place`` is e.g. " in id"."""
    if value.isascii():
        return None
    found = _SURROGATE.search(value)
    if found is None:
        return None
    if _ESCAPED_BYTE.match(found.group()):
        return f"undecodable bytes{place} (check --encoding)"
    return f"lone surrogate U+{ord(found.group()):04X}{place} (not valid Unicode)"


_JSON_TYPE_NAMES = {
    bool: "a boolean",
    float: "a number with a fraction",
    list: "an array",
    dict: "an object",
}


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _record_id(raw: object, fields: FieldMap) -> tuple[str, str | None]:
    """A record's id as text, and why it cannot be used (None when it can)."""
    if isinstance(raw, str | int) and not isinstance(raw, bool):
        article_id = str(raw).strip()
        if not article_id:
            return "", f"missing or empty id field '{fields.id}'"
        return article_id, unicode_problem(article_id, " in id")
    if raw is None:
        return "", f"missing or empty id field '{fields.id}'"
    kind = _JSON_TYPE_NAMES.get(type(raw), f"a {type(raw).__name__}")
    return "", f"id field '{fields.id}' is {kind}; expected a string or an integer"


def _text_problem(text: object, fields: FieldMap) -> str:
    """Why a record's text field, not a string with a non-space character, cannot be used."""
    if text is None:
        return f"missing text field '{fields.text}'"
    if not isinstance(text, str):
        return f"text field '{fields.text}' is not a string"
    return f"empty text field '{fields.text}'"


def _record_to_article(
    record: Mapping[str, Any], fields: FieldMap, where: str, line: int, seen: set[str]
) -> Article | Rejected:
    article_id, problem = _record_id(record.get(fields.id), fields)
    if problem is not None:
        return Rejected(where, line, None, problem)
    text = record.get(fields.text)
    if not isinstance(text, str) or not text.strip():
        return Rejected(where, line, article_id, _text_problem(text, fields))
    values = {
        name: _as_text(record.get(key))
        for name, key in (("title", fields.title), ("source", fields.source), ("url", fields.url))
    }
    date_keys = (fields.published_at,) if fields.published_at else _DATE_FALLBACKS
    published_at = next((_as_text(record[k]) for k in date_keys if record.get(k)), "")
    problem = next(
        filter(None, (unicode_problem(v, "") for v in (text, published_at, *values.values()))),
        None,
    )
    if problem is not None:
        return Rejected(where, line, article_id, problem)
    if article_id in seen:
        return Rejected(where, line, article_id, "duplicate id (first occurrence kept)")
    seen.add(article_id)
    return Article(
        id=article_id,
        text=text,
        published_at=published_at.strip(),
        **values,
        origin_file=where,
        origin_line=line,
    )


_BOM = "\ufeff"
# (leading bytes, encoding they announce), longest first: the UTF-32 LE mark starts
# with the UTF-16 LE one.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _check_byte_order_mark(binary: IO[bytes], encoding: str, where: str) -> None:
    """Raise when the input's byte-order mark announces another encoding than ``encoding``."""
    peek = getattr(binary, "peek", None)
    if peek is None:  # a plain BytesIO stands in for stdin in tests
        return
    head: bytes = peek(4)[:4]
    announced = next((name for mark, name in _BYTE_ORDER_MARKS if head.startswith(mark)), None)
    reads_utf8 = codecs.lookup(encoding).name in {"utf-8", "utf-8-sig"}
    # The UTF-16/32 marks are text in single-byte encodings (cp1256 reads FF FE as
    # U+06D2 U+200F); only in UTF-8, where they cannot be text, do they mean a wrong encoding.
    if announced is not None and (announced == "utf-8") != reads_utf8:
        raise InputError(
            f"{where}: starts with a {announced.upper()} byte-order mark but is read as "
            f"{encoding}; use --encoding {announced}"
        )


class _DecodeProbe:
    """Tells a wrong encoding from a few bad records: no probed record decodes."""

    def __init__(self, where: str, encoding: str) -> None:
        self.where = where
        self.encoding = encoding
        self.probed = 0
        self.decoded = False

    def check(self, raw: str) -> None:
        """Note one record's raw text; raise once the first records all failed to decode."""
        if self.decoded:
            return
        self.probed += 1
        self.decoded = not _undecodable(raw)
        if not self.decoded and self.probed >= _PROBE_RECORDS:
            raise self.error()

    def finish(self) -> None:
        """At the end of the input: raise when no record decoded."""
        if self.probed and not self.decoded:
            raise self.error()

    def error(self) -> InputError:
        return InputError(
            f"{self.where}: no record can be decoded as {self.encoding}; give the right "
            "--encoding (cp1256 is common on older Arabic sites)"
        )


def _lines(stream: Iterable[str], probe: _DecodeProbe, *, header: bool) -> Iterator[str]:
    """The lines of a stream, a byte-order mark dropped from the first one.

    Each non-blank line (the header excepted) goes through ``probe``.
    """
    for number, line in enumerate(stream):
        if number == 0:
            line = line.removeprefix(_BOM)  # the mark is not part of the line
            if header:
                yield line
                continue
        if line.strip():
            probe.check(line)
        yield line
    probe.finish()


def _check_encoding(encoding: str) -> None:
    try:
        info = codecs.lookup(encoding)
    except LookupError as error:
        raise InputError(f"unknown encoding '{encoding}'; try utf-8 or cp1256") from error
    # Codecs such as base64 or rot13 are registered too, but do not turn bytes into text.
    if not getattr(info, "_is_text_encoding", True):
        raise InputError(f"'{encoding}' is not a text encoding; try utf-8 or cp1256")


class _Borrowed(io.RawIOBase):
    """A stream read through but never closed (stdin belongs to the process, not the reader)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._read = getattr(inner, "read1", inner.read)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _open_text(path: str, encoding: str) -> tuple[IO[str], str]:
    """Open a path (``-`` = stdin, ``.gz`` transparently) as text with surrogateescape."""
    _check_encoding(encoding)
    if path == "-":
        # Borrowed, not owned: closing the reader must leave the process's stdin open.
        binary: IO[bytes] = io.BufferedReader(_Borrowed(sys.stdin.buffer))
        where = "<stdin>"
    else:
        file_path = Path(path)
        if not file_path.exists():
            raise InputError(f"{path}: no such file or folder")
        # Closed by the caller, which owns the returned wrapper.
        binary = (
            gzip.open(file_path, "rb")  # type: ignore[assignment]  # noqa: SIM115
            if file_path.suffix == ".gz"
            else open(file_path, "rb")  # noqa: SIM115
        )
        where = path
    try:
        _check_byte_order_mark(binary, encoding, where)
    except InputError:
        binary.close()
        raise
    return io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline=""), where


def _best_text_field(lengths: Mapping[str, int], fields: FieldMap) -> str | None:
    """The field most likely to hold the text: the longest strings, never a mapped field."""
    mapped = {fields.id, fields.title, fields.source, fields.url, *_DATE_FALLBACKS}
    if fields.published_at:
        mapped.add(fields.published_at)
    candidates = [(total, name) for name, total in lengths.items() if name not in mapped]
    return max(candidates)[1] if candidates else None


def _add_lengths(lengths: dict[str, int], record: Mapping[str, Any]) -> None:
    for name, value in record.items():
        lengths[name] = lengths.get(name, 0) + (len(value) if isinstance(value, str) else 0)


def _missing_text_field(where: str, fields: FieldMap, lengths: Mapping[str, int]) -> InputError:
    names = sorted(lengths)
    best = _best_text_field(lengths, fields)
    hint = f"; use --text-field {best}" if best else ""
    listing = ", ".join(names) if names else "(none)"
    return InputError(
        f"{where}: no field '{fields.text}' in any record; available: {listing}{hint}"
    )


def _parse_json_line(line: str) -> dict[str, Any] | str:
    """The JSON object on one line, or why there is none."""
    try:
        record = json.loads(line.rstrip("\r\n").removeprefix(_BOM))
    except json.JSONDecodeError as error:
        # Some messages already end in "at" ("Invalid control character at").
        return f"invalid JSON: {error.msg.removesuffix(' at')} at column {error.colno}"
    except RecursionError:
        return "invalid JSON: nested too deeply"
    except ValueError as error:
        # An integer of more than sys.get_int_max_str_digits() digits (4300 by default).
        return f"invalid JSON: {str(error).split(':', 1)[0]}"
    if not isinstance(record, dict):
        return "JSON line is not an object"
    return record


def _read_jsonl(
    path: str, fields: FieldMap, encoding: str, seen: set[str]
) -> Iterator[Article | Rejected]:
    stream, where = _open_text(path, encoding)
    probe = _DecodeProbe(where, encoding)
    with stream:
        probed = 0
        text_field_seen = False
        lengths: dict[str, int] = {}
        for line_number, line in enumerate(_lines(stream, probe, header=False), start=1):
            if not line.strip():
                continue
            record = _parse_json_line(line)
            if isinstance(record, str):
                yield Rejected(where, line_number, None, record)
                continue
            if not text_field_seen:
                probed += 1
                _add_lengths(lengths, record)
                text_field_seen = fields.text in record
                if not text_field_seen and probed >= _PROBE_RECORDS:
                    raise _missing_text_field(where, fields, lengths)
            yield _record_to_article(record, fields, where, line_number, seen)
        if not text_field_seen and probed:
            raise _missing_text_field(where, fields, lengths)


# The csv module's limit on one field, in characters. Far above any article, it
# still ends a quote left open before it swallows the rest of a large file.
_CSV_FIELD_LIMIT = 1 << 28


def _csv_header(reader: csv.DictReader[str], where: str, fields: FieldMap) -> None:
    """Raise unless the header has the id and text columns."""
    try:
        header = list(reader.fieldnames or [])
    except csv.Error as error:
        raise InputError(f"{where}: the header line cannot be read as CSV ({error})") from error
    if header and header[0].lstrip().startswith(("{", "[")):
        raise InputError(
            f"{where}: the first line looks like JSON, not a CSV header; "
            "if the file is JSON Lines, use --format jsonl"
        )
    if fields.text not in header:
        lengths: dict[str, int] = dict.fromkeys(header, 0)
        for _, row in zip(range(_PROBE_RECORDS), _csv_rows(reader), strict=False):
            if isinstance(row, dict):
                _add_lengths(lengths, {k: v for k, v in row.items() if k in lengths})
        suggestion = _best_text_field(lengths, fields) or "NAME"
        raise InputError(
            f"{where}: no column named '{fields.text}'. Available columns: "
            f"{', '.join(header) or '(none)'}. Use --text-field {suggestion}."
        )
    if fields.id not in header:
        raise InputError(
            f"{where}: no column named '{fields.id}'. Available columns: {', '.join(header)}. "
            f"Use --id-field {header[0]}."
        )


def _csv_rows(reader: csv.DictReader[str]) -> Iterator[dict[str | Any, Any] | str]:
    """Each data row, or why it cannot be read (the reader goes on at the next line)."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # e.g. a field longer than _CSV_FIELD_LIMIT
            yield f"unreadable CSV row ({error})"


def _read_csv(
    path: str, fields: FieldMap, encoding: str, seen: set[str]
) -> Iterator[Article | Rejected]:
    stream, where = _open_text(path, encoding)
    delimiter = "\t" if path.removesuffix(".gz").endswith(".tsv") else ","
    probe = _DecodeProbe(where, encoding)
    with stream:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
        reader = csv.DictReader(_lines(stream, probe, header=True), delimiter=delimiter)
        _csv_header(reader, where, fields)
        for row in _csv_rows(reader):
            # The physical line where the record ended (or where reading it failed).
            line = reader.reader.line_num
            if isinstance(row, str):
                yield Rejected(where, line, None, row)
            else:
                yield _record_to_article(row, fields, where, line, seen)


def _is_text_file(path: Path) -> bool:
    return path.name.endswith((".txt", ".txt.gz"))


def _read_folder(path: str, encoding: str, seen: set[str]) -> Iterator[Article | Rejected]:
    """Each ``.txt`` / ``.txt.gz`` file is an article; every other file is a reject."""
    root = Path(path)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    if not any(_is_text_file(p) for p in files):
        others = ""
        if files:
            count = "1 other file:" if len(files) == 1 else f"{len(files)} other files, e.g."
            others = f" (found {count} {files[0].relative_to(root).as_posix()})"
        raise InputError(
            f"{path}: folder holds no .txt files{others}; "
            "a folder input reads .txt and .txt.gz files, one article each"
        )
    probe = _DecodeProbe(path, encoding)
    for file_path in files:
        relative = file_path.relative_to(root).as_posix()
        if not _is_text_file(file_path):
            yield Rejected(str(file_path), 1, relative, "not a .txt file")
            continue
        text = _read_text(str(file_path), encoding, probe)
        record = {"id": relative.removesuffix(".gz"), "text": text}
        yield _record_to_article(record, FieldMap(), str(file_path), 1, seen)
    probe.finish()


def _detect_format(path: str) -> Format:
    if path == "-":
        return "jsonl"
    file_path = Path(path)
    if file_path.is_dir():
        return "txt"
    suffixes = [s for s in file_path.suffixes if s != ".gz"]
    suffix = suffixes[-1] if suffixes else ""
    if suffix in _JSONL_SUFFIXES:
        return "jsonl"
    if suffix in _CSV_SUFFIXES:
        return "csv"
    if suffix == ".txt":
        return "txt"
    raise InputError(f"{path}: cannot tell the format from the name; use --format jsonl|csv|txt")


def read_corpus(
    path: str | Path,
    *,
    format: Format = "auto",
    fields: FieldMap | None = None,
    encoding: str = "utf-8",
) -> Iterator[Article | Rejected]:
    """Read one input: JSON Lines, CSV, a folder of ``.txt`` (``.gz`` and ``-`` work too).

    Parameters
    ----------
    path
        File, folder, or ``-`` for JSON Lines on stdin.
    format
        ``auto`` (by name), ``jsonl``, ``csv``, or ``txt`` (a folder, or one file).
        In a folder every ``.txt`` and ``.txt.gz`` file, subfolders included, is
        one article whose id is its path in the folder; any other file
        (``.md``, ``.html``, ...) is a :class:`~dedup.records.Rejected` with the
        reason ``not a .txt file``, so every file is accounted for.
    fields
        Input field names for id, text, title, source, published_at, url.
    encoding
        Text encoding of the input (``cp1256`` is common on older Arabic sites).

    Yields
    ------
    Article or Rejected
        In input order.

    Raises
    ------
    InputError
        The input cannot be used at all (missing file, no text field anywhere).

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "a.jsonl")
    >>> with open(path, "w", encoding="utf-8") as f:
    ...     _ = f.write('{"id": "1", "text": "وصل الوزير"}\\n{"id": "1", "text": "مكرر"}\\n')
    >>> [type(r).__name__ for r in read_corpus(path)]
    ['Article', 'Rejected']
    """
    return _read_one(str(path), format=format, fields=fields, encoding=encoding, seen=set())


def _read_one(
    path: str, *, format: Format, fields: FieldMap | None, encoding: str, seen: set[str]
) -> Iterator[Article | Rejected]:
    """:func:`read_corpus` with the set of ids already seen (shared across inputs by read_many)."""
    fields = fields or FieldMap()
    if path != "-" and not Path(path).exists():
        raise InputError(f"{path}: no such file or folder")
    chosen = _detect_format(path) if format == "auto" else format
    if chosen == "jsonl":
        records = _read_jsonl(path, fields, encoding, seen)
    elif chosen == "csv":
        records = _read_csv(path, fields, encoding, seen)
    elif Path(path).is_dir():
        records = _read_folder(path, encoding, seen)
    else:
        records = _read_single_txt(path, encoding, seen)
    return _unreadable_as_input_error(records, path, encoding)


def _unreadable_as_input_error(
    records: Iterator[Article | Rejected], path: str, encoding: str
) -> Iterator[Article | Rejected]:
    """A file that cannot be read at all (a corrupt .gz, an I/O error) is an InputError.

    So is one that cannot be decoded: surrogateescape keeps each byte it cannot
    decode, except ASCII bytes, which multi-byte codecs such as UTF-16 may reject.
    """
    try:
        yield from records
    except (OSError, EOFError) as error:
        raise InputError(
            f"{path}: cannot be read ({error}); is it a complete, valid file?"
        ) from error
    except UnicodeError as error:
        raise InputError(
            f"{path}: cannot be decoded as {encoding} ({error}); give the right --encoding"
        ) from error


def _read_text(path: str, encoding: str, probe: _DecodeProbe) -> str:
    """The whole text of one file, without a byte-order mark."""
    stream, _ = _open_text(path, encoding)
    with stream:
        text = stream.read().removeprefix(_BOM)
    if text.strip():
        probe.check(text)
    return text


def _read_single_txt(path: str, encoding: str, seen: set[str]) -> Iterator[Article | Rejected]:
    probe = _DecodeProbe(path, encoding)
    text = _read_text(path, encoding, probe)
    probe.finish()
    yield _record_to_article({"id": Path(path).name, "text": text}, FieldMap(), path, 1, seen)


def read_many(
    paths: Iterable[str | Path],
    *,
    format: Format = "auto",
    fields: FieldMap | None = None,
    encoding: str = "utf-8",
) -> Iterator[Article | Rejected]:
    """Read several inputs as one corpus; an id repeated across inputs is a duplicate id.

    Examples
    --------
    >>> list(read_many([]))
    []
    """
    seen: set[str] = set()
    for path in paths:
        yield from _read_one(str(path), format=format, fields=fields, encoding=encoding, seen=seen)


def input_format(path: str | Path, format: Format = "auto") -> Format:
    """The format a path is read in: ``format``, or by its name (a folder: ``txt``).

    Examples
    --------
    >>> input_format("أخبار.jsonl.gz"), input_format("-"), input_format("x.tsv", "jsonl")
    ('jsonl', 'jsonl', 'jsonl')
    """
    return _detect_format(str(path)) if format == "auto" else format


def raw_records(
    path: str | Path, *, format: Format = "auto", encoding: str = "utf-8"
) -> Iterator[tuple[str, int, str | dict[str, str]]]:
    """The records of one input as they are, where :func:`read_corpus` says they are.

    ``(file, line, record)``: for JSON Lines the line itself (its byte-order mark and line
    end dropped), for CSV the row as a dict of every column (the header is
    :func:`csv_header`), for a folder of ``.txt`` files the text of each file. ``file`` and
    ``line`` equal an :class:`~dedup.records.Article`'s ``origin_file`` and
    ``origin_line``, so the records of chosen articles can be written out unchanged.
    Unreadable records are skipped (they are the readers' rejects).
    """
    name = str(path)
    chosen = input_format(name, format)
    if chosen == "jsonl":
        yield from _raw_jsonl(name, encoding)
    elif chosen == "csv":
        yield from _raw_csv(name, encoding)
    else:
        probe = _DecodeProbe(name, encoding)
        for file_path in sorted(p for p in Path(name).rglob("*") if _is_text_file(p)):
            yield str(file_path), 1, _read_text(str(file_path), encoding, probe)


def csv_header(path: str | Path, *, encoding: str = "utf-8") -> list[str]:
    """The column names of a CSV (or TSV) input, byte-order mark dropped."""
    stream, _ = _open_text(str(path), encoding)
    with stream:
        delimiter = "\t" if str(path).removesuffix(".gz").endswith(".tsv") else ","
        first = next(iter(stream), "").removeprefix(_BOM)
        return next(csv.reader([first], delimiter=delimiter), [])


def _raw_jsonl(path: str, encoding: str) -> Iterator[tuple[str, int, str | dict[str, str]]]:
    stream, where = _open_text(path, encoding)
    with stream:
        probe = _DecodeProbe(where, encoding)
        for line_number, line in enumerate(_lines(stream, probe, header=False), start=1):
            if line.strip():
                yield where, line_number, line.rstrip("\r\n").removeprefix(_BOM)


def _raw_csv(path: str, encoding: str) -> Iterator[tuple[str, int, dict[str, str]]]:
    stream, where = _open_text(path, encoding)
    delimiter = "\t" if path.removesuffix(".gz").endswith(".tsv") else ","
    with stream:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
        probe = _DecodeProbe(where, encoding)
        reader = csv.DictReader(_lines(stream, probe, header=True), delimiter=delimiter)
        for row in _csv_rows(reader):
            if isinstance(row, dict):
                yield where, reader.reader.line_num, row
