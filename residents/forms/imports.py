"""Forms of the residents import: upload a file, then confirm its preview."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..importers import uploads


class ResidentImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, separated by commas or semicolons, at most 2 MB and 5,000 residents."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> bytes:
        return uploads.read_upload(self.cleaned_data["file"], uploads.RESIDENTS)


class ConfirmImportForm(forms.Form):
    """Names the checked file kept in the session; the file itself never travels back."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
