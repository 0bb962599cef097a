"""Import intervisors' absences from a CSV file or Excel workbook (columns: docs/imports.md).

One absence per row: the intervisor's e-mail address and the first and last day away, both
inclusive, in the programme's time zone (from the start of the first day to the end of the
last). A row equal to an absence already recorded changes nothing, so a file can be imported
again. ``check_absences_file`` is the preview; ``absences_import`` checks again in one
transaction and records every absence through the absence service, or nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ..models import Intervisor, IntervisorAbsence
from ..services import absences as services
from ..timezones import programme_zone
from . import uploads
from .residents import parse_email
from .uploads import Column, ImportOutdated, ImportRefused, PlannedRow, Problem, TablePlan

EXAMPLE_FILE = Path(settings.BASE_DIR) / "docs" / "examples" / "absences.csv"
UPLOAD = uploads.ABSENCES
MAX_ROWS = UPLOAD.max_rows  # uploads owns every limit

TABLE = (
    Column("email", ("e-mail", "e-mailadres", "emailadres", "mail", "intervisor"), required=True),
    Column("from", ("van", "vanaf", "start", "begin", "from date", "start date"), required=True),
    Column("to", ("tot", "tot en met", "t/m", "until", "end", "einde", "to date", "end date"),
           required=True),
    Column("reason", ("reden", "omschrijving")),
)


@dataclass(frozen=True)
class AbsenceRow:
    line: int
    email: str
    first_day: dt.date
    last_day: dt.date
    reason: str

    @property
    def period(self) -> tuple[dt.datetime, dt.datetime]:
        zone = programme_zone()
        return (dt.datetime.combine(self.first_day, dt.time(0), zone),
                dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time(0), zone))


def read_absences_file(data: bytes | str) -> tuple[list[AbsenceRow], uploads.Table]:
    table = uploads.read_table(data, UPLOAD, TABLE, max_rows=MAX_ROWS)
    rows: list[AbsenceRow] = []
    for row in table.rows:
        problems: list[Problem] = []

        def problem(column: str, reason: str, row=row, problems=problems) -> None:
            problems.append(Problem(row.line, column, row.get(column), reason))

        def day(column: str, problem=problem, row=row) -> dt.date | None:
            if not row.get(column):
                problem(column, _("This value is required."))
                return None
            try:
                return uploads.parse_date(row.get(column))
            except ValueError as error:
                problem(column, str(error))
                return None

        if not row.get("email"):
            problem("email", _("This value is required."))
        email = parse_email(row.get("email"), lambda reason, problem=problem: problem("email", reason))
        first_day, last_day = day("from"), day("to")
        if first_day and last_day and last_day < first_day:
            problem("to", _("The last day cannot be before the first."))
        if len(row.get("reason")) > 200:
            problem("reason", _("At most %(n)s characters.") % {"n": 200})
        if problems:
            table.problems.extend(problems)
            continue
        rows.append(AbsenceRow(row.line, email, first_day, last_day, row.get("reason")))
    return rows, table


def check_absences_file(data: bytes | str, *, lock: bool = False) -> tuple[TablePlan, list]:
    rows, table = read_absences_file(data)
    plan = TablePlan(
        headers=(_("Intervisor"), _("From"), _("To (inclusive)"), _("Reason")),
        problems=list(table.problems), source=table.source, ignored_columns=table.ignored,
    )
    if plan.problems and not rows:
        return plan, []
    intervisors = Intervisor.objects.annotate(email_lower=Lower("user__email")).filter(
        email_lower__in={r.email for r in rows}).select_related("user")
    if lock:
        intervisors = intervisors.select_for_update(of=("self",))
    by_email = {i.email_lower: i for i in intervisors}
    existing = {
        (a.intervisor_id, a.start, a.end)
        for a in IntervisorAbsence.objects.filter(intervisor__in=list(by_email.values()))
    }
    work = []
    for row in rows:
        intervisor = by_email.get(row.email)
        if intervisor is None:
            plan.problems.append(Problem(row.line, "email", row.email, _(
                "No intervisor has this e-mail address. Import or add the intervisor first.")))
            continue
        start, end = row.period
        action = (PlannedRow.UNCHANGED if (intervisor.pk, start, end) in existing
                  else PlannedRow.CREATE)
        cells = (str(intervisor.user), row.first_day.isoformat(), row.last_day.isoformat(), row.reason)
        plan.rows.append(PlannedRow(row.line, action, cells))
        work.append((row, intervisor))
        existing.add((intervisor.pk, start, end))  # the same row twice is one absence
    plan.problems.sort(key=lambda p: (p.line or 0))
    if plan.problems:
        plan.rows, work = [], []
    return plan, work


@transaction.atomic
def absences_import(data: bytes | str, *, expected_digest: str | None = None) -> TablePlan:
    """Record one absence per row that is not recorded yet; all or nothing."""
    plan, work = check_absences_file(data, lock=True)
    if plan.problems:
        raise ImportRefused(plan.problems)
    if expected_digest is not None and plan.digest != expected_digest:
        raise ImportOutdated(plan)
    for (row, intervisor), planned in zip(work, plan.rows, strict=True):
        if planned.action != PlannedRow.CREATE:
            continue
        start, end = row.period
        try:
            services.intervisor_absence_add(intervisor=intervisor, start=start, end=end,
                                            reason=row.reason)
        except ValidationError as error:
            raise ImportRefused([Problem(row.line, "", "", m) for m in error.messages]) from None
    return plan
