"""Forms for answering, booking, recording attendance and choosing a statement period."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.forms.people import DateInput

from ..models import AbsenceReason, Attendance, Participation, Rsvp

REASONS = [(value, label) for value, label in AbsenceReason.choices if value]
ANSWERS = [(value, label) for value, label in Rsvp.choices if value]
RECORDABLE = [(value, label) for value, label in Attendance.choices if value]


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(label=_("Will you come?"), choices=ANSWERS, widget=forms.RadioSelect)
    reason = forms.ChoiceField(
        label=_("Reason (when you cannot come)"), choices=REASONS, required=False, widget=forms.RadioSelect
    )

    def clean(self):
        data = super().clean()
        if data.get("answer") == Rsvp.NO and not data.get("reason"):
            self.add_error("reason", _("Tell us why you cannot come."))
        if data.get("answer") in (Rsvp.YES, Rsvp.MAYBE):
            data["reason"] = ""
        return data


class AnswerLinkForm(forms.Form):
    """The confirmation page of a one-click link: the answer is fixed by the link; a "no"
    still asks for the reason."""

    reason = forms.ChoiceField(label=_("Reason"), choices=REASONS, required=False, widget=forms.RadioSelect)

    def __init__(self, *args, answer: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.answer = answer
        if answer == Rsvp.NO:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = _("Tell us why you cannot come.")
        else:
            del self.fields["reason"]


class AttendanceForm(forms.Form):
    """One row per participant: present / absent / excused, and "left early"."""

    def __init__(self, *args, participations: list[Participation], initial_for, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for p in participations:
            status_name, early_name = f"attendance_{p.pk}", f"left_early_{p.pk}"
            self.fields[status_name] = forms.ChoiceField(
                label=str(p.resident.user), choices=RECORDABLE, initial=initial_for(p),
                widget=forms.RadioSelect,
            )
            self.fields[early_name] = forms.BooleanField(
                label=_("Left early for clinical duty"), required=False, initial=p.left_early
            )
            self.rows.append((p, status_name, early_name))

    def clean(self):
        data = super().clean()
        for _p, status_name, early_name in self.rows:
            if data.get(early_name) and data.get(status_name) != Attendance.PRESENT:
                self.add_error(early_name, _("Only someone present can have left early."))
        return data

    def bound_rows(self):
        return [(p, self[status_name], self[early_name]) for p, status_name, early_name in self.rows]

    def entries(self):
        return [
            (p.pk, self.cleaned_data[status_name], self.cleaned_data[early_name])
            for p, status_name, early_name in self.rows
        ]


def academic_year_of(day: dt.date) -> int:
    """The academic year (September to August) that ``day`` falls in, by its first calendar year."""
    return day.year if day.month >= 9 else day.year - 1


def academic_year_bounds(first_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(first_year, 9, 1), dt.date(first_year + 1, 8, 31)


class StatementPeriodForm(forms.Form):
    """An academic year, or custom dates (both inclusive)."""

    year = forms.TypedChoiceField(label=_("Academic year"), coerce=int, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = academic_year_of(timezone.localdate())
        self.fields["year"].choices = [("", _("Custom dates"))] + [
            (y, f"{y}–{y + 1}") for y in range(current, current - 8, -1)
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("year"):
            data["start"], data["end"] = academic_year_bounds(data["year"])
        elif not (data.get("start") and data.get("end")):
            raise forms.ValidationError(_("Choose an academic year, or both dates."))
        if data["end"] < data["start"]:
            self.add_error("end", _("The end date comes before the start date."))
        elif (data["end"] - data["start"]).days > 5 * 366:
            self.add_error("end", _("Choose a period of at most five years."))
        return data
