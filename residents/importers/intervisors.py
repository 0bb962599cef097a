"""Import intervisors from a CSV file or Excel workbook (columns: docs/imports.md).

``check_intervisors_file(data)`` reads the file and checks it against the database: the
preview. ``intervisors_import(data, expected_digest=...)`` checks again inside one transaction,
with the people it names locked, and creates or updates every intervisor through the same
services as the intervisor form, or raises ``ImportRefused`` and writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ..models import Intervisor, User
from ..services import people as services
from . import uploads
from .residents import LANGUAGES, parse_email
from .uploads import Column, ImportOutdated, ImportRefused, PlannedRow, Problem, TablePlan

EXAMPLE_FILE = Path(settings.BASE_DIR) / "docs" / "examples" / "intervisors.csv"
UPLOAD = uploads.INTERVISORS
MAX_ROWS = UPLOAD.max_rows  # uploads owns every limit
DEFAULT_CAPACITY = 2

TABLE = (
    Column("email", ("e-mail", "e-mailadres", "emailadres", "mail"), required=True),
    Column("first_name", ("voornaam", "first name", "given name"), required=True),
    Column("last_name", ("achternaam", "last name", "surname"), required=True),
    Column("capacity", ("capaciteit", "groups", "groepen", "max groups")),
    Column("language", ("taal",)),
)
_WHOLE_NUMBER = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class IntervisorRow:
    line: int
    email: str
    first_name: str
    last_name: str
    capacity: int | None  # None: not given (new: DEFAULT_CAPACITY, existing: keep)
    language: str | None


def read_intervisors_file(data: bytes | str) -> tuple[list[IntervisorRow], uploads.Table]:
    table = uploads.read_table(data, UPLOAD, TABLE, max_rows=MAX_ROWS)
    rows: list[IntervisorRow] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        problems: list[Problem] = []

        def problem(column: str, reason: str, row=row, problems=problems) -> None:
            problems.append(Problem(row.line, column, row.get(column), reason))

        for column in ("email", "first_name", "last_name"):
            if not row.get(column):
                problem(column, _("This value is required."))
            elif len(row.get(column)) > 100:
                problem(column, _("At most %(n)s characters.") % {"n": 100})
        email = parse_email(row.get("email"), lambda reason: problem("email", reason))
        if email in seen:
            problem("email", _("This e-mail address is also on line %(lines)s; each person may "
                               "appear only once.") % {"lines": seen[email]})
        elif email:
            seen[email] = row.line
        capacity = None
        if value := row.get("capacity"):
            if not _WHOLE_NUMBER.fullmatch(value) or not 1 <= int(value) <= 20:
                problem("capacity", _("The capacity is a whole number of groups from 1 to 20."))
            else:
                capacity = int(value)
        language = row.get("language").lower() or None
        if language and language not in LANGUAGES:
            problem("language", _("Use one of: %(choices)s.") % {"choices": ", ".join(LANGUAGES)})
        if problems:
            table.problems.extend(problems)
            continue
        rows.append(IntervisorRow(row.line, email, row.get("first_name"), row.get("last_name"),
                                  capacity, language))
    return rows, table


def check_intervisors_file(data: bytes | str, *, lock: bool = False) -> tuple[TablePlan, list]:
    """The preview of importing ``data`` and, per planned row, what to do with whom."""
    rows, table = read_intervisors_file(data)
    plan = TablePlan(
        headers=(_("E-mail"), _("Name"), _("Capacity")), problems=list(table.problems),
        source=table.source, ignored_columns=table.ignored,
    )
    if plan.problems and not rows:
        return plan, []
    users = User.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=[r.email for r in rows]).select_related("intervisor")
    if lock:
        users = users.select_for_update(of=("self",))
    by_email = {u.email_lower: u for u in users}
    work = []
    for row in rows:
        user = by_email.get(row.email)
        if user is not None and user.role != User.Role.INTERVISOR:
            plan.problems.append(Problem(row.line, "email", row.email, _(
                "This address belongs to %(name)s, who is not an intervisor (%(role)s)."
            ) % {"name": user, "role": user.get_role_display().lower()}))
            continue
        intervisor: Intervisor | None = getattr(user, "intervisor", None) if user else None
        if user is not None and intervisor is None:
            plan.problems.append(Problem(row.line, "email", row.email, _(
                "%(name)s has an intervisor's log-in without an intervisor profile; an "
                "administrator adds one first.") % {"name": user}))
            continue
        capacity = row.capacity or (intervisor.capacity if intervisor else DEFAULT_CAPACITY)
        cells = (row.email, f"{row.first_name} {row.last_name}", str(capacity))
        if intervisor is None:
            plan.rows.append(PlannedRow(row.line, PlannedRow.CREATE, cells))
        else:
            changes = tuple(
                f"{label}: {old} → {new}" for label, old, new in (
                    (_("first name"), user.first_name, row.first_name),
                    (_("last name"), user.last_name, row.last_name),
                    (_("capacity"), intervisor.capacity, capacity),
                    (_("language"), user.language, row.language or user.language),
                ) if old != new
            )
            action = PlannedRow.UPDATE if changes else PlannedRow.UNCHANGED
            plan.rows.append(PlannedRow(row.line, action, cells, changes))
        work.append((row, intervisor, capacity))
    plan.problems.sort(key=lambda p: (p.line or 0))
    if plan.problems:
        plan.rows, work = [], []
    return plan, work


@transaction.atomic
def intervisors_import(data: bytes | str, *, expected_digest: str | None = None) -> TablePlan:
    """Create or update one intervisor per row, matched by e-mail address; all or nothing."""
    plan, work = check_intervisors_file(data, lock=True)
    if plan.problems:
        raise ImportRefused(plan.problems)
    if expected_digest is not None and plan.digest != expected_digest:
        raise ImportOutdated(plan)
    for (row, intervisor, capacity), planned in zip(work, plan.rows, strict=True):
        try:
            _apply(row, intervisor, capacity, planned)
        except ValidationError as error:
            raise ImportRefused([Problem(row.line, "", row.email, m) for m in error.messages]) from None
    return plan


def _apply(row: IntervisorRow, intervisor: Intervisor | None, capacity: int, planned: PlannedRow) -> None:
    if planned.action == PlannedRow.CREATE:
        services.intervisor_create(
            email=row.email, first_name=row.first_name, last_name=row.last_name,
            kind=Intervisor.Kind.COACH, capacity=capacity, language=row.language or "en",
        )
    elif planned.action == PlannedRow.UPDATE:
        services.intervisor_update(
            intervisor=intervisor, email=intervisor.user.email, first_name=row.first_name,
            last_name=row.last_name, kind=intervisor.kind,
            accreditation=intervisor.accreditation, capacity=capacity,
            must_not_lead_residents=list(intervisor.must_not_lead_residents.all()),
            must_not_lead_departments=list(intervisor.must_not_lead_departments.all()),
            language=row.language,
        )
