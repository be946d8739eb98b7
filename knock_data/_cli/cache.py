"""``knock-data cache info|clear``: where the disk cache is, what it holds per server and key,
and deleting one key's copies (or everyone's)."""

from __future__ import annotations

import argparse

from knock_data._cli.args import Commands, add_cache_option
from knock_data._fetch.config import BASE_URLS, ENV_API_KEY

__all__ = ["add_cache"]


def add_cache(commands: Commands) -> None:
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
    add_cache_option(info)
    clear = actions.add_parser(
        "clear", help=f"delete the copies your key fetched (${ENV_API_KEY}, or --env stage)"
    )
    add_cache_option(clear)
    clear.add_argument(
        "--env", choices=BASE_URLS, default="prod", help="whose key: Knock environment"
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


def _key_of(env: str) -> str:
    """The key whose copies ``cache clear`` deletes, as ``fetch`` would find it."""
    from knock_data._exceptions import ConfigurationError
    from knock_data._fetch.config import resolve_connection

    try:
        return resolve_connection(env=env, base_url=BASE_URLS[env]).api_key
    except ConfigurationError as error:
        raise ConfigurationError(
            "cache clear deletes the copies one key fetched, and no key is set.",
            hint=f"Set ${ENV_API_KEY} (or --env stage for the stage test key's copies), or "
            "pass --all to delete every key's copies.",
        ) from error
