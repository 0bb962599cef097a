"""Rendering and sending one notification e-mail.

Each kind of notification is three templates under ``templates/emails/``: ``<kind>.subject.txt``,
``<kind>.txt`` and ``<kind>.html``, written in English and translated with gettext like the
pages (``{% translate %}`` and ``{% blocktranslate %}``, Dutch in ``locale/nl``). A message is
rendered in its recipient's language; words built here (the name of an open session, "and"
between the leaders) are translated in that language too. Adding a kind means adding its three
templates and translating their strings; the context every template gets is built here.

E-mails never carry what was said in a session (notes) and name no other resident, except the
coordinators' digest, whose purpose is to say who has not answered yet.
"""

from __future__ import annotations

import smtplib
from email.mime.text import MIMEText
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.text import get_text_list
from django.utils.translation import pgettext

from residents.fields import one_line
from residents.models import User
from residents.timezones import programme_zone

from .models import Notification, Participation, Session

LANGUAGES = ("en", "nl")
ICS_FILENAME = "invite.ics"

# Errors worth trying again later: the server or the network is temporarily away. A 4xx reply
# is the server's own "try again later"; a 5xx reply is final.
# (socket.timeout is TimeoutError.)
TEMPORARY_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, TimeoutError,
                    ConnectionError)


def is_temporary(error: BaseException) -> bool:
    """Whether a failed send may succeed when tried again later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, TEMPORARY_ERRORS):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return False


def language_of(user: User) -> str:
    return user.language if user.language in LANGUAGES else "en"


def session_name(session: Session, language: str) -> str:
    if session.title:
        return session.title
    if session.group_id:
        return session.group.name
    with translation.override(language):
        return pgettext("name of a session without a group or title", "open intervision session")


def session_phrase(session: Session, language: str) -> str:
    """How sentences name a session, mid-sentence and with its article: "the intervision
    session of Tuesday group", "the open intervision session", or "the open intervision
    session “Title”". Sentences built around it read right for groups and open sessions
    alike, where "intervision {{ session_name }}" reads right only for a group."""
    with translation.override(language):
        if session.group_id:
            return pgettext("a group's session, mid-sentence",
                            "the intervision session of %(group)s") % {"group": session.group.name}
        if session.title:
            return pgettext("an open session with a title, mid-sentence",
                            "the open intervision session “%(title)s”") % {"title": session.title}
        return pgettext("an open session without a title, mid-sentence", "the open intervision session")


def _first_url(*names_and_args: tuple[str, list]) -> str:
    """The first of several pages that exists; the site's home as the last resort."""
    for name, args in names_and_args:
        try:
            return settings.SITE_URL + reverse(name, args=args)
        except NoReverseMatch:
            continue
    return settings.SITE_URL + "/"


def session_url(session: Session) -> str:
    return _first_url(("session_detail", [session.pk]), ("my_sessions", []))


def open_sessions_url() -> str:
    """Where residents book open sessions."""
    return _first_url(("open_sessions", []))


def attendance_url(session: Session) -> str:
    return _first_url(("session_attendance", [session.pk]))


def answers_url(session: Session) -> str:
    """The coordinator's view of who answered what."""
    return _first_url(("session_answers", [session.pk]))


def answer_links(participation: Participation) -> dict[str, str]:
    """One-click links for yes / no / maybe (each opens a confirmation page)."""
    from .answer_links import answer_url

    return {answer: answer_url(participation=participation, answer=answer)
            for answer in ("yes", "no", "maybe")}


def ics_part(*, ics: bytes, method: str) -> MIMEText:
    """The calendar invitation (REQUEST) or cancellation (CANCEL) as an attachment that mail
    programs offer to put in the calendar."""
    part = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=ICS_FILENAME)
    return part


class InvitationEmail(EmailMultiAlternatives):
    """An e-mail whose ``text/calendar`` alternative carries the iTIP method as a parameter
    (``text/calendar; method=REQUEST``): Outlook recognises a meeting request most reliably
    from that part inside ``multipart/alternative``; other programs take the attachment."""

    calendar_method: str | None = None

    def _create_mime_attachment(self, content, mimetype):
        part = super()._create_mime_attachment(content, mimetype)
        if mimetype == "text/calendar" and self.calendar_method:
            part.set_param("method", self.calendar_method)
        return part


def base_context(notification: Notification, language: str, zone: ZoneInfo) -> dict:
    recipient = notification.recipient
    context: dict = {
        "recipient": recipient,
        "first_name": recipient.first_name or recipient.get_full_name() or recipient.email,
        "site_url": settings.SITE_URL,
        "kind": notification.kind,
        "zone": zone,
    }
    session = notification.session
    if session is not None:
        leaders = [session.intervisor.user.get_full_name()]
        if session.group_id and session.group.co_intervisor_id:
            leaders.append(session.group.co_intervisor.user.get_full_name())
        with translation.override(language):  # "Ivan Visser and Iris Bakker", "… en …"
            leaders_text = get_text_list(leaders, pgettext("between the last two names", "and"))
        context.update(
            session=session,
            session_name=session_name(session, language),
            is_open_session=session.kind == Session.Kind.OPEN,
            session_phrase=session_phrase(session, language),
            start=timezone.localtime(session.start, zone),
            end=timezone.localtime(session.end, zone),
            location=session.location,
            video_url=session.video_url,
            leaders=leaders_text,
            session_url=session_url(session),
        )
    return context


def render(kind: str, language: str, context: dict, zone: ZoneInfo) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one message, in ``language``, times in ``zone``."""
    with translation.override(language), timezone.override(zone):
        subject = render_to_string(f"emails/{kind}.subject.txt", context)
        text = render_to_string(f"emails/{kind}.txt", context)
        html = render_to_string(f"emails/{kind}.html", context)
    # A subject is one line; templates may wrap it for readability, and a name saved before
    # line breaks were refused must not break the header.
    return " ".join(one_line(subject).split()), text, html


def message_id(notification: Notification) -> str:
    """The same Message-ID for every attempt at one outbox row (RFC 5322).

    Delivery is at least once: a worker that dies between the SMTP server's acceptance and
    recording it sends the row again. With the same Message-ID, mail systems that drop
    duplicates (and mail programs that collapse them) show the message once."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return f"<intervision.notification.{notification.pk}@{domain}>"


def compose(
    *,
    notification: Notification,
    participation: Participation | None,
    extra_context: dict | None = None,
    ics_method: str | None = None,
    with_answer_links: bool = False,
) -> EmailMultiAlternatives:
    """The e-mail for one outbox row, ready to send."""
    recipient = notification.recipient
    language = language_of(recipient)
    zone = programme_zone()
    context = base_context(notification, language, zone)
    context["participation"] = participation
    context["answer_links"] = (
        answer_links(participation) if with_answer_links and participation is not None else None
    )
    context.update(extra_context or {})
    subject, text, html = render(notification.kind, language, context, zone)
    message = InvitationEmail(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[recipient.email],
        headers={
            # RFC 3834: an automatic message; out-of-office replies should not answer it.
            "Auto-Submitted": "auto-generated",
            "X-Intervision-Notification": str(notification.pk),
            "Message-ID": message_id(notification),
            # RFC 3282: the language the message is written in.
            "Content-Language": language,
        },
    )
    message.attach_alternative(html, "text/html")
    if ics_method is not None and notification.session is not None:
        from .calendar import invitation_ics

        with translation.override(language):  # the event's title and description too
            ics = invitation_ics(session=notification.session, recipient=recipient,
                                 method=ics_method, participation=participation)
        # The same invitation twice: inline, as the last alternative, and as invite.ics.
        message.calendar_method = ics_method
        message.attach_alternative(ics.decode("utf-8"), "text/calendar")
        message.attach(ics_part(ics=ics, method=ics_method))
    return message


def send(message: EmailMultiAlternatives) -> None:
    """Hand one message to the configured backend; errors propagate for the caller to judge."""
    message.send(fail_silently=False)
