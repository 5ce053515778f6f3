"""The command that writes a briefing: report."""

from enum import StrEnum
from typing import Annotated

import typer

from timeline.cli import _complete as complete
from timeline.cli._app import app, env_of
from timeline.cli._fields import AT_CHECKPOINT
from timeline.cli.export import emit


class ReportFormat(StrEnum):
    markdown = "markdown"
    html = "html"


@app.command()
def report(
    ctx: typer.Context,
    thread: Annotated[
        str,
        typer.Argument(
            metavar="THREAD", autocompletion=complete.threads, help="The thread's slug."
        ),
    ],
    asof: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="As publicly known on DATE (YYYY-MM-DD) [default: today]."
        ),
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="Output format.")
    ] = ReportFormat.markdown,
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", metavar="FILE", help="Write here [default: stdout]."),
    ] = None,
    at_checkpoint: Annotated[int | None, AT_CHECKPOINT] = None,
    changes: Annotated[
        int,
        typer.Option(
            metavar="DAYS", help="What changed in the DAYS before the day (0: leave it out)."
        ),
    ] = 7,
) -> None:
    """A one-page chronology of a thread for a briefing: title, status and since when,
    parties, what changed in the last days, each party's positions and since when, the
    events known with their summaries and sources, and what was still secret. HTML is
    one self-contained file that prints well, with an SVG time axis. The footer gives
    the log's digest, to publish beside the report.
    Cut at a signed checkpoint (--at-checkpoint, or the latest when nothing but
    checkpoints followed it), its footer names it and how to make it again.

    Example: timeline report russia-nato-security-guarantees --asof 2022-02-02 --format html
    """
    from timeline.formats.report import report_html, report_markdown

    tl = env_of(ctx).timeline()
    brief = tl.report(thread, asof or "today", at_checkpoint=at_checkpoint, changes=changes)
    text = report_html(brief) if fmt is ReportFormat.html else report_markdown(brief)
    emit([text.encode()], output)
