"""Import residents from a CSV file (the columns are documented in docs/import-residents.md).

Three steps, so that a file with any bad row writes nothing:

1. ``read_residents_csv(data)`` reads the file on its own, without the database: encoding,
   delimiter, header, every cell. It is pure, so it can be tested without a database.
2. ``plan_residents_import(rows=...)`` checks the rows against the database (specialties,
   departments, whom an address belongs to, supervisors) and works out what would change.
3. ``residents_import(rows=...)`` plans again inside one transaction and applies the plan, or
   raises ``ImportRefused`` and writes nothing.

``check_residents_csv(data)`` runs steps 1 and 2: the upload page's preview and
``manage.py import_residents --dry-run`` show its result.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ..fields import validate_one_line
from ..models import Department, Resident, Specialty, User
from . import uploads
from .uploads import Problem

EXAMPLE_FILE = Path(settings.BASE_DIR) / "docs" / "examples" / "residents.csv"
UPLOAD = uploads.RESIDENTS
MAX_BYTES = UPLOAD.max_bytes  # the limit; uploads.RESIDENTS owns it
MAX_ROWS = 5000

REQUIRED_COLUMNS = (
    "email", "first_name", "last_name", "specialty", "department", "training_year", "fte",
    "start_date", "end_date", "supervisor_emails",
)
OPTIONAL_COLUMNS = ("language",)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
LANGUAGES = ("en", "nl")

# Supervisor addresses may be separated by spaces, "|", "," or ";". The csv module has already
# taken quoting into account, so a ";" inside a quoted cell of a ";"-separated file is safe.
_SUPERVISOR_SEPARATORS = re.compile(r"[\s|,;]+")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DUTCH_DATE = re.compile(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})")
_WHOLE_NUMBER = re.compile(r"[0-9]+")


# --- Results --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResidentRow:
    """One row that passed every check that needs no database. Names of specialties and
    departments are kept as written; ``plan_residents_import`` resolves them."""

    line: int
    email: str
    first_name: str
    last_name: str
    specialty: str
    department: str
    training_year: int
    fte: Decimal
    start_date: dt.date
    end_date: dt.date | None
    supervisor_emails: tuple[str, ...]
    language: str | None = None  # None: not given, keep the current one (new residents: "en")


@dataclass
class ParsedFile:
    rows: list[ResidentRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Every readable address in the file, also of rows with problems, so that naming such a row
    # as a supervisor is not reported a second time as "unknown supervisor".
    emails: set[str] = field(default_factory=set)
    text: str = ""


@dataclass(frozen=True)
class FieldChange:
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class Change:
    """What importing one row does: ``create``, ``update`` or nothing (``unchanged``)."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"

    row: ResidentRow
    action: str
    fields: tuple[FieldChange, ...] = ()
    # What the row's names resolve to; compared=False keeps them out of equality and repr.
    user: User | None = field(default=None, compare=False, repr=False)
    specialty: Specialty | None = field(default=None, compare=False, repr=False)
    department: Department | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
        }


@dataclass
class ImportPlan:
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Everyone the file names (residents and supervisors) who already exists, by address.
    users: dict[str, User] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def by_action(self, action: str) -> list[Change]:
        return [c for c in self.changes if c.action == action]

    @property
    def summary(self) -> ImportSummary:
        return ImportSummary(
            created=len(self.by_action(Change.CREATE)),
            updated=len(self.by_action(Change.UPDATE)),
            unchanged=len(self.by_action(Change.UNCHANGED)),
        )

    @property
    def digest(self) -> str:
        """A fingerprint of what the import would do, so that a confirmation applies exactly
        the preview the coordinator saw."""
        parts = [
            repr((c.row.email, c.action, [(f.column, f.old, f.new) for f in c.fields]))
            for c in self.changes
        ]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class ImportRefused(ValidationError):
    """The rows cannot be imported; nothing was written. ``problems`` says why, row by row."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__([str(p) for p in self.problems])


class ImportOutdated(Exception):
    """Residents changed between the preview and the confirmation; ``plan`` is the new one."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__("The import would no longer do what its preview showed.")


# --- Step 1: the file on its own ------------------------------------------------------------

def decode(data: bytes | str) -> tuple[str, Problem | None]:
    """The file's text, or why it is not UTF-8 (``uploads.decode`` with this import's advice)."""
    return uploads.decode(data, UPLOAD)


def read_residents_csv(data: bytes | str) -> ParsedFile:
    """Read and check a residents file without touching the database."""
    parsed = ParsedFile()
    text, problem = uploads.read_text(data, UPLOAD)
    parsed.text = text
    if problem:
        parsed.problems.append(problem)
        return parsed

    reader = uploads.csv_reader(text)
    seen_on: dict[str, list[int]] = {}
    count = 0
    try:
        found = uploads.read_header(reader)
        if found is None:  # nothing but separators and spaces
            parsed.problems.append(Problem(None, "", "", _("The file is empty.")))
            return parsed
        header, header_line = found
        if not _check_header(header, header_line, parsed):
            return parsed
        for line, cells in uploads.data_rows(reader):
            count += 1
            if count > MAX_ROWS:
                parsed.problems.append(Problem(None, "", "", _(
                    "The file has more than %(limit)s residents. Split it into smaller files."
                ) % {"limit": f"{MAX_ROWS:,}"}))
                return parsed
            _read_row(header, cells, line, parsed, seen_on)
    except csv.Error as error:
        parsed.problems.append(Problem(reader.line_num or None, "", "", _(
            "This line cannot be read as CSV: %(error)s"
        ) % {"error": error}))
        return parsed

    if count == 0:
        parsed.problems.append(Problem(None, "", "", _(
            "The file has a header but no residents."
        )))
    for email, lines in seen_on.items():
        if len(lines) > 1:
            for line in lines:
                others = ", ".join(str(n) for n in lines if n != line)
                parsed.problems.append(Problem(line, "email", email, _(
                    "This e-mail address is also on line %(lines)s; each resident may appear only once."
                ) % {"lines": others}))
    if parsed.problems:
        duplicated = {e for e, lines in seen_on.items() if len(lines) > 1}
        parsed.rows = [r for r in parsed.rows if r.email not in duplicated]
    parsed.problems.sort(key=_problem_order)
    return parsed


def _problem_order(problem: Problem) -> tuple[int, int]:
    column = COLUMNS.index(problem.column) if problem.column in COLUMNS else -1
    return (problem.line or 0, column)


def _check_header(header: list[str], line: int, parsed: ParsedFile) -> bool:
    """Report missing, unknown and repeated columns; False when rows cannot be read at all."""
    readable = True
    for name in REQUIRED_COLUMNS:
        if name not in header:
            readable = False
            parsed.problems.append(Problem(line, name, "", _(
                "This column is missing from the header; no row can be read without it."
            )))
    for index, name in enumerate(header):
        if not name:
            continue  # an unnamed column; its cells are checked to be empty row by row
        if name not in COLUMNS:
            parsed.problems.append(Problem(line, name, "", _(
                "Unknown column. The columns are: %(columns)s."
            ) % {"columns": ", ".join(COLUMNS)}))
        elif name in header[:index]:
            readable = False
            parsed.problems.append(Problem(line, name, "", _("This column appears twice.")))
    return readable


def _read_row(
    header: list[str], cells: list[str], line: int, parsed: ParsedFile,
    seen_on: dict[str, list[int]],
) -> None:
    values: dict[str, str] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(cells):
        name = header[index] if index < len(header) else ""
        if name in COLUMNS:
            values[name] = cell.strip()
        elif cell.strip() and (not name or index >= len(header)):
            problems.append(Problem(line, "", cell.strip(), _(
                "This row has a value in column %(number)s, which has no name in the header."
            ) % {"number": index + 1}))

    def problem(column: str, reason: str) -> None:
        problems.append(Problem(line, column, values.get(column, ""), reason))

    def required(column: str) -> str:
        value = values.get(column, "")
        if not value:
            problem(column, _("This value is required."))
        return value

    def text(column: str, max_length: int) -> str:
        value = required(column)
        if len(value) > max_length:
            problem(column, _("At most %(n)s characters.") % {"n": max_length})
        try:
            validate_one_line(value)  # what the model fields check (residents.fields)
        except ValidationError as error:
            problem(column, error.messages[0])
        return value

    email = _email(required("email"), lambda reason: problem("email", reason))
    if email:
        parsed.emails.add(email)
        seen_on.setdefault(email, []).append(line)
    first_name = text("first_name", 100)
    last_name = text("last_name", 100)
    specialty = text("specialty", 100)
    department = text("department", 100)
    training_year = _training_year(required("training_year"),
                                   lambda reason: problem("training_year", reason))
    fte = _fte(required("fte"), lambda reason: problem("fte", reason))
    start_date = _date(required("start_date"), lambda reason: problem("start_date", reason))
    end_date = _date(values.get("end_date", ""), lambda reason: problem("end_date", reason))
    if start_date and end_date and end_date < start_date:
        problem("end_date", _("The end of training cannot be before its start."))
    supervisors = _supervisors(values.get("supervisor_emails", ""),
                               lambda reason: problem("supervisor_emails", reason))
    if email and email in supervisors:
        problem("supervisor_emails", _("A resident cannot supervise themselves."))
    language = values.get("language", "").lower() or None
    if language and language not in LANGUAGES:
        problem("language", _("Use one of: %(choices)s.") % {"choices": ", ".join(LANGUAGES)})

    if problems:
        parsed.problems.extend(problems)
        return
    parsed.rows.append(ResidentRow(
        line=line, email=email, first_name=first_name, last_name=last_name, specialty=specialty,
        department=department, training_year=training_year, fte=fte, start_date=start_date,
        end_date=end_date, supervisor_emails=supervisors, language=language,
    ))


def _email(value: str, problem) -> str:
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        problem(_("This is not a valid e-mail address."))
        return ""
    return User.objects.normalize_email(value).lower()


def _training_year(value: str, problem) -> int:
    if not value:
        return 0
    if not _WHOLE_NUMBER.fullmatch(value) or not 1 <= int(value) <= 8:
        problem(_("The training year is a whole number from 1 to 8."))
        return 0
    return int(value)


def _fte(value: str, problem) -> Decimal:
    if not value:
        return Decimal(0)
    try:
        fte = Decimal(value.replace(",", "."))
    except InvalidOperation:
        fte = Decimal("NaN")
    if not fte.is_finite() or not Decimal("0.10") <= fte <= Decimal("1.00"):
        problem(_("FTE is a number from 0.10 to 1.00, for example 0.8 or 0,8."))
        return Decimal(0)
    if fte != fte.quantize(Decimal("0.01")):
        problem(_("FTE has at most two decimals."))
        return Decimal(0)
    return fte.quantize(Decimal("0.01"))


def _date(value: str, problem) -> dt.date | None:
    if not value:
        return None
    if match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    elif match := _DUTCH_DATE.fullmatch(value):
        day, month, year = match.groups()
    else:
        problem(_("Write dates as YYYY-MM-DD (2025-09-01) or DD-MM-YYYY (01-09-2025)."))
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        problem(_("There is no such date."))
        return None


def _supervisors(value: str, problem) -> tuple[str, ...]:
    emails: list[str] = []
    for address in _SUPERVISOR_SEPARATORS.split(value):
        if not address:
            continue
        email = _email(address, lambda reason, address=address: problem(
            _("'%(address)s' is not a valid e-mail address.") % {"address": address}
        ))
        if email and email not in emails:
            emails.append(email)
    return tuple(emails)


# --- Step 2: against the database -----------------------------------------------------------

def check_residents_csv(data: bytes | str) -> ImportPlan:
    """Everything an import of ``data`` would do, or every reason it cannot; writes nothing."""
    parsed = read_residents_csv(data)
    if not parsed.rows and parsed.problems:
        return ImportPlan(problems=parsed.problems)
    plan = plan_residents_import(rows=parsed.rows, also_in_file=parsed.emails)
    plan.problems = sorted(parsed.problems + plan.problems, key=_problem_order)
    if plan.problems:
        plan.changes = []
    return plan


def plan_residents_import(
    *, rows: Sequence[ResidentRow], also_in_file: Iterable[str] = (), lock: bool = False
) -> ImportPlan:
    """Check ``rows`` against the database and work out what importing them changes.

    A fixed number of queries, however many rows: specialties, departments, the users named
    in the file (with their resident profile) and those residents' supervisors.
    """
    plan = ImportPlan()
    specialties = {s.name.lower(): s for s in Specialty.objects.all()}
    departments = {d.name.lower(): d for d in Department.objects.all()}
    in_file = {row.email for row in rows} | set(also_in_file)
    users = plan.users = _users_by_email(
        {row.email for row in rows} | {e for row in rows for e in row.supervisor_emails}, lock=lock
    )

    for row in rows:
        problems: list[Problem] = []
        specialty = specialties.get(row.specialty.lower())
        if specialty is None:
            problems.append(Problem(row.line, "specialty", row.specialty,
                                    _unknown(_("specialty"), specialties.values())))
        department = departments.get(row.department.lower())
        if department is None:
            problems.append(Problem(row.line, "department", row.department,
                                    _unknown(_("department"), departments.values())))
        user = users.get(row.email)
        if user is not None and user.role != User.Role.RESIDENT:
            problems.append(Problem(row.line, "email", row.email, _(
                "This address belongs to %(name)s, who is not a resident (%(role)s). Only "
                "residents can be imported."
            ) % {"name": user, "role": user.get_role_display().lower()}))
        for email in row.supervisor_emails:
            if email not in users and email not in in_file:
                problems.append(Problem(row.line, "supervisor_emails", email, _(
                    "No one with this e-mail address exists, and it is not in this file."
                )))
        if problems:
            plan.problems.extend(problems)
            continue
        plan.changes.append(_change(row, user, specialty, department))
    if plan.problems:
        plan.changes = []
    return plan


def _users_by_email(emails: set[str], *, lock: bool) -> dict[str, User]:
    users = (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .select_related("resident__specialty", "resident__department")
        .prefetch_related("resident__supervisors")
    )
    if lock:
        # "of" keeps PostgreSQL from refusing to lock the outer join to the resident profile.
        users = users.select_for_update(of=("self",))
    return {user.email_lower: user for user in users}


def _unknown(kind: str, known: Iterable[object]) -> str:
    names = ", ".join(str(k) for k in known)
    if not names:
        return _("There is no %(kind)s yet. A coordinator adds them in the administration first.") % {
            "kind": kind
        }
    return _("Unknown %(kind)s. Known: %(names)s. A new one is added in the administration.") % {
        "kind": kind, "names": names,
    }


def _show(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _change(row: ResidentRow, user: User | None, specialty: Specialty, department: Department) -> Change:
    resolved = {"user": user, "specialty": specialty, "department": department}
    resident: Resident | None = getattr(user, "resident", None) if user else None
    if resident is None:
        return Change(row=row, action=Change.CREATE, **resolved)
    current = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "specialty": resident.specialty.name,
        "department": resident.department.name,
        "training_year": resident.training_year,
        "fte": resident.fte,
        "start_date": resident.start_date,
        "end_date": resident.end_date,
        "supervisor_emails": " ".join(sorted(s.email.lower() for s in resident.supervisors.all())),
        "language": user.language,
    }
    wanted = {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "specialty": specialty.name,
        "department": department.name,
        "training_year": row.training_year,
        "fte": row.fte,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "supervisor_emails": " ".join(sorted(row.supervisor_emails)),
        "language": row.language or user.language,
    }
    fields = tuple(
        FieldChange(column, _show(current[column]), _show(wanted[column]))
        for column in wanted if current[column] != wanted[column]
    )
    action = Change.UPDATE if fields else Change.UNCHANGED
    return Change(row=row, action=action, fields=fields, **resolved)


# --- Step 3: the write ----------------------------------------------------------------------

@transaction.atomic
def residents_import(*, rows: Sequence[ResidentRow], expected_digest: str | None = None) -> ImportSummary:
    """Create or update one resident per row, matched by e-mail address, all or nothing.

    New people get no usable password; they set one with "Forgot your password?". Raises
    ``ImportRefused`` when a row cannot be imported (checked again here, under lock, because
    the database may have changed since the preview) and ``ImportOutdated`` when the import
    would no longer do what the preview with ``expected_digest`` showed.
    """
    plan = plan_residents_import(rows=rows, lock=True)
    if plan.problems:
        raise ImportRefused(plan.problems)
    if expected_digest is not None and plan.digest != expected_digest:
        raise ImportOutdated(plan)

    users = plan.users
    needs_supervisors: list[tuple[Resident, ResidentRow]] = []
    for change in plan.changes:
        if change.action == Change.UNCHANGED:
            continue
        row = change.row
        profile = dict(
            specialty=change.specialty, department=change.department,
            training_year=row.training_year, fte=row.fte, start_date=row.start_date,
            end_date=row.end_date,
        )
        user = change.user
        if change.action == Change.CREATE:
            if user is None:
                user = User.objects.create_user(
                    email=row.email, first_name=row.first_name, last_name=row.last_name,
                    role=User.Role.RESIDENT, language=row.language or "en",
                )
                users[row.email] = user
            else:  # a resident's log-in without a resident profile, for example made in the admin
                _update_user(user, row)
            resident = Resident.objects.create(user=user, **profile)
            if row.supervisor_emails:
                needs_supervisors.append((resident, row))
        else:
            changed = {f.column for f in change.fields}
            _update_user(user, row)
            resident = user.resident
            for name, value in profile.items():
                setattr(resident, name, value)
            resident.save(update_fields=list(profile))
            if "supervisor_emails" in changed:
                needs_supervisors.append((resident, row))
    # Supervisors last: they may be residents created by a later row of the same file.
    for resident, row in needs_supervisors:
        resident.supervisors.set([users[email] for email in row.supervisor_emails])
    return plan.summary


def _update_user(user: User, row: ResidentRow) -> None:
    fields = {"first_name": row.first_name, "last_name": row.last_name}
    if row.language:
        fields["language"] = row.language
    changed = [name for name, value in fields.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, fields[name])
    if changed:
        user.save(update_fields=changed)
