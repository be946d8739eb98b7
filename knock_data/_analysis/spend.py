"""What each source costs per lead, per tour and per lease, month by month.

Knock's Ad Spend report gives cost by source and month; the prospect frame gives leads by
source and creation month. :func:`source_roi` joins the two, keeping (and flagging) the
sources that appear on one side only, and can group listing sites under a parent source
(RentPath for Rent.com and ApartmentGuide.com), as that report does.
"""

from __future__ import annotations

import csv
import math
import numbers
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis._codes import factorize, require_column
from knock_data._analysis._reach import stages_reached
from knock_data._analysis.periods import period_codes, time_zone
from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._schema import SOURCE_TITLE, is_missing

__all__ = ["SPEND_COLUMNS", "read_spend", "source_roi"]

#: The spend table's three columns and the headers each may go by (case, spaces and
#: underscores do not matter): Knock's Ad Spend report calls them source, month and cost.
SPEND_COLUMNS: dict[str, tuple[str, ...]] = {
    "source": ("source", "source_title", "source_name", "ad_source", "marketing_source"),
    "month": ("month", "period", "date"),
    "cost": ("cost", "amount", "spend", "ad_spend", "total_cost"),
}

_HEADER_NOISE = re.compile(r"[\s_\-.]+")
_MONEY_NOISE = re.compile(r"[\s$,]")
_SPACES = re.compile(r"\s+")


def _header_key(name: object) -> str:
    return _HEADER_NOISE.sub("_", str(name).strip().casefold()).strip("_")


def _source_key(name: object) -> str | None:
    """How source names are matched: case and runs of spaces do not count."""
    if is_missing(name):
        return None
    text = _SPACES.sub(" ", str(name).strip()).casefold()
    return text or None


def _load(spend: object, what: str) -> tuple[pd.DataFrame, str, int | None]:
    """The spend table as given, how to name it in a message, and its first row's number.

    A spreadsheet's first row of data is row 2 (under the header); a frame's rows and a
    Parquet file's go by their index instead (``None``).
    """
    if isinstance(spend, pd.DataFrame):
        return spend, "spend frame", None
    if not isinstance(spend, str | os.PathLike):
        raise WrongArgumentType(
            f"{what}: spend must be a DataFrame or the path of a CSV, Excel or Parquet "
            f"file, got {type(spend).__name__}."
        )
    path = Path(spend)
    where = f"spend file {str(path)!r}"
    if not path.is_file():
        raise ConfigurationError(f"{what}: there is no {where}.", hint="Check the path.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            try:
                import openpyxl  # noqa: F401  # pandas reads .xlsx with it
            except ImportError as exc:
                raise ConfigurationError(
                    f"{what}: reading the {where} needs openpyxl.",
                    hint="pip install 'knock-data[excel]', or save the sheet as CSV.",
                ) from exc
            return pd.read_excel(path, dtype=object), where, 2
        if suffix == ".parquet":
            return pd.read_parquet(path), where, None
        _check_fields(path, where, what)
        table = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", index_col=False
        )
        return table, where, 2
    except ConfigurationError:
        raise
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{what}: cannot read the {where}: {exc}") from exc


def _columns(table: pd.DataFrame, where: str, what: str) -> dict[str, Any]:
    keys = {_header_key(c): c for c in table.columns}
    found: dict[str, Any] = {}
    for name, aliases in SPEND_COLUMNS.items():
        hit = next((keys[a] for a in aliases if a in keys), None)
        if hit is None:
            raise ConfigurationError(
                f"{what}: the {where} has no {name} column; its columns are "
                f"{[str(c) for c in table.columns]}.",
                hint=f"Name it one of {', '.join(repr(a) for a in aliases)} (Knock's Ad Spend "
                "report has source, month and cost).",
            )
        found[name] = hit
    return found


def _month(value: object) -> pd.Period | None:
    if is_missing(value) or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    try:
        if isinstance(value, pd.Timestamp) and value.tzinfo is not None:
            value = value.tz_localize(None)
        return pd.Period(value.strip() if isinstance(value, str) else value, freq="M")  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return None


def _money(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(_MONEY_NOISE.sub("", value))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _check_fields(path: Path, where: str, what: str) -> None:
    """An error naming the first row of a CSV with more fields than its header.

    ``Zillow,2026-03,$1,250.00`` is four fields: the amount's comma splits it, and read as
    it stands the row's fields would land in the wrong columns.
    """
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = csv.reader(handle)
        header = next(rows, None)
        if header is None:
            return
        for row in rows:
            if len(row) > len(header):
                raise ConfigurationError(
                    f"{what}: row {rows.line_num} of the {where} has {len(row)} fields, more "
                    f"than the header's {len(header)} ({', '.join(header)}): "
                    f"{','.join(row)!r}.",
                    hint='An amount with a thousands comma must be quoted: "$1,250.00" '
                    "(or written 1250). Spreadsheets quote it when they save as CSV.",
                )


def read_spend(spend: object, *, what: str = "read_spend") -> pd.DataFrame:
    """A spend table (frame or file) as ``source, month, cost``, one row per source and month.

    Rows of the same source (matched however it is spaced or capitalised) and month are
    added up. A missing source or month, or a cost that is not a number of dollars >= 0
    (``"$1,250.00"`` is one), is an error naming its row.
    """
    table, where, first_row = _load(spend, what)
    columns = _columns(table, where, what)
    sources, months, costs = [], [], []
    for position, (label, source, month, cost) in enumerate(
        zip(
            table.index,
            table[columns["source"]],
            table[columns["month"]],
            table[columns["cost"]],
            strict=True,
        )
    ):
        row = f"row {position + first_row}" if first_row is not None else f"row {label!r}"
        if _source_key(source) is None:
            raise ConfigurationError(f"{what}: {row} of the {where} has no source.")
        period = _month(month)
        if period is None:
            raise ConfigurationError(
                f"{what}: {row} of the {where} has month {month!r}, which is not a month.",
                hint="Write months as 2026-03, 2026-03-01 or Mar 2026.",
            )
        amount = _money(cost)
        if amount is None:
            raise ConfigurationError(
                f"{what}: {row} of the {where} has cost {cost!r}, which is not an amount "
                "of dollars >= 0.",
                hint="Write costs as numbers such as 1250 or $1,250.00.",
            )
        sources.append(_SPACES.sub(" ", str(source).strip()))
        months.append(period)
        costs.append(amount)
    frame = pd.DataFrame(
        {
            "source": pd.array(sources, dtype="string"),
            "key": [_source_key(s) for s in sources],
            "month": pd.PeriodIndex(months, freq="M") if months else pd.PeriodIndex([], freq="M"),
            "cost": np.asarray(costs, dtype=float),
        }
    )
    summed = frame.groupby(["key", "month"], sort=True).agg(
        source=("source", "first"), cost=("cost", "sum")
    )
    return summed.reset_index()[["source", "month", "cost"]]


def _parent_table(parents: object, what: str) -> dict[str, str]:
    """``{source key: parent name}`` from either ``{source: parent}`` or ``{parent: [sources]}``."""
    if parents is None:
        return {}
    if not isinstance(parents, Mapping):
        raise ConfigurationError(
            f"{what}: parents must be a mapping, got {type(parents).__name__}.",
            hint="For example {'Rent.com': 'RentPath', 'ApartmentGuide.com': 'RentPath'} "
            "or {'RentPath': ['Rent.com', 'ApartmentGuide.com']}.",
        )
    pairs: list[tuple[object, object]] = []
    for key, value in parents.items():
        if isinstance(value, str):
            pairs.append((key, value))
        elif isinstance(value, Iterable):
            pairs.extend((child, key) for child in value)
        else:
            raise ConfigurationError(f"{what}: parents maps {key!r} to {value!r}.")
    table: dict[str, str] = {}
    for child, parent in pairs:
        child_key = _source_key(child)
        if child_key is None or is_missing(parent):
            raise ConfigurationError(f"{what}: parents holds an empty name ({child!r}).")
        name = _SPACES.sub(" ", str(parent).strip())
        if table.get(child_key, name) != name:
            raise ConfigurationError(
                f"{what}: parents puts {child!r} under both {table[child_key]!r} and {name!r}."
            )
        table[child_key] = name
    return table


def source_roi(
    frame: pd.DataFrame,
    spend: object,
    *,
    stages: Sequence[str] = ("toured", "leased"),
    parents: Mapping[str, Any] | None = None,
    funnel_stages: Mapping[str, Any] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Cost per lead, per tour and per lease, by source and month.

    Leads are matched to spend by source and by their creation month; each lead counts at
    every step it has reached by now (as in :func:`knock_data.funnel`), so a recent
    month's cost per lease falls as its leads go on to lease. Source names match however
    they are spaced or capitalised.

    Parameters
    ----------
    frame
        A prospect frame (see :func:`knock_data.to_frame`): every row is a lead counted.
    spend
        A DataFrame, or the path of a CSV, Excel (``knock-data[excel]``) or Parquet file,
        with a source, a month and a cost column (Knock's Ad Spend report's shape). Headers
        match whatever their case or spacing: ``source`` (or ``source_title``,
        ``source name``, ``ad source``, ``marketing source``), ``month`` (or ``period``,
        ``date``) and ``cost`` (or ``amount``, ``spend``, ``ad spend``, ``total cost``).
        Months may be written ``2026-03``, ``2026-03-01`` or ``Mar 2026``, costs as
        numbers or ``$1,250.00``. Rows of one source and month are added up.
    stages
        The funnel steps to cost, besides leads (default tours and leases).
    parents
        Group listing sites under a parent source, on both sides:
        ``{"Rent.com": "RentPath", "ApartmentGuide.com": "RentPath"}`` or
        ``{"RentPath": ["Rent.com", "ApartmentGuide.com"]}``.
    funnel_stages
        Your own status -> stage mapping (see :func:`knock_data.funnel`).
    tz
        The time zone whose calendar months leads are counted in (default UTC).

    Returns
    -------
    pandas.DataFrame
        One row per source (or parent) and month found on either side: ``source_title``,
        ``month``, ``cost`` (``NaN`` without spend), ``leads``, one count per stage,
        ``cost_per_lead`` and ``cost_per_<stage>`` (``NaN`` without spend or without
        any), and ``match``: ``"both"``, ``"spend only"`` (spend but no lead that month)
        or ``"leads only"`` (leads but no spend, such as the property website or leads
        without a source, ``<NA>``). The biggest spenders first, months in order.
        ``attrs["undated"]`` counts leads without ``created_at``.

    Raises
    ------
    knock_data.ConfigurationError
        A spend table without its columns or with a bad value (the message names its row),
        an unknown stage, or a bad ``parents`` mapping.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> leads = pd.DataFrame({
    ...     "source_title": ["Rent.com", "ApartmentGuide.com", "Rent.com", "Zillow"],
    ...     "created_at": pd.to_datetime(["2026-03-02", "2026-03-09", "2026-03-20",
    ...                                   "2026-03-05"], utc=True),
    ...     "status": ["applied_leased", "visited", "new", "visited"],
    ... })
    >>> spend = pd.DataFrame({"source": ["RentPath", "Zillow", "Craigslist"],
    ...                       "month": ["2026-03", "2026-03", "2026-03"],
    ...                       "cost": [900, 500, 50]})
    >>> roi = kd.source_roi(leads, spend, parents={"RentPath": ["Rent.com", "ApartmentGuide.com"]})
    >>> roi[["source_title", "cost", "leads", "leased", "cost_per_lead", "match"]]
      source_title   cost  leads  leased  cost_per_lead       match
    0     RentPath  900.0      3       1          300.0        both
    1       Zillow  500.0      1       0          500.0        both
    2   Craigslist   50.0      0       0            NaN  spend only
    >>> roi["cost_per_leased"].tolist()
    [900.0, nan, nan]
    """
    what = "source_roi"
    zone = time_zone(tz)
    names = [stages] if isinstance(stages, str) else list(stages)
    if "lead" in names or "leads" in names:
        names = [n for n in names if n not in ("lead", "leads")]  # leads are always counted
    reached = stages_reached(frame, names, funnel_stages, what)
    parent_of = _parent_table(parents, what)
    costs = read_spend(spend, what=what)

    # Leads: source code x month code -> counts, with numpy.
    s_codes, s_uniques = factorize(require_column(frame, SOURCE_TITLE, what))
    m_codes, months, undated = period_codes(frame, "month", zone, what)
    spelled = [None if is_missing(v) else _SPACES.sub(" ", str(v).strip()) for v in s_uniques]
    keys = [_source_key(v) for v in spelled]
    display = [parent_of.get(k, spelled[i]) if k else None for i, k in enumerate(keys)]
    # Leads without a source get the empty key, which no name has (a blank source is no
    # source): keys stay text, so the join below can sort them on every pandas.
    group_keys = [_source_key(d) or "" for d in display]
    n_months = max(len(months), 1)
    dated = ~undated
    flat = s_codes * n_months + m_codes
    size = len(s_uniques) * n_months
    counts = {"leads": np.bincount(flat[dated], minlength=size)}
    for name in names:
        counts[name] = np.bincount(flat[dated & reached[name]], minlength=size)
    cells = np.flatnonzero(counts["leads"])
    lead_rows = pd.DataFrame(
        {
            "key": [group_keys[c // n_months] for c in cells],
            "name": [display[c // n_months] for c in cells],
            "month": months.take(cells % n_months) if len(months) else pd.PeriodIndex([], freq="M"),
            **{name: counts[name][cells] for name in counts},
        }
    )
    lead_rows = lead_rows.groupby(["key", "month"], sort=False, dropna=False).agg(
        name=("name", "first"), **{n: (n, "sum") for n in counts}
    )

    costs["key"] = [parent_of.get(_source_key(s) or "", s) for s in costs["source"]]
    costs["name"] = costs["key"]
    costs["key"] = [_source_key(s) for s in costs["key"]]
    spent = costs.groupby(["key", "month"], sort=False).agg(
        spend_name=("name", "first"), cost=("cost", "sum")
    )

    joined = lead_rows.join(spent, how="outer")
    has_leads = joined["leads"].notna().to_numpy(dtype=bool)
    has_spend = joined["cost"].notna().to_numpy(dtype=bool)
    # The frame's spelling where there are leads (it is what the charts show), else the
    # spend table's.
    spelling = joined["name"].where(joined["name"].notna(), joined["spend_name"])
    result = pd.DataFrame(
        {
            SOURCE_TITLE: pd.array(spelling.tolist(), dtype="string"),
            "month": joined.index.get_level_values("month"),
            "cost": joined["cost"].to_numpy(dtype=float),
        }
    )
    for column in counts:
        result[column] = joined[column].fillna(0).to_numpy(dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        for column in counts:
            per = result["cost"].to_numpy() / result[column].to_numpy()
            label = "lead" if column == "leads" else column
            result[f"cost_per_{label}"] = np.where(result[column].to_numpy() > 0, per, np.nan)
    result["match"] = pd.array(
        np.where(has_leads & has_spend, "both", np.where(has_spend, "spend only", "leads only")),
        dtype="string",
    )
    grouped = result.groupby(SOURCE_TITLE, dropna=False, sort=False)
    ranking = pd.DataFrame(
        {
            "missing": result[SOURCE_TITLE].isna().to_numpy(dtype=bool),
            "cost": -grouped["cost"].transform("sum").fillna(0).to_numpy(),
            "leads": -grouped["leads"].transform("sum").to_numpy(),
            "name": result[SOURCE_TITLE].fillna("").str.casefold().to_numpy(dtype=object),
            "month": pd.PeriodIndex(result["month"]).asi8,
        }
    )
    order = ranking.sort_values(list(ranking.columns), kind="stable").index
    result = result.iloc[order].reset_index(drop=True)
    result.attrs.update({"undated": int(undated.sum()), "tz": zone, "parents": parent_of})
    return result
