"""``knock-data demo``: the whole job, end to end, on the sandbox or on Knock.

Reads a file of prospect ids (by default the sample ids shipped with the package, so the
demo runs from any folder), fetches them (from the embedded sandbox unless
``KNOCK_API_KEY`` is set), writes the prospects and the per-id errors as spreadsheet-safe
CSV, prints the status, source, consent and funnel tables, and writes the five charts as PNG
files (:mod:`knock_data._cli.report`). On the sandbox it then runs a few simulated weeks of
weekly refreshes into a history and writes the movement charts beside the others.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from knock_data._cli.args import Commands, positive_int
from knock_data._cli.inputs import describe_read, sample_ids
from knock_data._fetch.config import ENV_API_KEY

if TYPE_CHECKING:
    import pandas as pd

    from knock_data._fetch.client import KnockClient
    from knock_data.sandbox import SandboxServer

__all__ = ["DEFAULT_OUT", "DemoOutput", "add_demo", "run_demo"]

#: Where the demo writes, under the current folder, unless told otherwise.
DEFAULT_OUT = Path("data/out")
#: Simulated weeks of the demo's movement run: a snapshot at the start and one each week after.
MOVEMENT_WEEKS = 8


def add_demo(commands: Commands) -> None:
    """Declare ``knock-data demo [IDS_FILE] [-o OUT]``."""
    parser = commands.add_parser(
        "demo",
        help="fetch the sample ids, write CSV, tables and charts (sandbox unless a key is set)",
        description=(
            "Fetch every id in IDS_FILE, write prospects.csv and fetch_errors.csv to the output "
            "folder, print the status, source, consent and funnel tables and write the charts "
            f"as PNG files. Without ${ENV_API_KEY} it runs on the built-in sandbox, then "
            "moves the sandbox's clock a few weeks, refreshing weekly into a history, and "
            "writes the movement charts too."
        ),
    )
    parser.add_argument(
        "ids_file",
        metavar="IDS_FILE",
        nargs="?",
        type=Path,
        default=None,
        help="file of prospect ids (default: the sample ids of the sandbox, shipped with "
        "knock-data)",
    )
    parser.add_argument(
        "-o",
        "--out",
        type=Path,
        metavar="DIR",
        default=DEFAULT_OUT,
        help="output folder (default: %(default)s under the current folder)",
    )
    parser.add_argument(
        "--workers", type=positive_int, default=8, help="concurrent requests (default: 8)"
    )
    parser.add_argument(
        "--weeks",
        type=_weeks,
        default=MOVEMENT_WEEKS,
        help="simulated weeks of the movement run on the sandbox, 0 for none "
        "(default: %(default)s)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(handler=_run)


def _weeks(text: str) -> int:
    """A whole number of weeks, zero or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of weeks, got {text!r}"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _run(args: argparse.Namespace) -> int:
    run_demo(
        args.ids_file,
        args.out,
        workers=args.workers,
        progress=not args.no_progress,
        movement_weeks=args.weeks,
    )
    return 0


@dataclass
class DemoOutput:
    """What :func:`run_demo` did: the files it wrote and the fetch result's summary."""

    summary: str
    n_records: int
    n_errors: int
    files: list[Path] = field(default_factory=list)


@contextlib.contextmanager
def _client(
    workers: int, cache: Path | None, out: TextIO
) -> Iterator[tuple[KnockClient, SandboxServer | None]]:
    """A client on Knock when ``KNOCK_API_KEY`` is set, else on an in-process sandbox (and
    the sandbox, whose clock the movement run moves)."""
    from knock_data._fetch.client import KnockClient

    if os.environ.get(ENV_API_KEY):
        with KnockClient(cache=cache, max_workers=workers) as client:
            print(f"Fetching from Knock at {client.base_url} (key from {ENV_API_KEY}).", file=out)
            yield client, None
        return

    from knock_data.sandbox import SandboxServer

    # The sandbox listens on a new port each run, so its responses are cached in a private
    # temporary file unless a cache path is given: nothing piles up in the user's cache.
    with SandboxServer() as server, tempfile.TemporaryDirectory(prefix="knock-demo-") as tmp:
        path = cache or Path(tmp) / "http_cache.sqlite"
        print(
            f"No {ENV_API_KEY} set: using the built-in sandbox at {server.url} "
            f"({server.n_prospects:,} synthetic prospects).",
            file=out,
        )
        with KnockClient(
            server.api_key, base_url=server.url, cache=path, max_workers=workers
        ) as client:
            yield client, server


def run_demo(
    ids_file: str | Path | None = None,
    out_dir: str | Path = DEFAULT_OUT,
    *,
    workers: int = 8,
    cache: str | Path | None = None,
    progress: bool = True,
    movement_weeks: int = MOVEMENT_WEEKS,
    out: TextIO | None = None,
) -> DemoOutput:
    """Fetch the ids in ``ids_file`` and write prospects, errors, tables and charts.

    Parameters
    ----------
    ids_file
        CSV, Excel or text file of prospect ids (:func:`knock_data.read_ids`); by default
        the sample ids shipped with the package.
    out_dir
        Where ``prospects.csv``, ``fetch_errors.csv`` and the chart PNGs go (created).
    workers
        Concurrent requests.
    cache
        Cache file; by default the user's cache with a key, a temporary one on the sandbox.
    progress
        Show the progress bar.
    movement_weeks
        On the sandbox, how many simulated weeks of weekly refreshes into a history to run
        before writing the movement charts (0: none).
    out
        Where the report is printed (standard output by default).

    Examples
    --------
    >>> result = run_demo(out_dir=tempfile.mkdtemp(), progress=False)   # doctest: +SKIP
    >>> [p.name for p in result.files][:2]                              # doctest: +SKIP
    ['prospects.csv', 'fetch_errors.csv']
    """
    import sys

    import pandas as pd

    from knock_data._analysis import filter_prospects
    from knock_data._cli.report import breakdown_tables, write_charts
    from knock_data._fetch.ids import read_ids
    from knock_data._frame import export_csv, with_names

    out = out if out is not None else sys.stdout
    out_path = Path(out_dir)
    with contextlib.ExitStack() as stack:
        ids_path = Path(ids_file) if ids_file is not None else stack.enter_context(sample_ids())
        ids = read_ids(ids_path)
    with _client(workers, Path(cache) if cache else None, out) as (client, server):
        print(describe_read(ids, ids_path), file=out, flush=True)
        result = client.fetch_prospects(ids, progress=progress)
        print(result.summary(), file=out)

        out_path.mkdir(parents=True, exist_ok=True)
        frame = result.frame
        if server is not None:  # the sandbox's prospects: name them as it does
            from knock_data.sandbox import naming_tables

            frame = with_names(frame, **naming_tables())
        files = [out_path / "prospects.csv", out_path / "fetch_errors.csv"]
        export_csv(frame, files[0])
        export_csv(result.errors, files[1])

        # Knock's leads: every record but the deleted ones, not-a-prospect records included.
        leads = filter_prospects(frame, include_not_prospect=True)
        print(
            f"\n{len(leads):,} leads ({len(frame) - len(leads):,} deleted records left out); "
            f"{len(filter_prospects(frame)):,} prospects.",
            file=out,
        )
        with pd.option_context("display.width", 120, "display.max_colwidth", 60):
            for name, table in breakdown_tables(leads).items():
                print(f"\n== {name} ==\n{_as_text(table)}", file=out)
        files += write_charts(leads, out_path)
        if len(result.errors):
            by_reason = result.errors["reason"].value_counts().to_dict()
            detail = ", ".join(f"{n} {code}" for code, n in sorted(by_reason.items()))
            print(f"\n{len(result.errors):,} ids failed ({detail}): see {files[1]}.", file=out)

        if server is not None and movement_weeks:
            files += _movement_run(server, ids, out_path, workers, movement_weeks, out)
        else:
            print(
                "\nMovement: keep a history to see how leads move (knock-data fetch --history "
                "DIR --refresh due, weekly); the sandbox demo shows it over simulated weeks.",
                file=out,
            )
    print("\nWrote:", file=out)
    for path in files:
        print(f"  {path}", file=out)
    return DemoOutput(result.summary(), len(result.records), len(result.errors), files)


def _movement_run(
    server: SandboxServer, ids: list[str], out_path: Path, workers: int, weeks: int, out: TextIO
) -> list[Path]:
    """A few simulated weeks on the sandbox: weekly ``refresh="due"`` fetches of the ids
    (and of the leads created since) into a history, then the movement charts.

    The history and its cache live in a temporary folder: the sandbox starts at the same
    moment every run, so a kept history would hold the same weeks twice.
    """
    import pandas as pd

    from knock_data._analysis.movement import transitions, waterfall
    from knock_data._cli.report import write_movement_charts
    from knock_data._fetch.client import KnockClient
    from knock_data._history.store import History

    print(
        f"\nMovement: {weeks} simulated week{'' if weeks == 1 else 's'} on the sandbox, a "
        "refresh of what is due each week, kept in a history.",
        file=out,
        flush=True,
    )
    first_ids = set(server.prospect_ids)
    with tempfile.TemporaryDirectory(prefix="knock-demo-history-") as tmp:
        history = History(Path(tmp) / "history")
        with KnockClient(
            server.api_key,
            base_url=server.url,
            cache=Path(tmp) / "http_cache.sqlite",
            history=history,
            max_workers=workers,
        ) as client:
            for week in range(weeks + 1):
                if week:
                    server.advance(days=7)
                arrived = [pid for pid in server.prospect_ids if pid not in first_ids]
                result = client.fetch_prospects(
                    [*ids, *arrived], refresh="due", now=server.now, progress=False
                )
                print(
                    f"  {server.now:%Y-%m-%d}: {len(result.records):,} prospects, "
                    f"{result.n_fetched:,} fetched, {result.n_not_due:,} not due",
                    file=out,
                    flush=True,
                )
        versions = history.versions()
        start, end = versions["valid_from"].min(), pd.Timestamp(server.now)  # the runs' moments
        latest = history.as_of(end)
    with pd.option_context("display.width", 120):
        print(f"\n== where leads moved, {start:%Y-%m-%d} to {end:%Y-%m-%d} ==", file=out)
        print(_as_text(transitions(versions, start, end)), file=out)
        print("\n== open leads ==", file=out)
        print(_as_text(waterfall(versions, start, end)), file=out)
    return write_movement_charts(versions, start, end, latest, out_path)


def _as_text(table: pd.DataFrame, *, index: bool = False) -> str:
    """A table as a report shows it: labels, missing values by name, shares as percentages."""
    from knock_data._charts import report_table

    return report_table(table).to_string(index=index)
