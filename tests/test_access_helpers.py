"""The access helpers: one rule per object kind, and every view loads through it.

- A view module that loads a session, group, membership, participation, note, composition run,
  resident, intervisor, roster import, absence, specialty or department without ``residents.access`` /
  ``sessions_app.access`` (or a ``visible_to`` queryset) fails
  ``test_no_view_loads_an_object_past_the_access_helpers``, naming file and line. The checker
  is shown to catch planted loads.
- No view module imports another's private helper.
- The helpers answer each persona (anonymous, the coordinator, two intervisors, two residents,
  the administrator) as the access policy says: the object, 404 when it is out of reach, 403
  when it is seen but may not be changed.
- Open sessions have one answer, the same on every page.
"""

from __future__ import annotations

import ast
import datetime as dt
from functools import partial
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from residents import access as people_access
from residents.models import IntervisorAbsence, RosterImport
from sessions_app import access
from sessions_app.crypto import encrypt
from sessions_app.models import CompositionRun, Membership, Participation, Session, SessionNote
from sessions_app.selectors import participation as participation_selectors
from sessions_app.selectors import sessions as session_selectors
from sessions_app.services.participation import participation_book
from sessions_app.services.sessions import session_plan

from .factories import GroupFactory
from .helpers import login

ROOT = Path(__file__).resolve().parent.parent
VIEW_PACKAGES = ("residents/views", "sessions_app/views")

# --- the source check -----------------------------------------------------------------------------

# The objects whose access the helpers decide. A view reaches them only through a helper, a
# visible_to queryset (``Session.objects.visible_to(user)…``), or the related manager of an
# object a helper gave it (``group.memberships``).
GUARDED = {
    "TableImport",
    "Session", "IntervisionGroup", "Membership", "Participation", "SessionNote", "CompositionRun",
    "Resident", "Intervisor", "RosterImport", "IntervisorAbsence", "Specialty", "Department",
}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
ALLOWED_MANAGER_METHODS = {"visible_to"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}


def _guarded_names(tree: ast.AST) -> dict[str, str]:
    """Local name → model, for the guarded models a module imports, aliases included."""
    names = {name: name for name in GUARDED}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in GUARDED:
                    names[alias.asname or alias.name] = alias.name
    return names


def _model(node: ast.AST, names: dict[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute) and node.attr in GUARDED:  # models.Session
        return node.attr
    return None


def direct_loads(source: str, filename: str = "<source>") -> list[str]:
    """``file:line: code`` for every load of a guarded model that bypasses the helpers:
    ``get_object_or_404(Model, …)`` and any use of ``Model.objects`` other than
    ``Model.objects.visible_to(…)``."""
    tree = ast.parse(source, filename)
    names = _guarded_names(tree)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS and _model(node.value, names):
            parent = parents.get(node)
            if not (isinstance(parent, ast.Attribute) and parent.attr in ALLOWED_MANAGER_METHODS):
                shown = parent if isinstance(parent, ast.Attribute) else node
                found.append((node.lineno, ast.unparse(shown)))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in SHORTCUTS
              and node.args and _model(node.args[0], names)):
            found.append((node.lineno, ast.unparse(node)))
    return [f"{filename}:{line}: {code}" for line, code in sorted(found)]


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _absolute(node: ast.ImportFrom, module: str) -> str:
    if not node.level:
        return node.module or ""
    package = module.rsplit(".", node.level)[0]
    return f"{package}.{node.module}" if node.module else package


def _is_view_module(name: str) -> bool:
    return name.startswith(("residents.views", "sessions_app.views"))


def private_imports(source: str, module: str, filename: str = "<source>") -> list[str]:
    """``file:line: name`` for every private (underscore) name a view module takes from another
    view module, by ``from .groups import _helper`` or by ``groups._helper``."""
    tree = ast.parse(source, filename)
    found = []
    view_modules = set()  # local names bound to another view module (``from . import groups``)
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        target = _absolute(node, module)
        for alias in node.names:
            if _is_view_module(target) and target != module and alias.name.startswith("_"):
                found.append((node.lineno, alias.name))
            elif _is_view_module(f"{target}.{alias.name}"):
                view_modules.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in view_modules and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return [f"{filename}:{line}: {name}" for line, name in sorted(found)]


def _view_modules():
    for package in VIEW_PACKAGES:
        yield from sorted((ROOT / package).glob("*.py"))


def test_the_view_packages_are_where_the_check_looks():
    names = {path.name for path in _view_modules()}
    assert {"people.py", "rosters.py", "sessions.py", "groups.py", "participation.py", "notes.py"} <= names


def test_no_view_loads_an_object_past_the_access_helpers():
    found = []
    for path in _view_modules():
        found += direct_loads(path.read_text(), str(path.relative_to(ROOT)))
    assert not found, "Load these through residents.access / sessions_app.access:\n" + "\n".join(found)


def test_no_view_module_imports_another_ones_private_helper():
    found = []
    for path in _view_modules():
        found += private_imports(path.read_text(), _module_name(path), str(path.relative_to(ROOT)))
    assert not found, "Move these to an access module (or make them public elsewhere):\n" + "\n".join(found)


PLANTED_LOADS = '''
from django.shortcuts import get_object_or_404
from residents.models import Resident
from sessions_app import models
from sessions_app.models import IntervisionGroup as Group, Session

def view(request, pk):
    a = get_object_or_404(Session, pk=pk)  # caught
    b = Session.objects.get(pk=pk)  # caught
    c = Group.objects.filter(pk=pk).first()  # caught
    d = models.Participation.objects.all()  # caught
    e = get_object_or_404(Resident.objects.select_related("user"), pk=pk)  # caught
    f = Session._default_manager.filter(pk=pk)  # caught
    g = Session.objects.visible_to(request.user).get(pk=pk)
    h = get_object_or_404(Resident.objects.visible_to(request.user), user=request.user)
    i = session_for(request.user, pk)
    j = group.memberships.filter(end_date=None)
    k = Session.DoesNotExist
'''


def _caught_lines(source: str) -> list[int]:
    return [n for n, line in enumerate(source.splitlines(), start=1) if line.endswith("# caught")]


def test_the_checker_catches_planted_loads_and_lets_the_helpers_pass():
    found = direct_loads(PLANTED_LOADS, "planted.py")
    assert [int(row.split(":")[1]) for row in found] == _caught_lines(PLANTED_LOADS)
    assert found[0] == "planted.py:8: get_object_or_404(Session, pk=pk)"
    assert found[2] == "planted.py:10: Group.objects.filter"


PLANTED_IMPORTS = '''
from . import groups
from .groups import _get_group_for_coordinator  # caught
from .groups import group_detail
from ..access import group_for
from ..selectors.sessions import _with_names
from sessions_app.views.sessions import _when  # caught

def view(request, pk):
    group = groups._get_group_for_user(request, pk)  # caught
    return groups.__name__
'''


def test_the_checker_catches_planted_private_imports():
    found = private_imports(PLANTED_IMPORTS, "sessions_app.views.suggestions", "planted.py")
    assert [int(row.split(":")[1]) for row in found] == _caught_lines(PLANTED_IMPORTS)


def _imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    module = _module_name(path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _absolute(node, module)
            found |= {target} | {f"{target}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


@pytest.mark.parametrize("path", ["residents/access.py", "sessions_app/access.py"])
def test_the_access_modules_import_no_services_selectors_or_views(path):
    # Services ask access for their gate; the other way round would be a circle.
    imported = _imports_of(ROOT / path)
    assert not [name for name in imported
                if any(part in name.split(".") for part in ("services", "selectors", "views", "tasks"))]
    if path.startswith("residents"):
        assert not [name for name in imported if name.startswith("sessions_app")]


# --- the helpers, per persona ---------------------------------------------------------------------

PEOPLE = ["anonymous", "cora", "adam", "ivan", "iris", "rosa", "otto"]
OK, NOT_FOUND, REFUSED = 200, 404, 403


def answer(call) -> int:
    try:
        call()
    except Http404:
        return NOT_FOUND
    except PermissionDenied:
        return REFUSED
    return OK


def expected(name: str, *, sees: set[str], changes: set[str] = frozenset(), write: bool = False) -> int:
    if name not in sees:
        return NOT_FOUND
    if write and name not in changes:
        return REFUSED
    return OK


@pytest.fixture
def people(personas):
    """The personas the policy is written for; ruben (rosa's fellow member) stays in the
    background as someone else's row."""
    return {name: AnonymousUser() if name == "anonymous" else personas[name] for name in PEOPLE}


def _soon(days: int) -> dt.datetime:
    return timezone.now().replace(microsecond=0) + dt.timedelta(days=days)


@pytest.fixture
def group_session(group, rosa, ruben, cora):
    """A session of rosa's group, led by ivan, with rosa and ruben invited."""
    return session_plan(group=group, start=_soon(10), by=cora)


def _open(iris, **fields) -> Session:
    start = _soon(12)
    return Session.objects.create(kind=Session.Kind.OPEN, intervisor=iris.intervisor, capacity=4,
                                  start=start, end=start + dt.timedelta(minutes=90), **fields)


@pytest.fixture
def offered(iris):
    """An open session on offer (scheduled), led by iris."""
    return _open(iris)


@pytest.fixture
def proposed(iris):
    """An open session the coordinator has not confirmed yet."""
    return _open(iris, status=Session.Status.PROPOSED)


@pytest.fixture
def held(group, rosa, ivan):
    """A held session of rosa's group: rosa was present, ivan wrote a note."""
    start = _soon(-2)
    session = Session.objects.create(kind=Session.Kind.GROUP, group=group, intervisor=group.intervisor,
                                     start=start, end=start + dt.timedelta(minutes=90),
                                     status=Session.Status.HELD)
    Participation.objects.create(session=session, resident=rosa.resident,
                                 attendance=Participation.Attendance.PRESENT)
    SessionNote.objects.create(session=session, author=ivan, body_encrypted=encrypt("A note."))
    return session


SESSION_SEERS = {
    "group_session": {"cora", "ivan", "rosa"},
    "offered": {"cora", "iris", "rosa", "otto"},  # every resident: it is on offer
    "proposed": {"cora", "iris"},  # not on offer yet
    "held": {"cora", "ivan", "rosa"},
}


@pytest.mark.parametrize("which", sorted(SESSION_SEERS))
def test_session_for_answers_each_persona(request, people, which):
    session = request.getfixturevalue(which)
    sees = SESSION_SEERS[which]
    for name, user in people.items():
        assert answer(partial(access.session_for, user, session.pk)) == expected(name, sees=sees), name
        assert answer(partial(access.session_for, user, session.pk, write=True)) == expected(
            name, sees=sees, changes={"cora"}, write=True), name
        assert Session.objects.visible_to(user).filter(pk=session.pk).exists() == (name in sees), name


def test_session_for_narrows_to_a_kind(rosa, group_session, offered):
    assert access.session_for(rosa, group_session.pk, kind=Session.Kind.GROUP) == group_session
    assert answer(partial(access.session_for, rosa, offered.pk, kind=Session.Kind.GROUP)) == NOT_FOUND
    assert answer(partial(access.session_for, rosa, group_session.pk, kind=Session.Kind.OPEN)) == NOT_FOUND


def test_a_session_id_that_does_not_exist_answers_like_one_out_of_reach(cora, otto, group_session):
    assert answer(partial(access.session_for, cora, 999999)) == NOT_FOUND
    assert answer(partial(access.session_for, otto, group_session.pk)) == NOT_FOUND


def test_the_old_disagreement_is_settled_one_answer_for_open_sessions(people, offered, proposed):
    # The two copies of "who may see this session" are gone from the selectors.
    assert not hasattr(session_selectors, "sessions_visible_to")
    assert not hasattr(participation_selectors, "sessions_visible_to")
    # The session page answers as the helper does, for every persona and both open sessions.
    for name, user in people.items():
        if name == "anonymous":
            continue
        for session in (offered, proposed):
            page = login(user).get(reverse("session_detail", args=[session.pk])).status_code
            assert page == answer(partial(access.session_for, user, session.pk)), (name, session.status)
    # Booking goes through the same rule: the offered session is booked, the proposed one is
    # out of reach.
    rosa = people["rosa"]
    assert login(rosa).post(reverse("session_book", args=[proposed.pk])).status_code == NOT_FOUND
    assert login(rosa).post(reverse("session_book", args=[offered.pk])).status_code == 302
    assert Participation.objects.get(session=offered).resident == rosa.resident


def test_a_resident_who_booked_still_sees_an_open_session_that_was_cancelled(rosa, otto, offered):
    participation_book(session=offered, resident=rosa.resident)
    offered.status = Session.Status.CANCELLED
    offered.save()
    assert access.session_for(rosa, offered.pk) == offered
    assert access.session_for(otto, offered.pk) == offered  # it was on offer to everyone


def test_a_deactivated_account_reaches_nothing(ivan, group, group_session, held):
    ivan.is_active = False
    ivan.save()
    assert answer(partial(access.session_for, ivan, group_session.pk)) == NOT_FOUND
    assert answer(partial(access.group_for, ivan, group.pk)) == NOT_FOUND
    assert not access.may_keep_notes(ivan, held)
    assert not access.may_record_attendance(ivan, held)


# --- leading a session and keeping its notes: one rule in two forms ------------------------------

@pytest.fixture
def led_by_a_substitute(group, iris):
    """A session of ivan's group that iris leads in his place."""
    start = _soon(-3)
    return Session.objects.create(kind=Session.Kind.GROUP, group=group, intervisor=iris.intervisor,
                                  start=start, end=start + dt.timedelta(minutes=90))


@pytest.fixture
def co_led(ivan, iris):
    """A session of a group ivan leads with iris as co-intervisor."""
    group = GroupFactory(name="Co-led group", intervisor=ivan.intervisor, co_intervisor=iris.intervisor)
    start = _soon(-4)
    return Session.objects.create(kind=Session.Kind.GROUP, group=group, intervisor=ivan.intervisor,
                                  start=start, end=start + dt.timedelta(minutes=90))


NOTE_KEEPERS = {
    "group_session": {"ivan"},
    "offered": {"iris"},  # the intervisor of an open session keeps its notes
    "held": {"ivan"},
    "led_by_a_substitute": {"ivan", "iris"},  # the group's intervisor and who led it
    "co_led": {"ivan", "iris"},
}


@pytest.mark.parametrize("which", sorted(NOTE_KEEPERS))
def test_notes_are_kept_by_the_sessions_intervisors_alone(request, people, which):
    session = Session.objects.select_related(*access.SESSION_RELATED).get(
        pk=request.getfixturevalue(which).pk)
    keepers = NOTE_KEEPERS[which]
    for name, user in people.items():
        assert access.may_keep_notes(user, session) == (name in keepers), name
        # The queryset form (the note list, SessionNote.objects.visible_to) agrees.
        assert Session.objects.notes_kept_by(user).filter(pk=session.pk).exists() == (name in keepers), name
        assert answer(partial(access.note_session_for, user, session.pk)) == (OK if name in keepers
                                                                              else NOT_FOUND), name


@pytest.mark.parametrize("which", ["group_session", "offered", "held", "led_by_a_substitute", "co_led"])
def test_leading_a_session_is_one_rule_in_both_forms(request, people, which):
    session = Session.objects.select_related(*access.SESSION_RELATED).get(
        pk=request.getfixturevalue(which).pk)
    for name in ("ivan", "iris", "cora", "rosa"):
        user = people[name]
        in_sql = Session.objects.led_by(user).filter(pk=session.pk).exists()
        assert access.leads(user, session) == in_sql, name
        assert access.may_record_attendance(user, session) == in_sql, name


def test_only_the_author_finds_their_own_note(people, held):
    note = SessionNote.objects.get(session=held)
    for name, user in people.items():
        assert access.own_note(user, held) == (note if name == "ivan" else None), name
        assert SessionNote.objects.visible_to(user).filter(pk=note.pk).exists() == (name == "ivan"), name


# --- groups and memberships -----------------------------------------------------------------------

def test_group_for_answers_each_persona(people, group):
    sees = {"cora", "ivan", "rosa"}
    for name, user in people.items():
        assert answer(partial(access.group_for, user, group.pk)) == expected(name, sees=sees), name
        assert answer(partial(access.group_for, user, group.pk, write=True)) == expected(
            name, sees=sees, changes={"cora"}, write=True), name


def test_membership_for_answers_each_persona(people, group):
    rosas = Membership.objects.get(resident=people["rosa"].resident)
    sees = {"cora", "ivan", "rosa"}
    for name, user in people.items():
        assert answer(partial(access.membership_for, user, rosas.pk, group=group)) == expected(
            name, sees=sees), name
        assert answer(partial(access.membership_for, user, rosas.pk, group=group, write=True)) == expected(
            name, sees=sees, changes={"cora"}, write=True), name


def test_a_membership_of_another_group_is_not_found_even_for_the_coordinator(people, group):
    ottos = Membership.objects.get(resident=people["otto"].resident)
    assert answer(partial(access.membership_for, people["cora"], ottos.pk, group=group)) == NOT_FOUND


def test_a_resident_loads_only_their_own_membership(people, ruben, group):
    rubens = Membership.objects.get(resident=ruben.resident)
    assert answer(partial(access.membership_for, people["rosa"], rubens.pk, group=group)) == NOT_FOUND


# --- participation ------------------------------------------------------------------------------

def test_a_resident_finds_only_their_own_participation(people, group_session):
    rosas = Participation.objects.get(session=group_session, resident=people["rosa"].resident)
    for name, user in people.items():
        assert access.own_participation(user, group_session) == (rosas if name == "rosa" else None), name
    # The session's leaders and the coordinator see the rows (answers, attendance); nobody else.
    readers = {name for name, user in people.items()
               if Participation.objects.visible_to(user).filter(pk=rosas.pk).exists()}
    assert readers == {"cora", "ivan", "rosa"}


def test_booking_for_finds_the_seat_of_the_one_who_booked(people, offered):
    seat = participation_book(session=offered, resident=people["rosa"].resident)
    for name, user in people.items():
        want = OK if name == "rosa" else NOT_FOUND
        assert answer(partial(access.booking_for, user, offered)) == want, name
    assert access.booking_for(people["rosa"], offered) == seat


# --- evaluations ----------------------------------------------------------------------------------

def test_only_a_resident_present_may_evaluate(people, held):
    for name, user in people.items():
        assert answer(partial(access.evaluable_session_for, user, held.pk)) == (
            OK if name == "rosa" else NOT_FOUND), name


def test_the_evaluation_report_covers_own_groups_for_intervisors_and_nothing_for_others(
        people, group, other_group):
    groups = {name: set(access.evaluation_report_scope(user)[1]) for name, user in people.items()}
    assert groups["ivan"] == {group}
    assert groups["iris"] == {other_group}
    assert groups["cora"] >= {group, other_group}
    for name in ("anonymous", "adam", "rosa", "otto"):
        assert groups[name] == set(), name
        assert not access.may_see_evaluation_report(people[name])


# --- composition runs -----------------------------------------------------------------------------

def test_composition_runs_are_the_coordinators(people, cora):
    run = CompositionRun.objects.create(created_by=cora)
    for name, user in people.items():
        for write in (False, True):
            assert answer(partial(access.composition_run_for, user, run.pk, write=write)) == expected(
                name, sees={"cora"}, changes={"cora"}, write=write), name


# --- the people side ----------------------------------------------------------------------------

def test_resident_for_answers_each_persona(people):
    pk = people["rosa"].resident.pk
    sees = {"cora", "rosa"}
    for name, user in people.items():
        assert answer(partial(people_access.resident_for, user, pk)) == expected(name, sees=sees), name
        assert answer(partial(people_access.resident_for, user, pk, write=True)) == expected(
            name, sees=sees, changes={"cora"}, write=True), name


def test_intervisor_for_answers_each_persona(people):
    pk = people["iris"].intervisor.pk
    sees = {"cora", "iris"}
    for name, user in people.items():
        assert answer(partial(people_access.intervisor_for, user, pk)) == expected(name, sees=sees), name
        assert answer(partial(people_access.intervisor_for, user, pk, write=True)) == expected(
            name, sees=sees, changes={"cora"}, write=True), name


def test_an_intervisor_keeps_their_own_absences(people):
    iris = people["iris"].intervisor
    start = _soon(30)
    absence = IntervisorAbsence.objects.create(intervisor=iris, start=start, end=start + dt.timedelta(days=7))
    sees = {"cora", "iris"}
    for name, user in people.items():
        for write in (False, True):
            assert answer(partial(people_access.absence_for, user, absence.pk, intervisor=iris,
                                  write=write)) == expected(name, sees=sees, changes=sees, write=write), name
    # An absence named under another intervisor's page is not found.
    ivan = people["ivan"].intervisor
    assert answer(partial(people_access.absence_for, people["cora"], absence.pk, intervisor=ivan)) == 404


def test_roster_imports_are_the_coordinators(people):
    imp = RosterImport.objects.create(filename="roster.csv", file_format="csv", source="roster")
    for name, user in people.items():
        for write in (False, True):
            assert answer(partial(people_access.roster_import_for, user, imp.pk, write=write)) == expected(
                name, sees={"cora"}, changes={"cora"}, write=write), name


def test_specialties_and_departments_are_kept_by_the_coordinator(people):
    from residents.models import Department, Specialty

    for model in (Specialty, Department):
        item = model.objects.create(name="Geriatrics")
        for name, user in people.items():
            for write in (False, True):
                assert answer(partial(people_access.reference_item_for, user, model, item.pk,
                                      write=write)) == expected(
                    name, sees={"cora"}, changes={"cora"}, write=write), (model, name)
