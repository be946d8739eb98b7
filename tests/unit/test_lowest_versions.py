"""constraints/lowest.txt pins exactly the lower bounds pyproject.toml declares.

``make test-lowest`` installs those pins and runs the quick loop, which is what makes
pyproject's claim that the lower bounds are tested true; this keeps the two files agreeing.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def lower_bounds() -> dict[str, Version]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["excel"]]
    bounds: dict[str, Version] = {}
    for line in declared:
        requirement = Requirement(line)
        (lowest,) = [s.version for s in requirement.specifier if s.operator == ">="]
        bounds[canonicalize_name(requirement.name)] = Version(lowest)
    return bounds


def pins() -> dict[str, Version]:
    found: dict[str, Version] = {}
    for line in (ROOT / "constraints" / "lowest.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            (pin,) = requirement.specifier
            assert pin.operator == "==", line
            found[canonicalize_name(requirement.name)] = Version(pin.version)
    return found


def test_every_dependency_is_pinned_at_its_lower_bound() -> None:
    assert pins() == lower_bounds()
