from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.forms.people import DateInput
from residents.models import Intervisor, Resident

from ..models import IntervisionGroup


class GroupForm(forms.ModelForm):
    class Meta:
        model = IntervisionGroup
        fields = [
            "name", "intervisor", "co_intervisor", "cadence_weeks", "default_duration_minutes",
            "location", "min_size", "max_size",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        leaders = Intervisor.objects.active().select_related("user")
        self.fields["intervisor"].queryset = leaders
        self.fields["co_intervisor"].queryset = leaders
        self.fields["cadence_weeks"].widget.attrs.update(min=1, max=26)
        self.fields["default_duration_minutes"].widget.attrs.update(min=30, max=480, step=15)

    def clean(self):
        data = super().clean()
        low, high = data.get("min_size"), data.get("max_size")
        if low is not None and high is not None and low > high:
            self.add_error("min_size", _("The minimum size cannot be above the maximum size."))
        if low is not None and low < 2:
            self.add_error("min_size", _("A group needs at least 2 members."))
        if high is not None and high > 20:
            self.add_error("max_size", _("A group of more than 20 is not an intervision group."))
        cadence = data.get("cadence_weeks")
        if cadence is not None and not 1 <= cadence <= 26:
            self.add_error("cadence_weeks", _("Choose between 1 and 26 weeks."))
        minutes = data.get("default_duration_minutes")
        if minutes is not None and not 30 <= minutes <= 480:
            self.add_error("default_duration_minutes", _("Choose between 30 and 480 minutes."))
        lead, co = data.get("intervisor"), data.get("co_intervisor")
        if lead and co and lead == co:
            self.add_error("co_intervisor", _("The co-intervisor must be someone else."))
        return data

    def _post_clean(self):
        # Constraints are checked by the service with the rows locked; the form only validates
        # its fields, so the instance is not touched here.
        pass


class MembershipAddForm(forms.Form):
    resident = forms.ModelChoiceField(label=_("Resident"), queryset=Resident.objects.none())
    start_date = forms.DateField(label=_("Joins on"), widget=DateInput())
    end_date = forms.DateField(
        label=_("Leaves on"), required=False, widget=DateInput(),
        help_text=_("Leave empty for an open-ended membership."),
    )

    def __init__(self, *args, residents=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = residents if residents is not None else (
            Resident.objects.active().with_people()
        )
        self.fields["resident"].label_from_instance = lambda r: (
            f"{r.user.get_full_name()} — {r.specialty}, {r.department}, "
            + _("year %(y)s") % {"y": r.training_year}
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", _("The leaving date must be after the joining date."))
        return data


class MembershipEndForm(forms.Form):
    end_date = forms.DateField(label=_("Leaves on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("end_date", timezone.localdate())
        super().__init__(*args, **kwargs)
