"""The review report: one self-contained HTML page over a finished scan.

``dedup scan ... --html`` writes ``report.html`` beside the other outputs;
``dedup report DIR INPUT...`` builds it again from a finished run. The page opens offline
(no fetch, no web font), right to left, and draws everything from data packed in it:
the overview and the plots, the clusters largest first with a side-by-side view of each
member against its canonical, the template pairs, the pairs near each threshold, the
rejects, the related lists, and a search by id or title words.

:func:`build_html` is the whole of it: :func:`~dedup.report.payload.build_payload` joins the
run's records to the articles, :func:`~dedup.report.render.render_page` fills the template.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from dedup.config import DedupConfig
from dedup.errors import OutputError
from dedup.records import Article
from dedup.report.payload import ReportBudget, build_payload
from dedup.report.render import render_page
from dedup.report.run import RunOutputs
from dedup.writers import current_umask

__all__ = ["REPORT_FILE", "ReportBudget", "RunOutputs", "build_html", "write_html"]

#: The report's file name in an output folder.
REPORT_FILE = "report.html"


def build_html(
    run: RunOutputs,
    articles: Sequence[Article],
    *,
    config: DedupConfig | None = None,
    budget: ReportBudget | None = None,
) -> str:
    """The review page of ``run``, whose articles are ``articles``.

    Parameters
    ----------
    run
        The run's records (:meth:`RunOutputs.from_scan` or :meth:`RunOutputs.load`).
    articles
        What the run read: the texts, titles, sources and dates the page shows.
    config
        The run's parameters (from its ``summary.json`` when omitted).
    budget
        How much text the page carries (:class:`ReportBudget`).

    Raises
    ------
    InputError
        An article of the run is not among ``articles``, or the run's parameters cannot be
        read.

    Examples
    --------
    >>> from dedup import scan
    >>> body = "أعلنت وزارة النفط العراقية اليوم زيادة صادرات الخام عبر موانئ البصرة الجنوبية"
    >>> articles = [Article(id="a", text=body, title="<b>النفط</b>"),
    ...             Article(id="b", text="بغداد - " + body)]
    >>> page = build_html(RunOutputs.from_scan(scan(articles)), articles)
    >>> page.startswith("<!DOCTYPE html>"), "<b>" in page
    (True, False)
    """
    payload = build_payload(run, articles, config=config, budget=budget)
    return render_page(run, payload)


def write_html(path: str | Path, html: str) -> Path:
    """Write ``html`` to ``path`` all at once (a temporary file beside it, then renamed).

    Raises
    ------
    OutputError
        The folder cannot be written.
    """
    target = Path(path)
    staging: str | None = None
    try:
        handle, staging = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(html)
        # mkstemp's file is private (0600); the page gets the mode open() would give it.
        os.chmod(staging, 0o666 & ~current_umask())
        os.replace(staging, target)
    except OSError as error:
        raise OutputError(
            f"{target}: cannot write the report ({error.strerror or error})"
        ) from error
    finally:
        if staging is not None and os.path.exists(staging):
            os.unlink(staging)
    return target
