"""Forms of the composition area: the rules of a run, moving a resident, accepting."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.forms.people import DateInput
from residents.models import Intervisor, Resident

from ..selectors import composition as selectors

PAIR_ROWS = 3  # pairs to keep together (and apart) offered without JavaScript


class ResidentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Resident) -> str:
        year = _("year %(y)s") % {"y": obj.training_year}
        return f"{obj.user.get_full_name()} — {obj.specialty}, {year}"


class IntervisorChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Intervisor) -> str:
        return _("%(name)s (leads at most %(capacity)d groups)") % {
            "name": obj.user.get_full_name(), "capacity": obj.capacity,
        }


class CompositionStartForm(forms.Form):
    cohort = forms.ChoiceField(
        label=_("Cohort"), widget=forms.RadioSelect, initial=selectors.COHORT_UNGROUPED,
        choices=[
            (selectors.COHORT_UNGROUPED, _("Residents without a group on the date below")),
            (selectors.COHORT_ALL, _("Every active resident (a new year: their current groups end)")),
            (selectors.COHORT_START_YEAR, _("Residents who started training in the year below")),
        ],
    )
    on = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    start_year = forms.IntegerField(label=_("Start year"), required=False, min_value=1990, max_value=2100)
    min_size = forms.IntegerField(label=_("Minimum group size"), initial=6, min_value=2, max_value=20)
    max_size = forms.IntegerField(label=_("Maximum group size"), initial=8, min_value=2, max_value=20)
    max_per_specialty = forms.IntegerField(
        label=_("At most this many residents of one specialty per group"), initial=2, required=False,
        min_value=1, max_value=20, help_text=_("Leave empty for no limit."),
    )
    spread_years = forms.BooleanField(
        label=_("Spread training years evenly over the groups"), initial=True, required=False
    )
    keep_previous = forms.BooleanField(
        label=_("Keep last year's groups together where the rules allow"), required=False
    )
    intervisors = IntervisorChoice(
        label=_("Intervisors available"), queryset=Intervisor.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Groups they already lead count against their capacity. The residents and "
                    "departments they must not lead, and the residents they supervise, are taken "
                    "into account."),
    )
    time_limit = forms.IntegerField(
        label=_("Time limit (seconds)"), initial=30, min_value=2, max_value=300,
        help_text=_("The solver stops at this limit with the best grouping it found."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        leaders = Intervisor.objects.active().select_related("user")
        self.fields["intervisors"].queryset = leaders
        if not self.is_bound:
            self.initial.setdefault("intervisors", list(leaders))
        residents = Resident.objects.active().with_people()
        for kind, label in (("together", _("Keep together")), ("apart", _("Keep apart"))):
            for row in range(PAIR_ROWS):
                for side in ("a", "b"):
                    self.fields[f"{kind}_{side}_{row}"] = ResidentChoice(
                        label=f"{label} {row + 1}{side.upper()}", queryset=residents, required=False
                    )

    def pair_rows(self, kind: str) -> list[tuple]:
        return [(self[f"{kind}_a_{row}"], self[f"{kind}_b_{row}"]) for row in range(PAIR_ROWS)]

    def clean(self):
        data = super().clean()
        low, high = data.get("min_size"), data.get("max_size")
        if low is not None and high is not None and low > high:
            self.add_error("max_size", _("The maximum size must be at least the minimum size."))
        if data.get("cohort") == selectors.COHORT_START_YEAR and not data.get("start_year"):
            self.add_error("start_year", _("Choose the year the cohort started training."))
        for kind in ("together", "apart"):
            pairs = []
            for row in range(PAIR_ROWS):
                a, b = data.pop(f"{kind}_a_{row}", None), data.pop(f"{kind}_b_{row}", None)
                if bool(a) != bool(b):
                    self.add_error(f"{kind}_b_{row}", _("Choose both residents of the pair."))
                elif a and a == b:
                    self.add_error(f"{kind}_b_{row}", _("Choose two different residents."))
                elif a:
                    pairs.append((a, b))
            data[f"keep_{kind}"] = pairs
        return data


class CompositionMoveForm(forms.Form):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    to_group = forms.TypedChoiceField(label=_("Move to"), coerce=int)

    def __init__(self, *args, group_count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_group"].choices = [
            (n, _("Group %(n)d") % {"n": n}) for n in range(1, group_count + 1)
        ]


class CompositionAcceptForm(forms.Form):
    start_date = forms.DateField(label=_("The groups start on"), widget=DateInput())
