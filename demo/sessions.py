"""The demo programme's sessions: half a year of history and three months ahead.

What a person trying the app should find: held sessions with answers, attendance (clinical
duty keeping residents of two departments away, so the dashboard's climate view shows
something), anonymous evaluations and a few confidential notes; upcoming sessions at times the
rosters allow, partly answered; open make-up sessions with seats booked and one full with a
waitlist. The known resident has a session to answer and one to evaluate; the known intervisor
has a session that has just ended and waits for its attendance.

Everything goes through the services, so the rows obey the same rules as a coordinator's,
with two exceptions, both about the past:

- Answers to past sessions are written on the participation rows directly: the answer service
  rightly refuses a session that has started. The same three fields it writes are set (answer,
  reason, answered at), under the same rule (a reason only with "no").
- Timestamps the database fills in with "now" (when a session was planned, when its status
  changed, when a note was written) are moved back to when they would have happened, so the
  history does not claim everything happened today.

The outbox: the services write every message these events would have sent. Messages about the
history must not go out now, so at the end every pending row for a demo person that is already
due is cancelled ("demo history, not sent"); reminders still to come stay pending.

Seeded with its own ``random.Random``, so a site that gets its sessions later (loaded before
the demo had any) gets the same ones. Everything is placed relative to the moment passed in
(``now``; the command passes the clock, the tests a fixed moment): the dates, and the known
intervisor's session that has just ended.

How far back and ahead it goes, and whether there are open sessions, are parameters: the
benchmarks want less of it for many more groups.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from demo.patterns import usual_time
from demo.people import COORDINATOR_EMAIL, DOMAIN, INTERVISOR_EMAIL, RESIDENT_EMAIL
from residents.models import Intervisor, Programme, Resident, RosterEntry, User
from sessions_app.models import (
    AbsenceReason,
    Attendance,
    IntervisionGroup,
    Membership,
    NoteTheme,
    Notification,
    Participation,
    Rsvp,
    Session,
    SessionNote,
    SessionStatusChange,
)
from sessions_app.selectors import availability as suggestions
from sessions_app.services.evaluations import evaluation_submit
from sessions_app.services.notes import note_save
from sessions_app.services.participation import (
    AttendanceEntry,
    attendance_record,
    participation_answer,
    participation_book,
)
from sessions_app.services.sessions import (
    local_datetime,
    open_session_create,
    session_cancel,
    session_plan,
)

HISTORY_WEEKS = 26
AHEAD_WEEKS = 13
# The departments that do not release their residents: most absences for clinical duty, and
# most residents called away mid-session, come from here. Their residents are kept on the
# ward for one session in every HOTSPOT_TURN, by turns rather than by chance: the climate view
# must show these two departments on top whatever day the demo is loaded on, and a chance per
# answer left that to the draw (a large department's rostered evenings could outnumber them).
HOTSPOTS = {"Emergency Department", "Anaesthesiology and ICU"}
HOTSPOT_TURN = 3
# Groups whose members rarely fill in the evaluation: they stay under the anonymity
# threshold, so the report shows what a hidden unit looks like.
QUIET_GROUPS = {"Hunze group", "Zaan group"}
KNOWN_RESIDENT_GROUP = "Amstel group"
JUST_ENDED_GROUP = "Berkel group"  # also led by the known intervisor
HISTORY_NOTE = "demo history, not sent"

# Roster kinds that keep a resident away, and the reason they give.
ROSTER_REASONS = {
    "night": AbsenceReason.CLINICAL_DUTY, "evening": AbsenceReason.CLINICAL_DUTY,
    "on_call": AbsenceReason.CLINICAL_DUTY, "weekend": AbsenceReason.CLINICAL_DUTY,
    "leave": AbsenceReason.LEAVE, "course": AbsenceReason.OTHER,
}
CANCEL_NOTES = [
    "The intervisor is ill.",
    "Too few members could come: two on nights, one on leave.",
    "The room was needed for an emergency team debriefing.",
]
OPEN_SESSIONS = [
    # (days ahead, intervisor index, title, seats, people to book)
    (9, 1, "Make-up session", 8, 3),
    (23, 5, "Drop-in session: working in the emergency department", 6, 2),
    (37, 2, "Make-up session", 4, 6),  # full, two on the waitlist
]
EVALUATION_COMMENTS = [
    "Good to hear I am not the only one who struggles with this.",
    "Felt rushed at the end; could we have two hours next time?",
    "Safe atmosphere, I said more than I planned to.",
    "Hard to switch off the pager for ninety minutes.",
    "The case discussion helped me prepare for a difficult conversation.",
    "I would like the intervisor to steer a little more.",
    "Nice group, but I was called away halfway.",
    "Helpful to reflect on the night shifts together.",
]
# Theme → a sentence an intervisor might write. Notes say what was discussed in general terms,
# never who said what; demo notes follow that habit.
NOTE_SENTENCES = {
    "Workload": "Much of the session went to the weeks of evening and night shifts and the "
                "feeling of never catching up.",
    "Feedback culture": "We practised asking a supervisor for feedback after a difficult shift; "
                        "several felt they only hear when something went wrong.",
    "Medical error": "One case of a missed diagnosis took most of the time; the group was "
                     "careful and kind with it.",
    "Career doubts": "Two members are unsure whether to continue in their specialty; we agreed "
                     "to come back to it next time.",
    "Work–life balance": "Talked about missing family occasions because of the roster and how "
                         "to ask for leave without guilt.",
    "Conflict": "A conflict with a nursing team came up; we explored what each side needed.",
    "Patient death": "The death of a young patient on the ward still weighs on the group.",
    "Professional identity": "Reflected on when one starts to feel like a doctor rather than a "
                             "trainee.",
}
NOTE_THEMES = [  # (weight, theme): workload and feedback dominate, as the study found
    (6, "Workload"), (4, "Feedback culture"), (2, "Work–life balance"), (2, "Medical error"),
    (1, "Career doubts"), (1, "Conflict"), (1, "Patient death"), (1, "Professional identity"),
]
NOTE_COUNT = 22


def sessions_build(*, rng: random.Random, now: dt.datetime, history_weeks: int = HISTORY_WEEKS,
                   ahead_weeks: int = AHEAD_WEEKS, open_sessions: bool = True) -> Counter[str]:
    """The sessions of the demo groups as of ``now``; returns what was made, counted."""
    return DemoSessions(
        rng, now=now, domain=DOMAIN,
        coordinator=User.objects.get(email__iexact=COORDINATOR_EMAIL),
        known_resident=Resident.objects.get(user__email__iexact=RESIDENT_EMAIL),
        known_intervisor=Intervisor.objects.get(user__email__iexact=INTERVISOR_EMAIL),
        history_weeks=history_weeks, ahead_weeks=ahead_weeks, open_sessions=open_sessions,
    ).build()


class DemoSessions:
    """Makes the sessions of the demo groups (see the module docstring)."""

    def __init__(self, rng: random.Random, *, now: dt.datetime, domain: str, coordinator: User,
                 known_resident: Resident, known_intervisor: Intervisor,
                 history_weeks: int = HISTORY_WEEKS, ahead_weeks: int = AHEAD_WEEKS,
                 open_sessions: bool = True) -> None:
        self.rng = rng
        self.domain = domain
        self.by = coordinator
        self.known_resident = known_resident
        self.known_intervisor = known_intervisor
        self.now = now
        self.history_weeks = history_weeks
        self.ahead_weeks = ahead_weeks
        self.with_open_sessions = open_sessions
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.today = self.now.astimezone(self.zone).date()
        country = Programme.get().country
        years = range(self.today.year - 1, self.today.year + 2)
        try:
            self.holidays = holidays.country_holidays(country, years=list(years))
        except NotImplementedError:
            self.holidays = {}
        # Intervisor id → (start, end) of the sessions they lead, so one never leads two at once.
        self.busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        self.counts: Counter[str] = Counter()
        self.habits: dict[int, tuple[int, dt.time]] = {}
        # Hotspot resident id → how many past sessions they were invited to, and at which of
        # their sessions the ward first keeps them (drawn once per resident).
        self.turns: Counter[int] = Counter()
        self.first_turn: dict[int, int] = {}

    # --- the whole build -----------------------------------------------------------------------

    def build(self) -> Counter[str]:
        groups = list(
            IntervisionGroup.objects.filter(intervisor__user__email__iendswith=self.domain)
            .select_related("intervisor__user", "co_intervisor__user").order_by("pk")
        )
        self.departments = dict(Resident.objects.values_list("pk", "department__name"))
        held: list[Session] = []
        last_past: dict[int, dt.date] = {}
        for group in groups:
            sessions, last_past[group.pk] = self._history(group)
            held += sessions
        self._evaluations(held)
        self._notes(held)
        for group in groups:
            self._ahead(group, last_past[group.pk])
        if self.with_open_sessions:
            self._open_sessions()
        self._backdate()
        self.counts["outbox rows cancelled"] = self._silence_history()
        return self.counts

    # --- when ----------------------------------------------------------------------------------

    def _free(self, group: IntervisionGroup, start: dt.datetime, end: dt.datetime) -> bool:
        return all(not (s < end and start < e)
                   for leader in group.intervisors() for s, e in self.busy[leader.pk])

    def _place(self, group: IntervisionGroup, day: dt.date, at: dt.time) -> tuple[dt.datetime, dt.datetime]:
        """The first weekday from ``day`` on that is no public holiday and when the group's
        intervisors lead nothing else."""
        length = dt.timedelta(minutes=group.default_duration_minutes)
        while True:
            if day.weekday() < 5 and day not in self.holidays:
                start = local_datetime(day, at, self.zone)
                if self._free(group, start, start + length):
                    return start, start + length
            day += dt.timedelta(days=1)

    def _plan(self, group: IntervisionGroup, start: dt.datetime, end: dt.datetime) -> Session:
        session = session_plan(group=group, start=start, end=end, by=self.by)
        for leader in group.intervisors():
            self.busy[leader.pk].append((start, end))
        return session

    def _just_ended(self, group: IntervisionGroup, at: dt.time) -> tuple[dt.datetime, dt.datetime]:
        """The group's usual time on the latest weekday on which it has ended by now."""
        length = dt.timedelta(minutes=group.default_duration_minutes)
        day = self.today
        while True:
            if day.weekday() < 5:
                start = local_datetime(day, at, self.zone)
                if start + length <= self.now - dt.timedelta(minutes=10):
                    return start, start + length
            day -= dt.timedelta(days=1)

    # --- the past ------------------------------------------------------------------------------

    def _history(self, group: IntervisionGroup) -> tuple[list[Session], dt.date]:
        """Half a year of sessions at the group's rhythm; returns the held ones and the date
        of the last one."""
        rng = self.rng
        weekday, at = self.habits[group.pk] = usual_time(rng, group.candidate_windows)
        cadence = dt.timedelta(weeks=group.cadence_weeks)
        just_ended = None
        if group.name == JUST_ENDED_GROUP:
            just_ended = self._just_ended(group, at)
            last = just_ended[0].astimezone(self.zone).date()
        else:
            # The latest usual weekday before today, then back a random part of the cadence;
            # the known resident's group met one to two weeks ago (still open to evaluate).
            last = self.today - dt.timedelta(days=(self.today.weekday() - weekday - 1) % 7 + 1)
            back = 1 if group.name == KNOWN_RESIDENT_GROUP else rng.randrange(group.cadence_weeks)
            last -= dt.timedelta(weeks=back)
        first_day = self.today - dt.timedelta(weeks=self.history_weeks)
        days = []
        day = last
        while day >= first_day:
            days.append(day)
            day -= cadence
        days.reverse()
        held = []
        for i, day in enumerate(days):
            is_last = i == len(days) - 1
            if is_last and just_ended:
                start, end = just_ended
            else:
                start, end = self._place(group, day, at)
            session = self._plan(group, start, end)
            # By resident, not by id: the service inserts them in whatever order the database
            # returned the members, and the random draws must fall to the same people everywhere.
            rows = list(Participation.objects.filter(session=session).order_by("resident_id"))
            self._past_answers(session, rows, known_away=i == 1)
            if is_last and just_ended:
                self.counts["sessions waiting for attendance"] += 1
                continue  # the known intervisor has yet to record who came
            cancel = (not is_last and i > 0 and rng.random() < 0.1) or (
                not rows  # nobody was a member yet: the session did not take place
            )
            if cancel:
                session_cancel(session=session, by=self.by, note=rng.choice(CANCEL_NOTES))
                self.counts["sessions cancelled"] += 1
                continue
            self._attendance(session, rows)
            held.append(session)
            self.counts["sessions held"] += 1
        return held, end.astimezone(self.zone).date()

    def _roster_reasons(self, session: Session, resident_ids: list[int]) -> dict[int, str]:
        """Members whose roster keeps them away from ``session``, with the reason they give."""
        found: dict[int, str] = {}
        entries = RosterEntry.objects.filter(
            resident_id__in=resident_ids, start__lt=session.end, end__gt=session.start,
            kind__in=list(ROSTER_REASONS),
        ).order_by("start", "kind").values_list("resident_id", "kind")
        for resident_id, kind in entries:
            found.setdefault(resident_id, ROSTER_REASONS[kind])
        return found

    def _kept_on_the_ward(self, resident_id: int) -> bool:
        """Whether a hotspot department keeps this resident from this session: one session in
        every HOTSPOT_TURN, starting at a turn drawn per resident."""
        if resident_id not in self.first_turn:
            self.first_turn[resident_id] = self.rng.randrange(HOTSPOT_TURN)
        turn = self.turns[resident_id]
        self.turns[resident_id] += 1
        return turn % HOTSPOT_TURN == self.first_turn[resident_id]

    def _past_answers(self, session: Session, rows: list[Participation], *, known_away: bool) -> None:
        """What each member answered before the session (see the module docstring)."""
        rng = self.rng
        rostered = self._roster_reasons(session, [p.resident_id for p in rows])
        for p in rows:
            hotspot = self.departments[p.resident_id] in HOTSPOTS
            kept = hotspot and self._kept_on_the_ward(p.resident_id)
            roll = rng.random()
            answer, reason = Rsvp.YES, ""
            if p.resident_id in rostered:
                answer, reason = Rsvp.NO, rostered[p.resident_id]
            elif kept or roll < 0.03:  # any ward may need a resident now and then
                answer, reason = Rsvp.NO, AbsenceReason.CLINICAL_DUTY
            elif roll < 0.10:
                answer = Rsvp.NO
                reason = rng.choices(
                    [AbsenceReason.LEAVE, AbsenceReason.ILLNESS, AbsenceReason.PERSONAL,
                     AbsenceReason.OTHER], weights=[5, 3, 2, 1])[0]
            elif roll < 0.16:
                answer = Rsvp.NONE
            elif roll < 0.20:
                answer = Rsvp.MAYBE
            if p.resident_id == self.known_resident.pk:
                # Sanne comes to every session but one, when she was on leave.
                answer, reason = (Rsvp.NO, AbsenceReason.LEAVE) if known_away else (Rsvp.YES, "")
            p.rsvp, p.absence_reason = answer, reason
            p.answered_at = (
                session.start - dt.timedelta(hours=rng.uniform(6, 14 * 24)) if answer else None
            )
        Participation.objects.bulk_update(rows, ["rsvp", "absence_reason", "answered_at"])

    def _attendance(self, session: Session, rows: list[Participation]) -> None:
        """The intervisor records who came, a little after the session, through the service."""
        rng = self.rng
        entries = []
        for p in rows:
            hotspot = self.departments[p.resident_id] in HOTSPOTS
            if p.rsvp == Rsvp.NO:
                attendance = Attendance.EXCUSED
            elif p.rsvp == Rsvp.YES:
                attendance = Attendance.PRESENT if rng.random() < 0.95 else Attendance.ABSENT
            elif p.rsvp == Rsvp.MAYBE:
                attendance = Attendance.PRESENT if rng.random() < 0.7 else Attendance.ABSENT
            else:
                attendance = Attendance.PRESENT if rng.random() < 0.4 else Attendance.ABSENT
            if p.resident_id == self.known_resident.pk and p.rsvp == Rsvp.YES:
                attendance = Attendance.PRESENT
            left_early = attendance == Attendance.PRESENT and rng.random() < (0.12 if hotspot else 0.02)
            entries.append(AttendanceEntry(p.pk, attendance, left_early))
        attendance_record(session=session, entries=entries, by=session.intervisor.user,
                          now=session.end + dt.timedelta(minutes=rng.randint(10, 240)))

    def _evaluations(self, held: list[Session]) -> None:
        """About half of those present answer the evaluation, within ten days; members of the
        quiet groups hardly ever, so those groups stay under the anonymity threshold."""
        rng = self.rng
        threshold = Programme.get().evaluation_threshold
        quiet_answers: Counter[int] = Counter()
        latest_of_known = max((s for s in held if s.group.name == KNOWN_RESIDENT_GROUP),
                              key=lambda s: s.start, default=None)
        for session in held:
            present = Participation.objects.filter(
                session=session, attendance=Attendance.PRESENT
            ).order_by("resident_id").values_list("resident_id", "left_early")
            quiet = session.group.name in QUIET_GROUPS
            for resident_id, left_early in present:
                if resident_id == self.known_resident.pk:
                    if session == latest_of_known:
                        continue  # left for Sanne to answer
                    answers = True
                elif quiet:
                    answers = rng.random() < 0.15 and quiet_answers[session.group_id] < threshold - 1
                else:
                    answers = rng.random() < 0.55
                if not answers:
                    continue
                hotspot = self.departments[resident_id] in HOTSPOTS
                when = min(session.end + dt.timedelta(hours=rng.uniform(1, 240)), self.now)
                scores = {
                    "safety": rng.choices([2, 3, 4, 5], weights=[1, 3, 8, 8])[0],
                    "depth": rng.choices([2, 3, 4, 5], weights=[2, 5, 8, 5])[0],
                    "guidance": rng.choices([2, 3, 4, 5], weights=[1, 3, 9, 7])[0],
                    "value": rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 5, 8, 5 - 2 * left_early])[0],
                    "exhaustion": rng.choices(
                        [1, 2, 3, 4, 5], weights=[1, 3, 5, 6, 4] if hotspot else [3, 6, 5, 3, 1]
                    )[0],
                }
                comment = rng.choice(EVALUATION_COMMENTS) if rng.random() < 0.2 else ""
                resident = Resident(pk=resident_id)
                try:
                    evaluation_submit(session=session, resident=resident, comment=comment,
                                      now=when, **scores)
                except ValidationError:
                    continue
                if quiet:
                    quiet_answers[session.group_id] += 1
                self.counts["evaluations"] += 1

    def _notes(self, held: list[Session]) -> None:
        """Some intervisors keep notes: on most sessions of the known intervisor's groups and
        on a sample of the others, each tagged with a theme or two."""
        rng = self.rng
        themes = {t.name: t for t in NoteTheme.objects.filter(name__in=list(NOTE_SENTENCES))}
        weights = [w for w, name in NOTE_THEMES if name in themes]
        names = [name for w, name in NOTE_THEMES if name in themes]
        mine = [s for s in held if s.group.intervisor_id == self.known_intervisor.pk]
        others = [s for s in held if s.group.intervisor_id != self.known_intervisor.pk]
        chosen = mine[-4:] + rng.sample(others, min(len(others), NOTE_COUNT - len(mine[-4:])))
        for session in sorted(chosen, key=lambda s: s.start):
            picked = []
            for name in rng.choices(names, weights=weights, k=rng.choice([1, 1, 2])):
                if name not in picked:
                    picked.append(name)
            body = " ".join(NOTE_SENTENCES[name] for name in picked)
            if names:
                note_save(user=session.group.intervisor.user, session=session, body=body,
                          themes=[themes[n] for n in picked], path="manage.py demo_data")
                self.counts["notes"] += 1

    # --- ahead ---------------------------------------------------------------------------------

    def _suggested(self, group: IntervisionGroup, target: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The best time the rosters allow near ``target``, from the scheduling suggestions."""
        tomorrow = local_datetime(self.today + dt.timedelta(days=1), dt.time(0), self.zone)
        for before, after in ((7, 8), (7, 22)):
            start = max(tomorrow, local_datetime(target - dt.timedelta(days=before), dt.time(0), self.zone))
            end = local_datetime(target + dt.timedelta(days=after), dt.time(0), self.zone)
            found = suggestions.suggest_for_groups([group], start=start, end=end, limit=1)
            best = found[group.pk].suggestions
            if best:
                return best[0].start, best[0].end
        return None

    def _ahead(self, group: IntervisionGroup, last: dt.date) -> None:
        """The next three months, one session at a time where the suggestions put it (the
        group's usual time when the rosters leave no slot), partly answered."""
        horizon = self.today + dt.timedelta(weeks=self.ahead_weeks)
        target = max(last + dt.timedelta(weeks=group.cadence_weeks), self.today + dt.timedelta(days=1))
        _weekday, at = self.habits[group.pk]
        first = True
        while target <= horizon:
            slot = self._suggested(group, target)
            if slot is None:
                slot = self._place(group, target, at)
                self.counts["sessions at the usual time (no slot suggested)"] += 1
            session = self._plan(group, *slot)
            self.counts["sessions scheduled"] += 1
            self._answers_ahead(session, share=0.65 if first else 0.3)
            first = False
            target = slot[0].astimezone(self.zone).date() + dt.timedelta(weeks=group.cadence_weeks)

    def _answers_ahead(self, session: Session, *, share: float) -> None:
        """Some members have answered already, through the service; those whose roster keeps
        them away say no with that reason. The known resident has not answered yet."""
        rng = self.rng
        rows = list(
            Participation.objects.filter(session=session).select_related("resident").order_by("resident_id")
        )
        rostered = self._roster_reasons(session, [p.resident_id for p in rows])
        for p in rows:
            if p.resident_id == self.known_resident.pk or rng.random() >= share:
                continue
            if p.resident_id in rostered:
                answer, reason = Rsvp.NO, rostered[p.resident_id]
            else:
                answer, reason = rng.choices([Rsvp.YES, Rsvp.MAYBE], weights=[9, 1])[0], ""
            try:
                participation_answer(session=session, resident=p.resident, answer=answer,
                                     reason=reason, now=self.now)
            except ValidationError:
                continue  # a clash with a session they already go to: they leave it open
            self.counts["answers ahead"] += 1

    def _open_sessions(self) -> None:
        """Make-up sessions that any resident may book: residents without a group and members
        who missed their group's last session book first; the last one fills up."""
        intervisors = list(
            Intervisor.objects.filter(user__email__iendswith=self.domain)
            .select_related("user").order_by("pk")
        )
        placed = Membership.objects.on(self.today).values("resident")
        unplaced = list(Resident.objects.filter(user__email__iendswith=self.domain)
                        .exclude(pk__in=placed).select_related("user").order_by("pk"))
        missed = list(
            Resident.objects.filter(
                participations__rsvp=Rsvp.NO, participations__session__status=Session.Status.HELD,
                participations__session__start__gte=self.now - dt.timedelta(weeks=8),
            ).exclude(pk=self.known_resident.pk).distinct().select_related("user").order_by("pk")
        )
        candidates = unplaced + [r for r in missed if r not in unplaced]
        self.rng.shuffle(candidates)
        for days, index, title, seats, bookings in OPEN_SESSIONS:
            intervisor = intervisors[index]
            day = self.today + dt.timedelta(days=days)
            while True:
                if day.weekday() < 5 and day not in self.holidays:
                    start = local_datetime(day, dt.time(16, 0), self.zone)
                    end = start + dt.timedelta(minutes=90)
                    if all(not (s < end and start < e) for s, e in self.busy[intervisor.pk]):
                        break
                day += dt.timedelta(days=1)
            session = open_session_create(
                intervisor=intervisor, start=start, end=end, capacity=seats, title=title,
                location="Education Centre, room 4.12", by=self.by,
            )
            self.busy[intervisor.pk].append((start, end))
            self.counts["open sessions"] += 1
            booked = 0
            while booked < bookings and candidates:
                resident = candidates.pop()
                try:
                    participation_book(session=session, resident=resident, now=self.now)
                except ValidationError:
                    continue  # it clashes with a session they go to
                booked += 1
                self.counts["open-session bookings"] += 1

    # --- finishing -----------------------------------------------------------------------------

    def _backdate(self) -> None:
        """Move "created" and "changed" times of the history back to when they happened: a
        session was planned five weeks ahead, held shortly after it ended, cancelled a few
        days before; a note was written the day after."""
        past = list(Session.objects.filter(
            start__lt=self.now, intervisor__user__email__iendswith=self.domain
        ))
        planned = {s.pk: s.start - dt.timedelta(weeks=5) for s in past}
        for s in past:
            s.created_at = planned[s.pk]
        Session.objects.bulk_update(past, ["created_at"])
        changes = list(SessionStatusChange.objects.filter(session__in=past).select_related("session"))
        for change in changes:
            s = change.session
            if change.to_status == Session.Status.CANCELLED:
                change.changed_at = s.start - dt.timedelta(days=3)
            elif change.to_status == Session.Status.HELD:
                change.changed_at = s.end + dt.timedelta(hours=1)
            else:
                change.changed_at = planned[s.pk]
        SessionStatusChange.objects.bulk_update(changes, ["changed_at"])
        notes = list(SessionNote.objects.filter(session__in=past).select_related("session"))
        for note in notes:
            note.created_at = note.updated_at = min(note.session.end + dt.timedelta(days=1), self.now)
        SessionNote.objects.bulk_update(notes, ["created_at", "updated_at"])

    def _silence_history(self) -> int:
        """Cancel every pending message to a demo person that is already due: it tells of
        the history (requests to answer, invitations to evaluate, cancellations) and must not
        be mailed by the first dispatcher run. Messages still to come stay pending.

        "Already due" by the later of ``now`` and the clock: the services date the messages
        they send at once by the clock, which has moved on while the demo was built."""
        return Notification.objects.filter(
            status=Notification.Status.PENDING, due_at__lte=max(self.now, timezone.now()),
            recipient__email__iendswith=self.domain,
        ).update(status=Notification.Status.CANCELLED, last_error=HISTORY_NOTE)


def demo_sessions_exist() -> bool:
    return Session.objects.filter(intervisor__user__email__iendswith=DOMAIN).exists()
