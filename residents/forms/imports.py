"""Forms of the imports: upload a file (confirming its preview is a plain POST)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..importers import uploads

ACCEPT = ".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TableImportForm(forms.Form):
    """A CSV file or Excel workbook, read no further than the limit of its kind of import."""

    kind: uploads.UploadKind = uploads.INTERVISORS

    file = forms.FileField(
        label=_("CSV file or Excel workbook"),
        help_text=_("CSV separated by commas, semicolons or tabs (UTF-8 or Windows-1252), or .xlsx."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, kind: uploads.UploadKind | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if kind is not None:
            self.kind = kind

    def clean_file(self):
        """The upload, checked for size and name only: a worker reads it."""
        upload = self.cleaned_data["file"]
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        problem = uploads.upload_problem(upload.name or "", upload.size or 0, head, self.kind)
        if problem:
            raise forms.ValidationError(problem)
        return upload


class ResidentImportForm(TableImportForm):
    kind = uploads.RESIDENTS

    file = forms.FileField(
        label=_("CSV file or Excel workbook"),
        help_text=_("CSV separated by commas, semicolons or tabs (UTF-8 or Windows-1252), or .xlsx; "
                    "at most 2 MB and 5,000 residents."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
