"""Forms for planning, series, moving, cancelling and open sessions.

Times are entered as a date and a wall-clock time in the programme's zone; ``clean`` turns
them into aware datetimes (``start`` and ``end`` in ``cleaned_data``)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.fields import OneLineFormField
from residents.forms.people import DateInput
from residents.models import Intervisor
from residents.timezones import programme_zone

from ..models import IntervisionGroup, Session
from ..services.sessions import MAX_MINUTES, MAX_SERIES, MIN_MINUTES, local_datetime

WEEKDAYS = [
    (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
    (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday")),
]
NEW_STATUS_CHOICES = [
    (Session.Status.SCHEDULED, _("Scheduled: invite the residents now")),
    (Session.Status.PROPOSED, _("Proposed: the time is not final yet")),
]
THIS, FOLLOWING = "this", "following"
SCOPE_CHOICES = [(THIS, _("Only this session")), (FOLLOWING, _("This and the rest of the series"))]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _duration_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Length (minutes)"), min_value=MIN_MINUTES, max_value=MAX_MINUTES,
        widget=forms.NumberInput(attrs={"step": 15}), **kwargs,
    )


def parse_moment(value: str | None) -> dt.datetime | None:
    """An ISO 8601 time with its offset (``2026-03-17T16:00:00+01:00``), or None."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class TimesForm(forms.Form):
    """Date, local start time and length → ``start`` and ``end``."""

    date = forms.DateField(label=_("Date"), widget=DateInput())
    start_time = forms.TimeField(label=_("Starts at"), widget=TimeInput(),
                                 help_text=_("Local time."))
    duration_minutes = _duration_field()

    def clean(self):
        data = super().clean()
        day, at, minutes = data.get("date"), data.get("start_time"), data.get("duration_minutes")
        if day and at and minutes:
            try:
                data["start"] = local_datetime(day, at)
            except ValidationError as error:
                self.add_error("start_time", error.message_dict["start_time"])
            else:
                data["end"] = data["start"] + dt.timedelta(minutes=minutes)
        return data

    @staticmethod
    def initial_for(start: dt.datetime, end: dt.datetime) -> dict:
        local = timezone.localtime(start, programme_zone())
        return {"date": local.date(), "start_time": local.time().replace(second=0, microsecond=0),
                "duration_minutes": int((end - start).total_seconds() // 60)}


class SessionPlanForm(TimesForm):
    location = OneLineFormField(label=_("Location"), max_length=200, required=False)
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    status = forms.ChoiceField(label=_("Status"), choices=NEW_STATUS_CHOICES, widget=forms.RadioSelect,
                               initial=Session.Status.SCHEDULED)

    @classmethod
    def initial_for_group(cls, group: IntervisionGroup, *, start: dt.datetime | None = None,
                          end: dt.datetime | None = None) -> dict:
        """The group's defaults, and a suggested time (``?start=…&end=…``) when given."""
        initial = {"duration_minutes": group.default_duration_minutes, "location": group.location,
                   "status": Session.Status.SCHEDULED}
        if start is not None:
            if end is None or end <= start:
                end = start + dt.timedelta(minutes=group.default_duration_minutes)
            initial.update(cls.initial_for(start, end))
        return initial


class SeriesForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=WEEKDAYS, coerce=int)
    start_time = forms.TimeField(label=_("Starts at"), widget=TimeInput(), help_text=_("Local time."))
    duration_minutes = _duration_field()
    cadence_weeks = forms.IntegerField(label=_("Every (weeks)"), min_value=1, max_value=26)
    first_date = forms.DateField(
        label=_("From"), widget=DateInput(),
        help_text=_("The first session is on the chosen weekday on or after this date."),
    )
    count = forms.IntegerField(label=_("Number of sessions"), min_value=1, max_value=MAX_SERIES)
    location = OneLineFormField(label=_("Location"), max_length=200, required=False)
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    status = forms.ChoiceField(label=_("Status"), choices=NEW_STATUS_CHOICES, widget=forms.RadioSelect,
                               initial=Session.Status.SCHEDULED)

    @staticmethod
    def initial_for_group(group: IntervisionGroup, today: dt.date) -> dict:
        return {
            "weekday": 1, "start_time": dt.time(16, 0), "duration_minutes": group.default_duration_minutes,
            "cadence_weeks": group.cadence_weeks, "first_date": today + dt.timedelta(days=7),
            # About a year of sessions.
            "count": max(1, min(MAX_SERIES, 52 // group.cadence_weeks)),
            "location": group.location, "status": Session.Status.SCHEDULED,
        }

    def series_arguments(self) -> dict:
        data = self.cleaned_data
        return {"weekday": data["weekday"], "local_start": data["start_time"],
                "duration_minutes": data["duration_minutes"], "cadence_weeks": data["cadence_weeks"],
                "first_date": data["first_date"], "count": data["count"]}


class SeriesKeepForm(forms.Form):
    """Which previewed dates to plan (ticked) and which to leave out."""

    keep = forms.TypedMultipleChoiceField(
        label=_("Dates to plan"), coerce=dt.date.fromisoformat, required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, days: list[dt.date], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(d.isoformat(), d.isoformat()) for d in days]


class RescheduleForm(TimesForm):
    location = OneLineFormField(label=_("Location"), max_length=200, required=False)
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=500)
    scope = forms.ChoiceField(label=_("Apply to"), choices=SCOPE_CHOICES, initial=THIS,
                              widget=forms.RadioSelect)

    def __init__(self, *args, session: Session, **kwargs):
        kwargs.setdefault("initial", {
            **self.initial_for(session.start, session.end), "location": session.location,
            "video_url": session.video_url, "capacity": session.capacity, "scope": THIS,
        })
        super().__init__(*args, **kwargs)
        if session.kind != Session.Kind.OPEN:
            del self.fields["capacity"]
        if session.series_id is None:
            del self.fields["scope"]

    def clean(self):
        data = super().clean()
        data.setdefault("scope", THIS)
        return data


class CancelForm(forms.Form):
    note = forms.CharField(label=_("Reason (optional, shown in the history)"), max_length=300,
                           required=False)
    scope = forms.ChoiceField(label=_("Cancel"), choices=SCOPE_CHOICES, initial=THIS,
                              widget=forms.RadioSelect)

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        if session.series_id is None:
            del self.fields["scope"]

    def clean(self):
        data = super().clean()
        data.setdefault("scope", THIS)
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(Session.Status.SCHEDULED, Session.Status.SCHEDULED.label),
                                        (Session.Status.HELD, Session.Status.HELD.label)])


class OpenSessionForm(TimesForm):
    title = OneLineFormField(label=_("Title"), max_length=200, required=False,
                            help_text=_("For example “Make-up session”. Optional."))
    intervisor = forms.ModelChoiceField(label=_("Intervisor"), queryset=Intervisor.objects.none())
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=500, initial=8)
    location = OneLineFormField(label=_("Location"), max_length=200, required=False)
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    status = forms.ChoiceField(label=_("Status"), choices=NEW_STATUS_CHOICES, widget=forms.RadioSelect,
                               initial=Session.Status.SCHEDULED)

    field_order = ["title", "intervisor", "date", "start_time", "duration_minutes", "capacity",
                   "location", "video_url", "status"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"duration_minutes": 90, "capacity": 8,
                                      "status": Session.Status.SCHEDULED})
        super().__init__(*args, **kwargs)
        self.fields["intervisor"].queryset = Intervisor.objects.active().select_related("user")

    def clean(self):
        data = super().clean()
        if not (data.get("location") or data.get("video_url")):
            self.add_error("location", _("Say where it takes place: a room or a video link."))
        return data


class SessionFilterForm(forms.Form):
    when = forms.ChoiceField(choices=[("upcoming", _("Upcoming")), ("past", _("Past"))], required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=IntervisionGroup.objects.none(),
                                   required=False, empty_label=_("All groups"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = IntervisionGroup.objects.order_by("name")
