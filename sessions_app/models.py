"""Groups and what happens in them: memberships, sessions, participation, the notification
outbox, confidential notes, anonymous evaluations and composition runs."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from residents.fields import OneLineCharField
from residents.models import CoordinatorsOnlyQuerySet, Intervisor, Resident, User


class GroupQuerySet(models.QuerySet["IntervisionGroup"]):
    def active(self) -> GroupQuerySet:
        return self.filter(is_active=True)

    def led_by(self, user: User) -> GroupQuerySet:
        return self.filter(Q(intervisor__user=user) | Q(co_intervisor__user=user))

    def with_member(self, user: User, on: dt.date) -> GroupQuerySet:
        return self.filter(
            Q(memberships__resident__user=user)
            & Q(memberships__start_date__lte=on)
            & (Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gt=on))
        ).distinct()

    def visible_to(self, user: User, on: dt.date | None = None) -> GroupQuerySet:
        """The groups a person may open: all for coordinators, the ones they lead for
        intervisors (co-intervisors included), the one they are a member of on ``on`` (today
        by default) for residents; nothing for anyone else. ``sessions_app.access`` builds on
        this; views call that."""
        if not _signed_in(user):
            return self.none()
        if user.is_coordinator:
            return self.all()
        if user.is_intervisor:
            return self.led_by(user)
        if user.is_resident:
            return self.with_member(user, on or timezone.localdate())
        return self.none()


def _signed_in(user: User) -> bool:
    # Anonymous visitors have no role properties: ask this first, in every visible_to.
    return bool(user.is_authenticated and user.is_active)


def default_candidate_windows() -> list[dict]:
    """Weekdays 16:00–18:00 local time: after day work, before evening duty."""
    return [{"weekdays": [0, 1, 2, 3, 4], "start": "16:00", "end": "18:00"}]


class IntervisionGroup(models.Model):
    """A fixed group of residents that meets every few weeks with its intervisor."""

    name = OneLineCharField(_("name"), max_length=100, unique=True)
    intervisor = models.ForeignKey(
        Intervisor, on_delete=models.PROTECT, related_name="groups", verbose_name=_("intervisor")
    )
    co_intervisor = models.ForeignKey(
        Intervisor, on_delete=models.PROTECT, null=True, blank=True,
        related_name="co_led_groups", verbose_name=_("co-intervisor"),
    )
    cadence_weeks = models.PositiveSmallIntegerField(
        _("cadence (weeks)"), default=6, help_text=_("Weeks between sessions; 4 to 8 is usual.")
    )
    default_duration_minutes = models.PositiveSmallIntegerField(
        _("session length (minutes)"), default=90
    )
    location = OneLineCharField(_("location"), max_length=200, blank=True)
    min_size = models.PositiveSmallIntegerField(_("minimum size"), default=6)
    max_size = models.PositiveSmallIntegerField(_("maximum size"), default=8)
    is_active = models.BooleanField(_("active"), default=True)
    candidate_windows = models.JSONField(
        _("candidate windows"), default=default_candidate_windows, blank=True,
        help_text=_("Weekly local times sessions may be suggested in: "
                    '[{"weekdays": [0..6], "start": "HH:MM", "end": "HH:MM"}], 0 = Monday.'),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_size__gte=2) & Q(min_size__lte=models.F("max_size")),
                name="group_size_range",
            ),
            models.CheckConstraint(condition=Q(max_size__lte=20), name="group_max_size_limit"),
            models.CheckConstraint(
                condition=Q(cadence_weeks__gte=1, cadence_weeks__lte=26),
                name="group_cadence_range",
            ),
            models.CheckConstraint(
                condition=Q(default_duration_minutes__gte=30, default_duration_minutes__lte=480),
                name="group_duration_range",
            ),
            models.CheckConstraint(
                condition=~Q(co_intervisor=models.F("intervisor")),
                name="group_co_intervisor_differs",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def intervisors(self) -> list[Intervisor]:
        return [i for i in (self.intervisor, self.co_intervisor) if i is not None]


class MembershipQuerySet(models.QuerySet["Membership"]):
    def on(self, day: dt.date) -> MembershipQuerySet:
        """Memberships that hold on ``day`` (a member leaves at the start of ``end_date``)."""
        return self.filter(Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gt=day)))

    def overlapping(self, start: dt.date, end: dt.date | None) -> MembershipQuerySet:
        qs = self.filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
        if end is not None:
            qs = qs.filter(start_date__lt=end)
        return qs


    def visible_to(self, user: User) -> MembershipQuerySet:
        """Membership rows a person may load: all for coordinators, those of the groups they
        lead for intervisors, their own for residents. (What a group page shows of its current
        members is part of seeing the group.)"""
        if not _signed_in(user):
            return self.none()
        if user.is_coordinator:
            return self.all()
        if user.is_intervisor:
            return self.filter(group__in=IntervisionGroup.objects.led_by(user).values("pk"))
        if user.is_resident:
            return self.filter(resident__user=user)
        return self.none()


class Membership(models.Model):
    """A resident's dated place in a group: from ``start_date`` up to (not including)
    ``end_date``. Leaving a group ends the membership; the history stays."""

    group = models.ForeignKey(IntervisionGroup, on_delete=models.CASCADE, related_name="memberships")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="memberships")
    start_date = models.DateField(_("joined on"))
    end_date = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="membership_end_after_start",
            ),
            # A resident belongs to one group at a time: at most one open-ended membership.
            models.UniqueConstraint(
                fields=["resident"], condition=Q(end_date__isnull=True),
                name="membership_one_open_per_resident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} in {self.group}"


# --- Sessions -------------------------------------------------------------------------------

class SessionSeries(models.Model):
    """Sessions planned together from a group's cadence: same weekday and local time."""

    group = models.ForeignKey(IntervisionGroup, on_delete=models.CASCADE, related_name="series")
    weekday = models.PositiveSmallIntegerField(_("weekday"), help_text=_("0 = Monday"))
    local_start = models.TimeField(_("local start time"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"))
    cadence_weeks = models.PositiveSmallIntegerField(_("every (weeks)"))
    first_date = models.DateField(_("first date"))
    count = models.PositiveSmallIntegerField(_("number of sessions"))
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="series_weekday_range"),
            models.CheckConstraint(condition=Q(count__gte=1, count__lte=52), name="series_count_range"),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.count} × every {self.cadence_weeks} weeks"


class SessionKind(models.TextChoices):
    GROUP = "group", _("Group session")
    OPEN = "open", _("Open session")


class SessionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class SessionQuerySet(models.QuerySet["Session"]):
    def led_by(self, user: User) -> SessionQuerySet:
        """Sessions ``user`` leads: as the session's intervisor, or as co-intervisor of its
        group."""
        return self.filter(Q(intervisor__user=user) | Q(group__co_intervisor__user=user))

    def visible_to(self, user: User, on: dt.date | None = None) -> SessionQuerySet:
        """Sessions a person may open (the one rule; ``sessions_app.access.session_for`` loads
        through it):

        - coordinators: every session;
        - intervisors: the sessions they lead (``led_by``);
        - residents: the sessions they take part in (invited, booked, waiting or cancelled),
          those of the group they are a member of on ``on`` (today by default), and open
          sessions once they are offered, that is in any status but proposed — a proposed open
          session is not in the residents' list and cannot be booked, so nobody outside it has
          a reason to open it;
        - anyone else: nothing.
        """
        if not _signed_in(user):
            return self.none()
        if user.is_coordinator:
            return self.all()
        if user.is_intervisor:
            return self.led_by(user)
        if user.is_resident:
            groups = IntervisionGroup.objects.with_member(user, on or timezone.localdate()).values("pk")
            mine = Participation.objects.filter(resident__user=user).values("session")
            offered = Q(kind=SessionKind.OPEN) & ~Q(status=SessionStatus.PROPOSED)
            return self.filter(Q(pk__in=mine) | Q(group__in=groups) | offered)
        return self.none()

    def notes_kept_by(self, user: User) -> SessionQuerySet:
        """Sessions whose confidential notes ``user`` keeps: the sessions an active intervisor
        leads, or whose group they lead as intervisor or co-intervisor. The same rule as
        ``sessions_app.access.may_keep_notes`` (which asks it of one loaded session without a
        query); a test holds the two together."""
        if not _signed_in(user) or not user.is_intervisor:
            return self.none()
        return self.filter(
            Q(intervisor__user=user) | Q(group__intervisor__user=user) | Q(group__co_intervisor__user=user)
        )

    def attended_by(self, user: User) -> SessionQuerySet:
        """Sessions ``user`` was recorded present at (what a resident may evaluate)."""
        if not _signed_in(user) or not user.is_resident:
            return self.none()
        return self.filter(participations__resident__user=user,
                           participations__attendance=Attendance.PRESENT)


class Session(models.Model):
    """One meeting: of a group, or an open (make-up / drop-in) session with seats to book.

    Times are stored in UTC. ``sequence`` goes up on every change a calendar must see
    (iCalendar SEQUENCE); ``uid`` never changes.
    """

    Kind = SessionKind
    Status = SessionStatus

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=SessionKind.choices, default=SessionKind.GROUP)
    group = models.ForeignKey(
        IntervisionGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    series = models.ForeignKey(
        SessionSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    intervisor = models.ForeignKey(
        Intervisor, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("intervisor"),
        help_text=_("Who leads it; for a group session, the group's intervisor."),
    )
    title = OneLineCharField(_("title"), max_length=200, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    location = OneLineCharField(_("location"), max_length=200, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    capacity = models.PositiveSmallIntegerField(_("seats"), null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["status", "start"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="session_end_after_start"),
            models.CheckConstraint(condition=Q(status__in=SessionStatus.values), name="session_status_valid"),
            models.CheckConstraint(
                condition=(Q(kind=SessionKind.GROUP) & Q(group__isnull=False))
                | (Q(kind=SessionKind.OPEN) & Q(capacity__gte=1)),
                name="session_group_or_open_with_seats",
            ),
        ]

    def __str__(self) -> str:
        return self.title or (str(self.group) if self.group_id else gettext("Open session"))


class SessionStatusChange(models.Model):
    """The record of every status change: who, when, from what to what."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=SessionStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=SessionStatus.choices)
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["changed_at"]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.from_status or '—'} → {self.to_status}"


class Rsvp(models.TextChoices):
    NONE = "", _("No answer")
    YES = "yes", _("Yes")
    NO = "no", _("No")
    MAYBE = "maybe", _("Maybe")


class AbsenceReason(models.TextChoices):
    NONE = "", _("—")
    CLINICAL_DUTY = "clinical_duty", _("Clinical duty")
    LEAVE = "leave", _("Leave")
    ILLNESS = "illness", _("Illness")
    PERSONAL = "personal", _("Personal")
    OTHER = "other", _("Other")


class Booking(models.TextChoices):
    NONE = "", _("—")
    BOOKED = "booked", _("Booked")
    WAITLISTED = "waitlisted", _("On the waitlist")
    CANCELLED = "cancelled", _("Cancelled")


class Attendance(models.TextChoices):
    UNKNOWN = "", _("Not recorded")
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class ParticipationQuerySet(models.QuerySet["Participation"]):
    def visible_to(self, user: User) -> ParticipationQuerySet:
        """Participations a person may load: all for coordinators, those of the sessions they
        lead for intervisors (answers and attendance), their own for residents."""
        if not _signed_in(user):
            return self.none()
        if user.is_coordinator:
            return self.all()
        if user.is_intervisor:
            return self.filter(session__in=Session.objects.led_by(user).values("pk"))
        if user.is_resident:
            return self.filter(resident__user=user)
        return self.none()


class Participation(models.Model):
    """A resident and a session: their answer, their seat (open sessions), their attendance."""

    Rsvp = Rsvp
    AbsenceReason = AbsenceReason
    Booking = Booking
    Attendance = Attendance

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="participations")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="participations")
    rsvp = models.CharField(_("answer"), max_length=10, choices=Rsvp.choices, blank=True, default="")
    absence_reason = models.CharField(
        _("reason"), max_length=20, choices=AbsenceReason.choices, blank=True, default=""
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    booking = models.CharField(max_length=10, choices=Booking.choices, blank=True, default="")
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, blank=True, default=""
    )
    left_early = models.BooleanField(_("left early for clinical duty"), default=False)
    attendance_recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    # This resident's own iCalendar SEQUENCE on top of the session's: raised when their seat in
    # an open session goes or comes back, so their CANCEL and a later REQUEST outrank what they
    # had (RFC 5546). Stays 0 for group sessions.
    calendar_sequence = models.PositiveIntegerField(default=0)
    # When the row last changed: the calendar feed's ETag and DTSTAMP come from it.
    updated_at = models.DateTimeField(auto_now=True)

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "resident"], name="participation_unique"),
            models.UniqueConstraint(
                fields=["session", "waitlist_position"], condition=Q(waitlist_position__isnull=False),
                name="participation_waitlist_position_unique",
            ),
            models.CheckConstraint(
                condition=Q(absence_reason="") | Q(rsvp=Rsvp.NO), name="participation_reason_only_for_no"
            ),
            models.CheckConstraint(
                condition=Q(waitlist_position__isnull=True) | Q(booking=Booking.WAITLISTED),
                name="participation_position_only_when_waitlisted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} @ {self.session}"


class NotificationKind(models.TextChoices):
    RSVP_REQUEST = "rsvp_request", _("Request to answer")
    SESSION_SCHEDULED = "session_scheduled", _("Session planned, to its leaders")
    REMINDER_7D = "reminder_7d", _("Reminder a week before")
    REMINDER_24H = "reminder_24h", _("Reminder a day before")
    NUDGE_3D = "nudge_3d", _("Nudge to answer")
    ATTENDANCE_PROMPT = "attendance_prompt", _("Prompt to record attendance")
    LOW_RSVP_DIGEST = "low_rsvp_digest", _("Weekly digest of low answers")
    SESSION_CHANGED = "session_changed", _("Session changed")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
    WAITLIST_PROMOTED = "waitlist_promoted", _("Seat from the waitlist")
    SEAT_BOOKED = "seat_booked", _("Seat booked")
    SEAT_GIVEN_UP = "seat_given_up", _("Seat given up")
    EVALUATION_INVITE = "evaluation_invite", _("Invitation to evaluate")
    SUGGESTIONS_DIGEST = "suggestions_digest", _("Scheduling suggestions")
    ROSTER_CLASH = "roster_clash", _("Planned session clashes with rosters")
    PASSWORD_RESET = "password_reset", _("Link to choose a new password")
    REASON_REQUEST = "reason_request", _("Asked why they cannot come")


class NotificationQuerySet(CoordinatorsOnlyQuerySet):
    """Outbox rows on the Mail page: coordinators see every message the programme sends
    (they mend what failed); nobody else sees any."""


class Notification(models.Model):
    """The outbox: one row per message that must be sent, unique per kind, recipient and scope.

    ``scope`` names what the message is about ("session:12", "session:12:seq:3" for the third
    change, "week:2026-W48" for a digest), so running the scheduler twice cannot create a
    second row. A dispatcher claims a row with a conditional update before sending it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    Kind = NotificationKind

    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    scope = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # What the message must tell that the database no longer holds when it is sent: the time
    # and place before a change ({"before": {"start": iso, "end": iso, "location": …}}).
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.UniqueConstraint(fields=["kind", "recipient", "scope"], name="notification_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.scope})"


class CalendarReply(models.Model):
    """One message read from the reply mailbox (``REPLY_MAILBOX_URL``) and what became of it.

    ``key`` is unique: the SHA-256 of the message's Message-ID (of the whole message when it has
    none), claimed in the same transaction as the answer the message records. A copy delivered
    twice, a fetch that crashed after recording but before flagging the message, and two
    workers reading the mailbox at once therefore record each reply once. No address or text of
    the message is kept; the outcome and the participation say what happened.
    """

    class Outcome(models.TextChoices):
        RECORDED = "recorded", _("Answer recorded")
        UNCHANGED = "unchanged", _("Answer was already recorded")
        NOT_A_REPLY = "not_a_reply", _("No calendar reply in the message")
        UNKNOWN_SESSION = "unknown_session", _("No such session")
        FORGED = "forged", _("Attendee is not the sender")
        NOT_INVITED = "not_invited", _("Attendee takes no part in the session")
        STALE = "stale", _("Reply to an earlier version of the session")
        CANCELLED = "cancelled", _("Session was cancelled")
        SUPERSEDED = "superseded", _("Older than the latest answer")
        REFUSED = "refused", _("Answer refused")

    key = models.CharField(max_length=64, unique=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.CharField(max_length=500, blank=True)
    answer = models.CharField(max_length=10, choices=Rsvp.choices, blank=True, default="")
    session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    participation = models.ForeignKey(
        Participation, on_delete=models.SET_NULL, null=True, blank=True, related_name="calendar_replies"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.outcome} ({self.key[:12]})"


# --- Confidential notes and anonymous evaluations ----------------------------------------------

# The starting list of note themes (migration 0004), by key. A theme with a key is shown in
# the reader's language while it keeps its starting name; once the programme renames it, its
# name is shown as written.
DEFAULT_THEMES = {
    "workload": gettext_noop("Workload"),
    "feedback_culture": gettext_noop("Feedback culture"),
    "medical_error": gettext_noop("Medical error"),
    "career_doubts": gettext_noop("Career doubts"),
    "work_life_balance": gettext_noop("Work–life balance"),
    "conflict": gettext_noop("Conflict"),
    "patient_death": gettext_noop("Patient death"),
    "professional_identity": gettext_noop("Professional identity"),
}


def theme_label(key: str, name: str) -> str:
    """A note theme's name in the reader's language (see ``DEFAULT_THEMES``)."""
    english = DEFAULT_THEMES.get(key)
    return gettext(english) if english is not None and name == english else name


class NoteTheme(models.Model):
    """A theme an intervisor may tag a note with; the programme maintains the list."""

    name = OneLineCharField(_("name"), max_length=100, unique=True)
    # Which of the starting themes this is (DEFAULT_THEMES), to show it translated; blank for
    # themes the programme added.
    key = models.CharField(max_length=40, blank=True, default="", editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="notetheme_unique_key"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return theme_label(self.key, self.name)


class SessionNoteQuerySet(models.QuerySet["SessionNote"]):
    def visible_to(self, user: User) -> SessionNoteQuerySet:
        """Notes a person may load: those of the sessions whose notes they keep, and nobody
        else's — not coordinators', not administrators'."""
        return self.filter(session__in=Session.objects.notes_kept_by(user).values("pk"))


class SessionNote(models.Model):
    """An intervisor's confidential note on a session. The text is stored encrypted
    (``body_encrypted``); only the group's intervisors may read it, through the services."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body_encrypted = models.TextField()
    themes = models.ManyToManyField(NoteTheme, blank=True, related_name="notes")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionNoteQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "author"], name="sessionnote_one_per_author"),
        ]

    def __str__(self) -> str:
        return f"Note #{self.pk} on session #{self.session_id}"  # never the content


class NoteAccessEvent(models.Model):
    """Audit trail of every read, write and delete of a note, and every refused attempt.
    Holds ids, never content; survives the note's deletion."""

    class Action(models.TextChoices):
        READ = "read", _("Read")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        PURGE = "purge", _("Deleted after the retention period")
        REFUSED = "refused", _("Refused")

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    note_id = models.BigIntegerField(null=True, blank=True)
    session_id = models.BigIntegerField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.action} of note {self.note_id} by user {self.actor_id}"


# The five items, in our own words; each is answered on a 1–5 scale.
EVALUATION_QUESTIONS: list[tuple[str, str, str, str]] = [
    # (field, question, what 1 means, what 5 means)
    ("safety", _("I could say what was on my mind without worrying how it would be taken."),
     _("not at all"), _("completely")),
    ("depth", _("We got past the surface and talked about what really mattered."),
     _("not at all"), _("completely")),
    ("guidance", _("The intervisor guided the conversation in a way that helped me."),
     _("not at all"), _("completely")),
    ("value", _("I take something from this session into my daily work."),
     _("nothing"), _("a great deal")),
    ("exhaustion", _("How drained do you feel these days?"),
     _("not at all"), _("completely")),
]
EVALUATION_FIELDS = [field for field, *_rest in EVALUATION_QUESTIONS]
# How long after a session its evaluation stays open.
EVALUATION_ANSWER_WINDOW = dt.timedelta(days=30)
EVALUATION_COMMENT_MAX_LENGTH = 2000


class Evaluation(models.Model):
    """One anonymous answer to the evaluation of a session. Nothing here points to a person;
    ``EvaluationReceipt`` records who answered, separately, so nobody answers twice."""

    SCALE = [(i, str(i)) for i in range(1, 6)]

    # A random key, not a counter: receipts are numbered in order, and answers numbered in the
    # same order could be paired with them by anyone reading the tables.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="evaluations")
    safety = models.PositiveSmallIntegerField(choices=SCALE)
    depth = models.PositiveSmallIntegerField(choices=SCALE)
    guidance = models.PositiveSmallIntegerField(choices=SCALE)
    value = models.PositiveSmallIntegerField(choices=SCALE)
    exhaustion = models.PositiveSmallIntegerField(choices=SCALE)
    comment = models.TextField(blank=True)
    # Only the day, so the time of an answer cannot be matched to the time of a receipt.
    submitted_on = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(safety__range=(1, 5), depth__range=(1, 5), guidance__range=(1, 5),
                            value__range=(1, 5), exhaustion__range=(1, 5)),
                name="evaluation_scale_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Evaluation of session #{self.session_id}"


class EvaluationReceipt(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="evaluation_receipts")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="evaluation_receipts")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "resident"], name="evaluationreceipt_unique"),
        ]

    def __str__(self) -> str:
        return f"Receipt for session #{self.session_id}"


# --- Group composition --------------------------------------------------------------------------

class CompositionRunQuerySet(CoordinatorsOnlyQuerySet):
    """Composition runs name residents and the rules about them: coordinators only."""


class CompositionRun(models.Model):
    """A coordinator's request to compose groups, solved by a worker, then adjusted and accepted."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Solving")
        DONE = "done", _("Proposal ready")
        INFEASIBLE = "infeasible", _("Rules cannot all be met")
        FAILED = "failed", _("Failed")
        ACCEPTED = "accepted", _("Accepted")

    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict)
    result = models.JSONField(default=dict, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)

    objects = CompositionRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=1), name="compositionrun_progress"
            ),
        ]

    def __str__(self) -> str:
        return f"Composition #{self.pk} ({self.status})"


# --- Scheduling around rosters ----------------------------------------------------------------

class SessionClash(models.Model):
    """A planned session that rosters now rule out for its intervisor or for more than a
    quarter of its members, found after a roster import. One row per session, refreshed by
    every check; ``cleared_at`` is set when a later check finds the clash gone."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="clash")
    detected_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    intervisor_unavailable = models.BooleanField(default=False)
    member_count = models.PositiveSmallIntegerField(default=0)
    # [{"resident_id": 3, "name": "…", "reasons": ["night shift"]}, …]
    unavailable = models.JSONField(default=list, blank=True)
    # The best alternatives when detected: [{"start": iso, "end": iso, "attending": 6}, …]
    alternatives = models.JSONField(default=list, blank=True)
    roster_import = models.ForeignKey(
        "residents.RosterImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"Clash for session #{self.session_id}"


class SuggestionSnapshot(models.Model):
    """Suggestions the nightly task prepared for a group, kept for the digest e-mail."""

    group = models.ForeignKey(IntervisionGroup, on_delete=models.CASCADE, related_name="snapshots")
    prepared_on = models.DateField()
    prepared_at = models.DateTimeField()
    horizon_start = models.DateTimeField()
    horizon_end = models.DateTimeField()
    # [{"start": iso, "end": iso, "attending": 6, "member_count": 7, "unavailable": [...],
    #   "released": [...]}, …], best first
    suggestions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-prepared_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "prepared_on"], name="suggestionsnapshot_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"Suggestions for {self.group_id} on {self.prepared_on}"


# --- Plan the year -----------------------------------------------------------------------------

class YearPlanRunQuerySet(CoordinatorsOnlyQuerySet):
    """A year's plan names members and why they cannot come: coordinators only."""


class YearPlanRun(models.Model):
    """A confirmed "plan the year", planned by a worker: a long plan (every group of a large
    programme) takes longer than a request may."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Planning")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    first_day = models.DateField()
    last_day = models.DateField()
    # The group planned alone, or none for all active groups (``group_ids`` as confirmed).
    group = models.ForeignKey(IntervisionGroup, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    group_ids = models.JSONField(default=list)
    fingerprint = models.CharField(max_length=32)  # of the preview confirmed (YearPlan.fingerprint)
    total = models.PositiveIntegerField(default=0)  # sessions to plan, known once a worker starts
    planned = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = YearPlanRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(planned__lte=models.F("total")), name="yearplanrun_progress"),
        ]

    def __str__(self) -> str:
        return f"{self.first_day}..{self.last_day} ({self.get_status_display()})"
