"""An uploaded import file, before either importer looks at its rows.

Both imports (residents, rosters) take a file from a browser or a shell and must not trust it:
this module reads at most one byte past the limit of its kind whatever size the upload
declared, refuses a file that is too large, decodes it (UTF-8, with or without byte order
mark; UTF-16 and Latin-1 are refused with a line to look at and how to fix it), and, for CSV,
finds the delimiter and the header. ``Problem`` is what both importers report.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
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
    """What one import accepts: its size limit, and what its messages advise."""

    max_bytes: int
    too_large: str  # with %(limit)s, the limit in MB
    how_to_fix_encoding: str

    @property
    def limit_mb(self) -> int:
        return self.max_bytes // (1024 * 1024)


RESIDENTS = UploadKind(
    max_bytes=2 * 1024 * 1024,
    too_large=gettext_lazy("The file is larger than %(limit)s MB. Split it into smaller files."),
    how_to_fix_encoding=gettext_lazy(
        "In Excel choose 'Save as' → 'CSV UTF-8 (comma delimited)' and upload that file."),
)
ROSTERS = UploadKind(
    max_bytes=25 * 1024 * 1024,  # a year for 500 residents is about 12 MB of CSV
    too_large=gettext_lazy("The file is larger than %(limit)s MB. Split it by period or department."),
    how_to_fix_encoding=gettext_lazy("Export it as UTF-8 (in Excel: 'CSV UTF-8')."),
)


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
