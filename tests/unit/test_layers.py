"""Layers only call downwards: records -> DataFrame -> analysis -> charts -> widgets.

Read from the source (every ``import``, at the top of a module or inside a function), so a
backward or sideways import fails here before it becomes a cycle or a chart that fetches.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import knock_data

PACKAGE = Path(knock_data.__file__).resolve().parent

# Each layer and the knock_data modules it may import, besides its own.
BELOW: dict[str, set[str]] = {
    # The package itself: the User-Agent's __version__, and FetchResult.frame's public to_frame.
    "_fetch": {"_inputs", "_exceptions", "_schema", "_json", "knock_data"},
    # What analysts bring: id files, read below the fetch layer.
    "_inputs": {"_exceptions", "_schema"},
    "_schema": set(),
    # Parsing many JSON bodies at once, for the cache's records and the frame's columns.
    "_json": set(),
    "_frame": {"_schema", "_exceptions", "_json"},
    "_analysis": {"_schema", "_exceptions"},
    # The history keeps frames (to_frame, the export's PII rules) and judges copies by the
    # analysis layer's one definition of closed and dormant; it never fetches (of the fetch
    # layer it uses only the key scope, see ONLY_MODULES).
    "_history": {"_frame", "_analysis", "_schema", "_exceptions"},
    "_charts": {"_analysis", "_schema", "_exceptions"},
    "_dashboard": {"_charts", "_analysis", "_frame", "_schema", "_exceptions"},
}
# Single modules of another layer that a layer may import, though not the rest of it: the
# history's owner is a key scope by the fetch layer's one derivation (hashlib alone).
ONLY_MODULES: dict[str, set[str]] = {"_history": {"knock_data._fetch.scope"}}
# Libraries a layer must not touch: the analysis neither plots nor fetches, a chart never
# fetches, and only the dashboard draws widgets.
FORBIDDEN: dict[str, set[str]] = {
    "_fetch": {"matplotlib", "ipywidgets"},
    "_inputs": {"matplotlib", "ipywidgets", "requests", "requests_cache"},
    "_frame": {"matplotlib", "ipywidgets", "requests", "requests_cache"},
    "_analysis": {"matplotlib", "ipywidgets", "requests", "requests_cache"},
    "_history": {"matplotlib", "ipywidgets", "requests", "requests_cache"},
    "_charts": {"ipywidgets", "requests", "requests_cache"},
    "_dashboard": {"requests", "requests_cache"},
}


def layer_files(layer: str) -> list[Path]:
    folder = PACKAGE / layer
    return sorted(folder.glob("*.py")) if folder.is_dir() else [PACKAGE / f"{layer}.py"]


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, by its full dotted name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", list(BELOW))
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    allowed = BELOW[layer] | {layer}
    files = layer_files(layer)
    assert files
    for path in files:
        for name in imports(path):
            parts = name.split(".")
            if name in ONLY_MODULES.get(layer, set()):
                continue
            if parts[0] == "knock_data":
                below = parts[1] if len(parts) > 1 else "knock_data"
                assert below in allowed, f"{path.name} imports {name}"
            assert parts[0] not in FORBIDDEN.get(layer, set()), f"{path.name} imports {name}"
