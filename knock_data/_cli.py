"""The ``knock-data`` command line.

One subcommand per job (``knock-data sandbox``; others join the same way). Each has an
``_add_<name>(commands)`` function that declares its arguments and sets ``handler`` to the
function that runs it; :data:`_COMMANDS` lists them and :func:`main` parses and dispatches.
Handlers return the exit status; a :class:`~knock_data.KnockError` becomes a one-paragraph
message on standard error and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from knock_data import __version__
from knock_data._cli_args import port, positive_int, seconds, share
from knock_data._cli_fetch import add_cache, add_fetch
from knock_data._exceptions import KnockError, KnockWarning

__all__ = ["main"]

_Commands = Any  # argparse's private _SubParsersAction, returned by add_subparsers()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``knock-data`` command line and return its exit status.

    Parameters
    ----------
    argv
        The arguments after the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        0 on success, 1 when the job failed (the reason is on standard error). Usage
        errors exit with status 2 through :class:`SystemExit`, as argparse does.

    Examples
    --------
    >>> main(["sandbox", "--port", "0", "--prospects", "100"])  # doctest: +SKIP
    Knock sandbox: 100 synthetic prospects (seed 2021)
    ...
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("default", KnockWarning)  # the command line always says them
        warnings.showwarning = _note(args.command)  # restored on leaving the block
        try:
            status: int = args.handler(args)
        except KnockError as error:
            print(f"knock-data {args.command}: {error}", file=sys.stderr)
            return 1
    return status


def _note(command: str) -> Callable[..., None]:
    """Show a :class:`~knock_data.KnockWarning` as a line of the command's own output."""
    default = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if issubclass(category, KnockWarning):
            print(f"knock-data {command}: note: {message}", file=sys.stderr)
        else:
            default(message, category, *args, **kwargs)

    return show


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="knock-data",
        description="Knock Get Prospect API data for leasing-lead analysts.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, title="commands"
    )
    for add in _COMMANDS:
        add(commands)
    return parser


# -- knock-data sandbox -------------------------------------------------------------------

_SANDBOX_PORT = 8000


def _add_sandbox(commands: _Commands) -> None:
    from knock_data.sandbox._data import DEFAULT_SEED

    parser = commands.add_parser(
        "sandbox",
        help="serve synthetic prospects like Knock's Get Prospect endpoint",
        description=(
            "Serve synthetic prospects over HTTP on this machine, the way Knock's Get Prospect "
            "endpoint does (GET /prospect/{id} with an x-api-key header), until Ctrl-C. "
            "Point a client, curl or the API document's JavaScript example at the URL printed."
        ),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=port,
        default=_SANDBOX_PORT,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--prospects",
        type=positive_int,
        default=5000,
        metavar="N",
        help="how many prospects exist (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help="makes the data: the same seed serves the same prospects (default: %(default)s)",
    )
    parser.add_argument(
        "--latency",
        type=seconds,
        default=0.0,
        metavar="SECONDS",
        help="delay before each response (default: %(default)s)",
    )
    parser.add_argument(
        "--fault-rate",
        type=share,
        default=0.0,
        metavar="SHARE",
        help=(
            "share of requests that fail on purpose: 429 with Retry-After, 502, 503, "
            "a truncated body or a dropped connection (default: %(default)s)"
        ),
    )
    parser.set_defaults(handler=_run_sandbox)


def _run_sandbox(args: argparse.Namespace) -> int:
    from knock_data.sandbox import SandboxServer

    server = SandboxServer(
        host=args.host,
        port=args.port,
        n_prospects=args.prospects,
        seed=args.seed,
        latency=args.latency,
        fault_rate=args.fault_rate,
    )
    try:
        server.start()
    except OSError as error:
        reason = error.strerror or str(error)
        print(
            f"knock-data sandbox: cannot listen on {args.host}:{args.port}: {reason}. "
            "Choose another --port (0 picks a free one).",
            file=sys.stderr,
        )
        return 1
    url, key = server.url, server.api_key
    lines = [
        f"Knock sandbox: {args.prospects:,} synthetic prospects (seed {args.seed})",
        f"  URL:      {url}",
        f"  API key:  {key}",
        f"  Try:      curl -H 'x-api-key: {key}' {url}/prospect/51316",
    ]
    if args.latency or args.fault_rate:
        lines.append(f"  Latency {args.latency} s, fault rate {args.fault_rate}")
    lines.append("Press Ctrl-C to stop.")
    # Ctrl-C or kill at any moment from here on stops the server cleanly.
    with _interrupt_on_sigterm():
        try:
            print("\n".join(lines), flush=True)
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
    print(f"Sandbox stopped after {server.request_count:,} requests.", flush=True)
    return 0


@contextlib.contextmanager
def _interrupt_on_sigterm() -> Iterator[None]:
    """Treat ``kill`` (SIGTERM) like Ctrl-C while serving, so both stop cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- knock-data demo ----------------------------------------------------------------------


def _add_demo(commands: _Commands) -> None:
    from knock_data._demo import DEFAULT_IDS, DEFAULT_OUT

    parser = commands.add_parser(
        "demo",
        help="fetch the sample ids, write CSV, tables and charts (sandbox unless a key is set)",
        description=(
            "Fetch every id in IDS_FILE, write prospects.csv and fetch_errors.csv to the output "
            "folder, print the status, source, consent and funnel tables and write the charts "
            "as PNG files. Without $KNOCK_API_KEY it runs on the built-in sandbox."
        ),
    )
    parser.add_argument(
        "ids_file",
        metavar="IDS_FILE",
        nargs="?",
        type=Path,
        default=DEFAULT_IDS,
        help="file of prospect ids (default: %(default)s)",
    )
    parser.add_argument(
        "-o", "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)"
    )
    parser.add_argument(
        "--workers", type=positive_int, default=8, help="concurrent requests (default: 8)"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(handler=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from knock_data._demo import run_demo

    run_demo(args.ids_file, args.out, workers=args.workers, progress=not args.no_progress)
    return 0


_COMMANDS: list[Callable[[_Commands], None]] = [_add_sandbox, _add_demo, add_fetch, add_cache]


if __name__ == "__main__":  # pragma: no cover - python -m knock_data._cli
    raise SystemExit(main())
