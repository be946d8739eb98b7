"""``knock-data fetch IDS_FILE -o prospects.csv``: fetch a file of ids and write them.

The choices of ``--env`` and ``--pii`` are the library's own (``BASE_URLS`` and
``PII_CHOICES``), so the command line accepts exactly what ``KnockClient`` and
``export_csv`` do. ``-o`` and ``--errors`` are written in the format their suffix names
(:mod:`.outputs`), checked before anything is fetched.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knock_data._cli.args import Commands, add_cache_option, moment, positive_int, printable, rate
from knock_data._cli.inputs import add_input_options, describe_read, read_input
from knock_data._cli.outputs import SUFFIXES_TEXT, output_file, write_frame
from knock_data._fetch.config import BASE_URLS, ENV_API_KEY, ENV_BASE_URL
from knock_data._schema import PII_CHOICES

if TYPE_CHECKING:
    import pandas as pd

    from knock_data._fetch.client import KnockClient

__all__ = ["SHOWN_ERRORS", "add_fetch"]

#: How many failed ids standard error lists before "and N more".
SHOWN_ERRORS = 20
_SUFFIXES = SUFFIXES_TEXT
_WHERE = re.compile(r"^(Line|Row|Item) [0-9,]+ of .*?: ")


def add_fetch(commands: Commands) -> None:
    """Declare ``knock-data fetch IDS_FILE -o prospects.csv``."""
    parser = commands.add_parser(
        "fetch",
        help="fetch prospects for a file of ids and write them to CSV or Parquet",
        description=(
            "Fetch the prospects whose ids are in IDS_FILE (CSV or other delimited text, "
            "Excel .xlsx, OpenDocument .ods, or one id per line) through the disk cache, and "
            f"write them to a {_SUFFIXES} file. Ids that fail are listed on standard error (or "
            f"in --errors). The key comes from ${ENV_API_KEY}; --env stage uses Knock's "
            "public test key, which the sandbox (knock-data sandbox) accepts too."
        ),
    )
    parser.add_argument("ids_file", metavar="IDS_FILE", type=Path, help="file of prospect ids")
    parser.add_argument(
        "-o",
        "--output",
        type=output_file,
        required=True,
        help=f"file to write the prospects to: {_SUFFIXES}",
    )
    parser.add_argument(
        "--errors", type=output_file, metavar="FILE", help=f"file for the failed ids: {_SUFFIXES}"
    )
    add_input_options(parser)
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
    parser.add_argument(
        "--refresh",
        nargs="?",
        const="all",
        choices=("all", "due"),
        help="fetch cached prospects again: all of them (the default with --refresh alone), "
        "or only those the refresh policy finds due (--refresh due)",
    )
    parser.add_argument(
        "--now",
        type=moment,
        metavar="MOMENT",
        help="the moment --refresh due judges ages at, such as 2021-12-31T09:30Z (default: "
        "this machine's clock; the cache keeps the server's clock)",
    )
    parser.add_argument(
        "--history",
        type=Path,
        metavar="DIR",
        help="keep every prospect fetched from Knock in this history folder (created on "
        "first use; see knock-data history info DIR)",
    )
    parser.add_argument(
        "--pii",
        choices=PII_CHOICES,
        help="names, emails, phones and addresses: %(choices)s, in the output file and in "
        "a new --history folder (default: keep; a history keeps the rule it began with)",
    )
    add_cache_option(parser)
    parser.add_argument("--no-cache", action="store_true", help="do not use the disk cache")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(handler=_fetch)


def _fetch(args: argparse.Namespace) -> int:
    if args.history is not None and args.no_cache:
        print(
            "knock-data fetch: --history needs the cache (a run that is interrupted leaves "
            "its last prospects unwritten, and the next run recovers them from the cache): "
            "drop --no-cache.",
            file=sys.stderr,
        )
        return 2
    if args.refresh == "due" and args.no_cache:
        print(
            "knock-data fetch: --refresh due needs the cache (it knows when each prospect was "
            "fetched): drop --no-cache.",
            file=sys.stderr,
        )
        return 2
    ids = read_input(args.ids_file, args)
    print(describe_read(ids, args.ids_file), file=sys.stderr, flush=True)
    cache: Any = False if args.no_cache else args.cache
    refresh: bool | str = {None: False, "all": True}.get(args.refresh, args.refresh)
    with _client(args, cache) as client:
        result = client.fetch_prospects(
            ids, progress=not args.no_progress, refresh=refresh, now=args.now
        )
    write_frame(result.frame, args.output, pii=args.pii or "keep")
    print(f"{result.summary()}. Wrote {args.output}.", file=sys.stderr)
    if args.history is not None:
        print(f"History kept in {args.history}.", file=sys.stderr)
    if args.errors is not None:
        write_frame(result.errors, args.errors)  # ids from user files: made spreadsheet-safe
        print(f"Failed ids written to {args.errors}.", file=sys.stderr)
    elif len(result.errors):
        _list_errors(result.errors, ids.unit)
    return 0 if result.ok else 1


def _client(args: argparse.Namespace, cache: Any) -> KnockClient:
    """The client the options describe; without a key, a message in the command line's words."""
    from knock_data._exceptions import ConfigurationError
    from knock_data._fetch.client import KnockClient

    options: dict[str, Any] = {
        "env": args.env,
        "base_url": args.base_url,
        "allow_insecure": args.allow_insecure,
        "cache": cache,
        "max_workers": args.workers,
        "rate_limit": args.rate_limit,
        "history": _history(args),
    }
    try:
        return KnockClient(**options)
    except ConfigurationError:
        if os.environ.get(ENV_API_KEY) or not _only_the_key_is_missing(args):
            raise
        raise ConfigurationError(
            f"No API key: set {ENV_API_KEY} (export {ENV_API_KEY}=...).",
            hint="No key yet? Add --env stage to use Knock's public test key, on Knock's stage "
            "server or on the local sandbox (knock-data sandbox prints the command).",
        ) from None


def _history(args: argparse.Namespace) -> Any:
    """The --history folder, holding personal data as --pii says (when given)."""
    if args.history is None:
        return None
    from knock_data._history.store import History

    return History(args.history, pii=args.pii)


def _only_the_key_is_missing(args: argparse.Namespace) -> bool:
    """Whether the options find no key but would do with one: then the key is what the
    client lacked (and not, say, the --history folder)."""
    from knock_data._exceptions import ConfigurationError
    from knock_data._fetch.config import resolve_connection

    where = {"env": args.env, "base_url": args.base_url, "allow_insecure": args.allow_insecure}
    try:
        resolve_connection(None, **where)
    except ConfigurationError:
        try:
            resolve_connection("any key", **where)
        except ConfigurationError:
            return False
        return True
    return False


def _list_errors(errors: pd.DataFrame, unit: str) -> None:
    """The first :data:`SHOWN_ERRORS` failed ids on standard error, then how many more."""
    shown = errors.head(SHOWN_ERRORS)
    for row in shown.itertuples(index=False):
        message = _WHERE.sub("", str(row.message))  # the position is said once, first
        # Ids come from the user's file: escaped, so no terminal control sequence runs.
        print(
            f"  {unit} {row.position}: {printable(row.prospect_id)}: {row.reason}: "
            f"{printable(message)}",
            file=sys.stderr,
        )
    if len(errors) > len(shown):
        print(
            f"  and {len(errors) - len(shown):,} more; see --errors FILE to write them all",
            file=sys.stderr,
        )
