"""Import intervision groups and their members from a CSV file or Excel workbook (columns:
docs/imports.md).

One group per row: its name, its intervisor's e-mail address and its members' addresses
(separated by commas, semicolons or spaces). A group that does not exist yet is created, with
the defaults of the group form; an existing group (matched by name, whatever the case) gets
the intervisor the row names and the members it does not have yet, joining on the day of the
import. Members the file leaves out are not removed.

Every rule of a group is the group services' own: the rows are applied through
``group_create``, ``group_update`` and ``membership_add`` inside a transaction, each row in
its own savepoint, and every refusal is reported with the row's line. The preview does the
same and rolls everything back; the import commits only when no row was refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from residents.importers import uploads
from residents.importers.residents import parse_email
from residents.importers.uploads import (
    Column,
    ImportOutdated,
    ImportRefused,
    PlannedRow,
    Problem,
    TablePlan,
)
from residents.models import Intervisor, Resident

from ..models import IntervisionGroup
from ..services import groups as services

EXAMPLE_FILE = Path(settings.BASE_DIR) / "docs" / "examples" / "groups.csv"
UPLOAD = uploads.GROUPS
MAX_ROWS = UPLOAD.max_rows  # uploads owns every limit

TABLE = (
    Column("group", ("groep", "groepsnaam", "group name", "name", "naam"), required=True),
    Column("intervisor", ("intervisor email", "intervisor e-mail", "begeleider"), required=True),
    Column("members", ("leden", "deelnemers", "member emails", "aios"), required=True),
)
_MEMBER_SEPARATORS = re.compile(r"[\s,;|]+")
# Which column a service's refusal is about, by the field it names.
_COLUMN_OF_FIELD = {"name": "group", "intervisor": "intervisor", "resident": "members"}


@dataclass(frozen=True)
class GroupRow:
    line: int
    name: str
    intervisor: str
    members: tuple[str, ...]


def read_groups_file(data: bytes | str) -> tuple[list[GroupRow], uploads.Table]:
    table = uploads.read_table(data, UPLOAD, TABLE, max_rows=MAX_ROWS)
    rows: list[GroupRow] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        problems: list[Problem] = []

        def problem(column: str, reason: str, value: str | None = None, row=row,
                    problems=problems) -> None:
            problems.append(Problem(row.line, column, row.get(column) if value is None else value,
                                    reason))

        name = row.get("group")
        if not name:
            problem("group", _("This value is required."))
        elif len(name) > 100:
            problem("group", _("At most %(n)s characters.") % {"n": 100})
        elif name.casefold() in seen:
            problem("group", _("This group is also on line %(lines)s; each group may appear only "
                               "once.") % {"lines": seen[name.casefold()]})
        else:
            seen[name.casefold()] = row.line
        if not row.get("intervisor"):
            problem("intervisor", _("This value is required."))
        intervisor = parse_email(row.get("intervisor"),
                                 lambda reason, problem=problem: problem("intervisor", reason))
        members: list[str] = []
        for address in _MEMBER_SEPARATORS.split(row.get("members")):
            if not address:
                continue
            email = parse_email(address, lambda reason, problem=problem, address=address: problem(
                "members", _("'%(address)s' is not a valid e-mail address.") % {"address": address},
                address))
            if email and email not in members:
                members.append(email)
        if problems:
            table.problems.extend(problems)
            continue
        rows.append(GroupRow(row.line, name, intervisor, tuple(members)))
    return rows, table


def check_groups_file(data: bytes | str) -> TablePlan:
    """The preview: what importing ``data`` would do, or every refusal; writes nothing."""
    with transaction.atomic():
        plan = _run(data)
        transaction.set_rollback(True)
    return plan


@transaction.atomic
def groups_import(data: bytes | str, *, expected_digest: str | None = None) -> TablePlan:
    """Create or update the groups of ``data`` and add their members; all or nothing."""
    plan = _run(data)
    if plan.problems:
        raise ImportRefused(plan.problems)
    if expected_digest is not None and plan.digest != expected_digest:
        raise ImportOutdated(plan)
    return plan


def _run(data: bytes | str) -> TablePlan:
    """Apply every row through the group services; the caller commits or rolls back."""
    rows, table = read_groups_file(data)
    plan = TablePlan(
        headers=(_("Group"), _("Intervisor"), _("New members")), problems=list(table.problems),
        source=table.source, ignored_columns=table.ignored,
    )
    if not rows:
        return plan
    emails = {r.intervisor for r in rows}
    intervisors = {
        i.email_lower: i for i in Intervisor.objects.annotate(email_lower=Lower("user__email"))
        .filter(email_lower__in=emails).select_related("user")
    }
    residents = {
        r.email_lower: r for r in Resident.objects.annotate(email_lower=Lower("user__email"))
        .filter(email_lower__in={m for row in rows for m in row.members}).select_related("user")
    }
    groups = {
        g.name_lower: g for g in IntervisionGroup.objects.annotate(name_lower=Lower("name"))
        .filter(name_lower__in={r.name.lower() for r in rows})
    }
    today = timezone.localdate()
    for row in rows:
        problems: list[Problem] = []
        intervisor = intervisors.get(row.intervisor)
        if intervisor is None:
            problems.append(Problem(row.line, "intervisor", row.intervisor, _(
                "No intervisor has this e-mail address. Import or add the intervisor first.")))
        for email in row.members:
            if email not in residents:
                problems.append(Problem(row.line, "members", email, _(
                    "No resident has this e-mail address. Import the residents first.")))
        if problems:
            plan.problems.extend(problems)
            continue
        sid = transaction.savepoint()
        try:
            planned = _apply_row(row, intervisor, groups.get(row.name.lower()),
                                 [residents[e] for e in row.members], today)
        except _RowRefused as refused:
            transaction.savepoint_rollback(sid)
            plan.problems.extend(refused.problems)
        else:
            transaction.savepoint_commit(sid)
            plan.rows.append(planned)
    if plan.problems:
        plan.rows = []
        plan.problems.sort(key=lambda p: (p.line or 0, [c.name for c in TABLE].index(p.column)
                                          if p.column in {c.name for c in TABLE} else -1))
    return plan


class _RowRefused(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems


def _problems(error: ValidationError, line: int, *, column: str, value: str) -> list[Problem]:
    """A service's refusal as problems of the row's ``column`` (or the column its field is)."""
    if hasattr(error, "error_dict"):
        return [
            Problem(line, _COLUMN_OF_FIELD.get(name, column), value, message)
            for name, errors in error.error_dict.items()
            for e in errors for message in e.messages
        ]
    return [Problem(line, column, value, message) for message in error.messages]


def _apply_row(row: GroupRow, intervisor: Intervisor, group: IntervisionGroup | None,
               members: list[Resident], today) -> PlannedRow:
    action = PlannedRow.UNCHANGED
    changes: list[str] = []
    try:
        if group is None:
            group = services.group_create(name=row.name, intervisor=intervisor)
            action = PlannedRow.CREATE
        elif group.intervisor_id != intervisor.pk:
            changes.append(_("intervisor: %(old)s → %(new)s") % {
                "old": group.intervisor.user, "new": intervisor.user})
            group = services.group_update(
                group=group, name=group.name, intervisor=intervisor,
                co_intervisor=group.co_intervisor, cadence_weeks=group.cadence_weeks,
                default_duration_minutes=group.default_duration_minutes,
                location=group.location, min_size=group.min_size, max_size=group.max_size,
            )
            action = PlannedRow.UPDATE
    except ValidationError as error:
        raise _RowRefused(_problems(error, row.line, column="group", value=row.name)) from None

    current = set(group.memberships.on(today).values_list("resident_id", flat=True))
    problems: list[Problem] = []
    added: list[str] = []
    for resident in members:
        if resident.pk in current:
            continue
        sid = transaction.savepoint()
        try:
            services.membership_add(group=group, resident=resident, start_date=today)
        except ValidationError as error:
            transaction.savepoint_rollback(sid)
            problems += [Problem(row.line, "members", resident.user.email, m) for m in error.messages]
        else:
            transaction.savepoint_commit(sid)
            added.append(str(resident.user))
    if problems:
        raise _RowRefused(problems)
    if added and action == PlannedRow.UNCHANGED:
        action = PlannedRow.UPDATE
    if added and action == PlannedRow.UPDATE:
        changes.append(ngettext("%(count)s new member", "%(count)s new members", len(added))
                       % {"count": len(added)})
    return PlannedRow(row.line, action, (group.name, str(intervisor.user), ", ".join(added)),
                      tuple(changes))
