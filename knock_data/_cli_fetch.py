"""``knock-data fetch`` and ``knock-data cache``: the fetching side of the command line.

Each ``_add_<name>(commands)`` declares a subcommand on the parser built by
:mod:`knock_data._cli` and sets ``handler`` to the function that runs it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from knock_data._cli_args import positive_int, printable, rate

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


def _key_of(env: str) -> str:
    """The key whose copies ``cache clear`` deletes, as ``fetch`` would find it."""
    from knock_data._exceptions import ConfigurationError
    from knock_data._fetch.config import BASE_URLS, resolve_connection

    try:
        return resolve_connection(env=env, base_url=BASE_URLS[env]).api_key
    except ConfigurationError as error:
        raise ConfigurationError(
            "cache clear deletes the copies one key fetched, and no key is set.",
            hint="Set $KNOCK_API_KEY (or --env stage for the stage test key's copies), or "
            "pass --all to delete every key's copies.",
        ) from error


# -- knock-data cache ---------------------------------------------------------------------


def add_cache(commands: Any) -> None:
    """Declare ``knock-data cache info|clear``."""
    parser = commands.add_parser(
        "cache",
        help="show or clear the disk cache",
        description="Show what the disk cache holds, or delete your key's copies (or all).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = actions.add_parser(
        "info", help="where the cache is, its size, and copies per server and key"
    )
    _add_cache_option(info)
    clear = actions.add_parser(
        "clear", help="delete the copies your key fetched ($KNOCK_API_KEY, or --env stage)"
    )
    _add_cache_option(clear)
    clear.add_argument(
        "--env", choices=("prod", "stage"), default="prod", help="whose key: Knock environment"
    )
    clear.add_argument("--all", action="store_true", help="delete every key's copies")
    parser.set_defaults(handler=_cache)


def _cache(args: argparse.Namespace) -> int:
    from knock_data._fetch.cache import open_cache
    from knock_data._fetch.cache_file import cache_errors, cache_file_path
    from knock_data._fetch.cache_info import cache_info
    from knock_data._fetch.config import default_cache_path
    from knock_data._fetch.scope import fingerprint

    path = cache_file_path(args.cache if args.cache else default_cache_path()).resolve()
    if args.action == "info":
        print(cache_info(path))
        return 0
    if not path.is_file():
        print(f"Nothing to clear: {path} does not exist.")
        return 0
    store = open_cache(path)  # a file that cannot be used says so first
    try:
        key = None if args.all else _key_of(args.env)
        with cache_errors(path, "clearing"):
            if key is None:
                store.clear()
                print(f"Cleared every cached copy, of every key, from {path}.")
                return 0
            scope = store.scope_for(key)
            dropped = store.forget_scope(scope)
    finally:
        store.close()
    left = cache_info(path).prospects
    print(
        f"Cleared {dropped:,} cached copies of key {fingerprint(scope)} from {path}"
        + (f"; {left:,} of other keys stay (--all clears them too)." if left else ".")
    )
    return 0
