"""``knock-data fetch IDS_FILE -o prospects.csv``: fetch a file of ids and write them as CSV.

The choices of ``--env`` and ``--pii`` are the library's own (``BASE_URLS`` and
``PII_CHOICES``), so the command line accepts exactly what ``KnockClient`` and
``export_csv`` do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from knock_data._cli.args import Commands, add_cache_option, positive_int, printable, rate
from knock_data._fetch.config import BASE_URLS, ENV_API_KEY, ENV_BASE_URL
from knock_data._schema import PII_CHOICES

__all__ = ["add_fetch"]


def add_fetch(commands: Commands) -> None:
    """Declare ``knock-data fetch IDS_FILE -o prospects.csv``."""
    parser = commands.add_parser(
        "fetch",
        help="fetch prospects for a file of ids and write them to CSV",
        description=(
            "Fetch the prospects whose ids are in IDS_FILE (CSV, Excel .xlsx or one id per "
            "line) through the disk cache, and write them to a CSV file. Ids that fail are "
            f"listed on standard error (or in --errors). The key comes from ${ENV_API_KEY}."
        ),
    )
    parser.add_argument("ids_file", metavar="IDS_FILE", type=Path, help="file of prospect ids")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="CSV file to write the prospects to"
    )
    parser.add_argument("--errors", type=Path, help="CSV file to write the failed ids to")
    parser.add_argument("--column", help="column holding the ids (default: guessed)")
    parser.add_argument(
        "--env", choices=BASE_URLS, default="prod", help="Knock environment (default: %(default)s)"
    )
    parser.add_argument("--base-url", help=f"server URL, overriding --env (${ENV_BASE_URL})")
    parser.add_argument(
        "--allow-insecure",
        action="store_true",
        help="allow a plain http:// --base-url to another machine (the key travels unencrypted)",
    )
    parser.add_argument(
        "--workers", type=positive_int, default=8, help="requests in flight (default: 8)"
    )
    parser.add_argument(
        "--rate-limit", type=rate, metavar="PER_SECOND", help="most requests per second"
    )
    parser.add_argument("--refresh", action="store_true", help="fetch cached prospects again")
    parser.add_argument(
        "--pii",
        choices=PII_CHOICES,
        default="keep",
        help="names, emails, phones and addresses: %(choices)s (default: %(default)s)",
    )
    add_cache_option(parser)
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
        allow_insecure=args.allow_insecure,
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
            # Ids come from the user's file: escaped, so no terminal control sequence runs.
            line = f"  {printable(row.prospect_id)}: {row.reason}: {printable(row.message)}"
            print(line, file=sys.stderr)
        if len(result.errors) > len(shown):
            print(
                f"  ... and {len(result.errors) - len(shown)} more (use --errors FILE)",
                file=sys.stderr,
            )
    return 0 if result.ok else 1
