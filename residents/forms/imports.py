"""Forms of the residents import: upload a file, then confirm its preview."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..importers.residents import MAX_BYTES


class ResidentImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, separated by commas or semicolons, at most 2 MB and 5,000 residents."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        # Read one byte past the limit rather than trusting the size the browser declared.
        data = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB. Split it into smaller files."),
                params={"limit": MAX_BYTES // (1024 * 1024)}, code="too_large",
            )
        return data


class ConfirmImportForm(forms.Form):
    """Names the checked file kept in the session; the file itself never travels back."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
