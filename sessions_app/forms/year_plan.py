"""A period of days to suggest times in or to plan the year over: from one date to another,
both included, starting after today and at most ``MAX_MONTHS`` months long."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.forms.people import DateInput

from ..services.year_plan import check_period, months_later


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DateInput)
    date_to = forms.DateField(label=_("To (included)"), widget=DateInput)

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date_from", "date_to"):
            self.fields[name].required = required

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if (first is None) != (last is None) and not self.errors:
            raise forms.ValidationError(_("Give both dates, or neither."))
        for problem in check_period(first, last, today=timezone.localdate()):
            self.add_error(None, problem)
        return data

    @property
    def period(self) -> tuple[dt.date, dt.date] | None:
        """(first day, last day) when both were given and are valid."""
        if self.is_valid() and self.cleaned_data.get("date_from"):
            return self.cleaned_data["date_from"], self.cleaned_data["date_to"]
        return None

    @staticmethod
    def a_year_from_tomorrow() -> dict:
        first = timezone.localdate() + dt.timedelta(days=1)
        return {"date_from": first, "date_to": months_later(first, 12) - dt.timedelta(days=1)}
