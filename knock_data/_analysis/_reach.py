"""Which rows reached a funnel stage by now: the funnel's rule, one boolean per row.

:func:`knock_data.funnel` counts a record at its own stage and every stage before it;
comparisons, cost per lease and period changes need the same rule row by row. It is
decided once per distinct status (a dozen), then looked up for every row by its code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis._codes import factorize, require_column
from knock_data._analysis.statuses import StageMap, stage_map
from knock_data._exceptions import ConfigurationError
from knock_data._schema import STATUS

__all__ = ["ladder_position", "stages_reached"]


def ladder_position(mapping: StageMap, stage: object, what: str) -> int:
    """Where ``stage`` sits on the funnel's ladder, or an error listing the stages there are."""
    if isinstance(stage, str) and stage in mapping.ladder:
        return mapping.ladder.index(stage)
    choices = ", ".join(repr(s) for s in mapping.ladder)
    raise ConfigurationError(
        f"{what}: {stage!r} is not a step of the funnel; the steps are {choices}.",
        hint="'lost' and 'other' are not steps (a lost lead left at an unknown point); "
        "pass stages= to use a funnel of your own.",
    )


def stages_reached(
    df: pd.DataFrame,
    names: Iterable[str],
    stages: Mapping[str, Any] | None,
    what: str,
) -> dict[str, np.ndarray]:
    """For each stage in ``names``, whether each row's status reached it by now.

    A row reaches its own ladder stage and every one before it; ``lost`` and ``other``
    reach the first stage only (every record is a lead).
    """
    mapping = stage_map(stages)
    wanted = {name: ladder_position(mapping, name, what) for name in names}
    codes, uniques = factorize(require_column(df, STATUS, what))
    rank = {stage: i for i, stage in enumerate(mapping.ladder)}
    # The ladder position of each distinct status; -1 for lost and other.
    position = np.array([rank.get(mapping.stage(v), -1) for v in uniques], dtype=np.int64)
    reached: dict[str, np.ndarray] = {}
    for name, target in wanted.items():
        by_status = (position >= target) | (target == 0)
        reached[name] = by_status[codes] if len(codes) else np.zeros(0, dtype=bool)
    return reached
