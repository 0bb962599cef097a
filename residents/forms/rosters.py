"""Forms of the roster pages: upload a roster file, enter an intervisor's absence."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from ..fields import OneLineFormField
from ..importers import uploads
from ..models import Resident
from ..timezones import programme_zone
from .people import DateInput


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("CSV (UTF-8) or iCalendar (.ics), at most 25 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.ics,text/csv,text/calendar"}),
    )
    source = forms.CharField(
        label=_("Source"), max_length=100, initial="roster",
        help_text=_("Name of the rostering tool or department. Importing again with the same "
                    "source replaces that period's entries."),
    )
    resident = forms.ModelChoiceField(
        label=_("Whose roster (iCalendar only)"), required=False,
        queryset=Resident.objects.active().select_related("user").order_by("user__last_name"),
        help_text=_("For a personal calendar export whose events name no attendee."),
    )
    period_start = forms.DateField(label=_("Period from"), required=False, widget=DateInput())
    period_end = forms.DateField(
        label=_("Period to (inclusive)"), required=False, widget=DateInput(),
        help_text=_("Leave both empty to use the first and last day in the file."),
    )

    def clean_file(self) -> bytes:
        return uploads.read_upload(self.cleaned_data["file"], uploads.ROSTERS)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Give both ends of the period, or neither."))
        if start and end and end < start:
            self.add_error("period_end", _("The period must end after it starts."))
        return data

    def period(self) -> tuple[dt.datetime, dt.datetime] | None:
        start, end = self.cleaned_data.get("period_start"), self.cleaned_data.get("period_end")
        if not (start and end):
            return None
        zone = programme_zone()
        return (dt.datetime.combine(start, dt.time(0), zone),
                dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), zone))


class IntervisorAbsenceForm(forms.Form):
    start = forms.DateTimeField(label=_("From"), widget=DateTimeInput())
    end = forms.DateTimeField(label=_("Until"), widget=DateTimeInput())
    reason = OneLineFormField(label=_("Reason"), max_length=200, required=False,
                             help_text=_("Optional, e.g. holiday; coordinators see it."))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The absence must end after it starts."))
        return data
