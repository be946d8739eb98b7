"""``knock-data fetch`` and ``knock-data cache``: the fetching side of the command line.

Each ``_add_<name>(commands)`` declares a subcommand on the parser built by
:mod:`knock_data._cli` and sets ``handler`` to the function that runs it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from knock_data._cli_args import positive_int, rate

__all__ = ["add_cache", "add_fetch"]


def _add_cache_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cache",
        metavar="PATH",
        help="cache file (default: $KNOCK_DATA_CACHE or ~/.cache/knock-data/http_cache.sqlite)",
    )


# -- knock-data fetch ---------------------------------------------------------------------


def add_fetch(commands: Any) -> None:
    """Declare ``knock-data fetch IDS_FILE -o prospects.csv``."""
    parser = commands.add_parser(
        "fetch",
        help="fetch prospects for a file of ids and write them to CSV",
        description=(
            "Fetch the prospects whose ids are in IDS_FILE (CSV, Excel .xlsx or one id per "
            "line) through the disk cache, and write them to a CSV file. Ids that fail are "
            "listed on standard error (or in --errors). The key comes from $KNOCK_API_KEY."
        ),
    )
    parser.add_argument("ids_file", metavar="IDS_FILE", type=Path, help="file of prospect ids")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="CSV file to write the prospects to"
    )
    parser.add_argument("--errors", type=Path, help="CSV file to write the failed ids to")
    parser.add_argument("--column", help="column holding the ids (default: guessed)")
    parser.add_argument(
        "--env", choices=("prod", "stage"), default="prod", help="Knock environment"
    )
    parser.add_argument("--base-url", help="server URL, overriding --env ($KNOCK_BASE_URL)")
    parser.add_argument(
        "--workers", type=positive_int, default=8, help="requests in flight (default: 8)"
    )
    parser.add_argument(
        "--rate-limit", type=rate, metavar="PER_SECOND", help="most requests per second"
    )
    parser.add_argument("--refresh", action="store_true", help="fetch cached prospects again")
    parser.add_argument(
        "--pii",
        choices=("keep", "mask", "drop"),
        default="keep",
        help="keep, mask or drop names, emails, phones and addresses (default: keep)",
    )
    _add_cache_option(parser)
    parser.add_argument("--no-cache", action="store_true", help="do not use the disk cache")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(handler=_fetch)


def _fetch(args: argparse.Namespace) -> int:
    from knock_data._fetch.client import KnockClient
    from knock_data._fetch.ids import read_ids
    from knock_data._frame import export_csv

    try:
        ids = read_ids(args.ids_file, column=args.column)
    except FileNotFoundError as error:
        print(f"knock-data fetch: {error}", file=sys.stderr)
        return 1
    cache: Any = False if args.no_cache else args.cache
    with KnockClient(
        env=args.env,
        base_url=args.base_url,
        cache=cache,
        max_workers=args.workers,
        rate_limit=args.rate_limit,
    ) as client:
        result = client.fetch_prospects(ids, progress=not args.no_progress, refresh=args.refresh)
    export_csv(result.frame, args.output, pii=args.pii)
    print(f"{result.summary()}. Wrote {args.output}.", file=sys.stderr)
    if args.errors is not None:
        export_csv(result.errors, args.errors)  # ids from user files: made spreadsheet-safe
        print(f"Failed ids written to {args.errors}.", file=sys.stderr)
    elif len(result.errors):
        shown = result.errors.head(20)
        for row in shown.itertuples(index=False):
            print(f"  {row.prospect_id}: {row.error_code}: {row.message}", file=sys.stderr)
        if len(result.errors) > len(shown):
            print(
                f"  ... and {len(result.errors) - len(shown)} more (use --errors FILE)",
                file=sys.stderr,
            )
    return 0 if result.ok else 1


# -- knock-data cache ---------------------------------------------------------------------


def add_cache(commands: Any) -> None:
    """Declare ``knock-data cache info|clear``."""
    parser = commands.add_parser(
        "cache",
        help="show or clear the disk cache",
        description="Show what the disk cache holds, or delete everything in it.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = actions.add_parser("info", help="where the cache is, its size and what it holds")
    _add_cache_option(info)
    clear = actions.add_parser("clear", help="delete every cached response")
    _add_cache_option(clear)
    parser.set_defaults(handler=_cache)


def _cache(args: argparse.Namespace) -> int:
    from knock_data._fetch.cache import ProspectCache, cache_errors, cache_info
    from knock_data._fetch.config import default_cache_path

    path = Path(args.cache).expanduser() if args.cache else default_cache_path()
    if args.action == "info":
        print(cache_info(path))
        return 0
    if not path.is_file():
        print(f"Nothing to clear: {path} does not exist.")
        return 0
    before = cache_info(path)
    with cache_errors(path, "clearing"):
        store = ProspectCache(path, wal=True, busy_timeout=30_000)
        try:
            store.clear()
        finally:
            store.close()
    print(f"Cleared {before.responses:,} cached responses from {path}.")
    return 0
