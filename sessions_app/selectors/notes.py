"""Reads for the notes pages that show no note text: which sessions an intervisor keeps notes
for, and whether they have written one."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from residents.models import User

from ..models import Session, SessionNote


def sessions_with_notes_for(user: User, *, limit: int = 100) -> QuerySet[Session]:
    """The sessions ``user`` keeps notes for that have started, newest first, each with
    ``has_my_note`` and ``has_notes``. One query."""
    led = Q(intervisor__user=user) | Q(group__intervisor__user=user) | Q(group__co_intervisor__user=user)
    return (
        Session.objects.filter(led, start__lte=timezone.now())
        .exclude(status=Session.Status.CANCELLED)
        .select_related("group")
        .annotate(
            has_my_note=Exists(SessionNote.objects.filter(session=OuterRef("pk"), author=user)),
            has_notes=Exists(SessionNote.objects.filter(session=OuterRef("pk"))),
        )
        .order_by("-start")[:limit]
    )
