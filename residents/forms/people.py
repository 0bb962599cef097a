from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..fields import OneLineFormField
from ..models import Department, Intervisor, Resident, Specialty, User
from ..validators import normalise_email, validate_email_address


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class EmailAddressField(forms.EmailField):
    """An e-mail address as the standard allows it, internationalised local parts included
    (``r.özdemir@hospital.example``), which Django's EmailField refuses; the imports accept
    such addresses, so the forms must too. A text input with the e-mail keyboard, because
    browsers refuse non-ASCII local parts in ``type=email`` inputs. Returned as stored."""

    widget = forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email"})
    default_validators = [validate_email_address]

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_email(value) if value else value


class PersonFields(forms.Form):
    email = EmailAddressField(label=_("E-mail address"))
    first_name = OneLineFormField(label=_("First name"), max_length=100)
    last_name = OneLineFormField(label=_("Last name"), max_length=100)
    language = forms.ChoiceField(
        label=_("Language for e-mail"), choices=User._meta.get_field("language").choices,
        initial="en",
    )


class ResidentForm(PersonFields):
    specialty = forms.ModelChoiceField(label=_("Specialty"), queryset=Specialty.objects.all())
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())
    training_year = forms.IntegerField(label=_("Training year"), min_value=1, max_value=8)
    fte = forms.DecimalField(
        label=_("FTE"), min_value=Decimal("0.10"), max_value=Decimal("1.00"), decimal_places=2,
        initial=Decimal("1.00"), help_text=_("Share of a full-time position, 0.10 to 1.00."),
    )
    start_date = forms.DateField(label=_("Start of training"), widget=DateInput())
    end_date = forms.DateField(label=_("End of training"), required=False, widget=DateInput())
    supervisors = forms.ModelMultipleChoiceField(
        label=_("Supervisors and assessors"), required=False,
        queryset=User.objects.filter(is_active=True).exclude(role=User.Role.ADMINISTRATOR),
        help_text=_("They will never be placed in a group with this resident."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args, resident: Resident | None = None, **kwargs):
        if resident is not None:
            kwargs.setdefault("initial", {}).update(
                email=resident.user.email, first_name=resident.user.first_name,
                last_name=resident.user.last_name, language=resident.user.language,
                specialty=resident.specialty_id, department=resident.department_id,
                training_year=resident.training_year, fte=resident.fte,
                start_date=resident.start_date, end_date=resident.end_date,
                supervisors=list(resident.supervisors.values_list("pk", flat=True)),
            )
        super().__init__(*args, **kwargs)
        if resident is not None:
            self.fields["supervisors"].queryset = self.fields["supervisors"].queryset.exclude(
                pk=resident.user_id
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end of training cannot be before its start."))
        return data


class IntervisorForm(PersonFields):
    kind = forms.ChoiceField(label=_("Kind"), choices=Intervisor.Kind.choices)
    accreditation = OneLineFormField(label=_("Accreditation"), max_length=200, required=False)
    capacity = forms.IntegerField(
        label=_("Capacity"), min_value=1, max_value=20, initial=2,
        help_text=_("How many groups they can lead at once."),
    )
    must_not_lead_residents = forms.ModelMultipleChoiceField(
        label=_("Residents they must not lead"), required=False,
        queryset=Resident.objects.active().with_people(),
        help_text=_("For example residents they assess or treat."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    must_not_lead_departments = forms.ModelMultipleChoiceField(
        label=_("Departments they must not lead"), required=False,
        queryset=Department.objects.all(),
        help_text=_("For example the department they work in."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, intervisor: Intervisor | None = None, **kwargs):
        if intervisor is not None:
            kwargs.setdefault("initial", {}).update(
                email=intervisor.user.email, first_name=intervisor.user.first_name,
                last_name=intervisor.user.last_name, language=intervisor.user.language,
                kind=intervisor.kind, accreditation=intervisor.accreditation,
                capacity=intervisor.capacity,
                must_not_lead_residents=list(
                    intervisor.must_not_lead_residents.values_list("pk", flat=True)
                ),
                must_not_lead_departments=list(
                    intervisor.must_not_lead_departments.values_list("pk", flat=True)
                ),
            )
        super().__init__(*args, **kwargs)


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PasswordResetForm(forms.Form):
    """The address to send a reset link to. Whether it belongs to anyone is for the worker to
    find out (``services.password_reset``), so the page answers alike either way."""

    email = EmailAddressField(label=_("E-mail address"), max_length=254)
