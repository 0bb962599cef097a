"""The anonymous evaluation form, and the year the report shows."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import EVALUATION_COMMENT_MAX_LENGTH, EVALUATION_QUESTIONS

SCALE = [(score, str(score)) for score in range(1, 6)]
YEARS_BACK = 5


class EvaluationForm(forms.Form):
    comment = forms.CharField(
        label=_("Anything else you want to tell your intervisor? (optional)"), required=False,
        max_length=EVALUATION_COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Your intervisor reads comments only once at least five people of the group have "
                    "answered, and never with your name. Coordinators never see comments. Leave out "
                    "what would give you away."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scales = {}
        for field, question, low, high in EVALUATION_QUESTIONS:
            scales[field] = forms.TypedChoiceField(
                label=question, choices=SCALE, coerce=int, widget=forms.RadioSelect,
                help_text=_("1 = %(low)s, 5 = %(high)s") % {"low": low, "high": high},
                error_messages={"required": _("Choose a number from 1 to 5.")},
            )
        # The scales first, the comment last.
        self.fields = {**scales, "comment": self.fields["comment"]}


def report_years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - YEARS_BACK, -1))


class ReportYearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=(),
                                  widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in report_years()]
