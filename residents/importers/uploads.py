"""An uploaded import file, before an importer looks at its rows.

Every import takes a file from a browser or a shell and must not trust it: this module reads
at most one byte past the limit of its kind whatever size the upload declared and refuses a
file that is too large. ``Problem`` is what every importer reports.

The limits of every import live here, in its ``UploadKind``: bytes (checked in the web
request, which only stores the file), and rows, line length and reading time (checked by the
worker that reads it); rosters add events, occurrences per repeating event and per file. Each
is refused with a message that names it.

``read_table`` is the one reader of the tabular imports (residents, intervisors, groups,
intervisors' absences): CSV separated by ``,`` ``;`` or tab, with or without byte order mark,
in UTF-8, UTF-16 (Excel's "Unicode text") or Windows-1252 (older Excel's "CSV"), or an Excel
workbook (.xlsx, its first sheet). Headers are matched by name, in English or Dutch, whatever
their case and spacing. ``parse_date`` and ``parse_decimal`` read the cells the way Dutch Excel
writes them. The roster import still reads its CSV with ``read_text`` and ``csv_reader``, which
accept UTF-8 only.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Problem:
    """Why the file cannot be imported. ``line`` is the line in the file (the header is line 1
    when the file starts with it); ``None`` means the file as a whole."""

    line: int | None
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = _("line %(line)s") % {"line": self.line} if self.line else _("file")
        if self.column:
            where = f"{where}, {self.column}"
        value = f" ({self.value!r})" if self.value else ""
        return f"{where}: {self.reason}{value}"


@dataclass(frozen=True)
class UploadKind:
    """What one import accepts: its limits, the file names it takes, what its messages advise."""

    max_bytes: int
    too_large: str  # with %(limit)s, the limit in MB
    how_to_fix_encoding: str
    max_rows: int = 5000
    suffixes: tuple[str, ...] = (".csv", ".txt", ".tsv", ".xlsx")
    # A line longer than this is no table a person wrote: refused before it is split in cells.
    max_line_chars: int = 10_000
    # How long a worker may read and check one file before it gives up, named.
    max_seconds: int = 60
    # Rosters only: events in one .ics, occurrences of one repeating event, and occurrences
    # all repeating events of one file add up to.
    max_events: int = 0
    max_per_rule: int = 0
    max_repeats: int = 0
    # Rosters only: files in one import (a zip, a folder, one upload field), and what a zip
    # may unpack to.
    max_files: int = 1
    max_unpacked_bytes: int = 0

    @property
    def limit_mb(self) -> int:
        return self.max_bytes // (1024 * 1024)


RESIDENTS = UploadKind(
    max_bytes=2 * 1024 * 1024, max_rows=5000,
    too_large=gettext_lazy("The file is larger than %(limit)s MB. Split it into smaller files."),
    how_to_fix_encoding=gettext_lazy(
        "In Excel choose 'Save as' → 'CSV UTF-8 (comma delimited)' and upload that file."),
)
INTERVISORS = UploadKind(
    max_bytes=1 * 1024 * 1024, max_rows=1000,
    too_large=RESIDENTS.too_large,
    how_to_fix_encoding=RESIDENTS.how_to_fix_encoding,
)
GROUPS = UploadKind(
    max_bytes=1 * 1024 * 1024, max_rows=500,
    too_large=RESIDENTS.too_large,
    how_to_fix_encoding=RESIDENTS.how_to_fix_encoding,
)
ABSENCES = UploadKind(
    max_bytes=1 * 1024 * 1024, max_rows=5000,
    too_large=RESIDENTS.too_large,
    how_to_fix_encoding=RESIDENTS.how_to_fix_encoding,
)
ROSTERS = UploadKind(
    max_bytes=25 * 1024 * 1024,  # a year for 500 residents is about 12 MB of CSV
    too_large=gettext_lazy("The file is larger than %(limit)s MB. Split it by period or department."),
    how_to_fix_encoding=gettext_lazy("Export it as UTF-8 (in Excel: 'CSV UTF-8')."),
    # A year for 500 residents is about 180,000 entries.
    max_rows=400_000,
    suffixes=(".csv", ".txt", ".ics", ".ical", ".ifb", ".zip"),
    max_seconds=300,
    # Reading an .ics costs about 0.3 ms and 3 kB per event: a year of one department.
    max_events=50_000,
    # A shift every day for five years; a rule past it is a mistake, not a roster.
    max_per_rule=2_000,
    max_repeats=100_000,
    max_files=2000,
    max_unpacked_bytes=20 * 25 * 1024 * 1024,
)


# What one request may carry in all, files and form: the largest kind's limit and a megabyte
# for the form and the multipart framing. Past it Django stops reading (upload_handlers.py).
MAX_REQUEST_BYTES = max(k.max_bytes for k in (RESIDENTS, INTERVISORS, GROUPS, ABSENCES, ROSTERS)) \
    + 1024 * 1024


def request_too_large() -> str:
    return _("The upload is larger than %(limit)s MB in all, more than any import takes; "
             "nothing was kept. Upload fewer files at once, or a .zip of them.") % {
        "limit": MAX_REQUEST_BYTES // (1024 * 1024)}


# --- Reading ----------------------------------------------------------------------------------

def read_limited(stream: IO[bytes], kind: UploadKind) -> bytes:
    """The stream's bytes, but at most one past ``kind``'s limit: enough to tell a file that is
    too large without holding it, whatever size its upload declared."""
    return stream.read(kind.max_bytes + 1)


def read_upload(upload: IO[bytes], kind: UploadKind) -> bytes:
    """An upload form's file as bytes; ``ValidationError`` (code ``too_large``) past the limit."""
    data = read_limited(upload, kind)
    problem = size_problem(data, kind)
    if problem:
        raise ValidationError(problem.reason, code="too_large")
    return data


def upload_problem(name: str, size: int, head: bytes, kind: UploadKind) -> str:
    """Why the web request refuses an upload before storing it ("" when it does not): too
    large, or not a file of this import by its name. Nothing more is read in the request."""
    if size > kind.max_bytes:
        return str(kind.too_large) % {"limit": kind.limit_mb}
    if not name.lower().endswith(kind.suffixes):
        return _("%(name)s is not a file this import reads (it takes %(suffixes)s).") % {
            "name": name, "suffixes": ", ".join(kind.suffixes)}
    if head.startswith(_XLS_MAGIC):
        return _("This is an Excel 97-2003 workbook (.xls). Save it as an Excel workbook (.xlsx) "
                 "or as CSV and upload that file.")
    if not size:
        return _("The file is empty.")
    return ""


class TooSlow(Exception):
    """Reading a file took longer than its kind allows (``UploadKind.max_seconds``)."""


class Deadline:
    """When a worker stops reading a file: ``check()`` raises ``TooSlow`` past it."""

    def __init__(self, kind: UploadKind):
        import time

        self._clock = time.monotonic
        self.seconds = kind.max_seconds
        self._end = self._clock() + kind.max_seconds
        self._calls = 0

    def check(self) -> None:
        self._calls += 1
        if self._calls % 256 == 0 and self._clock() > self._end:
            raise TooSlow

    def problem(self) -> Problem:
        return Problem(None, "", "", _(
            "Reading the file took longer than %(limit)s seconds, the limit of this import. "
            "Split it into smaller files.") % {"limit": self.seconds})


def long_line_problem(text: str, kind: UploadKind) -> Problem | None:
    """The first line longer than the kind allows, named; found without splitting the text."""
    start, number = 0, 1
    while start < len(text):
        end = text.find("\n", start)
        if end == -1:
            end = len(text)
        if end - start > kind.max_line_chars:
            return Problem(number, "", "", _(
                "This line is longer than %(limit)s characters, the limit of this import.")
                % {"limit": f"{kind.max_line_chars:,}"})
        start, number = end + 1, number + 1
    return None


def size_problem(data: bytes | str, kind: UploadKind) -> Problem | None:
    size = len(data.encode() if isinstance(data, str) else data)
    if size > kind.max_bytes:
        return Problem(None, "", "", str(kind.too_large) % {"limit": kind.limit_mb})
    return None


def decode(data: bytes | str, kind: UploadKind) -> tuple[str, Problem | None]:
    """The file's text, or a problem when it is not UTF-8 (with or without byte order mark)."""
    fix = str(kind.how_to_fix_encoding)
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "", Problem(None, "", "", _("The file is saved as UTF-16, not UTF-8.") + " " + fix)
    try:
        return data.removeprefix(codecs.BOM_UTF8).decode("utf-8"), None
    except UnicodeDecodeError as error:
        # Decoding anyway would garble names (Latin-1 "é" is not UTF-8); say where instead.
        line = data[: error.start].count(b"\n") + 1
        return "", Problem(line, "", "", _(
            "The file is not UTF-8 encoded (the first character that cannot be read is on this "
            "line); it was probably saved as Latin-1 or Windows-1252."
        ) + " " + fix)


def read_text(data: bytes | str, kind: UploadKind) -> tuple[str, Problem | None]:
    """The file's text, or the first reason it cannot be read at all: too large, not UTF-8,
    empty. Checked in that order, so a huge file is never decoded."""
    problem = size_problem(data, kind)
    if problem:
        return "", problem
    text, problem = decode(data, kind)
    if problem:
        return "", problem
    if not text.strip():
        return text, Problem(None, "", "", _("The file is empty."))
    return text, None


# --- CSV --------------------------------------------------------------------------------------

def detect_delimiter(text: str) -> str:
    """``,`` or ``;`` (Dutch Excel) or a tab, whichever the header line uses most."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def normalise_header(name: str) -> str:
    return "_".join(name.strip().lower().split())


def csv_reader(text: str):
    """A ``csv.reader`` over ``text`` with the delimiter its header uses.

    newline="" as the csv module asks, so quoted cells may hold line breaks and lines ending
    in \\r\\n or \\r are counted correctly. A reader rather than a DictReader: reading row by
    row tells the first line of each row exactly, even after blank lines."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))


def _blank(cells: list[str]) -> bool:
    # A blank line, or a row of empty cells as spreadsheets export them.
    return not any(cell.strip() for cell in cells)


def read_header(reader) -> tuple[list[str], int] | None:
    """The first row that is not blank, its names normalised, and its line; None if none."""
    for cells in reader:
        if not _blank(cells):
            return [normalise_header(cell) for cell in cells], reader.line_num
    return None


def data_rows(reader) -> Iterator[tuple[int, list[str]]]:
    """The rows after the header that are not blank, each with the line it starts on.

    ``csv.Error`` passes through; ``reader.line_num`` then names the line it stopped at."""
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        if not _blank(cells):
            yield line, cells


# --- Tables: CSV or Excel, as the tabular imports read them -----------------------------------

@dataclass(frozen=True)
class Column:
    """A column an import reads: its name in messages and documentation, the other names a
    header may give it (Dutch, spreadsheet habits), and whether a file must have it."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Row:
    """One row that is not blank: the line it starts on and its cells by column name (only the
    columns the file has, each stripped of surrounding spaces)."""

    line: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # What the file turned out to be, for the preview: "CSV, UTF-8, separated by ';'".
    source: str = ""
    columns: tuple[str, ...] = ()  # the known columns the header names
    ignored: tuple[str, ...] = ()  # header names that are no column of this import

    def has(self, name: str) -> bool:
        return name in self.columns


_XLSX_MAGIC = b"PK\x03\x04"  # a zip archive, which an .xlsx workbook is
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the Excel 97-2003 format
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab"}


def header_key(name: str) -> str:
    """How header names compare: case, spaces, underscores, hyphens and dots do not count, so
    "E-mail", "email" and "Start date" match "email" and "start_date"."""
    return re.sub(r"[\s_\-.]+", "", name.removeprefix("\ufeff").casefold())


def read_table(
    data: bytes | str, kind: UploadKind, columns: Sequence[Column], *, max_rows: int | None = None,
    too_many: str = "",
) -> Table:
    """Read a CSV file or an Excel workbook into rows of named cells; never touches the
    database. Problems name the line and column, each once; a file with a problem in its
    header has no rows. ``too_many`` (with %(limit)s) says what to do past ``max_rows`` (the
    kind's limit unless given); a line too long or reading past the kind's time is refused."""
    table = Table()
    max_rows = kind.max_rows if max_rows is None else max_rows
    problem = size_problem(data, kind)
    if problem:
        table.problems.append(problem)
        return table
    if isinstance(data, bytes) and data.startswith(_XLS_MAGIC):
        table.problems.append(Problem(None, "", "", _(
            "This is an Excel 97-2003 workbook (.xls). Save it as an Excel workbook (.xlsx) or as "
            "CSV and upload that file.")))
        return table
    if isinstance(data, bytes) and data.startswith(_XLSX_MAGIC):
        lines = _xlsx_lines(data, table)
    else:
        lines = _csv_lines(data, kind, table)
    if lines is None:
        return table
    deadline = Deadline(kind)
    try:
        _read_lines(lines, columns, table, max_rows=max_rows, too_many=too_many, deadline=deadline)
    except TooSlow:
        table.problems.append(deadline.problem())
        table.rows = []
    except csv.Error as error:
        table.problems.append(Problem(getattr(lines, "line_num", None) or None, "", "", _(
            "This line cannot be read as CSV: %(error)s") % {"error": error}))
    table.problems = list(dict.fromkeys(table.problems))  # each problem once
    if table.problems:
        table.rows = [r for r in table.rows if r.line not in {p.line for p in table.problems}]
    return table


def table_text(data: bytes | str, kind: UploadKind) -> tuple[str, Problem | None]:
    """A table file as CSV text, for readers that go on from text: CSV in any encoding Excel
    writes (as ``read_table`` decodes it), or the first sheet of an .xlsx workbook written out
    as CSV (dates as ISO dates, as ``read_table`` reads its cells). Or the first reason it
    cannot be read."""
    problem = size_problem(data, kind)
    if problem:
        return "", problem
    table = Table()
    if isinstance(data, bytes) and data.startswith(_XLS_MAGIC):
        return "", Problem(None, "", "", _(
            "This is an Excel 97-2003 workbook (.xls). Save it as an Excel workbook (.xlsx) or as "
            "CSV and upload that file."))
    if isinstance(data, bytes) and data.startswith(_XLSX_MAGIC):
        lines = _xlsx_lines(data, table)
        if lines is None:
            return "", table.problems[0]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(cells for _line, cells in lines)
        return out.getvalue(), None
    try:
        text, _encoding = decode_any(data)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return "", Problem(line, "", "", _(
            "The file is neither UTF-8 nor Windows-1252 (the first character that cannot be read "
            "is on this line).") + " " + str(kind.how_to_fix_encoding))
    if not text.strip():
        return text, Problem(None, "", "", _("The file is empty."))
    return text, None


def decode_any(data: bytes | str) -> tuple[str, str]:
    """The file's text and the encoding it was read in (as the preview names it).

    UTF-8 first, with or without byte order mark, then UTF-16 with its byte order mark, then
    Windows-1252, which is what Excel writes as "CSV" on a Dutch Windows. A file that is none
    of these raises ``UnicodeDecodeError``."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), "UTF-8"
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), _("UTF-8 with byte order mark")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16").removeprefix("\ufeff"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; a file using them is not that either.
        return data.decode("cp1252"), "Windows-1252"


class _Lines:
    """Rows of cells, each with the line it starts on: the common shape of CSV and Excel."""

    def __init__(self, rows: Iterator[tuple[int, list[str]]]):
        self._rows = rows
        self.line_num = 0

    def __iter__(self):
        for line, cells in self._rows:
            self.line_num = line
            yield line, cells


def _csv_lines(data: bytes | str, kind: UploadKind, table: Table) -> _Lines | None:
    try:
        text, encoding = decode_any(data)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        table.problems.append(Problem(line, "", "", _(
            "The file is neither UTF-8 nor Windows-1252 (the first character that cannot be read "
            "is on this line).") + " " + str(kind.how_to_fix_encoding)))
        return None
    if not text.strip():
        table.problems.append(Problem(None, "", "", _("The file is empty.")))
        return None
    if problem := long_line_problem(text, kind):
        table.problems.append(problem)
        return None
    delimiter = detect_delimiter(text)
    table.source = _("CSV, %(encoding)s, separated by %(delimiter)s") % {
        "encoding": encoding, "delimiter": _DELIMITER_NAMES[delimiter]}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                lines.line_num = reader.line_num
                raise
            yield line, cells

    lines = _Lines(rows())
    return lines


def _xlsx_lines(data: bytes, table: Table) -> _Lines | None:
    # Imported here: only an Excel upload needs openpyxl, so web processes load it on demand.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        table.problems.append(Problem(None, "", "", _(
            "This file cannot be read as an Excel workbook (.xlsx). Save it again from Excel, or "
            "as CSV.")))
        return None
    sheet = workbook.worksheets[0]
    table.source = _("Excel workbook, sheet '%(sheet)s'") % {"sheet": sheet.title}

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell_text(v) for v in values]
        finally:
            workbook.close()

    return _Lines(rows())


def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export would hold; dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_lines(
    lines: _Lines, columns: Sequence[Column], table: Table, *, max_rows: int, too_many: str,
    deadline: Deadline,
) -> None:
    by_key: dict[str, str] = {}
    for column in columns:
        for name in (column.name, *column.aliases):
            by_key[header_key(name)] = column.name
    rows = iter(lines)
    header_line, header = next(
        ((line, cells) for line, cells in rows if not _blank(cells)), (0, None))
    if header is None:
        table.problems.append(Problem(None, "", "", _("The file is empty.")))
        return

    names: list[str] = []  # the column name of each cell, "" when none
    ignored: list[str] = []
    for cell in header:
        written = cell.strip().removeprefix("\ufeff")
        name = by_key.get(header_key(written), "")
        if name and name in names:
            table.problems.append(Problem(header_line, name, written, _(
                "This column appears twice.")))
            name = ""
        elif written and not name:
            ignored.append(written)
        names.append(name)
    table.columns = tuple(n for n in names if n)
    table.ignored = tuple(ignored)
    for column in columns:
        if column.required and column.name not in names:
            also = ", ".join(column.aliases[:3])
            reason = _("This column is missing from the header; no row can be read without it.")
            if also:
                reason += " " + _("It may also be called: %(names)s.") % {"names": also}
            table.problems.append(Problem(header_line, column.name, "", reason))
    if table.problems:
        return

    count = 0
    for line, cells in rows:
        deadline.check()
        if _blank(cells):
            continue
        count += 1
        if count > max_rows:
            table.problems.append(Problem(None, "", "", (too_many or _(
                "The file has more than %(limit)s rows. Split it into smaller files."))
                % {"limit": f"{max_rows:,}"}))
            table.rows = []
            return
        values: dict[str, str] = {}
        for index, cell in enumerate(cells):
            name = names[index] if index < len(names) else ""
            if name:
                values[name] = cell.strip()
            elif cell.strip() and (index >= len(header) or not header[index].strip()):
                table.problems.append(Problem(line, "", cell.strip(), _(
                    "This row has a value in column %(number)s, which has no name in the header."
                ) % {"number": index + 1}))
        table.rows.append(Row(line, values))
    if count == 0:
        table.problems.append(Problem(None, "", "", _("The file has a header but no rows.")))


# --- Cells ------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T]00:00(?::00)?)?")
# Day first, as Dutch Excel writes dates; "/" is refused because it is ambiguous (09/01/2024).
_DUTCH_DATE = re.compile(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})")


def parse_date(value: str) -> dt.date:
    """A date written as ISO (2027-09-27) or as Dutch Excel writes it, day first (27-9-2027,
    27-09-2027). ``ValueError`` with a message for the person otherwise."""
    if match := _ISO_DATE.fullmatch(value.strip()):
        year, month, day = match.groups()
    elif match := _DUTCH_DATE.fullmatch(value.strip()):
        day, month, year = match.groups()
    else:
        raise ValueError(_("Write dates as YYYY-MM-DD (2027-09-27) or DD-MM-YYYY (27-09-2027)."))
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(_("There is no such date.")) from None


def parse_decimal(value: str) -> Decimal:
    """A number with a decimal point or a decimal comma (0.8 or 0,8); ``ValueError`` otherwise."""
    text = value.strip()
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("This is not a number.")) from None
    if not number.is_finite():
        raise ValueError(_("This is not a number."))
    return number


# --- Outcomes every import shares -------------------------------------------------------------

class ImportRefused(ValidationError):
    """The rows cannot be imported; nothing was written. ``problems`` says why, row by row."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__([str(p) for p in self.problems])


class ImportOutdated(Exception):
    """The data changed between the preview and the confirmation; ``plan`` is the new one."""

    def __init__(self, plan: object):
        self.plan = plan
        super().__init__("The import would no longer do what its preview showed.")


# --- Plans of the simple imports --------------------------------------------------------------

@dataclass(frozen=True)
class PlannedRow:
    """What importing one row does, as the preview shows it: ``create``, ``update`` or
    ``unchanged``, the row's cells in the preview's columns, and what changes."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"

    line: int
    action: str
    cells: tuple[str, ...]
    changes: tuple[str, ...] = ()


@dataclass
class TablePlan:
    """The preview of an import (intervisors, groups, absences): every row's outcome, or every
    problem. ``digest`` lets the confirmation apply exactly what the preview showed."""

    headers: tuple[str, ...] = ()
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    source: str = ""
    ignored_columns: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def summary(self) -> str:
        return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
            "created": self.count(PlannedRow.CREATE), "updated": self.count(PlannedRow.UPDATE),
            "unchanged": self.count(PlannedRow.UNCHANGED),
        }

    @property
    def digest(self) -> str:
        parts = [repr((r.line, r.action, r.cells, r.changes)) for r in self.rows]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def describe(self) -> list[str]:
        """The preview as lines of text, for the commands."""
        lines = [_("File: %(source)s") % {"source": self.source}] if self.source else []
        if self.ignored_columns:
            lines.append(_("Ignored columns: %(names)s") % {"names": ", ".join(self.ignored_columns)})
        lines += self.notes
        labels = {PlannedRow.CREATE: _("new"), PlannedRow.UPDATE: _("update"),
                  PlannedRow.UNCHANGED: _("unchanged")}
        for row in self.rows:
            text = _("line %(line)s") % {"line": row.line} + f": {labels[row.action]} " + " · ".join(
                c for c in row.cells if c)
            if row.changes:
                text += " (" + "; ".join(row.changes) + ")"
            lines.append(text)
        return lines


def plan_json(plan: TablePlan) -> dict:
    """A checked plan as its import keeps it for the preview page (``plan_from_json``)."""
    return {
        "headers": list(plan.headers), "source": plan.source,
        "ignored_columns": list(plan.ignored_columns), "notes": list(plan.notes),
        "rows": [[r.line, r.action, list(r.cells), list(r.changes)] for r in plan.rows],
    }


def plan_from_json(data: dict) -> TablePlan:
    return TablePlan(
        headers=tuple(data.get("headers", ())), source=data.get("source", ""),
        ignored_columns=tuple(data.get("ignored_columns", ())), notes=list(data.get("notes", [])),
        rows=[PlannedRow(line, action, tuple(cells), tuple(changes))
              for line, action, cells, changes in data.get("rows", [])],
    )
