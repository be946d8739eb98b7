"""``knock-data sandbox``: serve synthetic prospects on this machine until Ctrl-C or ``kill``."""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from knock_data._cli.args import Commands, port, positive_int, seconds, share
from knock_data._cli.inputs import sample_ids

if TYPE_CHECKING:
    from knock_data.sandbox import SandboxServer

__all__ = ["add_sandbox"]


# -- knock-data sandbox -------------------------------------------------------------------

_SANDBOX_PORT = 8000
_SAMPLE_PROSPECTS = 5000  # the sandbox the packaged sample ids were drawn from


def add_sandbox(commands: Commands) -> None:
    """Declare ``knock-data sandbox [--port N] [--prospects N] ...``."""
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
    parser.add_argument(
        "--now",
        type=_sandbox_moment,
        default=None,
        metavar="MOMENT",
        help=(
            "the sandbox's present at start, a day or a time such as 2021-12-31 or "
            "2021-12-31T09:30Z (default: just after the data's last change, 2021-11-02 for "
            "the default data, where every prospect is as generated); move it with "
            "POST /_sandbox/advance?days=N and the x-api-key header"
        ),
    )
    parser.add_argument(
        "--speed",
        type=_days_per_minute,
        default=0.0,
        metavar="DAYS_PER_MINUTE",
        help="let the clock run by itself: simulated days per real minute (default: stands still)",
    )
    parser.set_defaults(handler=_run_sandbox)


def _sandbox_moment(text: str) -> object:
    from knock_data.sandbox._clock import parse_moment

    try:
        return parse_moment(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _days_per_minute(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value < float("inf"):  # also refuses nan
        raise argparse.ArgumentTypeError(
            f"expected zero or more simulated days per minute, such as 7, got {text!r}"
        )
    return value


def _run_sandbox(args: argparse.Namespace) -> int:
    from knock_data.sandbox import SandboxServer

    server = SandboxServer(
        host=args.host,
        port=args.port,
        n_prospects=args.prospects,
        seed=args.seed,
        latency=args.latency,
        fault_rate=args.fault_rate,
        now=args.now,
        speed=args.speed,
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
    try:
        with _ids_to_fetch(server, args.seed) as (ids_file, about):
            fetch = ["knock-data", "fetch", str(ids_file), "-o", "prospects.csv", "--env", "stage"]
            recipe = shlex.join([*fetch, "--base-url", server.url])
            return _serve(server, args, recipe, about)
    finally:
        server.stop()  # also when the ids file cannot be written (stopping twice is harmless)


def _serve(server: SandboxServer, args: argparse.Namespace, recipe: str, about: str) -> int:
    url, key = server.url, server.api_key
    lines = [
        f"Knock sandbox: {args.prospects:,} synthetic prospects (seed {args.seed})",
        f"  URL:      {url}",
        f"  API key:  {key}",
        f"  Try:      curl -H 'x-api-key: {key}' {url}/prospect/51316",
        f"  Clock:    {server.now:%Y-%m-%d %H:%M:%S} UTC, {len(server.prospect_ids):,} prospects"
        + (f", running at {args.speed:g} days per minute" if args.speed else ""),
        f"  Advance:  curl -X POST -H 'x-api-key: {key}' '{url}/_sandbox/advance?days=7'",
        f"  Fetch:    {recipe}",
        f"            ({about})",
        "            (--env stage sends Knock's public test key, which the sandbox accepts)",
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
def _ids_to_fetch(server: SandboxServer, seed: int) -> Iterator[tuple[Path, str]]:
    """An ids file that fits this sandbox, and what it holds, for the banner's recipe.

    The packaged sample is ids of the default sandbox (5,000 prospects of the default seed),
    with the untidy cells of a real export: it fits only that sandbox at or after its default
    moment (every id then exists, bar those meant not to). Any other sandbox gets its own ids,
    the ones that exist at its start, in a temporary file removed when it stops: the sample
    would be mostly ids it does not have.
    """
    from knock_data.sandbox._data import DEFAULT_SEED

    ids = server.prospect_ids
    default = server.n_prospects == _SAMPLE_PROSPECTS and seed == DEFAULT_SEED
    if default and len(ids) >= server.n_prospects:  # not before the default moment
        with sample_ids() as sample:
            yield sample, "the sample ids: an export of this sandbox's ids, a few cells not ids"
        return
    handle, name = tempfile.mkstemp(prefix="knock-sandbox-ids-", suffix=".csv")
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write("prospect_id\n" + "".join(f"{pid}\n" for pid in ids))
        yield (
            path,
            (
                f"this sandbox's {len(ids):,} ids at its start, in a file removed when it stops: "
                f"the sample ids fit only --prospects {_SAMPLE_PROSPECTS} --seed {DEFAULT_SEED}"
            ),
        )
    finally:
        path.unlink(missing_ok=True)


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
