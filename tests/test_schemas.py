"""The JSON Schemas shipped in the package hold for real outputs (a contract others plug in).

Every line of every output of a scan of ``sample_corpus/`` (with rejects), and every match
line of ``dedup index add`` (with a rejected article), validates against its schema; and
each schema refuses what breaks it, so the check is not vacuous.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.writers import OUTPUT_FILES, SCHEMAS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_corpus" / "articles.jsonl"


def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(files("dedup").joinpath(SCHEMAS[name]).read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


def instances(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return [json.loads(text)]
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("schemas")
    corpus = folder / "feed.jsonl"
    extra = ['{"id": "short", "text": "لا"}', "{broken", '{"id": "no-text"}']
    corpus.write_text(SAMPLE.read_text("utf-8") + "\n".join(extra) + "\n", encoding="utf-8")
    out = folder / "out"
    result = CliRunner().invoke(main, ["scan", str(corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    db = str(folder / "news.db")
    added = CliRunner().invoke(
        main, ["index", "add", db, str(corpus), "--out", str(folder / "matches.jsonl")]
    )
    assert added.exit_code == 0, added.output
    return folder


@pytest.mark.parametrize("name", [*OUTPUT_FILES, "matches.jsonl"])
def test_real_outputs_validate(outputs: Path, name: str) -> None:
    path = outputs / name if name == "matches.jsonl" else outputs / "out" / name
    found = instances(path)
    assert found, name
    validator = jsonschema.Draft202012Validator(schema(name))
    for instance in found:
        validator.validate(instance)


def test_rejects_cover_the_broken_records(outputs: Path) -> None:
    rejected = instances(outputs / "out" / "rejects.jsonl")
    assert {r["id"] for r in rejected} == {"short", None, "no-text"}


@pytest.mark.parametrize(
    ("name", "break_it"),
    [
        ("clusters.jsonl", lambda r: {**r, "size": 0}),
        ("clusters.jsonl", lambda r: {**r, "extra": 1}),
        ("pairs.jsonl", lambda r: {**r, "relation": "similar"}),
        ("pairs.jsonl", lambda r: {**r, "jaccard": 1.5}),
        ("related.jsonl", lambda r: {**r, "related": [{"id": "x"}]}),
        ("rejects.jsonl", lambda r: {k: v for k, v in r.items() if k != "reason"}),
        ("summary.json", lambda r: {**r, "completed": False}),
        ("matches.jsonl", lambda r: {**r, "relation": "copy"}),
    ],
)
def test_the_schemas_refuse_what_breaks_them(outputs: Path, name: str, break_it: Any) -> None:
    path = outputs / name if name == "matches.jsonl" else outputs / "out" / name
    record = next(r for r in instances(path) if name != "related.jsonl" or r["related"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(break_it(record), schema(name))
