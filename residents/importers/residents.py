"""Import residents from a CSV file or Excel workbook (columns: docs/imports.md).

Three steps, so that a file with any bad row writes nothing:

1. ``read_residents_csv(data)`` reads the file on its own, without the database: encoding,
   delimiter, header (English or Dutch), every cell. It is pure, so it can be tested without
   a database.
2. ``plan_residents_import(rows=...)`` checks the rows against the database (whom an address
   belongs to, supervisors), finds the specialties and departments the file names that do not
   exist yet (they are created with the import), and works out what would change.
3. ``residents_import(rows=...)`` plans again inside one transaction and applies the plan, or
   raises ``ImportRefused`` and writes nothing.

``check_residents_csv(data)`` runs steps 1 and 2: the upload page's preview and
``manage.py import_residents --dry-run`` show its result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from ..fields import validate_one_line
from ..models import Department, Resident, Specialty, User
from ..validators import normalise_email, validate_email_address
from . import uploads
from .uploads import Column, ImportOutdated, ImportRefused, Problem

__all__ = ["ImportOutdated", "ImportRefused", "Problem"]

EXAMPLE_FILE = Path(settings.BASE_DIR) / "docs" / "examples" / "residents.csv"
EXAMPLE_FILE_NL = Path(settings.BASE_DIR) / "docs" / "examples" / "residents-nl.csv"
UPLOAD = uploads.RESIDENTS
MAX_BYTES = UPLOAD.max_bytes  # the limit; uploads.RESIDENTS owns it
MAX_ROWS = UPLOAD.max_rows  # uploads owns every limit

TABLE = (
    Column("email", ("e-mail", "e-mailadres", "emailadres", "mail"), required=True),
    Column("first_name", ("voornaam", "first name", "given name", "roepnaam"), required=True),
    Column("last_name", ("achternaam", "last name", "surname", "family name"), required=True),
    Column("specialty", ("specialisme", "speciality", "specialism"), required=True),
    Column("department", ("afdeling", "vakgroep"), required=True),
    Column("training_year", ("opleidingsjaar", "year", "jaar")),
    Column("fte", ("deeltijdfactor", "aanstelling")),
    Column("start_date", ("startdatum", "begindatum", "start", "start opleiding")),
    Column("end_date", ("einddatum", "end", "einde opleiding")),
    Column("supervisor_emails", ("supervisoren", "supervisors", "opleiders", "supervisor")),
    Column("language", ("taal",)),
)
REQUIRED_COLUMNS = tuple(c.name for c in TABLE if c.required)
OPTIONAL_COLUMNS = tuple(c.name for c in TABLE if not c.required)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
LANGUAGES = ("en", "nl")
# What a new resident gets when the file leaves a column out or empty.
DEFAULT_TRAINING_YEAR = 1
DEFAULT_FTE = Decimal("1.00")

# Supervisor addresses may be separated by spaces, "|", "," or ";". The csv module has already
# taken quoting into account, so a ";" inside a quoted cell of a ";"-separated file is safe.
_SUPERVISOR_SEPARATORS = re.compile(r"[\s|,;]+")
_WHOLE_NUMBER = re.compile(r"[0-9]+")


# --- Results --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResidentRow:
    """One row that passed every check that needs no database. Names of specialties and
    departments are kept as written; ``plan_residents_import`` resolves them.

    ``None`` means the file does not say (the column is absent, or the cell empty where empty
    cannot mean "none"): a new resident gets the default, an existing one keeps what they have.
    """

    line: int
    email: str
    first_name: str
    last_name: str
    specialty: str
    department: str
    training_year: int | None = None
    fte: Decimal | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    supervisor_emails: tuple[str, ...] = ()
    language: str | None = None  # None: not given, keep the current one (new residents: "en")
    # Whether the file has the column at all: an empty cell of a present column clears.
    has_end_date: bool = True
    has_supervisors: bool = True
    # The start of training of a new resident whose row gives none: the day of the import.
    default_start_date: dt.date | None = None

    @property
    def new_training_year(self) -> int:
        return self.training_year or DEFAULT_TRAINING_YEAR

    @property
    def new_fte(self) -> Decimal:
        return self.fte if self.fte is not None else DEFAULT_FTE

    @property
    def new_start_date(self) -> dt.date:
        return self.start_date or self.default_start_date or timezone.localdate()


@dataclass
class ParsedFile:
    rows: list[ResidentRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Every readable address in the file, also of rows with problems, so that naming such a row
    # as a supervisor is not reported a second time as "unknown supervisor".
    emails: set[str] = field(default_factory=set)
    source: str = ""
    ignored_columns: tuple[str, ...] = ()


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
    # A specialty or department that does not exist yet is an unsaved instance.
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
    # Specialties and departments the file names that do not exist yet: created on confirm.
    new_specialties: list[Specialty] = field(default_factory=list)
    new_departments: list[Department] = field(default_factory=list)
    source: str = ""
    ignored_columns: tuple[str, ...] = ()

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
        parts.append(repr(([s.name for s in self.new_specialties],
                           [d.name for d in self.new_departments])))
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# --- Step 1: the file on its own ------------------------------------------------------------

def read_residents_csv(data: bytes | str, *, today: dt.date | None = None) -> ParsedFile:
    """Read and check a residents file (CSV or .xlsx) without touching the database.

    ``today`` is the start of training of new residents whose row gives none."""
    table = uploads.read_table(data, UPLOAD, TABLE, max_rows=MAX_ROWS, too_many=_(
        "The file has more than %(limit)s residents. Split it into smaller files."))
    parsed = ParsedFile(problems=list(table.problems), source=table.source,
                        ignored_columns=table.ignored)
    if not table.rows and table.problems:
        return parsed
    if not table.rows:
        parsed.problems.append(Problem(None, "", "", _("The file has a header but no residents.")))
        return parsed
    seen_on: dict[str, list[int]] = {}
    for row in table.rows:
        _read_row(table, row, parsed, seen_on, today or timezone.localdate())
    for email, lines in seen_on.items():
        if len(lines) > 1:
            for line in lines:
                others = ", ".join(str(n) for n in lines if n != line)
                parsed.problems.append(Problem(line, "email", email, _(
                    "This e-mail address is also on line %(lines)s; each resident may appear only once."
                ) % {"lines": others}))
    if parsed.problems:
        duplicated = {email for email, lines in seen_on.items() if len(lines) > 1}
        parsed.rows = [r for r in parsed.rows if r.email not in duplicated]
    parsed.problems = sorted(dict.fromkeys(parsed.problems), key=_problem_order)
    return parsed


def _problem_order(problem: Problem) -> tuple[int, int]:
    column = COLUMNS.index(problem.column) if problem.column in COLUMNS else -1
    return (problem.line or 0, column)


def _read_row(
    table: uploads.Table, row: uploads.Row, parsed: ParsedFile, seen_on: dict[str, list[int]],
    today: dt.date,
) -> None:
    line = row.line
    problems: list[Problem] = []

    def problem(column: str, reason: str) -> None:
        problems.append(Problem(line, column, row.get(column), reason))

    def required(column: str) -> str:
        value = row.get(column)
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

    email = parse_email(required("email"), lambda reason: problem("email", reason))
    if email:
        parsed.emails.add(email)
        seen_on.setdefault(email, []).append(line)
    first_name = text("first_name", 100)
    last_name = text("last_name", 100)
    specialty = text("specialty", 100)
    department = text("department", 100)
    training_year = _training_year(row.get("training_year"),
                                   lambda reason: problem("training_year", reason))
    fte = _fte(row.get("fte"), lambda reason: problem("fte", reason))
    start_date = _date(row.get("start_date"), lambda reason: problem("start_date", reason))
    end_date = _date(row.get("end_date"), lambda reason: problem("end_date", reason))
    if end_date and end_date < (start_date or today):
        problem("end_date", _("The end of training cannot be before its start."))
    supervisors = _supervisors(row.get("supervisor_emails"),
                               lambda reason: problem("supervisor_emails", reason))
    if email and email in supervisors:
        problem("supervisor_emails", _("A resident cannot supervise themselves."))
    language = row.get("language").lower() or None
    if language and language not in LANGUAGES:
        problem("language", _("Use one of: %(choices)s.") % {"choices": ", ".join(LANGUAGES)})

    if problems:
        parsed.problems.extend(problems)
        return
    parsed.rows.append(ResidentRow(
        line=line, email=email, first_name=first_name, last_name=last_name, specialty=specialty,
        department=department, training_year=training_year, fte=fte, start_date=start_date,
        end_date=end_date, supervisor_emails=supervisors, language=language,
        has_end_date=table.has("end_date"), has_supervisors=table.has("supervisor_emails"),
        default_start_date=today,
    ))


def parse_email(value: str, problem) -> str:
    """``value`` as stored and compared (see ``residents.validators``), or "" after telling
    ``problem`` why it is no address."""
    if not value:
        return ""
    try:
        validate_email_address(value)
    except ValidationError:
        problem(_("This is not a valid e-mail address."))
        return ""
    return normalise_email(value)


def _training_year(value: str, problem) -> int | None:
    if not value:
        return None
    if not _WHOLE_NUMBER.fullmatch(value) or not 1 <= int(value) <= 8:
        problem(_("The training year is a whole number from 1 to 8."))
        return None
    return int(value)


def _fte(value: str, problem) -> Decimal | None:
    if not value:
        return None
    try:
        fte = uploads.parse_decimal(value)
    except ValueError:
        fte = Decimal("NaN")
    if not fte.is_finite() or not Decimal("0.10") <= fte <= Decimal("1.00"):
        problem(_("FTE is a number from 0.10 to 1.00, for example 0.8 or 0,8."))
        return None
    if fte != fte.quantize(Decimal("0.01")):
        problem(_("FTE has at most two decimals."))
        return None
    return fte.quantize(Decimal("0.01"))


def _date(value: str, problem) -> dt.date | None:
    if not value:
        return None
    try:
        return uploads.parse_date(value)
    except ValueError as error:
        problem(str(error))
        return None


def _supervisors(value: str, problem) -> tuple[str, ...]:
    emails: list[str] = []
    for address in _SUPERVISOR_SEPARATORS.split(value):
        if not address:
            continue
        email = parse_email(address, lambda reason, address=address: problem(
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
        return ImportPlan(problems=parsed.problems, source=parsed.source)
    plan = plan_residents_import(rows=parsed.rows, also_in_file=parsed.emails)
    plan.problems = sorted(parsed.problems + plan.problems, key=_problem_order)
    plan.source, plan.ignored_columns = parsed.source, parsed.ignored_columns
    if plan.problems:
        plan.changes = []
    return plan


def plan_residents_import(
    *, rows: Sequence[ResidentRow], also_in_file: Iterable[str] = (), lock: bool = False
) -> ImportPlan:
    """Check ``rows`` against the database and work out what importing them changes.

    A specialty or department the file names that does not exist yet is not a problem: it is
    listed in ``new_specialties`` / ``new_departments`` (as written the first time, matched
    case-insensitively) and created with the import. A fixed number of queries, however many
    rows: specialties, departments, the users named in the file (with their resident profile)
    and those residents' supervisors.
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
            specialty = specialties[row.specialty.lower()] = Specialty(name=row.specialty)
            plan.new_specialties.append(specialty)
        department = departments.get(row.department.lower())
        if department is None:
            department = departments[row.department.lower()] = Department(name=row.department)
            plan.new_departments.append(department)
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
    # What the file leaves out, the resident keeps.
    wanted = {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "specialty": specialty.name,
        "department": department.name,
        "training_year": row.training_year or resident.training_year,
        "fte": row.fte if row.fte is not None else resident.fte,
        "start_date": row.start_date or resident.start_date,
        "end_date": row.end_date if row.has_end_date else resident.end_date,
        "supervisor_emails": (" ".join(sorted(row.supervisor_emails)) if row.has_supervisors
                              else current["supervisor_emails"]),
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
    # New reference data first, in the same transaction: the rows below point at it.
    for item in (*plan.new_specialties, *plan.new_departments):
        item.full_clean()
        item.save()
    needs_supervisors: list[tuple[Resident, ResidentRow]] = []
    for change in plan.changes:
        if change.action == Change.UNCHANGED:
            continue
        row = change.row
        profile = dict(
            specialty=change.specialty, department=change.department,
            training_year=row.new_training_year, fte=row.new_fte, start_date=row.new_start_date,
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
            # Only what the file says; what it leaves out stays as it is.
            profile.update(
                training_year=row.training_year or resident.training_year,
                fte=row.fte if row.fte is not None else resident.fte,
                start_date=row.start_date or resident.start_date,
                end_date=row.end_date if row.has_end_date else resident.end_date,
            )
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


def preview_json(plan: ImportPlan) -> dict:
    """A checked plan as the preview page shows it, kept with the import until it is confirmed
    (the page draws it without reading the file again)."""
    def resident(change: Change) -> dict:
        row = change.row
        return {"line": row.line, "name": f"{row.last_name}, {row.first_name}", "email": row.email}

    return {
        "source": plan.source, "ignored_columns": list(plan.ignored_columns),
        "new_specialties": [s.name for s in plan.new_specialties],
        "new_departments": [d.name for d in plan.new_departments],
        "created": [resident(c) | {
            "specialty": str(c.specialty), "department": str(c.department),
            "training_year": c.row.new_training_year, "fte": str(c.row.new_fte),
            "start_date": c.row.new_start_date.isoformat(),
            "end_date": c.row.end_date.isoformat() if c.row.end_date else "",
            "supervisors": ", ".join(c.row.supervisor_emails),
        } for c in plan.by_action(Change.CREATE)],
        "updated": [resident(c) | {"fields": [[f.column, f.old, f.new] for f in c.fields]}
                    for c in plan.by_action(Change.UPDATE)],
        "unchanged": [resident(c) for c in plan.by_action(Change.UNCHANGED)],
    }
