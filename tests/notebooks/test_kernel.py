"""The notebook harness itself: the kernel is this venv's Python with a private environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

from tests.notebooks._jupyter import JupyterHome, execute_notebook

pytestmark = pytest.mark.notebook

_PROBE = """\
import json, os, sys
print(json.dumps({
    "executable": sys.executable,
    "prefix": sys.prefix,
    "cwd": os.getcwd(),
    "api_key_set": "KNOCK_API_KEY" in os.environ,
    "cache_home": os.environ.get("XDG_CACHE_HOME"),
}))
"""


def test_kernel_is_this_venv_with_private_env(jupyter_home: JupyterHome, tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(_PROBE)]
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)

    executed = execute_notebook(path, jupyter_home)

    seen = json.loads(executed.cells[0].outputs[0]["text"])
    assert Path(seen["executable"]).resolve() == Path(sys.executable).resolve()
    assert seen["prefix"] == sys.prefix
    assert Path(seen["cwd"]).resolve() == tmp_path.resolve()
    assert seen["api_key_set"] is False
    assert Path(seen["cache_home"]).is_relative_to(jupyter_home.root)
