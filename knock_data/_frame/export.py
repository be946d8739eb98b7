"""Write prospect frames to files: spreadsheet-safe CSV and typed parquet, with PII options.

:func:`export_csv`'s docstring has the rules of the CSV and the table of ``pii`` choices; the
personal-data columns are ``PII_COLUMNS`` (the schema module).
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._schema import NAME_COLUMNS, PII_CHOICES, PII_COLUMNS, is_missing

__all__ = [
    "CSV_TEXT_COLUMNS",
    "DATETIME_CHOICES",
    "INVISIBLE_RANGES",
    "PII_CHOICES",
    "apply_pii",
    "export_csv",
    "libreoffice_csv_filter",
    "to_parquet",
]

#: The accepted values of ``export_csv``'s ``datetimes`` option.
DATETIME_CHOICES: tuple[str, ...] = ("iso", "spreadsheet")

_STRING = pd.StringDtype("pyarrow")

#: Characters that show nothing: controls (NUL included, which LibreOffice skips), spaces of
#: every width, line and paragraph separators, and Unicode's default-ignorable characters
#: (zero-width spaces and joiners, direction marks, the BOM, variation selectors, tags), as
#: ranges of code points. A formula trigger after any run of them still starts a formula.
INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00, 0x20), (0x7F, 0xA0), (0xAD, 0xAD), (0x34F, 0x34F), (0x61C, 0x61C),
    (0x115F, 0x1160), (0x1680, 0x1680), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x2000, 0x200F),
    (0x2028, 0x202F), (0x205F, 0x206F), (0x3000, 0x3000), (0x3164, 0x3164), (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip


def _class_char(code: int) -> str:
    # \xHH means the code point U+00HH to both RE2 (pyarrow) and Python's re; others literal.
    return f"\\x{code:02x}" if code <= 0xFF else chr(code)


_INVISIBLE = "".join(
    _class_char(a) if a == b else f"{_class_char(a)}-{_class_char(b)}" for a, b in INVISIBLE_RANGES
)
# A cell a spreadsheet would run as a formula: a tab or CR first, or one of = + - @ (or their
# full-width forms) after nothing but invisible characters. Valid for RE2 and Python re alike.
_TRIGGERS = "=+\\-@\uff1d\uff0b\uff0d\uff20"
_FORMULA = "^[\\t\\r]|^[" + _INVISIBLE + "]*[" + _TRIGGERS + "]"
# ... unless it is a plain, possibly signed, number (an E.164 phone): digits run nothing.
_PLAIN_NUMBER = r"^[+-]?[0-9]+(?:\.[0-9]+)?$"
_NEUTRALISER = "'"


#: Columns a spreadsheet must import as text, not numbers or dates: ids (a hex community id
#: such as ``12345e10`` reads as a number), ``zip`` (``02108`` loses its zero), ``phone``
#: (``+1...`` loses its ``+``) and ``unit`` (``0102``, ``1-2``).
CSV_TEXT_COLUMNS: tuple[str, ...] = ("prospect_id", *NAME_COLUMNS, "zip", "phone", "unit")


def libreoffice_csv_filter(df: pd.DataFrame, *, pii: str = "keep") -> str:
    """LibreOffice's CSV import options for the file :func:`export_csv` writes from ``df``.

    The options name columns by position, so they depend on the frame: with
    :func:`knock_data.with_names` columns, or with ``pii="drop"``, ``zip`` is not where it
    is in a plain :func:`knock_data.to_frame` frame. This works the positions out from
    ``df``'s own columns (after ``pii``, as the export does), so the import keeps
    :data:`CSV_TEXT_COLUMNS` as text whatever the frame holds. Pass it as
    ``soffice --headless --infilter="<this>" --convert-to xlsx prospects.csv``; the file
    should be written with ``datetimes="spreadsheet"`` so its timestamps become dates.

    Parameters
    ----------
    df
        The frame passed (or to be passed) to :func:`export_csv`.
    pii
        The same ``pii`` as the export.

    Returns
    -------
    str
        ``CSV:44,34,76,1,<columns>,1033,false,true``: comma separated, ``"`` quoted, UTF-8
        (76; otherwise the byte-order mark lands in the first header), from line 1, each
        text column as ``<position>/2`` (Text), English (1033) number and date reading,
        and special numbers (dates) detected.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame(columns=["prospect_id", "community_id", "community_name", "zip"])
    >>> kd.libreoffice_csv_filter(df)
    'CSV:44,34,76,1,1/2/2/2/4/2,1033,false,true'
    """
    frame = apply_pii(_check_frame(df, "libreoffice_csv_filter"), pii)
    names = map(str, frame.columns)
    text = [f"{i}/2" for i, name in enumerate(names, 1) if name in CSV_TEXT_COLUMNS]
    return f"CSV:44,34,76,1,{'/'.join(text)},1033,false,true"


def export_csv(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    pii: str = "keep",
    datetimes: str = "iso",
) -> Path:
    """Write a prospect frame to a CSV that opens safely in Excel and LibreOffice.

    Parameters
    ----------
    df
        A frame from :func:`knock_data.to_frame` (or any frame: every text cell is made
        spreadsheet-safe, every datetime written in ISO 8601).
    path
        The file to write; missing parent directories are created.
    pii
        ``"keep"`` (default), ``"mask"`` or ``"drop"`` the personal-data columns (email,
        phone, first and last name, street address); see Notes.
    datetimes
        ``"iso"`` (default): timestamps in ISO 8601 with microseconds and offset, exact and
        read back by any program. ``"spreadsheet"``: ``2021-10-14 18:10:34`` in UTC, which
        LibreOffice and Excel import as date-times (whole seconds, no offset).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    knock_data.ConfigurationError
        ``pii`` is not one of ``"keep"``, ``"mask"``, ``"drop"``, ``datetimes`` not one of
        ``"iso"``, ``"spreadsheet"``, or ``path`` is a symbolic link (an export is never
        written through one).

    Notes
    -----
    For a spreadsheet, :func:`knock_data.export_excel` writes typed cells and needs no
    import step. To open this CSV so that zips and phones stay text and timestamps become
    dates, import it rather than double-click it:

    - **LibreOffice Calc**: *File > Open*, then in the Text Import dialog choose Character
      set *Unicode (UTF-8)*, separator *Comma*, tick *Detect special numbers*, and set the
      ids, ``zip``, ``phone`` and ``unit`` columns to *Text*. Headless: ``soffice --headless
      --infilter="$FILTER" --convert-to xlsx prospects.csv``, where ``$FILTER`` is
      :func:`knock_data.libreoffice_csv_filter` of the same frame and ``pii``. The options
      name columns by position, which names (:func:`knock_data.with_names`) or
      ``pii="drop"`` move, so work them out from the frame rather than copy them: for a
      plain ``to_frame`` frame they are ``CSV:44,34,76,1,1/2/2/2/4/2/5/2/7/2/10/2,1033,
      false,true`` (76 is UTF-8, without which the header reads ``ï»¿prospect_id``;
      ``n/2`` makes column n text; ``true`` detects dates). Write the file with
      ``datetimes="spreadsheet"`` so the timestamps are ones it detects.
    - **Excel**: *Data > From Text/CSV* (it reads the byte-order mark as UTF-8), *Transform
      Data*, then set ``zip`` and ``phone`` to *Text* and the timestamps to *Date/Time*.

    The CSV is for people and spreadsheets:

    - UTF-8 with a byte-order mark, so Excel reads accents right; comma separated, CRLF line
      ends (RFC 4180), no index column; values holding commas, quotes or line breaks are quoted,
      so ``pandas.read_csv`` gives them back unchanged.
    - Timestamps in ISO 8601 with microseconds and offset (``2021-10-14T18:10:34.515181+00:00``),
      calendar days as ``2021-11-15``; booleans ``True``/``False``; missing values empty; whole
      dollar amounts without a trailing ``.0``.
    - **Formula injection is neutralised** (OWASP's CSV-injection guidance). Prospects type their
      own names into web forms, and a spreadsheet runs a cell that begins with ``=``, ``+``,
      ``-``, ``@``, a tab or a carriage return as a formula. Such a text cell (and a header) is
      written with a leading apostrophe: ``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``, which
      Excel and LibreOffice show as text. So is a cell where one of those characters, or its
      full-width form (U+FF1D, U+FF0B, U+FF0D, U+FF20), comes after any run of invisible
      characters: controls (``"\\x00=1+1"``: LibreOffice skips the NUL and runs the rest),
      spaces of any width, line breaks, zero-width and other format characters.
    - **A plain number is left alone**, even with a sign: an E.164 phone such as
      ``+10551234567`` holds nothing but digits, so no spreadsheet can run anything from it, and
      it stays exactly ``+10551234567`` in the file and for ``read_csv``. Opened in a spreadsheet
      it becomes the number 10551234567 (the ``+`` read as a sign), every digit visible; to see
      the ``+``, import the phone column as *Text* (LibreOffice: the column type in the Text
      Import dialog; Excel: *Data > From Text/CSV*, then set the column to Text).

    Parquet (:func:`to_parquet`) is for data: it keeps every dtype of
    :func:`knock_data.to_frame` (``pandas.read_parquet`` gives the same frame back; on pandas 2
    with ``pd.options.mode.string_storage = "pyarrow"`` for Arrow-backed text) and needs no
    neutralising, since no spreadsheet runs it.

    Personal data, the same for both:

    =========  =========================================================================
    ``pii``    effect
    =========  =========================================================================
    ``keep``   everything as fetched (the default)
    ``mask``   ``email`` keeps its domain (``***@example.com``); ``phone`` keeps its last two
               digits (``*********67``, one star per hidden digit); ``first_name`` and
               ``last_name`` keep their initial (``O.``); ``address`` loses its numbers
               (``*** Oak St``). Missing stays missing.
    ``drop``   those five columns are left out
    =========  =========================================================================

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import knock_data as kd
    >>> from knock_data.sandbox import EXAMPLE_PROSPECT
    >>> df = kd.to_frame([dict(EXAMPLE_PROSPECT, firstName="=1+2")])
    >>> out = kd.export_csv(df, pathlib.Path(tempfile.mkdtemp()) / "p.csv", pii="mask")
    >>> text = out.read_text(encoding="utf-8-sig")
    >>> "'=." in text, "***@example.com" in text, "*********67" in text
    (True, True, True)
    """
    if datetimes not in DATETIME_CHOICES:
        choices = ", ".join(map(repr, DATETIME_CHOICES))
        raise ConfigurationError(
            f"datetimes={datetimes!r} is not a choice; use one of {choices}.",
            hint="'iso' keeps the offset and microseconds; 'spreadsheet' writes "
            "'2021-10-14 18:10:34' in UTC, which spreadsheets import as dates.",
        )
    frame = apply_pii(_check_frame(df, "export_csv"), pii)
    out = _target(path)
    with _open_target(out) as handle:
        _spreadsheet_safe(frame, spreadsheet_dates=datetimes == "spreadsheet").to_csv(
            handle, index=False, encoding="utf-8-sig", lineterminator="\r\n", na_rep=""
        )
    return out


def to_parquet(df: pd.DataFrame, path: str | os.PathLike[str], *, pii: str = "keep") -> Path:
    """Write a prospect frame to parquet, keeping every dtype.

    Compact and fast for large pulls; ``pandas.read_parquet`` gives back the same columns
    and dtypes (Arrow strings, categoricals, nullable booleans and integers, UTC timestamps).
    On pandas 2, text comes back Arrow-backed when ``pd.options.mode.string_storage`` is
    ``"pyarrow"`` (its default gives ``string[python]``, the same values).

    Parameters
    ----------
    df
        A frame from :func:`knock_data.to_frame` (or any frame pyarrow can write).
    path
        The file to write; missing parent directories are created.
    pii
        ``"keep"`` (default), ``"mask"`` or ``"drop"``, as for :func:`export_csv`.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    knock_data.ConfigurationError
        ``pii`` is not one of ``"keep"``, ``"mask"``, ``"drop"``, or ``path`` is a symbolic
        link (an export is never written through one).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = kd.to_frame(kd.sandbox.generate_prospects(20))
    >>> out = kd.to_parquet(df, pathlib.Path(tempfile.mkdtemp()) / "p.parquet", pii="drop")
    >>> back = pd.read_parquet(out)
    >>> "email" in back.columns, back["created_at"].dtype == df["created_at"].dtype
    (False, True)
    """
    frame = apply_pii(_check_frame(df, "to_parquet"), pii)
    out = _target(path)
    with _open_target(out) as handle:
        frame.to_parquet(handle, index=False, engine="pyarrow")
    return out


# --- shared -----------------------------------------------------------------------------


def _check_frame(df: object, what: str = "The export") -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise WrongArgumentType(
            f"{what} needs a pandas DataFrame (from knock_data.to_frame) as df, got "
            f"{type(df).__name__}."
        )
    return df


def _target(path: str | os.PathLike[str]) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def _open_target(out: Path) -> BinaryIO:
    """Open ``out`` for writing, never through a symbolic link: someone who can put a link
    where the export goes must not make knock-data overwrite the file it points to."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    if not hasattr(os, "O_NOFOLLOW") and out.is_symlink():  # pragma: no cover - Windows
        raise _refuse_link(out)
    try:
        descriptor = os.open(out, flags, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP or out.is_symlink():
            raise _refuse_link(out) from None
        raise
    return os.fdopen(descriptor, "wb")


def _refuse_link(out: Path) -> ConfigurationError:
    return ConfigurationError(
        f"{out} is a symbolic link: knock-data does not write an export through a link, so "
        "that no file elsewhere is overwritten.",
        hint="Choose another file name, or remove the link first.",
    )


def apply_pii(df: pd.DataFrame, pii: str) -> pd.DataFrame:
    """``df`` with its personal-data columns kept, masked or dropped, by the rules of the
    table in :func:`export_csv` (the one place they are written; the history uses them too).

    Raises
    ------
    knock_data.ConfigurationError
        ``pii`` is not one of ``"keep"``, ``"mask"``, ``"drop"``.
    """
    if pii not in PII_CHOICES:
        raise ConfigurationError(
            f"pii={pii!r} is not a choice; use one of {', '.join(map(repr, PII_CHOICES))}.",
            hint="'keep' writes personal data as fetched, 'mask' hides most of it, "
            "'drop' leaves those columns out.",
        )
    present = [c for c in PII_COLUMNS if c in df.columns]
    if pii == "keep" or not present:
        return df
    if pii == "drop":
        return df.drop(columns=present)
    masked = df.copy(deep=False)
    for column in present:
        masked[column] = _mask_column(df[column], _MASKERS[column])
    return masked


def _mask_column(values: pd.Series, masker: Callable[[str], str]) -> pd.Series:
    text = values.astype(_STRING)
    return pd.Series(
        [None if is_missing(v) else masker(v) for v in text],
        index=values.index,
        dtype=_STRING,
        name=values.name,
    )


def _mask_email(value: str) -> str:
    _, at, domain = value.rpartition("@")
    return f"***@{domain}" if at else "***"


def _mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return "*" * max(len(digits) - 2, 0) + digits[-2:] if digits else "***"


def _mask_name(value: str) -> str:
    stripped = value.strip()
    return f"{stripped[0]}." if stripped else ""


def _mask_address(value: str) -> str:
    return re.sub(r"\d+", "***", value)


_MASKERS: dict[str, Callable[[str], str]] = {
    "email": _mask_email,
    "phone": _mask_phone,
    "first_name": _mask_name,
    "last_name": _mask_name,
    "address": _mask_address,
}


# --- CSV ------------------------------------------------------------------------------------


def _spreadsheet_safe(df: pd.DataFrame, *, spreadsheet_dates: bool = False) -> pd.DataFrame:
    """Every column as the text or number the CSV should hold, formulas neutralised."""
    columns: dict[str, pd.Series] = {}
    for name, series in df.items():
        columns[_neutralise_header(str(name))] = _csv_column(series, spreadsheet_dates)
    return pd.DataFrame(columns, index=df.index)


def _csv_column(series: pd.Series, spreadsheet_dates: bool = False) -> pd.Series:
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) and spreadsheet_dates:
        utc = series.dt.tz_convert("UTC")
        return utc.dt.strftime("%Y-%m-%d %H:%M:%S").astype(_STRING)
    if isinstance(dtype, pd.DatetimeTZDtype):
        text = series.dt.strftime("%Y-%m-%dT%H:%M:%S.%f%z").astype(_STRING)
        return text.str.replace(r"([+-]\d{2})(\d{2})$", r"\1:\2", regex=True)
    if pd.api.types.is_datetime64_dtype(dtype):
        days_only = (series.dropna() == series.dropna().dt.normalize()).all()
        time_pattern = "%Y-%m-%d %H:%M:%S" if spreadsheet_dates else "%Y-%m-%dT%H:%M:%S.%f"
        pattern = "%Y-%m-%d" if days_only else time_pattern
        return series.dt.strftime(pattern).astype(_STRING)
    if pd.api.types.is_bool_dtype(dtype):
        return series.astype("boolean").map({True: "True", False: "False"}).astype(_STRING)
    if pd.api.types.is_float_dtype(dtype):
        floats = series.astype("Float64")
        finite = floats.dropna()
        if len(finite) and (finite == finite.round()).all() and finite.abs().max() < 2**53:
            return floats.astype("Int64")  # whole dollars: 1200, not 1200.0
        return floats
    if pd.api.types.is_numeric_dtype(dtype):
        return series
    return _neutralise(_as_text(series))


def _as_text(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.StringDtype):
        return series.astype(_STRING)
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.astype(object).astype(_STRING)
    # object or anything else: text as str() spells it, missing stays missing
    return pd.Series(
        [None if is_missing(v) else str(v) for v in series],
        index=series.index,
        dtype=_STRING,
    )


def _neutralise(text: pd.Series) -> pd.Series:
    risky = text.str.contains(_FORMULA, regex=True) & ~text.str.contains(_PLAIN_NUMBER, regex=True)
    risky = risky.fillna(False).astype(bool)
    if not risky.any():
        return text
    safe = text.copy()
    safe[risky] = _NEUTRALISER + text[risky]
    return safe


def _neutralise_header(name: str) -> str:
    if re.search(_FORMULA, name) and not re.search(_PLAIN_NUMBER, name):
        return _NEUTRALISER + name
    return name
