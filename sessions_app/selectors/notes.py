"""Reads for the notes pages that show no note text: which sessions an intervisor keeps notes
for, and whether they have written one."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from residents.models import User

from ..models import Session, SessionNote


def sessions_with_notes_for(user: User, *, limit: int = 100) -> QuerySet[Session]:
    """The sessions ``user`` keeps notes for that have started, newest first, each with
    ``has_my_note`` and ``has_notes``. One query."""
    return (
        Session.objects.notes_kept_by(user).filter(start__lte=timezone.now())
        .exclude(status=Session.Status.CANCELLED)
        .select_related("group")
        .annotate(
            has_my_note=Exists(SessionNote.objects.filter(session=OuterRef("pk"), author=user)),
            has_notes=Exists(SessionNote.objects.filter(session=OuterRef("pk"))),
        )
        .order_by("-start")[:limit]
    )
