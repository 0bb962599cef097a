"""A person's own data: exporting everything stored about them, and erasing a resident.

Erasure keeps attendance as **pseudonymised records**: the ``Resident`` row and its
``Participation`` rows stay, so group sizes, attendance counts and the climate figures (absence
reasons per department) remain right, but the person behind them is gone — name and e-mail
replaced by a random pseudonym, log-in disabled, password unusable, calendar feed address
changed, supervisors, exclusions, roster entries, pending e-mails and log-in records removed,
and the name scrubbed from stored suggestions, clashes and composition runs. Specialty,
department, training year and dates stay: the programme's reports need them, and without a
name they describe a position in the programme rather than a person. Evaluation answers were
never linked to anyone; the receipts stay (they only say "answered").
"""

from __future__ import annotations

import secrets
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.utils import timezone

from residents.models import Intervisor, Resident, RosterEntry, User, new_calendar_token

from ..models import (
    CompositionRun,
    EvaluationReceipt,
    IntervisionGroup,
    Membership,
    Notification,
    Participation,
    SessionClash,
    SuggestionSnapshot,
)
from .groups import memberships_end_for_resident

ERASED_DOMAIN = "invalid"  # RFC 2606: can never be a real address


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


# --- export -------------------------------------------------------------------------------------

def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything the application stores about ``user``, as plain data for a JSON download.

    Not included, because it is not about them or cannot be linked to them: the content of
    anonymous evaluations, and session notes (which are the intervisors' working notes and are
    never shown outside the group's intervisors).
    """

    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email, "first_name": user.first_name, "last_name": user.last_name,
            "role": user.role, "language": user.language, "active": user.is_active,
            "date_joined": _iso(user.date_joined), "last_login": _iso(user.last_login),
            "calendar_feed": "a secret address exists; reset it to revoke",
        },
        "notifications": [
            {"kind": n.kind, "session": n.session_id, "status": n.status, "due_at": _iso(n.due_at),
             "sent_at": _iso(n.sent_at)}
            for n in Notification.objects.filter(recipient=user).order_by("due_at")
        ],
    }
    resident = Resident.objects.filter(user=user).select_related("specialty", "department").first()
    if resident is not None:
        data["resident"] = {
            "specialty": resident.specialty.name, "department": resident.department.name,
            "training_year": resident.training_year, "fte": str(resident.fte),
            "start_date": _iso(resident.start_date), "end_date": _iso(resident.end_date),
            "supervisors": [s.get_full_name() for s in resident.supervisors.all()],
        }
        data["memberships"] = [
            {"group": m.group.name, "start_date": _iso(m.start_date), "end_date": _iso(m.end_date)}
            for m in Membership.objects.filter(resident=resident).select_related("group")
            .order_by("start_date")
        ]
        data["participations"] = [
            {"session": p.session_id, "session_name": str(p.session), "start": _iso(p.session.start),
             "end": _iso(p.session.end), "session_status": p.session.status,
             "rsvp": p.rsvp, "absence_reason": p.absence_reason, "answered_at": _iso(p.answered_at),
             "booking": p.booking, "waitlist_position": p.waitlist_position, "booked_at": _iso(p.booked_at),
             "attendance": p.attendance, "left_early": p.left_early,
             "attendance_recorded_at": _iso(p.attendance_recorded_at)}
            for p in Participation.objects.filter(resident=resident).select_related("session__group")
            .order_by("session__start")
        ]
        data["evaluations_answered"] = {
            "sessions": list(EvaluationReceipt.objects.filter(resident=resident).order_by("session_id")
                             .values_list("session_id", flat=True)),
            "note": "Only that you answered is stored with your name; your answers are stored without it.",
        }
        data["roster_entries"] = [
            {"kind": e.kind, "start": _iso(e.start), "end": _iso(e.end), "source": e.source}
            for e in RosterEntry.objects.filter(resident=resident).order_by("start")
        ]
        data["excluded_intervisors"] = [i.user.get_full_name() for i in resident.excluded_intervisors.all()]
    intervisor = Intervisor.objects.filter(user=user).first()
    if intervisor is not None:

        data["intervisor"] = {
            "kind": intervisor.kind, "accreditation": intervisor.accreditation,
            "capacity": intervisor.capacity,
            "groups_led": [g.name for g in IntervisionGroup.objects.led_by(user).order_by("name")],
            "absences": [{"start": _iso(a.start), "end": _iso(a.end), "reason": a.reason}
                         for a in intervisor.absences.order_by("start")],
        }
    data["supervisor_of"] = [r.user.get_full_name() for r in user.supervisees.select_related("user")]
    return data


# --- erasure ------------------------------------------------------------------------------------

def _scrub(value: Any, replacements: dict[str, str]) -> Any:
    """``value`` (JSON data) with every occurrence of the keys replaced."""
    if isinstance(value, str):
        for old, new in replacements.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_scrub(v, replacements) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, replacements) for k, v in value.items()}
    return value


def _scrub_json_fields(model, fields: list[str], replacements: dict[str, str]) -> None:
    for row in model.objects.all().only("pk", *fields).iterator():
        changed = {f: _scrub(getattr(row, f), replacements) for f in fields}
        if any(changed[f] != getattr(row, f) for f in fields):
            model.objects.filter(pk=row.pk).update(**changed)


@transaction.atomic
def resident_erase(*, resident: Resident, by: User) -> str:
    """Remove a resident's personal data, keeping their attendance under a pseudonym.

    Returns the pseudonym. Cannot be undone.
    """


    resident = Resident.objects.select_for_update(of=("self",)).select_related("user").get(pk=resident.pk)
    user = User.objects.select_for_update().get(pk=resident.user_id)
    old_email, old_name = user.email, user.get_full_name()
    code = secrets.token_hex(6)
    pseudonym = f"Erased resident {code}"

    today = timezone.localdate()
    if Membership.objects.filter(resident=resident).overlapping(today, None).exists():
        memberships_end_for_resident(resident=resident, on=today)

    user.email = f"erased-{code}@{ERASED_DOMAIN}"
    user.first_name = "Erased"
    user.last_name = f"resident {code}"
    user.is_active = False
    user.is_staff = False
    user.set_unusable_password()
    user.calendar_token = new_calendar_token()
    user.last_login = None
    user.save()
    user.groups.clear()
    user.user_permissions.clear()

    resident.supervisors.clear()
    resident.excluded_intervisors.clear()
    RosterEntry.objects.filter(resident=resident).delete()
    Notification.objects.filter(recipient=user).delete()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=old_email).delete()

    replacements = {old_name: pseudonym, old_email: user.email} if old_name else {old_email: user.email}
    _scrub_json_fields(SessionClash, ["unavailable"], replacements)
    _scrub_json_fields(SuggestionSnapshot, ["suggestions"], replacements)
    _scrub_json_fields(CompositionRun, ["params", "result"], replacements)
    return pseudonym
