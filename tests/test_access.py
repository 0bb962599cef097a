"""Every page of the project, asked for by every persona.

The table below is the access policy. A new URL pattern fails
``test_every_url_pattern_has_an_access_rule`` until it is added here, so no page can ship
without a decision about who may open it.
"""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .helpers import login

PERSONAS = ["anonymous", "cora", "adam", "ivan", "iris", "rosa", "otto"]
LOGIN = "login"  # redirected to the log-in page

# What each persona gets: a status code, or LOGIN. "*" is the default for unlisted personas.
ANY_SIGNED_IN = {"anonymous": LOGIN, "*": 200}
COORDINATOR_ONLY = {"anonymous": LOGIN, "cora": 200, "*": 403}
COORDINATOR_POST_ONLY = {"anonymous": LOGIN, "cora": 405, "*": 403}
GROUP_MEMBERS = {"anonymous": LOGIN, "cora": 200, "ivan": 200, "rosa": 200, "*": 404}
PUBLIC = {"*": 200}


def _rosa_resident(p):
    return {"pk": p["rosa"].resident.pk}


def _iris_intervisor(p):
    return {"pk": p["iris"].intervisor.pk}


def _year_plan_run(p):
    from sessions_app.models import YearPlanRun

    return YearPlanRun.objects.create(first_day=dt.date(2026, 3, 3), last_day=dt.date(2026, 4, 13),
                                      group_ids=[], fingerprint="x", created_by=p["cora"]).pk


def _group(p):
    return {"pk": p["rosa"].resident.memberships.get().group_id}


def _rosa_membership(p):
    membership = p["rosa"].resident.memberships.get()
    return {"pk": membership.group_id, "membership_pk": membership.pk}


def _specialty(p):
    return {"kind": "specialties", "pk": p["rosa"].resident.specialty_id}


def _unused_department(p):
    from residents.models import Department

    return {"kind": "departments", "pk": Department.objects.create(name="Unused").pk}


# RSVP, bookings, attendance
RESIDENTS_ONLY = {"anonymous": LOGIN, "rosa": 200, "otto": 200, "*": 403}
RESIDENT_POST_ONLY = {"anonymous": LOGIN, "rosa": 405, "otto": 405, "*": 403}
ROSAS_SESSION_RESIDENT = {"anonymous": LOGIN, "rosa": 200, "otto": 404, "*": 403}
ROSAS_SESSION_LEADERS = {"anonymous": LOGIN, "cora": 200, "ivan": 200, "iris": 404, "*": 403}


def _rosas_session(p):
    import datetime as dt

    from sessions_app.services.sessions import session_plan

    group = p["rosa"].resident.memberships.get().group
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=10)
    return session_plan(group=group, start=start, by=p["cora"])


def _open_session(p, *, book_for=None):
    import datetime as dt

    from sessions_app.models import Session
    from sessions_app.services.participation import participation_book

    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=12)
    session = Session.objects.create(kind=Session.Kind.OPEN, intervisor=p["iris"].intervisor, capacity=4,
                                     start=start, end=start + dt.timedelta(minutes=90))
    if book_for:
        participation_book(session=session, resident=p[book_for].resident)
    return {"pk": session.pk}


def _answer_link(p):
    from sessions_app.answer_links import answer_token

    session = _rosas_session(p)
    participation = session.participations.get(resident=p["rosa"].resident)
    return {"session_pk": session.pk, "token": answer_token(participation=participation, answer="yes")}


def _notification(p):
    from django.utils import timezone

    from sessions_app.models import Notification

    row = Notification.objects.create(kind="rsvp_request", recipient=p["rosa"], scope="x",
                                      due_at=timezone.now(), status="failed")
    return {"pk": row.pk}


def _roster_import(p):
    from residents.models import RosterImport

    imp = RosterImport.objects.create(filename="roster.csv", file_format="csv", source="roster",
                                      status=RosterImport.Status.DONE)
    return {"pk": imp.pk}


def _table_import(kind):
    def make(p):
        from residents.models import TableImport

        imp = TableImport.objects.create(kind=kind, filename="import.csv",
                                         status=TableImport.Status.FAILED)
        return {"pk": imp.pk}

    return make


def _iris_absence(p):
    import datetime as dt

    from residents.models import IntervisorAbsence

    start = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    absence = IntervisorAbsence.objects.create(intervisor=p["iris"].intervisor, start=start,
                                               end=start + dt.timedelta(days=14))
    return {"pk": p["iris"].intervisor.pk, "absence_pk": absence.pk}


# Notes, evaluations, privacy. Everyone but the session's intervisors gets the same
# 404 from a note page as for an id that does not exist (and the attempt is audited).
NOTE_KEEPERS = {"anonymous": LOGIN, "ivan": 200, "*": 404}


def _rosas_held_session(p, *, note_by=None, present=()):
    import datetime as dt

    from sessions_app.crypto import encrypt
    from sessions_app.models import Participation, Session, SessionNote

    group = p["rosa"].resident.memberships.get().group
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2)
    session = Session.objects.create(kind=Session.Kind.GROUP, group=group, intervisor=group.intervisor,
                                     start=start, end=start + dt.timedelta(minutes=90),
                                     status=Session.Status.HELD)
    for name in present:
        Participation.objects.create(session=session, resident=p[name].resident,
                                     attendance=Participation.Attendance.PRESENT)
    if note_by:
        SessionNote.objects.create(session=session, author=p[note_by], body_encrypted=encrypt("A note."))
    return {"pk": session.pk}


# Composition and dashboard
def _composition_run(p):
    import datetime as dt

    from sessions_app.models import CompositionRun

    rosa, ivan = p["rosa"].resident, p["ivan"].intervisor
    run = CompositionRun.objects.create(
        created_by=p["cora"], status=CompositionRun.Status.DONE,
        params={"cohort": "ungrouped", "on": dt.date.today().isoformat(), "min_size": 1, "max_size": 8,
                "resident_ids": [rosa.pk], "intervisor_ids": [ivan.pk]},
        result={"groups": [{"resident_ids": [rosa.pk], "intervisor_id": ivan.pk}]},
    )
    return {"pk": run.pk}


RULES = {
    "home": (None, ANY_SIGNED_IN),
    "healthz": (None, PUBLIC),
    "resident_list": (None, COORDINATOR_ONLY),
    "resident_create": (None, COORDINATOR_ONLY),
    "resident_import": (None, COORDINATOR_ONLY),
    "resident_import_detail": (_table_import("residents"), COORDINATOR_ONLY),
    "resident_import_example": (None, COORDINATOR_ONLY),
    "resident_import_example_nl": (None, COORDINATOR_ONLY),
    "intervisor_import": (None, COORDINATOR_ONLY),
    "intervisor_import_detail": (_table_import("intervisors"), COORDINATOR_ONLY),
    "intervisor_import_example": (None, COORDINATOR_ONLY),
    "absence_import": (None, COORDINATOR_ONLY),
    "absence_import_detail": (_table_import("absences"), COORDINATOR_ONLY),
    "absence_import_example": (None, COORDINATOR_ONLY),
    "group_import": (None, COORDINATOR_ONLY),
    "group_import_detail": (_table_import("groups"), COORDINATOR_ONLY),
    "group_import_example": (None, COORDINATOR_ONLY),
    "resident_detail": (_rosa_resident, COORDINATOR_ONLY),
    "resident_edit": (_rosa_resident, COORDINATOR_ONLY),
    "resident_deactivate": (_rosa_resident, COORDINATOR_ONLY),
    "user_reactivate": (lambda p: {"pk": p["rosa"].pk}, COORDINATOR_POST_ONLY),
    "intervisor_list": (None, COORDINATOR_ONLY),
    "intervisor_create": (None, COORDINATOR_ONLY),
    "intervisor_edit": (_iris_intervisor, COORDINATOR_ONLY),
    "intervisor_deactivate": (_iris_intervisor, COORDINATOR_ONLY),
    "reference_data": (None, COORDINATOR_ONLY),
    "reference_create": (lambda p: {"kind": "specialties"}, COORDINATOR_ONLY),
    "reference_edit": (_specialty, COORDINATOR_ONLY),
    "reference_delete": (_unused_department, COORDINATOR_ONLY),
    "group_list": (None, {"anonymous": LOGIN, "adam": 403, "*": 200}),
    "group_create": (None, COORDINATOR_ONLY),
    "group_detail": (_group, GROUP_MEMBERS),
    "group_edit": (_group, COORDINATOR_ONLY),
    "membership_add": (_group, COORDINATOR_ONLY),
    "membership_end": (_rosa_membership, COORDINATOR_ONLY),
    # RSVP, bookings, attendance
    "answer_link": (_answer_link, PUBLIC),  # the signed token is the credential
    "my_sessions": (None, RESIDENTS_ONLY),
    "session_rsvp": (lambda p: {"pk": _rosas_session(p).pk}, ROSAS_SESSION_RESIDENT),
    "session_answers": (lambda p: {"pk": _rosas_session(p).pk}, ROSAS_SESSION_LEADERS),
    "session_attendance": (lambda p: {"pk": _rosas_session(p).pk}, ROSAS_SESSION_LEADERS),
    "open_sessions": (None, RESIDENTS_ONLY),
    "session_book": (_open_session, RESIDENT_POST_ONLY),
    "session_book_cancel": (lambda p: _open_session(p, book_for="rosa"), ROSAS_SESSION_RESIDENT),
    "attendance_statement": (None, RESIDENTS_ONLY),
    "attendance_statement_pdf": (None, RESIDENTS_ONLY),
    # Rosters, workload, intervisors' absences and scheduling suggestions.
    "roster_import": (None, COORDINATOR_ONLY),
    "roster_import_detail": (_roster_import, COORDINATOR_ONLY),
    "roster_import_confirm": (_roster_import, COORDINATOR_POST_ONLY),
    "roster_coverage": (None, COORDINATOR_ONLY),
    "roster_import_example": (lambda p: {"fmt": "csv"}, COORDINATOR_ONLY),
    "resident_roster": (_rosa_resident, {"anonymous": LOGIN, "cora": 200, "rosa": 200,
                                         "otto": 404, "*": 403}),
    "my_roster": (None, {"anonymous": LOGIN, "rosa": 302, "otto": 302, "*": 403}),
    "workload": (None, COORDINATOR_ONLY),
    "intervisor_absences": (_iris_intervisor, {"anonymous": LOGIN, "cora": 200, "iris": 200,
                                               "ivan": 404, "*": 403}),
    "intervisor_absence_delete": (_iris_absence, {"anonymous": LOGIN, "cora": 405, "iris": 405,
                                                  "ivan": 405, "*": 403}),
    "my_absences": (None, {"anonymous": LOGIN, "ivan": 302, "iris": 302, "*": 403}),
    "group_suggestions": (_group, COORDINATOR_ONLY),
    "group_suggestion_plan": (_group, COORDINATOR_POST_ONLY),
    "group_windows": (_group, COORDINATOR_ONLY),
    "year_plan_all": (None, COORDINATOR_ONLY),
    "group_year_plan": (_group, COORDINATOR_ONLY),
    "year_plan_run": (lambda p: {"pk": _year_plan_run(p)}, COORDINATOR_ONLY),
    # Notes, evaluations, privacy
    "note_list": (None, {"anonymous": LOGIN, "ivan": 200, "iris": 200, "*": 403}),
    "session_notes": (lambda p: _rosas_held_session(p, note_by="ivan"), NOTE_KEEPERS),
    "session_note_delete": (lambda p: _rosas_held_session(p, note_by="ivan"), NOTE_KEEPERS),
    "my_evaluations": (None, RESIDENTS_ONLY),
    "evaluation_form": (lambda p: _rosas_held_session(p, present=["rosa"]),
                        {"anonymous": LOGIN, "rosa": 200, "otto": 404, "*": 403}),
    "evaluation_report": (None, {"anonymous": LOGIN, "cora": 200, "ivan": 200, "iris": 200, "*": 403}),
    "privacy": (None, PUBLIC),
    "privacy_export": (None, ANY_SIGNED_IN),
    "resident_erase": (_rosa_resident, COORDINATOR_ONLY),
    # Composition and dashboard
    "composition_start": (None, COORDINATOR_ONLY),
    "composition_detail": (_composition_run, COORDINATOR_ONLY),
    "composition_move": (_composition_run, COORDINATOR_POST_ONLY),
    "composition_accept": (_composition_run, COORDINATOR_ONLY),
    "dashboard": (None, COORDINATOR_ONLY),
    # The Mail page: failed and late messages (retry asks first on GET)
    "mail_list": (None, COORDINATOR_ONLY),
    "mail_retry": (_notification, COORDINATOR_ONLY),
    "dashboard_export": (lambda p: {"table": "groups"}, COORDINATOR_ONLY),
    # Sessions and calendars
    "session_list": (None, COORDINATOR_ONLY),
    "session_detail": (lambda p: {"pk": _rosas_session(p).pk}, GROUP_MEMBERS),
    "session_edit": (lambda p: {"pk": _rosas_session(p).pk}, COORDINATOR_ONLY),
    "session_cancel": (lambda p: {"pk": _rosas_session(p).pk}, COORDINATOR_ONLY),
    "session_status": (lambda p: {"pk": _rosas_session(p).pk}, COORDINATOR_POST_ONLY),
    "open_session_create": (None, COORDINATOR_ONLY),
    "session_plan": (_group, COORDINATOR_ONLY),
    "series_plan": (_group, COORDINATOR_ONLY),
    "my_calendar": (None, ANY_SIGNED_IN),
    "calendar_reset": (None, ANY_SIGNED_IN),  # GET asks to confirm; only the POST resets
    "calendar_feed": (lambda p: {"token": p["rosa"].calendar_token}, PUBLIC),  # the token is the key
    # Django's own account pages.
    "login": (None, PUBLIC),
    "logout": (None, {"*": 405}),  # log-out is a POST (a link preview must not log you out)
    "password_change": (None, ANY_SIGNED_IN),
    "password_change_done": (None, ANY_SIGNED_IN),
    "password_reset": (None, PUBLIC),
    "password_reset_done": (None, PUBLIC),
    "password_reset_confirm": (lambda p: {"uidb64": "MQ", "token": "bad-token"}, PUBLIC),
    "password_reset_complete": (None, PUBLIC),
    # Sign-in with the identity provider: not there unless it is configured (tests/test_sign_in_oidc.py).
    "oidc_authentication_init": (None, {"*": 404}),
    "oidc_authentication_callback": (None, {"*": 404}),
    "set_language": (None, {"*": 302}),
}


def _url_names(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin has its own test below
            yield from _url_names(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL pattern {entry.pattern} has no name"
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def test_every_url_pattern_has_an_access_rule():
    assert set(_url_names()) == set(RULES)


def _client(personas, name) -> Client:
    return Client() if name == "anonymous" else login(personas[name])


@pytest.mark.parametrize("url_name", sorted(RULES))
def test_each_persona_gets_the_expected_answer(personas, url_name):
    kwargs_for, expected = RULES[url_name]
    url = reverse(url_name, kwargs=kwargs_for(personas) if kwargs_for else None)
    for persona in PERSONAS:
        want = expected.get(persona, expected.get("*"))
        response = _client(personas, persona).get(url)
        if want == LOGIN:
            assert response.status_code == 302, (url_name, persona, response.status_code)
            assert urlsplit(response["Location"]).path == reverse("login"), (url_name, persona)
        else:
            assert response.status_code == want, (url_name, persona, response.status_code)


def test_forged_ids_answer_404_for_the_coordinator_too(personas, as_cora):
    assert as_cora.get(reverse("group_detail", kwargs={"pk": 999999})).status_code == 404
    assert as_cora.get(reverse("resident_edit", kwargs={"pk": 999999})).status_code == 404
    other = personas["otto"].resident.memberships.get()
    url = reverse("membership_end", kwargs={"pk": _group(personas)["pk"], "membership_pk": other.pk})
    assert as_cora.get(url).status_code == 404  # a membership of another group


# Kept out of the admin on purpose: notes belong to the group's intervisors alone, and
# evaluations are anonymous.
# An upload's raw bytes mean nothing in the admin; the upload and its import are listed.
NOT_IN_ADMIN = {"sessionnote", "evaluation", "evaluationreceipt", "storeduploadchunk"}
READ_ONLY_IN_ADMIN = {"sessionstatuschange", "noteaccessevent", "passwordresetrequest", "calendarreply",
                      "storedupload", "tableimport"}


def _admin_urls():
    for model in apps.get_models():
        name = model._meta.model_name
        if model._meta.app_label in {"residents", "sessions_app"} and name not in NOT_IN_ADMIN:
            prefix = f"admin:{model._meta.app_label}_{name}"
            yield reverse(f"{prefix}_changelist")
            if name not in READ_ONLY_IN_ADMIN and name != "programme":
                yield reverse(f"{prefix}_add")


def test_notes_and_evaluations_are_not_in_the_admin():
    from django.contrib import admin

    registered = {model._meta.model_name for model in admin.site._registry}
    assert not registered & NOT_IN_ADMIN


def test_the_admin_works_for_every_model_of_ours(personas):
    client = login(personas["adam"])
    urls = list(_admin_urls())
    assert len(urls) >= 2 * 7
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_admin_is_closed_to_everyone_but_administrators(personas):
    url = reverse("admin:residents_resident_changelist")
    for persona in ["anonymous", "cora", "ivan", "rosa"]:
        response = _client(personas, persona).get(url)
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("admin:login")


def test_the_admin_change_pages_open_for_the_personas_rows(personas):
    client = login(personas["adam"])
    resident = personas["rosa"].resident
    membership = resident.memberships.get()
    for url in [
        reverse("admin:residents_user_change", args=[personas["rosa"].pk]),
        reverse("admin:residents_resident_change", args=[resident.pk]),
        reverse("admin:residents_intervisor_change", args=[personas["ivan"].intervisor.pk]),
        reverse("admin:sessions_app_intervisiongroup_change", args=[membership.group_id]),
        reverse("admin:sessions_app_membership_change", args=[membership.pk]),
    ]:
        assert client.get(url).status_code == 200, url
