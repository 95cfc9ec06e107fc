"""The judged duplicate pairs of ``../shared/data`` and their texts, as the pipeline sees them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dedup.furniture import split_lines, strip_furniture
from dedup.normalize import normalize_text

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
JUDGED = DATA / "judged-duplicates-dev" / "pairs.jsonl"


def judged_pairs() -> list[dict[str, Any]]:
    """The judged pairs (``a``, ``b``, label ...), one dict each."""
    lines = JUDGED.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


def judged_texts(pairs: list[dict[str, Any]]) -> dict[str, str]:
    """Normalized, furniture-stripped bodies of the pairs' articles, by id."""
    wanted = {pair[key] for pair in pairs for key in ("a", "b")}
    texts: dict[str, str] = {}
    for corpus in ("saudinewsnet", "ant-multisource-2018"):
        with (DATA / corpus / "articles.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                if row["id"] in wanted:
                    body = strip_furniture(row["text"]).body
                    texts[row["id"]] = " ".join(normalize_text(p) for p in split_lines(body))
    return texts
