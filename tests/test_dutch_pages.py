"""Every page a person uses is Dutch when they read Dutch: the main pages of each role,
rendered in Dutch, show no text that the English catalogue holds and Dutch says otherwise
(a string that never went through gettext, or one left untranslated).

Needs the Dutch of new strings: the ``dutch_catalogue`` fixture compiles what still waits in
locale/pending/ as if it were merged."""

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from residents.models import RosterImport
from sessions_app.models import SessionClash
from sessions_app.services.sessions import open_session_create, session_plan

from .helpers import NOW, START, login
from .test_translations import parse_po

pytestmark = pytest.mark.usefixtures("clock")

# Names, not words: the product keeps its name in every language.
PROPER_NAMES = {"Intervision"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\w*\}")


def _english_that_dutch_says_otherwise() -> tuple[set[str], set[str]]:
    """The catalogue's English texts whose Dutch differs (or is missing): whole texts, and the
    long ones (four words or more) to look for inside a text as well."""
    locale = Path(settings.BASE_DIR) / "locale"
    entries = [e for path in [locale / "nl" / "LC_MESSAGES" / "django.po",
                              *sorted((locale / "pending").glob("*.po"))]
               for e in parse_po(path) if e.msgid]
    english = set()
    for entry in entries:
        for text, dutch in ((entry.msgid, entry.msgstr.get(0, "")),
                            (entry.msgid_plural, entry.msgstr.get(1, ""))):
            if text and dutch != text and not PLACEHOLDER.search(text) and re.search(r"[A-Za-z]{2}", text):
                english.add(" ".join(text.split()))
    english -= PROPER_NAMES
    return english, {text for text in english if len(text.split()) >= 4}


class _Texts(HTMLParser):
    """The texts a person sees or hears: text nodes, and the labels in attributes."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self.skip += 1
        for name, value in attrs:
            if name in {"aria-label", "title", "placeholder", "alt"} and value:
                self.texts.append(" ".join(value.split()))

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.texts.append(" ".join(data.split()))


def _english_on(client: Client, url: str, whole: set[str], long: set[str]) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Language"] == "nl", url
    parser = _Texts()
    parser.feed(response.content.decode())
    found = []
    for text in parser.texts:
        if text in whole or any(sentence in text for sentence in long if len(sentence) < len(text)):
            found.append(f"{url}: {text!r}")
    return found


@pytest.fixture
def programme(group, other_group, rosa, ruben, otto, ivan, iris, cora):
    """A programme with something on every main page: sessions to answer, one yesterday, an
    open session, a clash, a roster import waiting for confirmation."""
    upcoming = session_plan(group=group, start=START, by=cora)
    session_plan(group=group, start=NOW + dt.timedelta(days=4), by=cora)
    yesterday = session_plan(group=group, start=NOW - dt.timedelta(days=1), by=cora)
    open_session_create(intervisor=iris.intervisor, start=START + dt.timedelta(days=1),
                        end=START + dt.timedelta(days=1, hours=2), capacity=4, location="Zaal 2", by=cora)
    SessionClash.objects.create(session=upcoming, detected_at=NOW, member_count=1)
    RosterImport.objects.create(created_by=cora, filename="maart.csv", file_format="csv", source="HiX",
                                status=RosterImport.Status.CHECKED)
    # a composition whose rules cannot all be met: the engine's reasons, stored as codes
    from planning.composition import Message
    from sessions_app.composition_text import stored
    from sessions_app.models import CompositionRun

    reasons = [Message("cohort of 2 is smaller than the minimum group size 6", "cohort_too_small",
                       n=2, min_size=6),
               Message("without the keep-apart pairs a grouping would be possible", "possible_without",
                       rule="keep_apart")]
    run = CompositionRun.objects.create(
        created_by=cora, status=CompositionRun.Status.INFEASIBLE,
        params={"cohort": "ungrouped", "on": "2026-03-02", "min_size": 6, "max_size": 8},
        result={"messages": [str(m) for m in reasons], "reasons": [stored(m) for m in reasons]},
    )
    return {"upcoming": upcoming, "yesterday": yesterday, "run": run}


def _pages(programme, group):
    upcoming, yesterday = programme["upcoming"].pk, programme["yesterday"].pk
    return {
        "cora": [reverse("home"), reverse("resident_list"), reverse("group_list"),
                 reverse("group_detail", args=[group.pk]), reverse("session_list"),
                 reverse("session_detail", args=[upcoming]), reverse("session_answers", args=[upcoming]),
                 reverse("dashboard"), reverse("mail_list"), reverse("intervisor_list"),
                 reverse("composition_detail", args=[programme["run"].pk])],
        "rosa": [reverse("home"), reverse("my_sessions"), reverse("open_sessions"),
                 reverse("session_detail", args=[upcoming]), reverse("session_rsvp", args=[upcoming]),
                 reverse("my_evaluations")],
        "ivan": [reverse("home"), reverse("session_detail", args=[yesterday]),
                 reverse("session_attendance", args=[yesterday]), reverse("session_notes", args=[yesterday]),
                 reverse("note_list"), reverse("session_answers", args=[upcoming])],
    }


@pytest.mark.parametrize("persona", ["cora", "rosa", "ivan"])
def test_the_main_pages_of_each_role_show_no_english_in_dutch(dutch_catalogue, personas, programme,
                                                              group, persona):
    whole, long = _english_that_dutch_says_otherwise()
    client = login(personas[persona])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    found = [text for url in _pages(programme, group)[persona]
             for text in _english_on(client, url, whole, long)]
    assert not found, "English on Dutch pages:\n" + "\n".join(found)


def test_the_log_in_page_shows_no_english_in_dutch(dutch_catalogue, db):
    whole, long = _english_that_dutch_says_otherwise()
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    assert not _english_on(client, reverse("login"), whole, long)


def test_the_engines_reasons_read_in_dutch(dutch_catalogue, as_cora, programme):
    as_cora.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = as_cora.get(reverse("composition_detail", args=[programme["run"].pk])).content.decode()
    assert "2 aios zijn minder dan de kleinste groepsgrootte van 6." in page
    assert "Zonder de paren die uit elkaar moeten zou een indeling mogelijk zijn." in page


def test_the_check_finds_english_that_slipped_through(dutch_catalogue, rosa):
    whole, long = _english_that_dutch_says_otherwise()
    assert "Your answer" in whole  # a text the catalogue says in Dutch
    client = login(rosa)  # rosa reads English: every such text is found
    found = _english_on_any_language(client, reverse("home"), whole, long)
    assert found


def _english_on_any_language(client, url, whole, long):
    parser = _Texts()
    parser.feed(client.get(url).content.decode())
    return [t for t in parser.texts if t in whole]


def test_a_residents_training_year_is_a_word_in_the_member_choice(dutch_catalogue, as_cora, group, anna):
    as_cora.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = as_cora.get(reverse("membership_add", args=[group.pk])).content.decode()
    assert f", jaar {anna.training_year}</option>" in page


def test_each_home_reads_in_dutch_with_its_counts(dutch_catalogue, personas, programme):
    pages = {}
    for name in ("rosa", "ivan", "cora"):
        client = login(personas[name])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
        pages[name] = client.get(reverse("home")).content.decode()
    assert "2 bijeenkomsten wachten op je antwoord" in pages["rosa"]
    assert "Ja, ik kom" in pages["rosa"] and "Waarom kun je niet komen?" in pages["rosa"]
    assert "Aanwezigheid invullen" in pages["ivan"] and "Aantekening schrijven" in pages["ivan"]
    assert "0 ja · 0 misschien · 0 nee · 2 geen antwoord" in pages["ivan"]
    assert "Vraagt je aandacht" in pages["cora"]
    assert "volgens de roosters kan 1 lid niet" in pages["cora"]
    assert "gecontroleerd, wacht op je bevestiging" in pages["cora"]
