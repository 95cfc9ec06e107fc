"""Writing the suite's results: JSON on stdout, Markdown + JSON tables, PNG plots, the README.

Every suite module (``quality``, ``speed``, ``scale``, ``params``) ends the same way: it prints
its JSON document on stdout, writes each table as ``benchmarks/results/<name>.md`` and
``<name>.json``, and copies the Markdown into ``benchmarks/README.md`` between the markers
``<!-- results:<name> -->`` and ``<!-- /results:<name> -->`` (with the command that produced
it), so the README always shows the latest full run. ``--quick`` runs write to
``benchmarks/results/quick/`` and leave the README alone: a smoke test must not replace the
published figures.

Progress goes to stderr through tqdm; matplotlib is imported only when a plot is drawn, and
when it is missing the plot alone is skipped with a message.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "README",
    "RESULTS",
    "Table",
    "machine",
    "plot_available",
    "print_json",
    "publish",
    "scan_progress",
    "stage",
]

BENCHMARKS = Path(__file__).resolve().parent
RESULTS = BENCHMARKS / "results"
README = BENCHMARKS / "README.md"


def machine() -> dict[str, Any]:
    """What the figures were measured on (ratios only mean something within one run)."""
    import os

    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(terse=True),
        "date": time.strftime("%Y-%m-%d"),
    }


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.1f}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


class Table:
    """A results table: named columns, rows of plain values, a caption.

    Parameters
    ----------
    name
        File stem in ``benchmarks/results/`` and README marker name.
    columns
        Column keys, in order; rows are dicts with (a subset of) these keys.
    caption
        One or two sentences printed above the table.
    """

    def __init__(self, name: str, columns: Sequence[str], *, caption: str = "") -> None:
        self.name = name
        self.columns = list(columns)
        self.caption = caption
        self.rows: list[dict[str, Any]] = []

    def add(self, **row: Any) -> None:
        """Append one row (keys must be columns)."""
        unknown = set(row) - set(self.columns)
        if unknown:
            raise KeyError(f"{self.name}: unknown columns {sorted(unknown)}; have {self.columns}")
        self.rows.append(row)

    def markdown(self) -> str:
        """The table as GitHub Markdown, caption first."""
        lines = [self.caption, ""] if self.caption else []
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join(" --- " for _ in self.columns) + "|")
        for row in self.rows:
            lines.append("| " + " | ".join(_cell(row.get(c)) for c in self.columns) + " |")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "caption": self.caption,
            "columns": self.columns,
            "rows": self.rows,
        }


def _command(argv: Sequence[str] | None, module: str) -> str:
    args = list(sys.argv[1:] if argv is None else argv)
    return " ".join(["python -m", module, *map(shlex.quote, args)])


def publish(
    section: str,
    tables: Iterable[Table],
    *,
    module: str,
    argv: Sequence[str] | None,
    quick: bool,
    images: Sequence[Path] = (),
    notes: str = "",
) -> Path:
    """Write the tables (Markdown + JSON) and, for a full run, refresh the README section.

    Returns the folder the files were written to.
    """
    folder = RESULTS / "quick" if quick else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    command = _command(argv, module)
    body = [f"Produced by `{command}` on {time.strftime('%Y-%m-%d')}.", ""]
    if notes:
        body += [notes.strip(), ""]
    for table in tables:
        (folder / f"{table.name}.md").write_text(table.markdown(), encoding="utf-8")
        (folder / f"{table.name}.json").write_text(
            json.dumps(
                {**table.to_json(), "command": command, "machine": machine()},
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
        body += [f"**{table.name}**", "", table.markdown()]
    for image in images:
        if image.exists():
            body += [f"![{image.stem}]({image.relative_to(BENCHMARKS).as_posix()})", ""]
    if not quick:
        _update_readme(section, "\n".join(body).rstrip() + "\n")
    return folder


def _update_readme(section: str, text: str) -> None:
    start, end = f"<!-- results:{section} -->", f"<!-- /results:{section} -->"
    if not README.exists():
        print(f"{README} not found; tables written to {RESULTS} only", file=sys.stderr)
        return
    content = README.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(content):
        print(f"{README}: no '{start}' marker; the README section was not updated", file=sys.stderr)
        return
    README.write_text(pattern.sub(lambda _: f"{start}\n{text}{end}", content), encoding="utf-8")


def print_json(results: dict[str, Any]) -> None:
    """The run's JSON document on stdout (progress and messages go to stderr)."""
    print(json.dumps(results, indent=2, ensure_ascii=False, default=str))


def run_measured(command: Sequence[str]) -> tuple[float, float]:
    """Run a command as a child process: (wall seconds, its peak RSS in MiB).

    Its stdout is discarded and its stderr (progress) passes through; a failure ends the
    benchmark with the command in the message.
    """
    started = time.perf_counter()
    process = subprocess.Popen(list(command), stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    return seconds, usage.ru_maxrss / 1024


def save_figure(figure: Any, image: Path) -> None:
    """Lay out, write as PNG (creating the folder) and close a matplotlib figure."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    image.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(image, dpi=110)
    plt.close(figure)


def plot_available() -> bool:
    """Whether matplotlib can be imported; prints why not once, so the caller skips the plot."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, never a window
    except ImportError:
        print(
            "matplotlib is not installed: plots skipped (pip install 'dedup[bench]')",
            file=sys.stderr,
        )
        return False
    return True


@contextmanager
def stage(message: str) -> Iterator[None]:
    """Announce a step of a long run on stderr, with its duration when it ends."""
    print(f"[{time.strftime('%H:%M:%S')}] {message} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    yield
    print(
        f"[{time.strftime('%H:%M:%S')}]   {message}: {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )


def scan_progress(label: str) -> tuple[Callable[[str, int, int], None], Callable[[], None]]:
    """A ``progress(stage, done, total)`` callback for :func:`dedup.scan` drawing tqdm bars.

    Returns the callback and a function that closes the bars.
    """
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def progress(stage_name: str, done: int, total: int) -> None:
        bar = bars.get(stage_name)
        if bar is None:
            bar = bars[stage_name] = tqdm(
                total=total, desc=f"{label}: {stage_name}", unit="art", leave=False, file=sys.stderr
            )
        bar.update(done - bar.n)

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return progress, close
