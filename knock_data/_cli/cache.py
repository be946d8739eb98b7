"""``knock-data cache info|clear``: where the disk cache is, what it holds, and emptying it."""

from __future__ import annotations

import argparse
from pathlib import Path

from knock_data._cli.args import Commands, add_cache_option

__all__ = ["add_cache"]


def add_cache(commands: Commands) -> None:
    """Declare ``knock-data cache info|clear``."""
    parser = commands.add_parser(
        "cache",
        help="show or clear the disk cache",
        description="Show what the disk cache holds, or delete everything in it.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = actions.add_parser("info", help="where the cache is, its size and what it holds")
    add_cache_option(info)
    clear = actions.add_parser("clear", help="delete every cached response")
    add_cache_option(clear)
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
