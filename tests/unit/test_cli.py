"""The knock-data command line: parsing, help and usage errors (no server started)."""

from __future__ import annotations

import argparse
from importlib.metadata import entry_points

import pytest

import knock_data
from knock_data._cli import main
from knock_data._cli.app import _build_parser
from knock_data._fetch.config import BASE_URLS
from knock_data._frame import PII_CHOICES


def test_console_script_points_to_main() -> None:
    (script,) = entry_points(group="console_scripts", name="knock-data")
    assert script.value == "knock_data._cli:main"
    assert script.load() is main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"knock-data {knock_data.__version__}"


def test_a_command_is_required_and_listed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "sandbox" in capsys.readouterr().out


def test_unknown_command_lists_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve"])
    assert exit_info.value.code == 2
    assert "choose from" in capsys.readouterr().err


def test_sandbox_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sandbox", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--prospects", "--seed", "--latency", "--fault-rate"):
        assert option in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault-rate", "1.5"], "argument --fault-rate: must be between 0 and 1, got 1.5"),
        (["--fault-rate", "lots"], "argument --fault-rate: expected a share such as 0.1"),
        (["--latency", "-1"], "argument --latency: must be zero or more seconds, got -1"),
        (["--latency", "nan"], "argument --latency: must be zero or more seconds"),
        (["--prospects", "0"], "argument --prospects: must be at least 1, got 0"),
        (["--prospects", "5k"], "argument --prospects: expected a whole number, got '5k'"),
        (["--port", "70000"], "argument --port: must be 0 (any free port) to 65535"),
        (["--seed", "x"], "argument --seed: invalid int value: 'x'"),
    ],
)
def test_sandbox_refuses_bad_options_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sandbox", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "argument --workers: must be at least 1, got 0"),
        (["--rate-limit", "nan"], "argument --rate-limit: must be more than 0, got nan"),
        (["--rate-limit", "fast"], "argument --rate-limit: expected requests per second"),
    ],
)
def test_fetch_refuses_bad_options_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["fetch", "ids.csv", "-o", "out.csv", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def _subcommand(name: str) -> argparse.ArgumentParser:
    (commands,) = [a for a in _build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    parser: argparse.ArgumentParser = commands.choices[name]
    return parser


def _option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action:
    (action,) = [a for a in parser._actions if flag in a.option_strings]
    return action


def test_fetch_offers_the_library_s_own_choices() -> None:
    # The same objects, not copies: a choice added to the library reaches the command line.
    fetch = _subcommand("fetch")
    assert _option(fetch, "--pii").choices is PII_CHOICES
    assert _option(fetch, "--env").choices is BASE_URLS


def test_fetch_refuses_an_unknown_choice_listing_the_library_s(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["fetch", "ids.csv", "-o", "out.csv", "--pii", "hash"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --pii: invalid choice: 'hash'" in err
    assert all(repr(choice) in err for choice in PII_CHOICES)
