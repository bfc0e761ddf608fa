"""What a mapping says (DESIGN.md §12), read from a TOML file or a workbook's ``Mapping`` table, and checked.

Both forms become the same :class:`Mapping` through :func:`mapping_from_dict`:
a TOML file is a dict already; the rows of a ``Mapping`` Excel table
(columns ``table``, ``setting``, ``key``, ``value``) are folded into that dict
by :func:`mapping_from_rows`, each entry remembering its cell for messages.

A section per §3 table the user brings (``[Customers]``, ``[Subscriptions]``,
...) and an optional ``[Currency]``. Section settings:

==============  ==========================================================================
``file``        the source file, relative to the mapping file (.csv, .tsv, .txt, .xlsx)
``sheet``       the sheet of an .xlsx source (or, in a workbook's Mapping table, of that workbook)
``from``        ``rows`` (default), and for Subscriptions ``subscriptions``, ``invoices``, ``months``
``columns``     field = the source's column header
``constants``   field = a value for every row
``values``      field = { source text = value } (answer text -> score, status -> boolean)
``unpivot``     Responses: question header = survey (NPS, CSAT, CES), one row per answered cell
``dates``       ``iso`` (default), ``day-first``, ``month-first`` or a strftime format
``decimal``     ``.`` or ``,`` (default: ``,`` in a semicolon CSV, the French dialect, else ``.``)
``delimiter``   forces the CSV separator (default: the header line decides)
``scale``       field = factor (``amount = 0.01``: the source counts in cents)
``until``       subscriptions / invoices: the last month written (YYYY-MM)
==============  ==========================================================================

``[Currency]``: ``column`` (the source header of the currency, in every section
whose source has it) and ``rates`` (currency code = rate to the report currency).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import _xlsx
from ..dataset import TABLES
from ..errors import KpiInputError
from ..limits import ReadLimits, read_limits
from ..periods import to_month
from ._dates import check_date_format
from .billing import BILLING_KINDS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Mapping", "Section", "load_mapping", "mapping_from_dict", "mapping_from_rows", "rows_from_dict",
           "read_toml", "BUILTIN_MAPPINGS", "MAPPING_COLUMNS", "KINDS", "CUSTOMER_NAME", "section_fields"]

BUILTIN_DIR = Path(__file__).with_name("builtin")
#: built-in mappings: name -> TOML file (formats whose columns are published)
BUILTIN_MAPPINGS = {p.stem: p for p in sorted(BUILTIN_DIR.glob("*.toml"))}
#: the columns of a workbook's Mapping table
MAPPING_COLUMNS = ("table", "setting", "key", "value")
#: how a section's rows become §3 rows
KINDS = ("rows", "subscriptions", "invoices", "months")
#: a pseudo-field: the source names the customer (Customers.name), customer_id is looked up
CUSTOMER_NAME = "customer_name"

_SCALARS = ("file", "sheet", "from", "dates", "decimal", "delimiter", "until")
_DICTS = ("columns", "constants", "values", "unpivot", "scale")
_CURRENCY = {"column": "scalar", "rates": "dict"}
_NUMERIC = ("money", "count", "hours", "fraction")  # what scale may multiply


@dataclass(frozen=True)
class Section:
    """How one §3 table comes from one source."""

    table: str
    where: str                      # "mapping.toml, [Subscriptions]": for messages
    file: str | None = None
    sheet: str | None = None
    kind: str = "rows"
    columns: dict = field(default_factory=dict)     # field -> source header
    constants: dict = field(default_factory=dict)   # field -> value
    values: dict = field(default_factory=dict)      # field -> {source text (casefolded) -> value}
    unpivot: dict = field(default_factory=dict)     # source header -> survey
    dates: str | None = None
    decimal: str | None = None
    delimiter: str | None = None
    scale: dict = field(default_factory=dict)       # field -> factor
    until: pd.Timestamp | None = None
    cells: dict = field(default_factory=dict)       # (setting, key) -> where that entry was written


@dataclass(frozen=True)
class Mapping:
    """A checked mapping: sections in order, the currency rule, where it came from.

    ``base`` is the folder a section's ``file`` is relative to (None for a
    built-in mapping: its sources come from the command line); ``workbook`` is
    the workbook whose ``Mapping`` table it was read from (a section with a
    ``sheet`` and no ``file`` reads that workbook).
    """

    sections: dict
    origin: str
    currency_column: str | None = None
    rates: dict | None = None
    base: Path | None = None
    workbook: Path | None = None

    @property
    def tables(self) -> list[str]:
        """The §3 tables the mapping makes."""
        return list(self.sections)


def section_fields(table: str, kind: str, unpivot: bool = False) -> dict:
    """Field -> (kind of value, required) that a section of `table` read ``from = kind`` fills.

    Examples
    --------
    >>> sorted(section_fields("Subscriptions", "months"))
    ['customer_id', 'customer_name']
    >>> section_fields("Responses", "rows", unpivot=True)["score"]
    ('score', False)
    """
    if kind == "rows":
        out = dict(TABLES[table].columns)
        if unpivot:
            out["survey"] = (out["survey"][0], False)
            out["score"] = (out["score"][0], False)
    elif kind == "months":
        out = {"customer_id": ("id", True)}
    else:
        kinds = {"amount": "money", "tax": "money", "quantity": "count", "interval_count": "count",
                 "started_at": "date", "ended_at": "date", "trial_end": "date", "service_start": "date",
                 "service_end": "date", "customer_id": "id"}
        out = {f: (kinds.get(f, "text"), req) for f, req in BILLING_KINDS[kind].items()}
    if "customer_id" in out and table != "Customers":
        out[CUSTOMER_NAME] = ("text", False)
    return out


def _near(name: str, known) -> str:
    meant = _xlsx.near_miss(name, known)
    return f"; did you mean {meant}?" if meant else ""


class _Reader:
    """Reads one section's settings, naming the entry (TOML key or Mapping-table cell) of a problem."""

    def __init__(self, where: str, cells: dict) -> None:
        self.where, self.cells = where, cells

    def fail(self, message: str, setting: str | None = None, key: str | None = None):
        where = self.cells.get((setting, key)) or self.cells.get((setting, None)) or self.where
        raise KpiInputError(f"{where}: {message}", "value", location=where)

    def text(self, value, setting: str, key: str | None = None) -> str:
        if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
            self.fail(f"{setting}{'.' + key if key else ''} must be text, found {value!r}", setting, key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip() if not isinstance(value, str) else value.strip()

    def value(self, value, setting: str, key: str):
        """A cell value (a constant, a value map's result): text, a number, true/false or a date; not a list
        or a table."""
        if isinstance(value, (list, dict)):
            self.fail(f"{setting}.{key} must be text, a number, true/false or a date, found {value!r}", setting, key)
        return value

    def number(self, value, setting: str, key: str) -> float:
        if isinstance(value, str):
            try:
                value = float(value.strip().replace(",", "."))
            except ValueError:
                self.fail(f"{setting}.{key} must be a number, found {value!r}", setting, key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value == float("inf"):
            self.fail(f"{setting}.{key} must be a number above 0, found {value!r}", setting, key)
        return float(value)

    def table(self, value, setting: str) -> dict:
        if not isinstance(value, dict):
            self.fail(f"{setting} must be a table of key = value (e.g. {setting} = {{ ... }}), found {value!r}",
                      setting)
        return value


def _section(table: str, raw: dict, origin: str, cells: dict) -> Section:
    where = f"{origin}, [{table}]"
    r = _Reader(where, cells)
    unknown = [k for k in raw if k not in _SCALARS + _DICTS]
    if unknown:
        r.fail(f"unknown setting {unknown[0]!r}{_near(unknown[0], _SCALARS + _DICTS)} (settings: "
               f"{', '.join(_SCALARS + _DICTS)})", unknown[0])
    scalars = {k: r.text(raw[k], k) for k in _SCALARS if k in raw and k != "delimiter"}  # "\t" is blank text
    kind = scalars.get("from", "rows").lower()
    if kind not in KINDS:
        r.fail(f"from = {kind!r}: expected {', '.join(KINDS)}", "from")
    if kind != "rows" and table != "Subscriptions":
        r.fail(f"from = {kind!r} makes Subscriptions only; [{table}] reads rows", "from")
    unpivot = {r.text(k, "unpivot", k): r.text(v, "unpivot", k) for k, v in r.table(raw.get("unpivot", {}),
                                                                                       "unpivot").items()}
    if unpivot and table != "Responses":
        r.fail("unpivot makes Responses rows (one per answered question); it does not apply here", "unpivot")
    for header, survey in unpivot.items():
        if survey.upper() not in ("NPS", "CSAT", "CES"):
            r.fail(f"unpivot.{header!r} = {survey!r}: expected NPS, CSAT or CES", "unpivot", header)
    unpivot = {h: s.upper() for h, s in unpivot.items()}
    fields = section_fields(table, kind, bool(unpivot))

    def field_keys(setting: str) -> dict:
        entries = r.table(raw.get(setting, {}), setting)
        for name in entries:
            if name not in fields:
                r.fail(f"{setting}.{name}: {table} has no field {name!r}{_near(name, fields)} (fields: "
                       f"{', '.join(fields)})", setting, name)
        return entries

    columns = {f: r.text(h, "columns", f) for f, h in field_keys("columns").items()}
    constants = {f: r.value(v, "constants", f) for f, v in field_keys("constants").items()}
    values = {}
    for f, table_ in field_keys("values").items():
        values[f] = {r.text(k, f"values.{f}", k).casefold(): r.value(v, f"values.{f}", k)
                     for k, v in r.table(table_, f"values.{f}").items()}
    scale = {f: r.number(v, "scale", f) for f, v in field_keys("scale").items()}
    for f in scale:
        if fields[f][0] not in _NUMERIC:
            r.fail(f"scale.{f}: {f} is not a number field", "scale", f)
    both = set(columns) & set(constants)
    if both:
        name = sorted(both)[0]
        r.fail(f"{name} is both a column and a constant; keep one", "constants", name)
    if unpivot and ({"survey", "score"} & (set(columns) | set(constants))):
        r.fail("with unpivot, survey and score come from the question columns; remove them from columns and "
               "constants", "unpivot")
    if CUSTOMER_NAME in columns and "customer_id" in columns:
        r.fail("give customer_id or customer_name (looked up in Customers), not both", "columns", CUSTOMER_NAME)
    if kind == "months" and "customer_id" not in columns and CUSTOMER_NAME not in columns:
        r.fail("from = \"months\" needs the customer column: columns = { customer_id = \"<header>\" }", "columns")
    dates = scalars.get("dates")
    if dates is not None:
        try:
            dates = check_date_format(dates if "%" in dates else dates.lower())
        except ValueError as exc:
            r.fail(f"dates = {exc}", "dates")
    decimal = scalars.get("decimal")
    if decimal is not None and decimal not in (".", ","):
        r.fail(f"decimal = {decimal!r}: expected \".\" or \",\"", "decimal")
    delimiter = raw.get("delimiter")
    if delimiter is not None:
        if delimiter in ("\\t", "tab"):
            delimiter = "\t"
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            r.fail(f"delimiter = {delimiter!r}: expected one character such as \";\" or \"\\t\"", "delimiter")
    until = None
    if "until" in raw:
        if kind not in ("subscriptions", "invoices"):
            r.fail("until applies to from = \"subscriptions\" or \"invoices\"", "until")
        value = raw["until"]
        try:
            until = to_month(value if not isinstance(value, str) else value.strip(), "until")
        except KpiInputError:
            r.fail(f"until = {value!r} is not a month (use YYYY-MM)", "until")
    if scalars.get("sheet") is not None and scalars.get("file") is not None and not scalars["file"].lower(
            ).endswith((".xlsx", ".xlsm")):
        r.fail(f"sheet = {scalars['sheet']!r} goes with an .xlsx file, not {scalars['file']!r}", "sheet")
    return Section(table, where, scalars.get("file"), scalars.get("sheet"), kind, columns, constants, values,
                   unpivot, dates, decimal, delimiter, scale, until, dict(cells))


def mapping_from_dict(data: dict, origin: str, *, base: Path | None = None, workbook: Path | None = None,
                      cells: dict | None = None) -> Mapping:
    """A checked :class:`Mapping` from the dict of a TOML file (or of a Mapping table's rows).

    `cells` maps (section, setting, key) to where that entry was written (a
    Mapping-table cell), so that a problem names it.

    Examples
    --------
    >>> m = mapping_from_dict({"Subscriptions": {"file": "b.csv", "from": "subscriptions",
    ...                        "columns": {"amount": "plan_amount"}, "scale": {"amount": 0.01}}}, "m.toml")
    >>> m.tables, m.sections["Subscriptions"].scale
    (['Subscriptions'], {'amount': 0.01})
    >>> mapping_from_dict({"Subscription": {}}, "m.toml")
    Traceback (most recent call last):
    ...
    kpi_core.errors.KpiInputError: m.toml: unknown section [Subscription]; did you mean [Subscriptions]? (sections: Customers, Subscriptions, Responses, Tickets, Usage, Orders, Funnel, Acquisition, Currency)
    """
    cells = cells or {}
    known = [*TABLES, "Currency"]
    sections: dict = {}
    currency_column = rates = None
    for name, raw in data.items():
        if name not in known:
            meant = _xlsx.near_miss(name, known)
            where = cells.get((name, None, None)) or origin
            raise KpiInputError(f"{where}: unknown section [{name}]{f'; did you mean [{meant}]?' if meant else ''} "
                                f"(sections: {', '.join(known)})", "value", location=where)
        here = {(s, k): w for (t, s, k), w in cells.items() if t == name}
        r = _Reader(f"{origin}, [{name}]", here)
        if not isinstance(raw, dict):
            r.fail(f"expected a section of settings, found {raw!r}")
        if name == "Currency":
            unknown = [k for k in raw if k not in _CURRENCY]
            if unknown:
                r.fail(f"unknown setting {unknown[0]!r} (settings: column, rates)", unknown[0])
            currency_column = r.text(raw["column"], "column") if "column" in raw else None
            rates = {r.text(k, "rates", k).upper(): r.number(v, "rates", k)
                     for k, v in r.table(raw.get("rates", {}), "rates").items()} or None
            continue
        sections[name] = _section(name, raw, origin, here)
    if not sections:
        raise KpiInputError(f"{origin}: the mapping has no table section ([Customers], [Subscriptions], ...)",
                            "value", location=origin)
    return Mapping(sections, origin, currency_column, rates, base, workbook)


def _cell_value(v):
    """A Mapping-table cell as a setting value: numbers as numbers, text stripped, blanks None."""
    if v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()):
        return None
    if hasattr(v, "item"):
        v = v.item()
    return v.strip() if isinstance(v, str) else v


def mapping_from_rows(frame: pd.DataFrame, locate, origin: str, *, workbook: Path | None = None) -> Mapping:
    """A :class:`Mapping` from the rows of a workbook's ``Mapping`` table (table, setting, key, value).

    A row sets one setting of one table's section: ``Subscriptions | from | | subscriptions``;
    a setting that is a table of entries takes its entry's name in ``key``:
    ``Subscriptions | columns | amount | plan_amount``; ``values`` names its field after a
    dot: ``Responses | values.score | Très satisfait | 5``. Blank rows are skipped.
    `locate(column, position)` names a row's cell in messages.

    Examples
    --------
    >>> rows = pd.DataFrame([["Customers", "sheet", None, "CRM"], ["Customers", "columns", "customer_id", "Id"],
    ...                      ["Currency", "rates", "usd", 0.9]], columns=list(MAPPING_COLUMNS))
    >>> m = mapping_from_rows(rows, lambda c, i: f"row {i + 2}, column {c}", "book.xlsx, table Mapping")
    >>> m.sections["Customers"].sheet, m.sections["Customers"].columns, m.rates
    ('CRM', {'customer_id': 'Id'}, {'USD': 0.9})
    """
    missing = [c for c in MAPPING_COLUMNS if c not in frame.columns]
    if missing:
        raise KpiInputError(f"{origin}: missing column(s) {', '.join(missing)} (a Mapping table has the columns "
                            f"{', '.join(MAPPING_COLUMNS)}; found: {', '.join(map(str, frame.columns))})", "value",
                            location=origin)
    data: dict = {}
    cells: dict = {}
    for pos, row in enumerate(frame[list(MAPPING_COLUMNS)].itertuples(index=False)):
        table, setting, key, value = (_cell_value(v) for v in row)
        if table is None and setting is None and key is None and value is None:
            continue
        for column, v in (("table", table), ("setting", setting)):
            if v is None:
                where = locate(column, pos)
                raise KpiInputError(f"{where}: is blank; each row names a table and a setting", "value",
                                    location=where)
        table, setting = str(table), str(setting)
        where = locate("value", pos)
        section = data.setdefault(table, {})
        cells.setdefault((table, None, None), locate("table", pos))
        head, _, field_ = setting.partition(".")
        if setting in _DICTS or setting == "rates" or (head == "values" and field_):
            if key is None:
                raise KpiInputError(f"{locate('key', pos)}: is blank; the setting {setting} needs a key (a field, "
                                    "a header or a source text)", "value", location=locate("key", pos))
            entries = section.setdefault(head, {})
            if head == "values":
                entries = entries.setdefault(field_, {})
            key = str(int(key)) if isinstance(key, float) and key.is_integer() else str(key)
            entries[key] = value
            cells[(table, setting if head != "values" else f"values.{field_}", key)] = where
        else:
            if key is not None:
                raise KpiInputError(f"{locate('key', pos)}: the setting {setting} takes no key (found {key!r})",
                                    "value", location=locate("key", pos))
            section[setting] = value
            cells[(table, setting, None)] = where
    # a file the table names is relative to the workbook holding it, as a mapping file's are to that file (§12)
    return mapping_from_dict(data, origin, workbook=workbook, cells=cells,
                             base=workbook.parent if workbook is not None else None)


def rows_from_dict(data: dict) -> pd.DataFrame:
    """The rows of a ``Mapping`` table (table, setting, key, value) saying what the dict of a mapping says.

    The inverse of :func:`mapping_from_rows` (``cskpi sample --mapping`` writes a
    workbook's Mapping table with it).

    Examples
    --------
    >>> rows_from_dict({"Responses": {"sheet": "Survey", "values": {"score": {"Oui": 5}}}}).values.tolist()
    [['Responses', 'sheet', None, 'Survey'], ['Responses', 'values.score', 'Oui', 5]]
    """
    rows = []
    for table, settings in data.items():
        for setting, value in settings.items():
            if setting == "values":
                rows += [[table, f"values.{f}", k, v] for f, entries in value.items() for k, v in entries.items()]
            elif isinstance(value, dict):
                rows += [[table, setting, k, v] for k, v in value.items()]
            else:
                rows.append([table, setting, None, value])
    return pd.DataFrame(rows, columns=list(MAPPING_COLUMNS), dtype=object)


def read_toml(path: Path, limits: ReadLimits | None = None) -> dict:
    """The dict of a TOML mapping file, size-limited; a syntax error names its line."""
    limits = read_limits(limits)
    size = path.stat().st_size
    if size > limits.max_file_mb * 1024 * 1024:
        raise limits.refuse(path.name, f"is {size / 2**20:,.0f} MB", "max_file_mb")
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise KpiInputError(f"{path.name}: not UTF-8 text (byte {exc.start}); save the mapping as UTF-8", "value",
                            location=path.name) from None
    except tomllib.TOMLDecodeError as exc:
        raise KpiInputError(f"{path.name}: not a valid TOML file: {exc}", "value", location=path.name) from None
    except OSError as exc:
        raise KpiInputError(f"{path.name}: cannot be read ({exc.strerror or exc})", "value") from None


def load_mapping(path_or_name, limits: ReadLimits | None = None) -> Mapping:
    """A mapping from a TOML file, a workbook's ``Mapping`` table, or a built-in name.

    Parameters
    ----------
    path_or_name : str, Path or Mapping
        A ``.toml`` file (DESIGN.md §12), an ``.xlsx`` holding an Excel table named
        ``Mapping`` (columns table, setting, key, value), or a built-in mapping's
        name (``"baremetrics"``: Baremetrics' subscription CSV template).
    limits : ReadLimits, optional
        Size limits on the file read.

    Raises
    ------
    KpiInputError
        A missing or unreadable file, a TOML syntax error (with its line), or a
        setting the mapping cannot have, naming the section and setting.

    Examples
    --------
    >>> m = load_mapping("baremetrics")
    >>> m.tables, m.sections["Subscriptions"].kind, m.sections["Subscriptions"].scale
    (['Subscriptions', 'Customers'], 'subscriptions', {'amount': 0.01})
    """
    if isinstance(path_or_name, Mapping):
        return path_or_name
    text = str(path_or_name)
    if text in BUILTIN_MAPPINGS:
        return mapping_from_dict(read_toml(BUILTIN_MAPPINGS[text], ReadLimits()), f"built-in mapping {text}")
    path = Path(path_or_name)
    limits = read_limits(limits)
    if not path.exists():
        builtin = ", ".join(BUILTIN_MAPPINGS)
        raise KpiInputError(f"{path}: no such mapping file (a .toml file, an .xlsx with a Mapping table, or a "
                            f"built-in mapping: {builtin})", "value", location=str(path))
    if path.suffix.lower() in (".xlsx", ".xlsm") and path.is_file():
        found = _xlsx.read_named_table(path, "Mapping", limits)
        if found is None:
            raise KpiInputError(f"{path.name}: no Excel table named Mapping (columns {', '.join(MAPPING_COLUMNS)})",
                                "value", location=path.name)
        return mapping_from_rows(*found, f"{path.name}, table Mapping", workbook=path)
    if path.suffix.lower() != ".toml" or not path.is_file():
        raise KpiInputError(f"{path}: expected a .toml mapping file or an .xlsx with a Mapping table", "value",
                            location=str(path))
    return mapping_from_dict(read_toml(path, limits), path.name, base=path.parent)
