"""The dashboard's filters: a GET form that works without JavaScript."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from residents.forms.people import DateInput
from residents.models import Department, Specialty

from ..selectors.dashboard import Filters

BY_CHOICES = [
    ("group", _("Group")),
    ("department", _("Department")),
    ("specialty", _("Specialty")),
    ("year", _("Training year")),
]


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months up to today, from the first of a month."""
    start = (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    return start, today


class DashboardFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False,
        empty_label=_("All departments"),
    )
    specialty = forms.ModelChoiceField(
        label=_("Specialty"), queryset=Specialty.objects.all(), required=False,
        empty_label=_("All specialties"),
    )
    by = forms.ChoiceField(label=_("Attendance by"), choices=BY_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
        for name in ("department", "specialty"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end of the period must be after its start."))
        if start and end and (end - start).days > 3 * 366:
            self.add_error("start", _("Choose a period of at most three years."))
        return data

    def filters(self, today: dt.date) -> Filters:
        """The filters to apply: the valid ones, defaults for the rest."""
        data = self.cleaned_data if self.is_valid() else {}
        start, end = default_period(today)
        return Filters(
            start=data.get("start") or start, end=data.get("end") or end,
            department=data.get("department"), specialty=data.get("specialty"),
            # By department: the climate view, and eight rows read faster than sixty groups.
            by=data.get("by") or "department",
        )
