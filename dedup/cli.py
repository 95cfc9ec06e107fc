"""Command line: a thin click layer over the library (the only module that imports click).

Exit codes: 0 done; 1 error (a :class:`~dedup.errors.DedupError`, message on stderr, no
traceback); 2 usage error (checked before any article is read); 3 ``dedup scan`` rejected
every record, or more than ``--max-reject-rate`` of them (the outputs are written, so
``rejects.jsonl`` says why); 143 terminated by SIGTERM (Ctrl-C: click's "Aborted!", 1); an
interrupted scan leaves its output folder as the previous complete run left it. An
unexpected exception keeps its traceback: it is a bug.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import click

from dedup._version import __version__
from dedup.config import DedupConfig, RelatedConfig
from dedup.errors import ConfigError, DedupError, InputError
from dedup.parallel import default_jobs
from dedup.pipeline import scan
from dedup.readers import FieldMap, read_many
from dedup.records import Article, Rejected, ScanReport
from dedup.writers import OutputFolder, reject_record, write_deduplicated, write_report

# CLI option name -> DedupConfig field, for flags that override the config.
# Flags that set a DedupConfig key of the same name (--num-perm sets num_perm, in a
# --config file too): one name per setting. Their help texts, in the order --help lists them.
_SCAN_FLAG_HELP = {
    "ngram": "Character n-gram size.",
    "num_perm": "MinHash permutations (signature length).",
    "seed": "MinHash seed.",
    "jaccard_threshold": "Exact Jaccard at which a pair is a duplicate.",
    "containment_threshold": "Containment (overlap / shorter text) at which a pair is a duplicate.",
    "min_jaccard_for_containment": "Jaccard a containment match needs too.",
    "candidate_threshold": "Jaccard level the LSH bands are tuned for.",
    "min_shingles": "Shingles a text needs to match at all.",
}
_SCAN_FLAGS = tuple(_SCAN_FLAG_HELP)
# Exit code when too many records were rejected (see the module docstring).
EXIT_REJECTED = 3


class _TqdmProgress:
    """Draws one tqdm bar per stage; only used when stderr is a terminal."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self._bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self._bars.get(stage)
        if bar is None:  # total 0: not known yet (reading)
            bar = self._bars[stage] = self._tqdm(
                total=total or None, desc=stage, leave=False, file=sys.stderr
            )
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()


def _progress_options() -> list[Any]:
    """--progress/--no-progress and -q, for every command that works through articles."""
    return [
        click.option(
            "--progress/--no-progress",
            default=None,
            help="Progress bars on stderr [default: when stderr is a terminal].",
        ),
        click.option(
            "-q", "--quiet", is_flag=True, help="No progress and no summary line (errors only)."
        ),
    ]


def _apply(options: list[Any]) -> Callable[[Any], Any]:
    """Decorate a command with ``options`` in the order given."""

    def decorate(command: Any) -> Any:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _drawer(progress: bool | None, quiet: bool) -> _TqdmProgress | None:
    """Progress bars when asked for, or on a terminal; never with --quiet."""
    shown = sys.stderr.isatty() if progress is None else progress
    return _TqdmProgress() if shown and not quiet else None


def _load_config_file(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise click.BadParameter(
            f"cannot read {path}: {error.strerror}", param_hint="--config"
        ) from error
    except tomllib.TOMLDecodeError as error:
        raise click.BadParameter(
            f"{path} is not valid TOML: {error}", param_hint="--config"
        ) from error
    # Either top-level keys or a [scan] table.
    return dict(data.get("scan", data))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dedup")
def main() -> None:
    """Near-duplicate clusters and related articles for Arabic news."""


def _field_map(options: dict[str, Any]) -> FieldMap:
    """The field names given by :func:`_reader_options`."""
    return FieldMap(
        id=options["id_field"],
        text=options["text_field"],
        title=options["title_field"],
        source=options["source_field"],
        published_at=options["date_field"],
        url=options["url_field"],
    )


def _config_file_option(help: str) -> Callable[[Any], Any]:
    return click.option(
        "--config", "config_file", type=click.Path(dir_okay=False), default=None, help=help
    )


def _reader_options(command: Any) -> Any:
    """Input format, field names and encoding: shared by ``dedup scan`` and ``dedup index``."""
    options = [
        click.option(
            "--format",
            "input_format",
            type=click.Choice(["auto", "jsonl", "csv", "txt"]),
            default="auto",
            show_default=True,
            help="Input format (auto: by file name).",
        ),
        click.option("--id-field", default="id", show_default=True, help="Field of the id."),
        click.option(
            "--text-field", default="text", show_default=True, help="Field of the body text."
        ),
        click.option(
            "--title-field", default="title", show_default=True, help="Field of the title."
        ),
        click.option(
            "--source-field", default="source", show_default=True, help="Field of the outlet."
        ),
        click.option(
            "--date-field",
            default=None,
            help="Publication date field [default: published_at, else date].",
        ),
        click.option("--url-field", default="url", show_default=True, help="Field of the URL."),
        click.option(
            "--encoding",
            default="utf-8",
            show_default=True,
            help="Input encoding, e.g. cp1256 for legacy Arabic feeds.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _config_options(command: Any) -> Any:
    """One flag per :data:`_SCAN_FLAGS` key: ``--num-perm`` for ``num_perm``, with its type and
    default taken from :class:`DedupConfig`."""
    for name in reversed(_SCAN_FLAGS):
        default = getattr(DedupConfig, name)
        command = click.option(
            f"--{name.replace('_', '-')}",
            type=type(default),
            default=default,
            show_default=True,
            help=_SCAN_FLAG_HELP[name],
        )(command)
    return command


def _scan_config(
    ctx: click.Context,
    config_file: str | None,
    flags: dict[str, Any],
    *,
    keep_furniture: bool,
    no_template_guard: bool,
    related_k: int,
) -> DedupConfig:
    """Defaults < ``--config`` file < flags given on the command line."""
    values = _load_config_file(config_file)
    for name in _SCAN_FLAGS:
        if _given(ctx, name) or name not in values:
            values[name] = flags[name]
    if keep_furniture:
        values["strip_furniture"] = False
        values["learn_boilerplate"] = False
    if no_template_guard:
        values["template_guard"] = False
    related = values.get("related", {})
    if not isinstance(related, dict):
        raise click.BadParameter(
            f"'related' must be a table of options, got {related!r}", param_hint="--config"
        )
    related = dict(related)
    if _given(ctx, "related_k") or "k" not in related:
        related["k"] = related_k
    values["related"] = related
    try:
        return DedupConfig.from_dict(values)
    except (ConfigError, TypeError) as error:
        raise click.UsageError(str(error)) from error


def _given(ctx: click.Context, option: str) -> bool:
    """Whether ``option`` was set by the caller rather than left at its default."""
    return ctx.get_parameter_source(option) is not click.core.ParameterSource.DEFAULT


@main.command("scan")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for clusters.jsonl, pairs.jsonl, rejects.jsonl, related.jsonl, summary.json.",
)
@_reader_options
@_config_file_option("TOML file with parameters (flags override it).")
@_config_options
@click.option(
    "--keep-furniture",
    is_flag=True,
    help="Do not strip page furniture or corpus-learned boilerplate lines.",
)
@click.option(
    "--no-template-guard",
    is_flag=True,
    help="Merge template siblings (same template, different figures) too.",
)
@click.option(
    "--related-k",
    type=int,
    default=RelatedConfig.k,
    show_default=True,
    help="Related articles per story (0: none).",
)
@click.option(
    "--max-reject-rate",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Exit 3 when more than this share of the records is rejected "
    "[default: only when all are].",
)
@click.option(
    "--write-deduplicated",
    "deduplicated",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the canonical article of each cluster to this file, each record as it "
    "was, in the input's format (a folder of .txt: JSON Lines).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to use; the output is the same for any value [default: every core].",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help='Where the scan runs: this machine, or a Dask cluster (pip install "dedup[dask]"); '
    "the output is the same.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="--engine dask: worker processes of a local cluster started for the run "
    "[default: every core].",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:8786",
    help="--engine dask: the address of a running Dask scheduler (its workers do the work).",
)
@click.option(
    "--html",
    is_flag=True,
    help="Also write report.html in --out: a review page of the clusters, pairs and rejects "
    "(self-contained, opens offline).",
)
@click.option(
    "--memory-limit",
    default=None,
    help="Memory the candidate stage may use, e.g. 8G or 512M; beyond it works in parts "
    "spilled to the temporary folder [default: half of the machine's memory].",
)
@_apply(_progress_options())
@click.pass_context
def scan_command(
    ctx: click.Context,
    /,
    inputs: tuple[str, ...],
    out_dir: str,
    input_format: str,
    id_field: str,
    text_field: str,
    title_field: str,
    source_field: str,
    date_field: str | None,
    url_field: str,
    encoding: str,
    config_file: str | None,
    keep_furniture: bool,
    no_template_guard: bool,
    related_k: int,
    max_reject_rate: float | None,
    deduplicated: str | None,
    jobs: int | None,
    engine: str,
    workers: int | None,
    scheduler: str | None,
    html: bool,
    memory_limit: str | None,
    progress: bool | None,
    quiet: bool,
    **flags: Any,
) -> None:
    """Find duplicate clusters in INPUT... (JSON Lines, CSV, folders of .txt, .gz, - for stdin).

    The five output files (and report.html with --html) replace those of an earlier run in
    --out all at once. Exit codes: 0 done, 1 error, 2 usage, 3 too many records rejected,
    143 terminated (SIGTERM).
    """
    config = _scan_config(
        ctx,
        config_file,
        flags,
        keep_furniture=keep_furniture,
        no_template_guard=no_template_guard,
        related_k=related_k,
    )
    field_map = FieldMap(
        id=id_field,
        text=text_field,
        title=title_field,
        source=source_field,
        published_at=date_field,
        url=url_field,
    )
    started = time.perf_counter()
    _check_deduplicated(deduplicated, inputs)
    where = _engine_options(engine, workers, scheduler, jobs, memory_limit)
    origins: dict[str, tuple[str, int]] = {}
    kept: list[Article] | None = [] if html else None
    report = _scan_into(
        inputs,
        out_dir,
        config,
        read=lambda: _remember_origins(
            read_many(
                inputs,
                format=input_format,  # type: ignore[arg-type]
                fields=field_map,
                encoding=encoding,
            ),
            origins,
            kept,
        ),
        drawer=_drawer(progress, quiet),
        jobs=default_jobs() if jobs is None else jobs,
        articles=kept,
        memory_limit=_bytes(memory_limit),
        engine=where,
    )
    if deduplicated is not None:
        _write_canonicals(deduplicated, inputs, report, origins, input_format, encoding)
    counts: dict[str, Any] = report.stats["counts"]  # type: ignore[assignment]
    if not quiet:
        _summary_line(counts, started, out_dir)
    _exit_on_rejects(counts, max_reject_rate, quiet=quiet)


def _engine_options(
    engine: str,
    workers: int | None,
    scheduler: str | None,
    jobs: int | None,
    memory_limit: str | None,
) -> dict[str, Any]:
    """--engine, --workers, --scheduler as scan()'s keywords; usage errors when they clash."""
    if engine == "local":
        if workers is not None or scheduler is not None:
            raise click.UsageError("--workers and --scheduler need --engine dask")
        return {}
    if workers is not None and scheduler is not None:
        raise click.UsageError(
            "give --workers (a local cluster for the run) or --scheduler (a running "
            "cluster), not both"
        )
    if jobs is not None:
        raise click.UsageError("--jobs is for --engine local; with dask use --workers")
    if memory_limit is not None:
        raise click.UsageError(
            "--memory-limit is for --engine local; Dask workers have their own "
            "(dask worker --memory-limit)"
        )
    return {"engine": engine, "workers": workers, "scheduler": scheduler}


def _bytes(size: str | None) -> int | None:
    """--memory-limit: a number of bytes with an optional K, M, G or T suffix (powers of 1024)."""
    if size is None:
        return None
    text = size.strip().upper().removesuffix("B")
    scale = 1024 ** ("KMGT".index(text[-1]) + 1) if text and text[-1] in "KMGT" else 1
    number = text[:-1] if scale > 1 else text
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise click.BadParameter(
            f"{size!r} is not a size; give bytes or a number with K, M, G or T, e.g. 8G",
            param_hint="--memory-limit",
        )
    return int(value * scale)


def _summary_line(counts: dict[str, Any], started: float, out_dir: str) -> None:
    click.echo(
        f"dedup: {counts['input_records']} records, {counts['accepted']} accepted, "
        f"{counts['rejected']} rejected, {counts['clusters']} clusters "
        f"({counts['duplicate_clusters']} with duplicates), {counts['pairs']} pairs "
        f"in {time.perf_counter() - started:.1f}s -> {Path(out_dir)}",
        err=True,
    )


def _scan_into(
    inputs: tuple[str, ...],
    out_dir: str,
    config: DedupConfig,
    *,
    read: Callable[[], Iterable[Article | Rejected]],
    drawer: _TqdmProgress | None,
    jobs: int,
    articles: list[Article] | None = None,
    memory_limit: int | None = None,
    engine: dict[str, Any] | None = None,
) -> ScanReport:
    """Check the inputs and the output folder, scan, write it all at once; SIGTERM leaves the
    folder as it was. With ``articles`` (filled while reading), report.html is written too,
    into the staging folder, so it appears with the other files. ``engine``: scan()'s
    engine keywords (none: the local engine)."""
    try:
        _check_inputs(inputs)
        output = OutputFolder(out_dir)
    except DedupError as error:
        raise click.ClickException(str(error)) from error
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        report = scan(
            read(),
            config=config,
            progress=drawer,
            jobs=jobs,
            memory_limit=memory_limit,
            **(engine or {}),
        )
        if articles is not None:
            from dedup.report import REPORT_FILE, RunOutputs, build_html, write_html

            page = build_html(RunOutputs.from_scan(report), articles, config=config)
            write_html(output.staging / REPORT_FILE, page)
        output.write(report)
    except DedupError as error:
        raise click.ClickException(str(error)) from error
    finally:
        signal.signal(signal.SIGTERM, previous)
        output.discard()
        if drawer is not None:
            drawer.close()
    return report


def _write_canonicals(
    path: str,
    inputs: tuple[str, ...],
    report: ScanReport,
    origins: dict[str, tuple[str, int]],
    input_format: str,
    encoding: str,
) -> None:
    """--write-deduplicated: each cluster's canonical record, as it was in the input."""
    kept = {origins[c.canonical]: c.canonical for c in report.clusters}
    try:
        write_deduplicated(
            path,
            inputs,
            kept,
            format=input_format,  # type: ignore[arg-type]  # a click.Choice of Format
            encoding=encoding,
        )
    except (DedupError, OSError) as error:
        raise click.ClickException(f"{path}: {error}") from error


def _remember_origins(
    records: Iterable[Article | Rejected],
    origins: dict[str, tuple[str, int]],
    kept: list[Article] | None = None,
) -> Iterator[Article | Rejected]:
    """The records as they pass, with each article's (file, line) kept by id, and the
    articles themselves in ``kept`` when given (--html)."""
    for record in records:
        if isinstance(record, Article):
            origins[record.id] = (record.origin_file, record.origin_line)
            if kept is not None:
                kept.append(record)
        yield record


def _check_deduplicated(path: str | None, inputs: tuple[str, ...]) -> None:
    """--write-deduplicated reads the inputs again: files, and a folder it can write to."""
    if path is None:
        return
    if "-" in inputs:
        raise click.UsageError(
            "--write-deduplicated reads the inputs a second time; give files, not - (stdin)"
        )
    folder = Path(path).parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise click.UsageError(
            f"--write-deduplicated: cannot write {path}: {folder} is not a writable folder"
        )


def _check_inputs(inputs: tuple[str, ...]) -> None:
    """Every input exists, before any is read (the readers say the same, but later)."""
    for name in inputs:
        if name != "-" and not Path(name).exists():
            raise InputError(f"{name}: no such file or folder")


def _terminate(number: int, frame: object) -> None:
    """SIGTERM ends the run as an exception does: the staging folder is removed on the way."""
    raise SystemExit(128 + number)


def _exit_on_rejects(counts: dict[str, Any], max_reject_rate: float | None, *, quiet: bool) -> None:
    total, rejected = counts["input_records"], counts["rejected"]
    too_many = (
        rejected > max_reject_rate * total if max_reject_rate is not None else rejected == total
    )
    if total and too_many:
        if quiet:
            sys.exit(EXIT_REJECTED)
        click.echo(
            f"dedup: {rejected} of {total} records rejected (see rejects.jsonl); exit code "
            f"{EXIT_REJECTED}",
            err=True,
        )
        sys.exit(EXIT_REJECTED)


@main.command("explain")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--ids", nargs=2, required=True, metavar="A B", help="The two article ids to explain."
)
@_reader_options
@_config_file_option("TOML file with the scan's parameters.")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def explain_command(
    inputs: tuple[str, ...],
    ids: tuple[str, str],
    config_file: str | None,
    as_json: bool,
    **reader: Any,
) -> None:
    """Why two articles of INPUT... are, or are not, duplicates.

    Prints both texts as they are shingled (furniture stripped, normalized, learned
    boilerplate left out), their Jaccard, containment, MinHash estimate, passage score and
    date gap, the template verdict, and the step of the scan that decided.
    """
    from dedup.explain import explain_pair

    try:
        config = DedupConfig.from_dict(_load_config_file(config_file))
    except (ConfigError, TypeError) as error:
        raise click.UsageError(str(error)) from error
    fields = _field_map(reader)
    try:
        _check_inputs(inputs)
        records = read_many(
            inputs, format=reader["input_format"], fields=fields, encoding=reader["encoding"]
        )
        articles = [r for r in records if isinstance(r, Article)]
        found = explain_pair(articles, ids[0], ids[1], config=config)
    except DedupError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(_explanation_text(found))


@main.command("report")
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False))
@click.argument("inputs", nargs=-1, required=True)
@_reader_options
def report_command(out_dir: str, inputs: tuple[str, ...], **reader: Any) -> None:
    """Build DIR/report.html again from the finished run in DIR and its INPUT... (the texts).

    The run's parameters come from DIR/summary.json; give the inputs and the field options
    the scan was given. The page replaces an earlier report.html all at once. Exit codes:
    0 done, 1 error (an unfinished run, an article of the run missing from the inputs),
    2 usage.
    """
    from dedup.report import REPORT_FILE, RunOutputs, build_html, write_html

    started = time.perf_counter()
    try:
        _check_inputs(inputs)
        run = RunOutputs.load(out_dir)
        config = run.config()
        records = read_many(
            inputs,
            format=reader["input_format"],
            fields=_field_map(reader),
            encoding=reader["encoding"],
        )
        articles = [r for r in records if isinstance(r, Article)]
        path = write_html(Path(out_dir) / REPORT_FILE, build_html(run, articles, config=config))
    except DedupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"dedup report: {len(run.clusters)} clusters, {len(articles)} articles in "
        f"{time.perf_counter() - started:.1f}s -> {path}",
        err=True,
    )


def _explanation_text(found: Any) -> str:
    verdict = "yes" if found.duplicate else "no"
    relation = f" ({found.relation})" if found.relation else ""
    days = "undated" if found.days_apart is None else f"{found.days_apart:.1f} days apart"
    lsh = "proposes" if found.shares_a_band else "never proposes"
    passages = "propose" if found.shares_passages else "do not propose"
    return "\n".join(
        [
            f"{found.a} | {found.text_a}",
            f"{found.b} | {found.text_b}",
            "",
            f"shingles {found.shingles_a} / {found.shingles_b}; Jaccard {found.jaccard:.3f}, "
            f"containment {found.containment:.3f}; passages {found.passages:.3f}; {days}",
            f"MinHash estimate {found.estimate:.3f} (the prefilter needs "
            f"{found.minimum_estimate:.3f}); LSH {lsh} the pair, shared passages {passages} it",
            f"template guard: {found.template or 'not asked'}",
            f"duplicate: {verdict}{relation}: {found.decided_by}",
        ]
    )


# ---------------------------------------------------------------------------
# dedup index: the incremental index (SQLite file or Redis URL). Imports are local to keep
# `dedup scan` from loading the storage backends.

_DURATION = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def _input_options(command: Any) -> Any:
    """The index commands' own options, after the reader options of ``dedup scan``."""
    command = _reader_options(command)
    options = [
        click.option("--name", default="default", show_default=True, help="Redis: index name."),
        click.option(
            "--batch-size",
            type=click.IntRange(min=1),
            default=500,
            show_default=True,
            help="Articles per transaction.",
        ),
        click.option(
            "--out",
            type=click.Path(dir_okay=False),
            default=None,
            help="JSON Lines file for the matches [default: stdout].",
        ),
        click.option(
            "--rejects",
            type=click.Path(dir_okay=False),
            default=None,
            help="JSON Lines file for the records not used, as the scan's rejects.jsonl "
            "[default: reported on stderr only].",
        ),
        *_progress_options(),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _open_index(db: str, *, name: str, config_file: str | None = None, create: bool = False) -> Any:
    """The index at DB; only `dedup index add` passes ``create=True``."""
    from dedup.index.api import Index

    config = None
    if config_file is not None:
        try:
            config = DedupConfig.from_dict(_load_config_file(config_file))
        except (ConfigError, TypeError) as error:
            raise click.UsageError(str(error)) from error
    try:
        return Index.open(db, config=config, name=name, create=create)
    except DedupError as error:
        raise click.ClickException(str(error)) from error


class _IndexRun:
    """One `dedup index add/query` run: batches to the index, matches out, rejects kept."""

    def __init__(
        self, index: Any, *, store: bool, stream: TextIO, drawer: _TqdmProgress | None
    ) -> None:
        self.index, self.store, self.stream, self.drawer = index, store, stream, drawer
        self.counts = {"articles": 0, "already": 0, "duplicates": 0, "rejected": 0}
        self.rejected: list[Rejected] = []

    def reject(self, record: Rejected) -> None:
        self.counts["rejected"] += 1
        self.rejected.append(record)
        click.echo(
            f"dedup index: rejected {record.file}:{record.line} ({record.id}): {record.reason}",
            err=True,
        )

    def flush(self, batch: list[Article]) -> None:
        index = self.index
        if self.store:  # add leaves a stored id as it is and gives its current match
            self.counts["already"] += len(index.stored(a.id for a in batch))
            matches = index.add(batch)
        else:
            matches = [index.query(a) for a in batch]
        for article, match in zip(batch, matches, strict=True):
            if match.rejected is not None:
                file, line = article.origin_file, article.origin_line
                self.reject(Rejected(file, line, article.id, match.rejected))
                continue
            self.stream.write(json.dumps(match.to_dict(), ensure_ascii=False) + "\n")
            self.counts["articles"] += 1
            self.counts["duplicates"] += match.duplicate_of is not None
        if self.drawer is not None:
            done = self.counts["articles"] + self.counts["rejected"]
            self.drawer("add" if self.store else "query", done, 0)
        batch.clear()

    def feed(self, records: Iterable[Article | Rejected], batch_size: int) -> None:
        batch: list[Article] = []
        for record in records:
            if not isinstance(record, Article):
                self.reject(record)
                continue
            batch.append(record)
            if len(batch) >= batch_size:
                self.flush(batch)
        if batch:
            self.flush(batch)

    def write_rejects(self, path: str) -> None:
        """The rejects as the scan writes them: sorted by file, line and id."""
        self.rejected.sort(key=lambda r: (r.file, r.line, r.id or ""))
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            for record in self.rejected:
                out.write(json.dumps(reject_record(record), ensure_ascii=False) + "\n")


def _run_index(
    db: str, inputs: tuple[str, ...], *, store: bool, config_file: str | None, **options: Any
) -> None:
    fields = _field_map(options)
    started = time.perf_counter()
    out = options["out"]
    with contextlib.ExitStack() as stack:
        stream = stack.enter_context(open(out, "w", encoding="utf-8")) if out else sys.stdout
        try:
            index = stack.enter_context(
                _open_index(db, name=options["name"], config_file=config_file, create=store)
            )
            drawer = _drawer(options["progress"], options["quiet"])
            if drawer is not None:
                stack.callback(drawer.close)
            run = _IndexRun(index, store=store, stream=stream, drawer=drawer)
            records = read_many(
                inputs, format=options["input_format"], fields=fields, encoding=options["encoding"]
            )
            run.feed(records, options["batch_size"])
        except DedupError as error:
            raise click.ClickException(str(error)) from error
    if options["rejects"] is not None:
        run.write_rejects(options["rejects"])
    counts = run.counts
    if options["quiet"]:
        return
    if store:
        done = f"{counts['articles'] - counts['already']} added, {counts['already']} already stored"
    else:
        done = f"{counts['articles']} articles queried"
    click.echo(
        f"dedup index: {done}, {counts['duplicates']} duplicates, {counts['rejected']} rejected "
        f"in {time.perf_counter() - started:.1f}s ({db})",
        err=True,
    )


@main.group("index")
def index_group() -> None:
    """Incremental index: add articles as they arrive, query it, evict old ones.

    DB is a SQLite file or a Redis URL such as redis://127.0.0.1:6379/0. `add` creates
    the index when it is missing; the other commands refuse a missing one. Matches are
    written as JSON Lines, one per article (the Match fields; an article already stored
    gets its current match and is counted as "already stored").
    """


@index_group.command("add")
@click.argument("db")
@click.argument("inputs", nargs=-1, required=True)
@_config_file_option("TOML parameters of a new index (an existing one keeps its own).")
@_input_options
def index_add(db: str, inputs: tuple[str, ...], config_file: str | None, **options: Any) -> None:
    """Add INPUT... to DB; print each article's match (duplicate_of, cluster, related).

    DB is created when missing. Articles whose id is stored already are left as they are
    (adding is idempotent): their current match is printed and they are counted as
    "already stored".
    """
    _run_index(db, inputs, store=True, config_file=config_file, **options)


@index_group.command("query")
@click.argument("db")
@click.argument("inputs", nargs=-1, required=True)
@_input_options
def index_query(db: str, inputs: tuple[str, ...], **options: Any) -> None:
    """Match INPUT... against DB without storing them."""
    _run_index(db, inputs, store=False, config_file=None, **options)


@index_group.command("stats")
@click.argument("db")
@click.option("--name", default="default", show_default=True, help="Redis: index name.")
def index_stats(db: str, name: str) -> None:
    """Print counts and storage size of DB as JSON."""
    import json

    with _open_index(db, name=name) as index:
        try:
            stats = index.stats()
        except DedupError as error:
            raise click.ClickException(str(error)) from error
    click.echo(json.dumps(stats.to_dict(), ensure_ascii=False, indent=2))


@index_group.command("export")
@click.argument("db")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for clusters.jsonl, pairs.jsonl, related.jsonl (the scan's format).",
)
@click.option("--name", default="default", show_default=True, help="Redis: index name.")
@click.option("--no-related", is_flag=True, help="Leave related.jsonl empty (faster).")
def index_export(db: str, out_dir: str, name: str, no_related: bool) -> None:
    """Write the final clusters, pairs and related lists of DB in the scan's format.

    A match line of `dedup index add` holds the cluster at add time; a later arrival can
    change it (an earlier copy becomes the canonical). This is the state now.
    """
    with _open_index(db, name=name) as index:
        try:
            report = index.export(related=not no_related)
        except DedupError as error:
            raise click.ClickException(str(error)) from error
    write_report(report, out_dir)
    click.echo(
        f"dedup index: {len(report.clusters)} clusters, {len(report.pairs)} pairs -> {out_dir}",
        err=True,
    )


def _parse_age(value: str) -> Any:
    import re
    from datetime import datetime, timedelta

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", value)
    if match:
        return timedelta(seconds=float(match.group(1)) * _DURATION[match.group(2)])
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: give an age such as 30d, 12h, 2w (s, m, h, d, w) or an ISO date "
            "such as 2024-05-01",
            param_hint="--older-than",
        ) from None


@index_group.command("evict")
@click.argument("db")
@click.option(
    "--older-than",
    required=True,
    help="Age (30d, 12h, 2w) or ISO date; articles published before it are deleted.",
)
@click.option("--name", default="default", show_default=True, help="Redis: index name.")
@click.option(
    "--dry-run", is_flag=True, help="Only say how many articles would be evicted; delete none."
)
def index_evict(db: str, older_than: str, name: str, dry_run: bool) -> None:
    """Delete the articles of DB published before --older-than.

    Articles without a usable date go by the time they were added. On SQLite the file
    shrinks by the space they took. Prints JSON: evicted and remaining counts (with
    --dry-run: would_evict and stored).
    """
    import json

    cutoff = _parse_age(older_than)
    with _open_index(db, name=name) as index:
        try:
            if dry_run:
                result = {"would_evict": len(index.evictable(older_than=cutoff))}
                result["stored"] = len(index)
            else:
                result = {"evicted": index.evict(older_than=cutoff), "remaining": len(index)}
        except DedupError as error:
            raise click.ClickException(str(error)) from error
    click.echo(json.dumps(result))


@index_group.command("remove")
@click.argument("db")
@click.argument("ids", nargs=-1, required=True)
@click.option("--name", default="default", show_default=True, help="Redis: index name.")
def index_remove(db: str, ids: tuple[str, ...], name: str) -> None:
    """Delete the articles ID... from DB (clusters are updated as if never added).

    Prints JSON: how many were removed, how many of the ids were not stored, and how many
    articles remain.
    """
    import json

    wanted = set(ids)
    with _open_index(db, name=name) as index:
        try:
            removed = index.remove(wanted)
            remaining = len(index)
        except DedupError as error:
            raise click.ClickException(str(error)) from error
    result = {"removed": removed, "not_stored": len(wanted) - removed, "remaining": remaining}
    click.echo(json.dumps(result))
