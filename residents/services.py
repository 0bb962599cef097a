"""Everything that changes people: residents and intervisors.

Each function is one atomic action; views call exactly one of them. Rules a form cannot see
(for example that an address is taken by someone else) raise ``ValidationError`` keyed by field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Department, Intervisor, Resident, Specialty, User


def _check_email_free(email: str, *, exclude: User | None = None) -> str:
    email = User.objects.normalize_email(email).lower()
    taken = User.objects.filter(email__iexact=email)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"email": _("Someone with this e-mail address already exists.")})
    return email


@transaction.atomic
def resident_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    specialty: Specialty,
    department: Department,
    training_year: int,
    fte: Decimal,
    start_date: dt.date,
    end_date: dt.date | None = None,
    supervisors: Iterable[User] = (),
    language: str = "en",
) -> Resident:
    email = _check_email_free(email)
    user = User.objects.create_user(
        email=email, first_name=first_name, last_name=last_name,
        role=User.Role.RESIDENT, language=language,
    )
    resident = Resident.objects.create(
        user=user, specialty=specialty, department=department, training_year=training_year,
        fte=fte, start_date=start_date, end_date=end_date,
    )
    resident.supervisors.set(_supervisors_for(resident, supervisors))
    return resident


@transaction.atomic
def resident_update(
    *,
    resident: Resident,
    email: str,
    first_name: str,
    last_name: str,
    specialty: Specialty,
    department: Department,
    training_year: int,
    fte: Decimal,
    start_date: dt.date,
    end_date: dt.date | None = None,
    supervisors: Iterable[User] = (),
    language: str | None = None,
) -> Resident:
    user = resident.user
    user.email = _check_email_free(email, exclude=user)
    user.first_name, user.last_name = first_name, last_name
    if language:
        user.language = language
    user.save()
    resident.specialty, resident.department = specialty, department
    resident.training_year, resident.fte = training_year, fte
    resident.start_date, resident.end_date = start_date, end_date
    resident.save()
    resident.supervisors.set(_supervisors_for(resident, supervisors))
    return resident


def _supervisors_for(resident: Resident, supervisors: Iterable[User]) -> list[User]:
    chosen = list(supervisors)
    if any(s.pk == resident.user_id for s in chosen):
        raise ValidationError({"supervisors": _("A resident cannot supervise themselves.")})
    return chosen


@transaction.atomic
def resident_deactivate(*, resident: Resident, on: dt.date | None = None) -> Resident:
    """Switch off a resident's log-in and end their group memberships as of ``on``."""
    from sessions_app.services import memberships_end_for_resident

    on = on or timezone.localdate()
    user = User.objects.select_for_update().get(pk=resident.user_id)
    user.is_active = False
    user.save(update_fields=["is_active"])
    memberships_end_for_resident(resident=resident, on=on)
    return resident


@transaction.atomic
def user_reactivate(*, user: User) -> User:
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def intervisor_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    kind: str,
    accreditation: str = "",
    capacity: int = 2,
    must_not_lead_residents: Iterable[Resident] = (),
    must_not_lead_departments: Iterable[Department] = (),
    language: str = "en",
) -> Intervisor:
    email = _check_email_free(email)
    user = User.objects.create_user(
        email=email, first_name=first_name, last_name=last_name,
        role=User.Role.INTERVISOR, language=language,
    )
    intervisor = Intervisor.objects.create(
        user=user, kind=kind, accreditation=accreditation, capacity=capacity
    )
    intervisor.must_not_lead_residents.set(must_not_lead_residents)
    intervisor.must_not_lead_departments.set(must_not_lead_departments)
    return intervisor


@transaction.atomic
def intervisor_update(
    *,
    intervisor: Intervisor,
    email: str,
    first_name: str,
    last_name: str,
    kind: str,
    accreditation: str = "",
    capacity: int = 2,
    must_not_lead_residents: Iterable[Resident] = (),
    must_not_lead_departments: Iterable[Department] = (),
    language: str | None = None,
) -> Intervisor:
    from sessions_app.services import check_intervisor_fits_groups

    user = intervisor.user
    user.email = _check_email_free(email, exclude=user)
    user.first_name, user.last_name = first_name, last_name
    if language:
        user.language = language
    user.save()
    intervisor.kind, intervisor.accreditation, intervisor.capacity = kind, accreditation, capacity
    intervisor.save()
    intervisor.must_not_lead_residents.set(must_not_lead_residents)
    intervisor.must_not_lead_departments.set(must_not_lead_departments)
    # New exclusions must not contradict the groups this intervisor already leads.
    check_intervisor_fits_groups(intervisor=intervisor)
    return intervisor


@transaction.atomic
def intervisor_deactivate(*, intervisor: Intervisor) -> Intervisor:
    from sessions_app.models import IntervisionGroup

    led = IntervisionGroup.objects.active().led_by(intervisor.user)
    if led.exists():
        names = ", ".join(g.name for g in led)
        raise ValidationError(
            _("%(name)s still leads %(groups)s. Give those groups another intervisor first.")
            % {"name": intervisor.user, "groups": names}
        )
    user = User.objects.select_for_update().get(pk=intervisor.user_id)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return intervisor


# --- Rosters ----------------------------------------------------------------------------------
# Upload → check (a RosterImport in status "checked" holding the file and its preview) →
# confirm (queued; a worker applies it) → done or failed. All or nothing: the worker plans
# again inside one transaction and applies the plan with bulk operations.

ROSTER_CHUNK = 2000  # rows per bulk statement; progress is reported after each


class ImportSweptAway(Exception):
    """An import's worker outlived the sweeper's patience; its work is rolled back."""


class RosterImportRefused(ValidationError):
    """The roster cannot be imported; nothing was written. ``problems`` says why."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__([str(p) for p in self.problems])


def _programme_tz() -> str:
    from .models import Programme

    return Programme.get().time_zone


def _plan_of(roster_import) -> tuple[object, object]:
    from . import rosters

    summary = roster_import.summary or {}
    period = None
    if summary.get("explicit_period") and roster_import.period_start and roster_import.period_end:
        period = (roster_import.period_start, roster_import.period_end)
    parsed = rosters.read_roster(
        roster_import.content, file_format=roster_import.file_format, tz=summary["tz"],
        resident_email=summary.get("resident_email", ""), period=period,
    )
    return parsed, period


@transaction.atomic
def roster_import_check(
    *,
    data: bytes | str,
    filename: str,
    source: str,
    by: User | None,
    resident_email: str = "",
    period: tuple[dt.datetime, dt.datetime] | None = None,
    file_format: str | None = None,
):
    """Check a roster file and keep it, with its preview, until it is confirmed.

    Raises ``RosterImportRefused`` listing every problem; then nothing is kept.
    """
    from . import rosters
    from .models import RosterImport

    tz = _programme_tz()
    file_format = file_format or rosters.guess_format(filename, data)
    source = source.strip() or "roster"
    parsed, plan = rosters.check_roster(
        data, file_format=file_format, source=source, tz=tz, resident_email=resident_email,
        period=period,
    )
    if plan.problems:
        raise RosterImportRefused(plan.problems)
    summary = plan.summary | {
        "tz": tz,
        "resident_email": resident_email.strip().lower(),
        "explicit_period": period is not None,
        "per_resident": [
            {"resident_id": c.resident_id, "name": c.name, "email": c.email, "added": c.added,
             "replaced": c.replaced, "removed": c.removed, "unchanged": c.unchanged}
            for c in plan.residents
        ],
    }
    return RosterImport.objects.create(
        created_by=by, filename=filename[:255], file_format=file_format, source=source[:100],
        content=parsed.text, status=RosterImport.Status.CHECKED, period_start=plan.period_start,
        period_end=plan.period_end, total=plan.total, done=0, summary=summary,
    )


@transaction.atomic
def roster_import_confirm(*, roster_import, by: User | None):
    """Queue a checked import for a worker; confirming twice queues it once."""
    from .models import RosterImport
    from .tasks import roster_import_apply as apply_task

    claimed = RosterImport.objects.filter(
        pk=roster_import.pk, status=RosterImport.Status.CHECKED
    ).update(status=RosterImport.Status.QUEUED, status_changed_at=timezone.now())
    if claimed:
        pk = roster_import.pk
        transaction.on_commit(lambda: apply_task.delay(pk))
    roster_import.refresh_from_db()
    return roster_import


def roster_progress_key(pk: int) -> str:
    return f"roster-import:{pk}:done"


def _report_progress(pk: int, done: int) -> None:
    """Tell the progress bar how far the import is while its transaction is still open.

    The rows written so far are invisible to other connections until commit, so progress
    goes to the cache and, on PostgreSQL, to ``RosterImport.done`` through a second
    connection of its own (SQLite allows one writer, the import itself)."""
    from django.core.cache import cache
    from django.db import connections

    cache.set(roster_progress_key(pk), done, 3600)
    if connections["default"].vendor != "postgresql":
        return
    side = connections.create_connection("default")
    try:
        with side.cursor() as cursor:
            cursor.execute(
                "UPDATE residents_rosterimport SET done = %s WHERE id = %s AND total >= %s",
                [done, pk, done],
            )
    finally:
        side.close()


def roster_import_apply(*, roster_import_id: int):
    """Apply a queued import in one transaction; safe to call twice (the second does nothing).

    On any problem nothing is written and the import is marked failed with the reasons."""
    from django.core.cache import cache

    from . import rosters
    from .models import RosterEntry, RosterImport

    claimed = RosterImport.objects.filter(
        pk=roster_import_id, status=RosterImport.Status.QUEUED
    ).update(status=RosterImport.Status.RUNNING, done=0, status_changed_at=timezone.now())
    roster_import = RosterImport.objects.get(pk=roster_import_id)
    if not claimed:
        return roster_import
    try:
        with transaction.atomic():
            parsed, period = _plan_of(roster_import)
            plan = rosters.plan_roster_import(
                parsed, source=roster_import.source, tz=roster_import.summary["tz"],
                period=period, lock=True,
            )
            if plan.problems:
                raise RosterImportRefused(plan.problems)
            if plan.digest != roster_import.summary.get("digest"):
                raise RosterImportRefused([rosters.Problem(None, "", "", _(
                    "The stored roster changed since this file was checked (another import?). "
                    "Nothing was imported; upload the file again to see what it would do now."
                ))])
            done = 0
            for chunk in rosters._chunks(plan.delete, ROSTER_CHUNK):
                RosterEntry.objects.filter(pk__in=chunk).delete()
                done += len(chunk)
                _report_progress(roster_import.pk, done)
            for chunk in rosters._chunks(plan.update, ROSTER_CHUNK):
                for entry in chunk:
                    entry.roster_import_id = roster_import.pk
                RosterEntry.objects.bulk_update(
                    chunk, ["resident", "start", "end", "kind", "roster_import"]
                )
                done += len(chunk)
                _report_progress(roster_import.pk, done)
            for chunk in rosters._chunks(plan.create, ROSTER_CHUNK):
                for entry in chunk:
                    entry.roster_import_id = roster_import.pk
                RosterEntry.objects.bulk_create(chunk)
                done += len(chunk)
                _report_progress(roster_import.pk, done)
            summary = roster_import.summary | plan.summary
            finished = RosterImport.objects.filter(
                pk=roster_import.pk, status=RosterImport.Status.RUNNING
            ).update(
                status=RosterImport.Status.DONE, total=plan.total, done=plan.total,
                summary=summary, content="", finished_at=timezone.now(),
            )
            if not finished:
                # The sweeper gave up on this import meanwhile and told the coordinator
                # nothing was imported: keep that true (the rollback undoes every row).
                raise ImportSweptAway
            transaction.on_commit(lambda: _after_roster_import(roster_import.pk))
    except ImportSweptAway:
        pass
    except RosterImportRefused as refused:
        RosterImport.objects.filter(pk=roster_import.pk).update(
            status=RosterImport.Status.FAILED, done=0, finished_at=timezone.now(),
            problems=[{"line": p.line, "column": p.column, "value": p.value, "reason": p.reason}
                      for p in refused.problems],
        )
    cache.delete(roster_progress_key(roster_import.pk))
    roster_import.refresh_from_db()
    return roster_import


def _after_roster_import(pk: int) -> None:
    """Rosters changed: look for planned sessions they now rule out (a worker does it)."""
    from sessions_app.tasks.suggestions import check_roster_clashes

    check_roster_clashes.delay(pk)


# How long an import may wait for a worker, and run, before the sweeper calls it failed. A
# running one gets the task's hard time limit plus a margin: by then its worker is gone
# (Celery kills it at the limit, without the task's own error handling) or it died earlier.
ROSTER_IMPORT_TIME_LIMIT = dt.timedelta(minutes=30)  # the task's time_limit (residents.tasks)
ROSTER_IMPORT_QUEUE_LIMIT = dt.timedelta(hours=1)
ROSTER_IMPORT_RUN_LIMIT = ROSTER_IMPORT_TIME_LIMIT + dt.timedelta(minutes=5)


def roster_imports_sweep(*, now: dt.datetime | None = None) -> int:
    """Fail imports stuck queued or running past their limit, so their pages stop waiting;
    how many. Running it again changes nothing: only queued and running imports are touched.

    A worker that picks a swept import up later finds it no longer queued and does nothing;
    one still running when swept cannot finish it (``roster_import_apply`` rolls back)."""
    from django.db.models import Q

    from .models import RosterImport

    def waited(status: str, limit: dt.timedelta) -> Q:
        # Imports queued before status_changed_at existed count from their upload.
        cutoff = now - limit
        return Q(status=status) & (
            Q(status_changed_at__lt=cutoff)
            | Q(status_changed_at__isnull=True, created_at__lt=cutoff)
        )

    now = now or timezone.now()
    stuck = RosterImport.objects.filter(
        waited(RosterImport.Status.QUEUED, ROSTER_IMPORT_QUEUE_LIMIT)
        | waited(RosterImport.Status.RUNNING, ROSTER_IMPORT_RUN_LIMIT)
    )
    reason = _("The import stopped without finishing (its worker is gone); nothing was "
               "imported. Upload the file again.")
    return stuck.update(
        status=RosterImport.Status.FAILED, done=0, finished_at=now, status_changed_at=now,
        problems=[{"line": None, "column": "", "value": "", "reason": reason}],
    )


def roster_import_fail(*, roster_import_id: int, reason: str) -> None:
    """Mark an import that broke unexpectedly as failed, so its page stops waiting."""
    from .models import RosterImport

    RosterImport.objects.filter(
        pk=roster_import_id, status__in=[RosterImport.Status.QUEUED, RosterImport.Status.RUNNING]
    ).update(status=RosterImport.Status.FAILED, finished_at=timezone.now(),
             problems=[{"line": None, "column": "", "value": "", "reason": reason}])


@transaction.atomic
def intervisor_absence_add(*, intervisor: Intervisor, start: dt.datetime, end: dt.datetime,
                           reason: str = ""):
    from .models import IntervisorAbsence

    if end <= start:
        raise ValidationError({"end": _("The absence must end after it starts.")})
    return IntervisorAbsence.objects.create(intervisor=intervisor, start=start, end=end,
                                            reason=reason)


@transaction.atomic
def intervisor_absence_delete(*, absence) -> None:
    absence.delete()
