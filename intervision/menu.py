"""The main menu: which pages each role reaches from every page, and which one is current.

``base.html`` draws it (the markup lives there); this module only says what is in it. A
context processor hands the template a function, so the menu is worked out only when a page
that shows it is drawn, never for a fragment, and the addresses are looked up once per
process and language.

Every signed-in page draws the menu. Written as fifteen template includes it cost a
coordinator's page about 2 ms (a quarter of a simple page); as one loop over this list,
about a fifth of that.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Link:
    name: str  # the URL's name; the link is current on the page of that name
    label: str


@dataclass(frozen=True)
class Section:
    label: str
    links: tuple[Link, ...]


# A coordinator's menu: grouped (people, groups, sessions, reports), so that it fits one line
# from 992 px on in both languages.
COORDINATOR = (
    Section(_("People"), (
        Link("resident_list", _("Residents")),
        Link("intervisor_list", _("Intervisors")),
        Link("roster_import", _("Rosters")),
        Link("workload", _("Workload")),
        Link("reference_data", _("Specialties & departments")),
    )),
    Section(_("Groups"), (Link("group_list", _("Groups")), Link("composition_start", _("Compose groups")))),
    Section(_("Sessions"), (Link("session_list", _("Sessions")), Link("year_plan_all", _("Plan the year")))),
    Section(_("Reports"), (
        Link("dashboard", _("Dashboard")),
        Link("evaluation_report", _("Evaluations")),
        Link("mail_list", _("Mail")),
    )),
)
CALENDAR = Link("my_calendar", _("My calendar"))
INTERVISOR = (
    Link("group_list", _("My groups")), Link("my_absences", _("My absences")), CALENDAR,
    Link("note_list", _("Notes")), Link("evaluation_report", _("Evaluations")),
)
RESIDENT = (
    Link("group_list", _("My groups")), Link("my_roster", _("My roster")),
    Link("my_sessions", _("My sessions")), Link("open_sessions", _("Open sessions")),
    Link("attendance_statement", _("My attendance")), CALENDAR,
    Link("my_evaluations", _("Evaluate")),
)


@dataclass(frozen=True)
class Entry:
    """What the template draws: a link (``links`` empty) or a dropdown of links."""

    label: str
    url: str = ""
    current: bool = False
    links: tuple[Entry, ...] = ()

    @property
    def active(self) -> bool:  # a dropdown holding the current page
        return any(link.current for link in self.links)


@cache
def _url(name: str, language: str) -> str:
    """``reverse(name)``, once per process and language (the menu's addresses take no
    arguments)."""
    return reverse(name)


def _entry(link: Link, here: str | None, language: str) -> Entry:
    return Entry(link.label, _url(link.name, language), link.name == here)


def entries(user, here: str | None) -> list[Entry]:
    """The menu of ``user`` on the page named ``here``."""
    language = get_language()
    if user.is_coordinator:
        sections = [Entry(section.label, links=tuple(_entry(link, here, language) for link in section.links))
                    for section in COORDINATOR]
        return [*sections, _entry(CALENDAR, here, language)]
    links = INTERVISOR if user.is_intervisor else RESIDENT if user.is_resident else (CALENDAR,)
    return [_entry(link, here, language) for link in links]


def menu(request: HttpRequest) -> dict:
    """Context processor: ``main_menu``, called by the template when it draws the menu."""

    def main_menu() -> list[Entry]:
        match = request.resolver_match
        return entries(request.user, match.url_name if match else None)

    return {"main_menu": main_menu}
