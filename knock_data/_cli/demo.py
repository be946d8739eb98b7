"""``knock-data demo``: the whole job, end to end, on the sandbox or on Knock.

Reads a file of prospect ids (by default the sample ids shipped with the package, so the
demo runs from any folder), fetches them (from the embedded sandbox unless
``KNOCK_API_KEY`` is set), writes the prospects and the per-id errors as spreadsheet-safe
CSV, prints the status, source, consent and funnel tables, and writes the five charts as PNG
files (:mod:`knock_data._cli.report`).
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

__all__ = ["DEFAULT_OUT", "DemoOutput", "add_demo", "run_demo"]

#: Where the demo writes, under the current folder, unless told otherwise.
DEFAULT_OUT = Path("data/out")


def add_demo(commands: Commands) -> None:
    """Declare ``knock-data demo [IDS_FILE] [-o OUT]``."""
    parser = commands.add_parser(
        "demo",
        help="fetch the sample ids, write CSV, tables and charts (sandbox unless a key is set)",
        description=(
            "Fetch every id in IDS_FILE, write prospects.csv and fetch_errors.csv to the output "
            "folder, print the status, source, consent and funnel tables and write the charts "
            f"as PNG files. Without ${ENV_API_KEY} it runs on the built-in sandbox."
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
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    run_demo(args.ids_file, args.out, workers=args.workers, progress=not args.no_progress)
    return 0


@dataclass
class DemoOutput:
    """What :func:`run_demo` did: the files it wrote and the fetch result's summary."""

    summary: str
    n_records: int
    n_errors: int
    files: list[Path] = field(default_factory=list)


@contextlib.contextmanager
def _client(workers: int, cache: Path | None, out: TextIO) -> Iterator[KnockClient]:
    """A client on Knock when ``KNOCK_API_KEY`` is set, else on an in-process sandbox."""
    from knock_data._fetch.client import KnockClient

    if os.environ.get(ENV_API_KEY):
        with KnockClient(cache=cache, max_workers=workers) as client:
            print(f"Fetching from Knock at {client.base_url} (key from {ENV_API_KEY}).", file=out)
            yield client
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
            yield client


def run_demo(
    ids_file: str | Path | None = None,
    out_dir: str | Path = DEFAULT_OUT,
    *,
    workers: int = 8,
    cache: str | Path | None = None,
    progress: bool = True,
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
    with _client(workers, Path(cache) if cache else None, out) as client:
        print(describe_read(ids, ids_path), file=out, flush=True)
        result = client.fetch_prospects(ids, progress=progress)
    print(result.summary(), file=out)

    out_path.mkdir(parents=True, exist_ok=True)
    frame = result.frame
    if not os.environ.get("KNOCK_API_KEY"):  # the sandbox's prospects: name them as it does
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
    print("\nWrote:", file=out)
    for path in files:
        print(f"  {path}", file=out)
    return DemoOutput(result.summary(), len(result.records), len(result.errors), files)


def _percent(value: object) -> str:
    import pandas as pd

    return "" if pd.isna(value) else f"{value:.1%}"  # type: ignore[call-overload]


def _as_text(table: pd.DataFrame) -> str:
    """A breakdown table as text, shares and conversion rates as percentages."""
    rates = {c: _percent for c in table.columns if "share" in c or "conversion" in c}
    return table.to_string(index=False, formatters=rates)
