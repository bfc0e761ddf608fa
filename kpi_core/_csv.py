"""Reading one dataset CSV file: encoding, dialect, header, blank lines, French dates.

Rules (README "Definitions and decisions"):

- Encoding: a UTF-16 or UTF-8 byte-order mark is followed; otherwise UTF-8,
  then Windows-1252. A file valid in neither (e.g. DOS cp850, where "ü" is
  byte 0x81) is refused, naming the byte offset and line; so is a file with
  NUL bytes and no BOM (UTF-16 without its mark).
- Dialect: the header line decides. More ``;`` than ``,`` is the French
  Excel dialect: semicolons, decimal commas, and day-first dates
  (``14/03/2026``, ``14/03/2026 09:30``; months also ``03/2026``). In a comma
  file a slashed date is refused (03/04/2026 is 3 April in France and March 4
  in the US): nothing is guessed per value.
- Header: names are stripped; a name given twice is an error.
- Blank lines are skipped, and messages keep naming the file's line numbers.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import KpiInputError
from .limits import ReadLimits

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_DAY_FIRST = r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
_MONTH_SLASH = r"^\s*(\d{1,2})/(\d{4})\s*$"


def _err(where: str, message: str) -> KpiInputError:
    return KpiInputError(f"{where}: {message}", "value", location=where)


def decode(path: Path, raw: bytes) -> str:
    """The text of a CSV file by the encoding rule of the module docstring."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _err(path.name, f"not valid {encoding.upper()} at byte {exc.start} despite its "
                                      "byte-order mark; save it again as CSV UTF-8") from None
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise _err(path.name, f"holds a NUL byte at byte {nul} (line {line}): it looks "
                              "like UTF-16 without a byte-order mark or a binary file; save it as CSV UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise _err(path.name, f"not UTF-8 nor Windows-1252: byte 0x{raw[exc.start]:02X} at byte {exc.start} "
                                  f"(line {line}; first invalid UTF-8 at byte {utf8_error.start}); save it as "
                                  "CSV UTF-8 (Excel: File > Save As > CSV UTF-8)") from None


def read_csv(path: Path, numeric_columns, date_columns, month_columns, limits: ReadLimits,
             delimiter: str | None = None) -> tuple[pd.DataFrame, np.ndarray, str]:
    """(frame of text, file line number of each row, separator) of one CSV file.

    Blank lines are dropped; `numeric_columns` get decimal commas turned into
    points and `date_columns`/`month_columns` day-first dates into ISO text in
    the French dialect. `delimiter` forces the separator (default: the header
    line decides, see the module docstring).
    """
    if path.is_dir():
        raise _err(path.name, "is a folder, not a CSV file")
    try:
        size = path.stat().st_size
        if size > limits.max_file_mb * 1024 * 1024:
            raise limits.refuse(path.name, f"is {size / 2**20:,.0f} MB", "max_file_mb")
        raw = path.read_bytes()
    except OSError as exc:
        raise _err(path.name, f"cannot be read ({exc.strerror or exc})") from None
    frame, sep = _fast_read(path, raw, set(numeric_columns), delimiter)
    if frame is not None:
        lines = np.arange(len(frame)) + 2
    else:
        frame, lines, sep = _careful_read(path, raw, delimiter)
    if sep == ";":
        for column in numeric_columns:
            if column in frame:
                if frame[column].dtype.kind != "f":  # the fast path parsed it already
                    frame[column] = frame[column].str.replace(",", ".", regex=False)
        for column in date_columns:
            if column in frame:
                frame[column] = _day_first_to_iso(frame[column])
        for column in month_columns:
            if column in frame:
                frame[column] = _day_first_to_iso(_month_slash_to_iso(frame[column]))
    return frame, lines, sep


def _header(path: Path, first: str, delimiter: str | None = None) -> tuple[str, list, list]:
    """(separator, header as written, stripped header) of a header line; a repeated name is an error."""
    sep = delimiter or (";" if first.count(";") > first.count(",") else ",")
    raw_header = next(csv.reader([first.rstrip("\r")], delimiter=sep))
    header = [h.strip() for h in raw_header]
    seen: dict[str, int] = {}
    for j, h in enumerate(header):
        if h in seen:
            raise _err(f"{path.name}, row 1, column {h}",
                       f"the header names column {h} twice (columns {seen[h] + 1} and {j + 1}); each column name "
                       "must be unique")
        seen[h] = j
    return sep, raw_header, header


_EMPTYISH_LINE = re.compile(rb"\n[ \t\r,;\"]*\n")


def _fast_read(path: Path, raw: bytes, numeric: set, delimiter: str | None = None
               ) -> tuple[pd.DataFrame | None, str]:
    """The common case, read by pyarrow straight from the bytes: UTF-8, no blank or empty-valued line.

    The `numeric` columns are parsed as numbers (decimal commas in the French dialect), blank
    cells as NaN; a value that is not a plain number (text, "nan", "inf", spaces) sends the
    file to the careful path, whose messages name it.

    Returns (None, "") when the file needs the careful path (another encoding, a blank line, a
    line pyarrow cannot parse): that path gives the exact messages and line numbers.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        return None, ""
    data = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    cut = data.find(b"\n")
    if cut < 0:
        return None, ""
    try:
        first = data[:cut].decode("utf-8")
    except UnicodeDecodeError:
        return None, ""
    sep, raw_header, header = _header(path, first, delimiter)
    body = data[cut + 1:]
    if not body.strip() or _EMPTYISH_LINE.search(body) or body.startswith((b"\n", b"\r\n")):
        return None, ""
    frame = _read_arrow(body, sep, raw_header, [h in numeric for h in header])
    if frame is not None:
        frame.columns = header
    return frame, sep


def _careful_read(path: Path, raw: bytes, delimiter: str | None = None) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Any file: decoded by the encoding rule, parsed by pandas keeping blank lines for line numbers."""
    text = decode(path, raw)
    if not text.strip():
        raise _err(path.name, "is empty; expected a header line with the column names")
    sep, _, _ = _header(path, text.lstrip("\ufeff").split("\n", 1)[0], delimiter)  # refuses a repeated name
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise _err(path.name, f"not a readable CSV file ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    filled = np.zeros(len(frame), dtype=bool)
    for column in frame.columns:
        filled |= (frame[column].str.strip() != "").to_numpy(dtype=bool)
    lines = np.flatnonzero(filled) + 2
    return frame[filled].reset_index(drop=True), lines, sep


def _read_arrow(body: bytes, sep: str, raw_header: list, numeric: list) -> pd.DataFrame | None:
    """The data rows (UTF-8 bytes after the header line) through pyarrow, or None when it cannot.

    Columns are text, except those flagged `numeric`: float64, blank -> NaN.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # the optional 'fast' extra: pandas reads the file instead
        return None

    names = [f"c{j}" for j in range(len(raw_header))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.float64() if num else pa.string() for n, num in zip(names, numeric)},
                null_values=[""], strings_can_be_null=False, quoted_strings_can_be_null=False,
                decimal_point="," if sep == ";" else "."))
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    import pyarrow.compute as pc

    for name, num in zip(names, numeric):
        if num and len(table) and (pc.any(pc.is_nan(table[name])).as_py() or pc.any(pc.is_inf(table[name])).as_py()):
            return None  # "nan" / "inf" text: the careful path names it
    return table.to_pandas()


def _day_first_to_iso(s: pd.Series) -> pd.Series:
    """DD/MM/YYYY[ HH:MM[:SS]] -> YYYY-MM-DD[ HH:MM[:SS]] (vectorised); other values unchanged."""
    parts = s.str.extract(_DAY_FIRST)
    hit = parts[0].notna().to_numpy()
    if not hit.any():
        return s
    iso = parts[2] + "-" + parts[1].str.zfill(2) + "-" + parts[0].str.zfill(2) + parts[3].fillna("")
    return s.where(~hit, iso)


def _month_slash_to_iso(s: pd.Series) -> pd.Series:
    """MM/YYYY -> YYYY-MM (French month columns)."""
    parts = s.str.extract(_MONTH_SLASH)
    hit = parts[0].notna().to_numpy()
    if not hit.any():
        return s
    return s.where(~hit, parts[1] + "-" + parts[0].str.zfill(2))
