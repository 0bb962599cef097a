"""The form an intervisor writes a session note with."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import NoteTheme
from ..services.notes import MAX_LENGTH


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), max_length=MAX_LENGTH, strip=True,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Only the intervisors of this session can read it. Write what helps you lead the "
                    "group; leave out what identifies a patient."),
        error_messages={"required": _("Write something, or delete the note instead.")},
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=NoteTheme.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Coordinators see only how often each theme comes up across all groups, never the note."),
    )

    def __init__(self, *args, current_themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Active themes, plus any the note already carries that were retired since.
        self.fields["themes"].queryset = NoteTheme.objects.filter(
            Q(is_active=True) | Q(pk__in=[t.pk for t in current_themes])
        ).order_by("name")
