from django import forms
from django.utils.translation import gettext_lazy as _


class ReferenceItemForm(forms.Form):
    """The name of a specialty or a department."""

    name = forms.CharField(label=_("Name"), max_length=100)
