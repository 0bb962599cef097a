"""Text that must stay on one line.

Names and places end up in e-mail headers, calendar entries (where a line break ends the
property, or stops the calendar being written at all) and file names. A line break, a tab or
any other control character (C0, DEL, C1, and Unicode's line and paragraph separators) in such
a field is refused where the text comes in: the model field carries the check, so forms built
from the model, the admin and ``full_clean`` apply it, and so does the form field it makes
(even in a form that skips the model's validation); plain forms use ``OneLineFormField`` and
imports call ``validate_one_line``. Multi-line text (notes, comments) is a TextField and is not
affected. The renderers escape what they write anyway, for rows saved before this check.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_RUNS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def validate_one_line(value: str) -> None:
    if value and CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _("Write this on one line, without line breaks, tabs or other control characters."),
            code="control_characters",
        )


def one_line(value: str) -> str:
    """``value`` with each run of control characters replaced by a space, for writing text
    saved before the check into a header, calendar or file name."""
    return _CONTROL_RUNS.sub(" ", value).strip() if value else value


class OneLineFormField(forms.CharField):
    default_validators = [validate_one_line]


class OneLineCharField(models.CharField):
    """A CharField whose value must stay on one line (see the module's docstring)."""

    default_validators = [validate_one_line]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": OneLineFormField, **kwargs})
