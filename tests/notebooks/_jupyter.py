"""Run notebooks the way an analyst does: on a real Jupyter kernel, and served by Voila.

Both use this virtual environment's Python: a private kernelspec written into a temporary
Jupyter data directory points at ``sys.executable``, so a ``python3`` kernelspec elsewhere on
the machine (user or system) can never be picked instead. Every Jupyter, IPython and
matplotlib directory, and the cache directory, live under the test's temporary directory.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
KERNEL_NAME = "python3"

# Variables that would make a notebook talk to something other than what a test chose.
_CLEARED = ("KNOCK_API_KEY", "KNOCK_BASE_URL", "MPLBACKEND", "JUPYTER_PREFER_ENV_PATH")


@dataclass(frozen=True)
class JupyterHome:
    """A private set of Jupyter directories and the environment that selects them."""

    root: Path
    env: dict[str, str]

    @property
    def kernels_dir(self) -> Path:
        return self.root / "share" / "jupyter" / "kernels"


def make_jupyter_home(root: Path, extra_env: Mapping[str, str] | None = None) -> JupyterHome:
    """Create private Jupyter directories under ``root`` with a kernelspec for this venv."""
    spec_dir = root / "share" / "jupyter" / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (knock-data venv)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    dirs = {
        "JUPYTER_PATH": root / "share" / "jupyter",
        "JUPYTER_DATA_DIR": root / "data",
        "JUPYTER_CONFIG_DIR": root / "config",
        "JUPYTER_RUNTIME_DIR": root / "runtime",
        "IPYTHONDIR": root / "ipython",
        "MPLCONFIGDIR": root / "matplotlib",
        "XDG_CACHE_HOME": root / "cache",
        "XDG_DATA_HOME": root / "xdg-data",
        "XDG_CONFIG_HOME": root / "xdg-config",
    }
    cache_file = root / "cache" / "knock-data" / "http_cache.sqlite"
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update({k: str(v) for k, v in dirs.items()})
    env["KNOCK_DATA_CACHE"] = str(cache_file)  # the client's default cache file
    # debugpy warns about frozen modules on every kernel start; the kernel never debugs here.
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.update(extra_env or {})
    return JupyterHome(root=root, env=env)


def inject_parameters(nb: nbformat.NotebookNode, parameters: Mapping[str, object]) -> None:
    """Override the ``parameters`` cell's values as papermill does: a cell right after it."""
    index = next(
        i for i, cell in enumerate(nb.cells) if "parameters" in cell.metadata.get("tags", [])
    )
    source = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(index + 1, cell)


def execute_notebook(
    path: Path,
    home: JupyterHome,
    *,
    env: Mapping[str, str] | None = None,
    parameters: Mapping[str, object] | None = None,
    timeout: int = 180,
) -> nbformat.NotebookNode:
    """Execute a notebook headless on this venv's kernel, in the notebook's own directory.

    Raises nbclient's ``CellExecutionError`` (with the cell and traceback) when a cell fails.
    """
    nb = nbformat.read(path, as_version=4)
    if parameters:
        inject_parameters(nb, parameters)
    specs = KernelSpecManager(kernel_dirs=[str(home.kernels_dir)], ensure_native_kernel=False)
    km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)
    client = NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(path.parent)}},
    )
    # The client does not own a manager it was given: ask it to shut the kernel down and
    # close its channels anyway.
    client.execute(cleanup_kc=True, env=dict(env if env is not None else home.env))
    return nb


def outputs_text(nb: nbformat.NotebookNode) -> str:
    """Everything a notebook's cells put out (streams, results, errors), as one string."""
    parts = [json.dumps(cell.get("outputs", [])) for cell in nb.cells]
    return "\n".join(parts)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def voila_server(
    notebook: Path, home: JupyterHome, *, log: Path, startup_timeout: float = 60.0
) -> Iterator[str]:
    """Serve ``notebook`` with Voila on a free loopback port; yields the page URL."""
    port = free_port()
    voila = Path(sys.executable).with_name("voila")
    cmd = [
        str(voila),
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--show_tracebacks=True",
    ]
    with log.open("w", encoding="utf-8") as log_file:
        proc = subprocess.Popen(
            cmd, cwd=notebook.parent, env=home.env, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"voila exited with code {proc.returncode}:\n{log.read_text('utf-8')}"
                    )
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"voila did not listen on port {port} within {startup_timeout} s:\n"
                            f"{log.read_text('utf-8')}"
                        ) from None
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{port}/"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
