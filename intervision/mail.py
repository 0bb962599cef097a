"""Django's SMTP backend, able to reach internationalised addresses (RFC 6531, SMTPUTF8).

Hospitals hand out addresses such as ``r011.özdemir@hospital.example``, and the imports accept
them. Django's backend writes a non-ASCII local part as an RFC 2047 encoded word
(``=?utf-8?q?r011=2E=C3=B6zdemir?=@…``), which is no address at all: the server either refuses
it or delivers nowhere. A message with such an address is therefore sent the way RFC 6531 asks:
the envelope and the headers carry the address in UTF-8 and the transaction announces SMTPUTF8.
A server that does not offer SMTPUTF8 cannot take it; that is a permanent failure, reported as
such (the outbox marks the message failed with this reason) rather than delivered wrongly.

Messages whose addresses are all ASCII, nearly all of them, go through Django's code unchanged.
"""

from __future__ import annotations

import io
import smtplib
from email import policy
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.utils import getaddresses, parseaddr

from django.core.mail.backends import smtp
from django.core.mail.message import EmailMessage

# What the headers are written with when an address needs UTF-8: lines ended as SMTP wants.
UTF8_POLICY = policy.SMTPUTF8.clone(linesep="\r\n")
ADDRESS_HEADERS = {"From": "from_email", "To": "to", "Cc": "cc", "Reply-To": "reply_to"}


def _ascii(address: str) -> bool:
    return parseaddr(address)[1].isascii()


def _header(addresses: str | list[str]) -> str:
    """Addresses as a header value in UTF-8, display names quoted where they need it."""
    if isinstance(addresses, str):
        addresses = [addresses]
    written = []
    for name, spec in getaddresses(addresses):
        # username and domain given apart: Address refuses to parse a non-ASCII local part
        local, _at, domain = spec.rpartition("@")
        written.append(str(Address(display_name=name, username=local, domain=domain)))
    return ", ".join(written)


class EmailBackend(smtp.EmailBackend):
    def _send(self, email_message: EmailMessage) -> bool:
        recipients = email_message.recipients()
        if not recipients:
            return False
        if _ascii(email_message.from_email) and all(_ascii(a) for a in recipients):
            return super()._send(email_message)
        return self._send_utf8(email_message, recipients)

    def _send_utf8(self, email_message: EmailMessage, recipients: list[str]) -> bool:
        try:
            self.connection.ehlo_or_helo_if_needed()
            if not self.connection.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError(
                    "the mail server does not accept internationalised addresses (SMTPUTF8), "
                    f"so it cannot deliver to {', '.join(a for a in recipients if not _ascii(a))}")
            message = email_message.message()
            for header, attribute in ADDRESS_HEADERS.items():
                value = getattr(email_message, attribute)
                if header in message and value:
                    message.replace_header(header, _header(value))
            out = io.BytesIO()
            BytesGenerator(out, policy=UTF8_POLICY).flatten(message)
            self.connection.sendmail(parseaddr(email_message.from_email)[1],
                                     [parseaddr(a)[1] for a in recipients], out.getvalue(),
                                     mail_options=["SMTPUTF8"])
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
