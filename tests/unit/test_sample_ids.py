"""data/sample_prospect_ids.csv holds what the README promises, and its script remakes it."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from knock_data.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample_prospect_ids.csv"
SCRIPT = ROOT / "scripts" / "make_sample_ids.py"


@pytest.fixture(scope="module")
def cells() -> list[str]:
    """Every data row's cell, blank lines included (as a careful reader must keep them)."""
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "prospect_id"
    assert lines[-1] == ""  # the file ends with a newline
    return [line.removeprefix('"').removesuffix('"') for line in lines[1:-1]]


@pytest.fixture(scope="module")
def default_ids() -> set[str]:
    return set(SandboxServer().prospect_ids)


def test_about_two_thousand_ids(cells: list[str]) -> None:
    assert 1900 <= len(cells) <= 2100


def test_mostly_ids_of_the_default_sandbox(cells: list[str], default_ids: set[str]) -> None:
    existing = [c for c in cells if c in default_ids]
    assert len(existing) / len(cells) > 0.9
    assert {"47569637", "51316"} <= set(existing)


def test_about_three_percent_do_not_exist(cells: list[str], default_ids: set[str]) -> None:
    missing = [c for c in cells if c.isdigit() and c not in default_ids]
    assert 0.02 <= len(missing) / len(cells) <= 0.04
    assert "0" in missing


def test_a_handful_are_malformed(cells: list[str]) -> None:
    malformed = Counter(c for c in cells if not c.isdigit())
    assert set(malformed) == {"", "12 3", "abc", "4.5"}
    assert sum(malformed.values()) <= 10


def test_blank_cells_come_as_an_empty_line_and_as_quotes() -> None:
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")[1:-1]
    assert lines.count("") == 1
    assert lines.count('""') == 1


def test_a_few_duplicates(cells: list[str]) -> None:
    repeated = {c: n for c, n in Counter(cells).items() if n > 1 and c.isdigit()}
    assert 3 <= len(repeated) <= 30


def test_script_remakes_the_same_file(tmp_path: Path) -> None:
    out = tmp_path / "ids.csv"
    subprocess.run([sys.executable, str(SCRIPT), "--output", str(out)], check=True, timeout=120)
    assert out.read_bytes() == SAMPLE.read_bytes()
