"""E-mail addresses as the standard allows them, internationalised local parts included.

Django's ``EmailValidator`` accepts only ASCII before the "@", but RFC 6531/6532 allow any
UTF-8 character there, and hospitals hand out addresses such as ``r.özdemir@hospital.example``.
This validator follows RFC 5322's dot-atom (or quoted string) for the local part with the
atom characters widened to every non-ASCII character as RFC 6532 does, minus control, format
and space characters, which no address needs and which hide in copied cells. The domain is
checked by Django's own validator (which handles internationalised domains through IDNA).
Addresses are compared after Unicode normalisation (NFC) and lower-casing, so "Özdemir" and
"özdemir", typed or pasted, are one person.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]"
_DOT_ATOM = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_QUOTED = re.compile(r'"(?:[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\U0010ffff]|\\[\x20-\x7e])*"')
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}
_DOMAIN = EmailValidator()

# Django's own wording (and translation), as a form's EmailField would say it.
MESSAGE = _("Enter a valid email address.")


def normalise_email(value: str) -> str:
    """The form addresses are stored and compared in: NFC, lower case, no surrounding spaces."""
    return unicodedata.normalize("NFC", value.strip()).lower()


def validate_email_address(value: str) -> None:
    """Raise ``ValidationError`` unless ``value`` is an e-mail address (RFC 5321/5322 with the
    internationalised local parts of RFC 6531/6532)."""
    address = unicodedata.normalize("NFC", value)
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError(MESSAGE, code="invalid")
    if len(local.encode()) > 64 or len(address.encode()) > 254:
        raise ValidationError(MESSAGE, code="invalid")
    if not (_DOT_ATOM.fullmatch(local) or _QUOTED.fullmatch(local)):
        raise ValidationError(MESSAGE, code="invalid")
    if any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in local if ord(c) > 127):
        raise ValidationError(MESSAGE, code="invalid")
    if not _DOMAIN.validate_domain_part(domain):
        raise ValidationError(MESSAGE, code="invalid")
