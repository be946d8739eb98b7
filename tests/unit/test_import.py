"""Importing knock-data has no side effects (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import knock_data

PACKAGE = Path(knock_data.__file__).resolve().parent

# Heavy or stateful layers that must load only when their names are first used.
NOT_ON_IMPORT = [
    "matplotlib",
    "ipywidgets",
    "IPython",
    "requests_cache",
    "requests",
    "urllib3",
    "pandas",
    "numpy",
    "pyarrow",
    "tqdm",
    "sqlite3",
]

PROBE = """
import json, sys, threading
before = set(sys.modules)
import {module}
dir({module})
print(json.dumps({{
    "threads": [t.name for t in threading.enumerate()],
    "modules": sorted({{name.split(".")[0] for name in set(sys.modules) - before}}),
}}))
"""


def files_under(root: Path) -> set[str]:
    return {
        str(path.relative_to(root)) for path in root.rglob("*") if "__pycache__" not in path.parts
    }


def probe(module: str, tmp_path: Path) -> dict[str, list[str]]:
    """Import ``module`` in a fresh interpreter, in an empty folder with an empty home."""
    cwd, home = tmp_path / "cwd", tmp_path / "home"
    cwd.mkdir()
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "MPLCONFIGDIR": str(home / "mpl"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    package_before = files_under(PACKAGE)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stderr == ""
    assert files_under(tmp_path) == {"cwd", "home"}, "import created files or directories"
    assert files_under(PACKAGE) == package_before
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("module", ["knock_data", "knock_data.sandbox"])
def test_import_creates_nothing_starts_no_thread_loads_no_heavy_layer(
    module: str, tmp_path: Path
) -> None:
    result = probe(module, tmp_path)
    assert result["threads"] == ["MainThread"]
    loaded = set(result["modules"])
    assert "knock_data" in loaded  # the probe really imported something
    assert loaded.isdisjoint(NOT_ON_IMPORT), sorted(loaded & set(NOT_ON_IMPORT))
