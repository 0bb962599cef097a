"""Forms of the roster pages: upload a roster file, enter an intervisor's absence."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from ..fields import OneLineFormField
from ..importers import rosters, uploads
from ..models import Resident
from ..timezones import programme_zone
from .people import DateInput


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field: a list of uploads (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data] if data else single(None, initial)
        return [single(data, initial)]


class RosterUploadForm(forms.Form):
    file = MultipleFileField(
        label=_("Roster files"),
        help_text=_("CSV or iCalendar (.ics), at most 25 MB in one upload; several files at "
                    "once, or a .zip of them (unpacking to at most 500 MB). An .ics file without "
                    "ATTENDEE is matched by the e-mail address in its name "
                    "(r011.jansen@hospital.example.ics)."),
        widget=MultipleFileInput(attrs={"accept": ".csv,.ics,.zip,text/csv,text/calendar,application/zip"}),
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

    def clean_file(self) -> list:
        """The uploads, each checked for size and name only: a worker unpacks and reads them."""
        found = self.cleaned_data["file"]
        for upload in found:
            problem = uploads.upload_problem(upload.name or "", upload.size or 0,
                                             _head(upload), uploads.ROSTERS)
            if problem:
                raise forms.ValidationError(problem)
        if len(found) > rosters.MAX_FILES:
            raise forms.ValidationError(_("At most %(limit)s files at once.") % {"limit": rosters.MAX_FILES})
        return found

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Give both ends of the period, or neither."))
        if start and end and end < start:
            self.add_error("period_end", _("The period must end after it starts."))
        files = data.get("file") or []
        if data.get("resident") and len(files) > 1:
            self.add_error("resident", _("Choose a resident only for a single file; several files "
                                         "are matched by ATTENDEE or by their names."))
        return data

    def period(self) -> tuple[dt.datetime, dt.datetime] | None:
        start, end = self.cleaned_data.get("period_start"), self.cleaned_data.get("period_end")
        if not (start and end):
            return None
        zone = programme_zone()
        return (dt.datetime.combine(start, dt.time(0), zone),
                dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), zone))


def _head(upload) -> bytes:
    """The first bytes of an upload (what kind of file it is), leaving it at its start."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    return head


class CoverageForm(forms.Form):
    DEFAULT_WEEKS = 12

    weeks = forms.IntegerField(label=_("Planning horizon (weeks from tomorrow)"), min_value=1,
                               max_value=104, initial=DEFAULT_WEEKS)


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
