"""E-mails are one set of templates, written in English and translated with gettext: a Dutch
recipient reads every kind of e-mail in Dutch, with no English sentence left over."""

import datetime as dt
import functools
import html
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from django.utils.html import strip_tags

from sessions_app import emails
from sessions_app.models import Notification, NotificationKind, Participation, Session
from sessions_app.services.notifications import Facts, rule_for
from sessions_app.services.sessions import session_plan

from .test_translations import PO, parse_po

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # Tuesday 16:00 CET, within the digest's fortnight
EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
KINDS = [kind.value for kind in NotificationKind]
# Who gets each kind: coordinators, the session's leaders, otherwise a resident taking part.
TO_COORDINATOR = {NotificationKind.LOW_RSVP_DIGEST, NotificationKind.SUGGESTIONS_DIGEST,
                  NotificationKind.ROSTER_CLASH}
TO_LEADER = {NotificationKind.SESSION_SCHEDULED, NotificationKind.ATTENDANCE_PROMPT}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def session(group, rosa, ruben, cora, iris):
    """A session with every detail an e-mail can show: a room, a video link and two leaders."""
    group.co_intervisor = iris.intervisor
    group.save()
    return session_plan(group=group, start=START, video_url="https://video.example/room-7", by=cora)


def _extra_context(kind, session, notification):
    """What the dispatcher adds for the kinds that need more than the session."""
    ruben_away = [{"name": "Ruben Resident", "reasons": ["night shift"]}]
    later = {"start_local": timezone.localtime(session.start) + dt.timedelta(days=7),
             "end_local": timezone.localtime(session.end) + dt.timedelta(days=7),
             "attending": 2, "member_count": 2}
    if kind == NotificationKind.LOW_RSVP_DIGEST:
        return rule_for(kind).check(Facts(notification, None, NOW)).context
    if kind == NotificationKind.ATTENDANCE_PROMPT:
        return {"attendance_url": emails.attendance_url(session)}
    if kind == NotificationKind.ROSTER_CLASH:
        clash = {"unavailable": ruben_away, "member_count": 2, "intervisor_unavailable": True}
        return {"clash": clash, "alternatives": [later],
                "suggestions_url": f"{settings.SITE_URL}/groups/{session.group_id}/suggestions/"}
    if kind == NotificationKind.SUGGESTIONS_DIGEST:
        suggestion = later | {"unavailable": ruben_away, "released": ruben_away}
        return {"groups": [
            {"name": "Tuesday group", "url": f"{settings.SITE_URL}/groups/1/", "suggestions": [suggestion]},
            {"name": "Thursday group", "url": f"{settings.SITE_URL}/groups/2/", "suggestions": []},
        ]}
    return {}


def _render(kind, session, recipient, language):
    """Subject, plain text and HTML of the e-mail of ``kind`` as ``recipient`` would get it."""
    recipient.language = language
    notification = Notification.objects.create(
        kind=kind, recipient=recipient, session=session, scope=f"{kind}:{language}", due_at=NOW)
    participation = Participation.objects.filter(session=session, resident__user=recipient).first()
    rule = rule_for(kind)
    message = emails.compose(
        notification=notification, participation=participation,
        extra_context=_extra_context(kind, session, notification),
        ics_method=rule.ics_method, with_answer_links=rule.answer_links,
    )
    [html_part] = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return message.subject, message.body, html_part


_URL = re.compile(r"https?://\S+")


def _sentences(text, *, leaving_out):
    """The sentences of ``text`` with at least three words, once names, places and links (the
    same in every language) are taken out."""
    text = _URL.sub(" ", text)
    for value in leaving_out:
        text = text.replace(value, " ")
    for piece in re.split(r"(?<=[.?!:;])\s+|\n", text):
        if len(re.findall(r"[A-Za-z']+", piece)) >= 3:
            yield piece.strip()


@functools.cache
def _email_msgids():
    """The English strings of the catalogue that the e-mails use."""
    return tuple(entry for entry in parse_po(PO)
                 if "templates/emails/" in entry.where or "sessions_app/emails.py" in entry.where)


def _english_phrases(entry):
    """The literal runs of words in a string, between its placeholders and its tags."""
    for text in filter(None, (entry.msgid, entry.msgid_plural)):
        for run in re.split(r"%\(\w+\)s|<[^>]+>", text):
            if len(re.findall(r"[A-Za-z']{2,}", run)) >= 2:
                yield run.strip()


def test_there_is_one_set_of_email_templates():
    assert not (EMAILS / "en").exists()
    assert not (EMAILS / "nl").exists()
    assert [path for path in EMAILS.iterdir() if path.is_dir()] == []
    for kind in KINDS:
        for suffix in (".subject.txt", ".txt", ".html"):
            assert (EMAILS / f"{kind}{suffix}").is_file(), f"{kind}{suffix}"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_reads_dutch_for_a_dutch_recipient(kind, session, rosa, ivan, cora):
    recipient = cora if kind in TO_COORDINATOR else ivan if kind in TO_LEADER else rosa
    subject_en, text_en, html_en = _render(kind, session, recipient, "en")
    subject_nl, text_nl, html_nl = _render(kind, session, recipient, "nl")

    assert subject_nl != subject_en
    assert text_nl != text_en
    assert text_en.startswith(f"Hello {recipient.first_name},")
    # The reset link keeps the sentences (and greeting) it had when Django sent it.
    greeting = "Hallo" if kind == NotificationKind.PASSWORD_RESET else "Beste"
    assert text_nl.startswith(f"{greeting} {recipient.first_name},")
    assert '<html lang="nl">' in html_nl

    data = ["Tuesday group", "Thursday group", "Room 4.12", "Rosa Resident", "Ruben Resident",
            "Ivan Intervisor", "Iris Other", "Cora", "Rosa", "Ivan"]
    page_en = html.unescape(strip_tags(html_en))
    page_nl = html.unescape(strip_tags(html_nl))
    for english, dutch in [(subject_en, subject_nl), (text_en, text_nl), (page_en, page_nl)]:
        left_in_english = [sentence for sentence in _sentences(english, leaving_out=data)
                           if sentence in dutch]
        assert left_in_english == [], f"{kind}: English in the Dutch e-mail"

    untranslated = sorted({phrase for entry in _email_msgids() for phrase in _english_phrases(entry)
                           if phrase in subject_nl or phrase in text_nl or phrase in html_nl})
    assert untranslated == [], f"{kind}: strings of the catalogue left in English"


def test_the_leaders_are_joined_in_the_recipients_language(session, rosa):
    _subject, text_en, _html = _render(NotificationKind.RSVP_REQUEST, session, rosa, "en")
    assert "Led by: Ivan Intervisor and Iris Other" in text_en
    _subject, text_nl, html_nl = _render(NotificationKind.RSVP_REQUEST, session, rosa, "nl")
    assert "Begeleiding: Ivan Intervisor en Iris Other" in text_nl
    assert "Ivan Intervisor en Iris Other</td>" in html_nl


def test_an_open_session_is_named_in_the_recipients_language(ivan):
    open_session = Session(kind=Session.Kind.OPEN, intervisor=ivan.intervisor, start=START,
                           end=START + dt.timedelta(minutes=90))
    assert emails.session_name(open_session, "en") == "open intervision session"
    assert emails.session_name(open_session, "nl") == "open intervisiebijeenkomst"
