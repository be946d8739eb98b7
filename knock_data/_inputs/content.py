"""What a file is, by its content: a workbook, text (and its encoding), or something refused.

Analysts' id files arrive with names that do not say what they hold: a ``.xls`` that is
really tab-separated text or a web page, a ``.csv`` saved by Excel in the Windows code page,
Excel's "Unicode Text" in UTF-16, an Apple Numbers document, a zip of exports. The first
bytes decide (:func:`sniff`), never the suffix alone, so nothing that is not text is ever
read as ids.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from knock_data._exceptions import ConfigurationError

__all__ = ["Content", "decode", "numbers_package", "sniff"]

Kind = Literal["text", "xlsx", "ods"]

# Leading bytes of formats that are never a list of ids, and what to tell the analyst.
_REFUSED_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Excel .xls workbook or a password-protected one",
        "Open it in your spreadsheet program and save it as .xlsx (without a password) "
        "or .csv, then read that.",
    ),
    (b"%PDF", "a PDF document", "Export the ids from the system that made it as CSV or Excel."),
    (
        b"PAR1",
        "a Parquet file",
        "Read it with pandas and pass the id column: read_ids(pd.read_parquet(path)).",
    ),
    (b"SQLite format 3\x00", "an SQLite database", "Export the ids as CSV or Excel first."),
    (b"\x1f\x8b", "a gzip-compressed file", "Decompress it (gunzip) and read the file inside."),
    (b"\x89PNG", "a PNG image", "Read the ids from the spreadsheet the image was taken of."),
    (b"\xff\xd8\xff", "a JPEG image", "Read the ids from the spreadsheet the image was taken of."),
    (b"GIF8", "a GIF image", "Read the ids from the spreadsheet the image was taken of."),
    (b"bplist", "an Apple property list", "Export the ids as CSV or Excel first."),
)
_SAVE_AS = "Open it in your spreadsheet program and save it as .xlsx or .csv, then read that."
_NUMBERS = (
    "an Apple Numbers document",
    "Export it from Numbers as CSV or Excel (File > Export To), then read that.",
)
# A decoded text with more control characters than this share is not text.
_CONTROL_SHARE = 0.05


@dataclass(frozen=True)
class Content:
    """A file's kind, and for text its decoded characters and encoding."""

    kind: Kind
    text: str = ""
    encoding: str = ""


def sniff(path: Path) -> Content:
    """What ``path`` holds: a workbook, or text decoded from its encoding; else an error.

    Raises
    ------
    ConfigurationError
        For anything that is not a workbook or text (a Numbers document, a zip archive, a
        PDF, binary data), naming what it is and what to do instead.
    """
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return Content(_zip_kind(path))
    for magic, what, hint in _REFUSED_MAGIC:
        if head.startswith(magic):
            raise _refused(path, what, hint)
    data = path.read_bytes()
    text, encoding = decode(data, path)
    start = text.lstrip()[:400].lower()
    if start.startswith(("<!doctype html", "<html", "<table")):
        raise _refused(path, "a web page (HTML), as some systems save under a .xls name", _SAVE_AS)
    if start.startswith("<?xml") and "schemas-microsoft-com:office:spreadsheet" in start:
        raise _refused(path, "an Excel 2003 XML spreadsheet", _SAVE_AS)
    return Content("text", text, encoding)


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """The text of ``data`` and the encoding it was in.

    A byte-order mark decides first (UTF-8, UTF-16 as Excel's "Unicode Text" writes it,
    UTF-32); then UTF-16 without one, recognised by its zero bytes; then UTF-8; then the
    Windows code page 1252, which Excel uses for "CSV" on Western European Windows.

    Examples
    --------
    >>> decode("Prospect ID\\t1004".encode("utf-16"), Path("ids.txt"))
    ('Prospect ID\\t1004', 'utf-16')
    >>> decode("José,1004".encode("cp1252"), Path("ids.csv"))
    ('José,1004', 'cp1252')
    """
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _checked(data, encoding, path), encoding
    sample = data[:4096]
    if sample and sample.count(0) * 3 >= len(sample):  # UTF-16 text of mostly ASCII
        encoding = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        return _checked(data, encoding, path), encoding
    for encoding in ("utf-8", "cp1252"):
        try:
            return _checked(data, encoding, path), encoding
        except UnicodeDecodeError:
            continue
    raise _refused(path, "binary data, not text", "Read the ids from a CSV, Excel or text file.")


def _checked(data: bytes, encoding: str, path: Path) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding in ("utf-8", "cp1252"):
            raise  # the next encoding is tried
        raise _refused(
            path, f"not valid {encoding} text", "Save it again as UTF-8 CSV and read that."
        ) from None
    control = sum(1 for ch in text[:10_000] if ch < " " and ch not in "\t\r\n")
    if "\x00" in text or control > _CONTROL_SHARE * min(len(text), 10_000):
        raise _refused(
            path, "binary data, not text", "Read the ids from a CSV, Excel or text file."
        )
    return text


def _zip_kind(path: Path) -> Kind:
    """A workbook (``.xlsx``, ``.ods``) is a zip archive; so are a Numbers file and a zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError) as error:
        raise _refused(
            path, f"a damaged zip archive or workbook ({error})", "Save or export it again."
        ) from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        raise _refused(path, "a binary Excel workbook (.xlsb)", _SAVE_AS)
    if mimetype == b"application/vnd.oasis.opendocument.spreadsheet":
        return "ods"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise _refused(path, "an OpenDocument file that is not a spreadsheet", _SAVE_AS)
    if any(name.startswith("Index/") and name.endswith(".iwa") for name in names):
        raise _refused(path, *_NUMBERS)
    if "word/document.xml" in names:
        raise _refused(path, "a Word document", "Put the ids in a spreadsheet or text file.")
    listed = ", ".join(names[:3]) + (f" and {len(names) - 3:,} more" if len(names) > 3 else "")
    raise _refused(
        path,
        f"a zip archive ({listed or 'empty'})",
        "Unzip it and read the id file inside.",
    )


def _refused(path: Path, what: str, hint: str) -> ConfigurationError:
    return ConfigurationError(f"{path.name} is {what}, not a list of ids.", hint=hint)


def numbers_package(path: Path) -> ConfigurationError:
    """The error for a Numbers document saved as a folder (a macOS package)."""
    return _refused(path, *_NUMBERS)
