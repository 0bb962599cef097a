"""Scheduling around rosters: the nightly suggestions digest and clash flags after imports.

Both write what they found (``SuggestionSnapshot``, ``SessionClash``) and the outbox rows that
tell the coordinators, in one transaction; running either twice adds nothing new.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from residents.models import RosterImport, User
from residents.selectors.rules import rules_for_programme

from ..models import NotificationKind, SessionClash, SuggestionSnapshot
from ..selectors import availability as suggestions
from . import notifications


def _coordinators() -> list[User]:
    return list(User.objects.filter(role=User.Role.COORDINATOR, is_active=True))


@transaction.atomic
def suggestions_prepare_nightly(*, now: dt.datetime | None = None) -> list[SuggestionSnapshot]:
    """Suggest times for every group whose next session is not planned within its cadence,
    keep them, and write one digest per coordinator for tonight (scope ``night:<date>``)."""
    now = now or timezone.now()
    groups = suggestions.groups_needing_a_session(now=now)
    if not groups:
        return []
    start, end = suggestions.default_horizon(now=now)
    found = suggestions.suggest_for_groups(groups, start=start, end=end, limit=3)
    today = timezone.localdate(now)
    snapshots = []
    for group in groups:
        result = found[group.pk]
        snapshot, _created = SuggestionSnapshot.objects.update_or_create(
            group=group, prepared_on=today,
            defaults={
                "prepared_at": now, "horizon_start": start, "horizon_end": end,
                "suggestions": [suggestions.suggestion_json(s, result.names)
                                for s in result.suggestions],
            },
        )
        snapshots.append(snapshot)
    notifications.enqueue(NotificationKind.SUGGESTIONS_DIGEST, _coordinators(), None,
                          f"night:{today.isoformat()}", now)
    return snapshots


@transaction.atomic
def roster_clashes_check(*, roster_import: RosterImport | None = None,
                         now: dt.datetime | None = None) -> list[SessionClash]:
    """Look at every planned group session the import's period touches (all upcoming ones
    without an import): flag those rosters now rule out, clear flags that no longer hold."""
    now = now or timezone.now()
    sessions = suggestions.upcoming_sessions(since=now)
    if roster_import is not None and roster_import.period_start and roster_import.period_end:
        sessions = sessions.filter(end__gt=roster_import.period_start,
                                   start__lt=roster_import.period_end)
    rules = rules_for_programme()
    flagged = []
    for session in sessions:
        found = suggestions.session_clash(session, rules=rules)
        existing = SessionClash.objects.filter(session=session).first()
        if not found.is_clash:
            if existing and existing.cleared_at is None:
                existing.cleared_at = now
                existing.save(update_fields=["cleared_at"])
            continue
        clash, _created = SessionClash.objects.update_or_create(
            session=session,
            defaults={
                "detected_at": existing.detected_at if existing and not existing.cleared_at else now,
                "cleared_at": None,
                "intervisor_unavailable": found.intervisor_unavailable,
                "member_count": found.member_count,
                "unavailable": found.unavailable,
                "alternatives": found.alternatives,
                "roster_import": roster_import,
            },
        )
        flagged.append(clash)
        # Once per version of the session: moving it (sequence + 1) may clash anew.
        notifications.enqueue(NotificationKind.ROSTER_CLASH, _coordinators(), session,
                              f"{notifications.session_scope(session)}:clash", now)
    return flagged


@transaction.atomic
def group_windows_update(*, group, windows) -> None:
    """Replace the weekly windows sessions of ``group`` may be suggested in."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if not windows:
        raise ValidationError(_("Give at least one window, or no time can ever be suggested."))
    group.candidate_windows = suggestions.windows_to_json(windows)
    group.save(update_fields=["candidate_windows"])
