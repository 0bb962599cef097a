"""The coordinator's dashboard: answers, cadence, continuity, attendance, absence reasons,
evaluations and themes above the anonymity threshold, CSV downloads, a constant query count."""

import ast
import csv
import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.template.loader import get_template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.models import Department, Programme, Specialty
from sessions_app.crypto import encrypt
from sessions_app.csv_export import safe_cell
from sessions_app.models import Evaluation, NoteTheme, Participation, Session, SessionNote

from .factories import GroupFactory, IntervisorFactory, MembershipFactory, ResidentFactory
from .helpers import login

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _session(group, days, *, status=Session.Status.HELD, intervisor=None):
    start = NOW + dt.timedelta(days=days)
    return Session.objects.create(group=group, intervisor=intervisor or group.intervisor, start=start,
                                  end=start + dt.timedelta(minutes=90), status=status)


def _department(name):
    return Department.objects.get_or_create(name=name)[0]


def _group_with(name, *, department="Surgery", members=3, created=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)):
    group = GroupFactory(name=name, cadence_weeks=6)
    type(group).objects.filter(pk=group.pk).update(created_at=created)
    group.refresh_from_db()
    residents = []
    for n in range(members):
        resident = ResidentFactory(department=_department(department), user__last_name=f"{name} {n}")
        MembershipFactory(group=group, resident=resident, start_date=dt.date(2025, 1, 6))
        residents.append(resident)
    return group, residents


def _programme(n_groups, *, first=0):
    """n groups of 3, each with two held sessions (one clinical-duty absence), one upcoming
    session with a yes, a no and one unanswered, six evaluations and a tagged note."""
    theme, _ = NoteTheme.objects.get_or_create(name="Workload")
    for g in range(first, first + n_groups):
        group, residents = _group_with(f"G{g:02d}", department=["Surgery", "Paediatrics"][g % 2])
        for days in (-40, -10):
            session = _session(group, days)
            Participation.objects.bulk_create([
                Participation(session=session, resident=residents[0], attendance="present"),
                Participation(session=session, resident=residents[1], attendance="present"),
                Participation(session=session, resident=residents[2], rsvp="no",
                              absence_reason="clinical_duty", attendance="absent"),
            ])
            Evaluation.objects.bulk_create([
                Evaluation(session=session, safety=4, depth=3, guidance=5, value=4, exhaustion=2,
                           submitted_on=session.start.date()) for _ in range(3)
            ])
            note = SessionNote.objects.create(session=session, author=group.intervisor.user,
                                              body_encrypted=encrypt("confidential"))
            note.themes.add(theme)
        upcoming = _session(group, 7, status=Session.Status.SCHEDULED)
        Participation.objects.bulk_create([
            Participation(session=upcoming, resident=residents[0], rsvp="yes"),
            Participation(session=upcoming, resident=residents[1], rsvp="no", absence_reason="leave"),
            Participation(session=upcoming, resident=residents[2]),
        ])


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_query_count_is_the_same_for_5_and_for_50_groups(cora):
    client = login(cora)
    url = reverse("dashboard") + "?by=department"
    _programme(5)
    client.get(url)  # the programme row is created on first use
    five = _queries(client, url)
    _programme(45, first=5)
    assert _queries(client, url) == five


def test_the_query_count_with_a_department_chosen_is_the_same_for_5_and_for_50_groups(cora):
    client = login(cora)
    surgery = _department("Surgery")
    url = reverse("dashboard") + f"?department={surgery.pk}&by=group"
    _programme(5)
    client.get(url)
    five = _queries(client, url)
    _programme(45, first=5)
    assert _queries(client, url) == five


@pytest.mark.parametrize("by", ["group", "department"])
def test_the_dashboard_runs_a_fixed_set_of_queries(cora, django_assert_num_queries, by):
    _programme(3)
    client = login(cora)
    client.get(reverse("dashboard"))
    # session, user; groups with their sessions per status and intervisor; departments,
    # specialties, groups, themes and the programme's evaluation threshold in one UNION (the
    # filter form's options, the names of rows counted by id, the threshold); evaluation
    # aggregates; upcoming sessions; their answers and who has not answered; attendance per
    # month, which counts per group too (the groups table's attendance, however it is split);
    # absence reasons; theme counts.
    with django_assert_num_queries(10):
        client.get(reverse("dashboard"), {"by": by})


def test_it_shows_upcoming_answers_and_who_has_not_answered(cora):
    group, residents = _group_with("Tuesday group")
    session = _session(group, 3, status=Session.Status.SCHEDULED)
    Participation.objects.create(session=session, resident=residents[0], rsvp="yes")
    Participation.objects.create(session=session, resident=residents[1])
    Participation.objects.create(session=session, resident=residents[2])
    _session(group, 40, status=Session.Status.SCHEDULED)  # beyond four weeks

    response = login(cora).get(reverse("dashboard"))
    upcoming = response.context["tables"]["upcoming"].rows
    assert len(upcoming) == 1
    assert upcoming[0][3:7] == [1, 0, 0, 2]
    waiting = [residents[1].user.get_full_name(), residents[2].user.get_full_name()]
    assert upcoming[0][7] == ", ".join(waiting)


def test_it_compares_sessions_held_with_the_cadence_and_counts_intervisors(cora):
    steady, _ = _group_with("Steady")
    for days in range(-370, 0, 42):  # every six weeks: 9 in the twelve and a half months shown
        _session(steady, days)
    patchy, _ = _group_with("Patchy")
    stand_in = IntervisorFactory()
    _session(patchy, -100)
    _session(patchy, -50, intervisor=stand_in)
    _session(patchy, -20, status=Session.Status.CANCELLED)

    rows = {r.group.name: r for r in login(cora).get(reverse("dashboard")).context["data"]["groups"]}
    assert (rows["Steady"].held, rows["Steady"].cadence_kept, rows["Steady"].intervisors) == (9, True, 1)
    assert rows["Patchy"].held == 2 and rows["Patchy"].cancelled == 1
    assert rows["Patchy"].cadence_kept is False
    assert rows["Patchy"].intervisors == 2


def test_every_chart_has_a_visible_title_and_says_what_its_bars_measure(cora):
    steady, _ = _group_with("Steady")
    _session(steady, -42)
    page = login(cora).get(reverse("dashboard")).content.decode()
    for title in ("Sessions held (bar) against what the cadence asks for (line)",
                  "Attendance rate per group", "Attendance per month"):
        assert f'<figcaption class="small fw-semibold mb-1" aria-hidden="true">{title}</figcaption>' in page
    assert "Bar: sessions held · line: sessions the cadence asks for · held / asked" in page
    assert "Share of recorded residents present, 0 to 100%" in page
    # the numbers on hover, and in the table beside the chart
    assert "<title>Steady: 1 held, cadence asks for" in page


def test_it_splits_attendance_per_month_by_department(cora):
    _programme(2)  # G00 Surgery, G01 Paediatrics
    response = login(cora).get(reverse("dashboard") + "?by=department")
    timeline = response.context["data"]["timeline"]
    assert set(timeline.series) == {"Surgery", "Paediatrics"}
    feb = dt.date(2026, 2, 1)
    assert timeline.series["Surgery"][feb].present == 2
    assert timeline.series["Surgery"][feb].recorded == 3
    assert "67%" in response.content.decode()



def test_a_session_counts_in_the_month_it_starts_in_local_time(cora):
    # 00:30 on the first in Amsterdam is still the previous month in UTC, in winter (+1) and in
    # summer (+2); 23:30 on the last day of a month is just before the boundary.
    group, residents = _group_with("Night group")
    amsterdam = ZoneInfo("Europe/Amsterdam")
    for start in (dt.datetime(2025, 12, 1, 0, 30, tzinfo=amsterdam),
                  dt.datetime(2025, 10, 1, 0, 30, tzinfo=amsterdam),
                  dt.datetime(2026, 1, 31, 23, 30, tzinfo=amsterdam)):
        session = Session.objects.create(group=group, intervisor=group.intervisor, start=start,
                                         end=start + dt.timedelta(minutes=90), status=Session.Status.HELD)
        Participation.objects.create(session=session, resident=residents[0], attendance="present")
    response = login(cora).get(reverse("dashboard"), {"start": "2025-09-15", "by": "group"})
    cells = response.context["data"]["timeline"].series["Night group"]
    assert {month: cell.recorded for month, cell in cells.items()} == {
        dt.date(2025, 10, 1): 1, dt.date(2025, 12, 1): 1, dt.date(2026, 1, 1): 1,
    }

def test_it_shows_the_share_of_clinical_duty_per_department(cora):
    _programme(2)
    response = login(cora).get(reverse("dashboard"), {"end": "2026-03-31"})
    rows = {r.department: r for r in response.context["data"]["absences"]}
    # Per department: two clinical-duty absences at held sessions, one leave for the upcoming one.
    assert rows["Surgery"].counts["clinical_duty"] == 2
    assert rows["Surgery"].counts["leave"] == 1
    assert rows["Surgery"].clinical_share == pytest.approx(2 / 3)
    page = response.content.decode()
    assert "67% clinical" in page
    assert "<title" in page and 'role="img"' in page


def test_filtering_by_department_narrows_every_section(cora):
    _programme(4)
    surgery = Department.objects.get(name="Surgery")
    response = login(cora).get(reverse("dashboard"), {"department": surgery.pk})
    data = response.context["data"]
    assert [r.group.name for r in data["groups"]] == ["G00", "G02"]
    assert [r.department for r in data["absences"]] == ["Surgery"]
    assert len(data["upcoming"]) == 2
    assert data["evaluations"].overall.answers == 12



def test_a_department_without_members_shows_empty_sections(cora):
    _programme(2)
    empty = _department("Dermatology")
    response = login(cora).get(reverse("dashboard"), {"department": empty.pk})
    assert response.status_code == 200
    data = response.context["data"]
    assert data["groups"] == [] and data["absences"] == [] and data["upcoming"] == []
    assert data["evaluations"].groups == [] and data["evaluations"].overall.answers == 0
    assert data["themes"].shown == [] and data["themes"].hidden == 0

def test_evaluations_below_the_threshold_are_not_shown_and_it_says_why(cora):
    group, _ = _group_with("Small group")
    session = _session(group, -5)
    Evaluation.objects.bulk_create([
        Evaluation(session=session, safety=1, depth=1, guidance=1, value=1, exhaustion=5,
                   submitted_on=dt.date(2026, 3, 11)) for _ in range(4)
    ])
    response = login(cora).get(reverse("dashboard"))
    page = response.content.decode()
    assert "Fewer than 5 answers in this selection" in page
    assert response.context["data"]["evaluations"].overall.averages is None
    rows = response.context["tables"]["evaluations"].rows
    assert rows[1][1] == "fewer than 5 answers: not shown"

    Evaluation.objects.create(session=session, safety=3, depth=1, guidance=1, value=1, exhaustion=5,
                              submitted_on=dt.date(2026, 3, 11))
    response = login(cora).get(reverse("dashboard"))
    assert response.context["data"]["evaluations"].overall.averages["safety"] == pytest.approx(1.4)


def test_the_threshold_comes_from_the_programme(cora):
    group, _ = _group_with("Small group")
    session = _session(group, -5)
    Evaluation.objects.bulk_create([
        Evaluation(session=session, safety=2, depth=2, guidance=2, value=2, exhaustion=2,
                   submitted_on=dt.date(2026, 3, 11)) for _ in range(3)
    ])
    Programme.objects.update_or_create(pk=1, defaults={"evaluation_threshold": 3})
    response = login(cora).get(reverse("dashboard"))
    assert response.context["data"]["evaluations"].overall.averages is not None


def test_themes_are_counts_only_and_rare_themes_are_not_named(cora):
    _programme(3)  # Workload: 6 notes
    rare, _ = NoteTheme.objects.get_or_create(name="Grief")
    note = SessionNote.objects.first()
    note.themes.add(rare)
    page = login(cora).get(reverse("dashboard")).content.decode()
    assert "Workload" in page
    assert "Grief" not in page
    assert "1 theme is left out" in page
    assert "confidential" not in page


def test_the_csv_download_neutralises_formulas(cora):
    group, _ = _group_with("=HYPERLINK(\"http://evil.example\")")
    _session(group, -5)
    response = login(cora).get(reverse("dashboard_export", kwargs={"table": "groups"}))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Group"
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\")"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_plain_text_and_numbers_are_left_alone():
    assert safe_cell("Surgery") == "Surgery"
    assert safe_cell(3) == 3
    assert safe_cell(None) == ""


def test_an_unknown_table_is_not_found(as_cora):
    assert as_cora.get(reverse("dashboard_export", kwargs={"table": "nope"})).status_code == 404


def test_an_inverted_period_is_refused_and_the_default_shown(as_cora):
    response = as_cora.get(reverse("dashboard"), {"start": "2026-03-01", "end": "2026-01-01"})
    assert response.status_code == 200
    assert "The end of the period must be after its start." in response.content.decode()


def test_only_coordinators_see_the_dashboard(personas):
    for who in ("rosa", "ivan", "adam"):
        client = login(personas[who])
        assert client.get(reverse("dashboard")).status_code == 403
        assert client.get(reverse("dashboard_export", kwargs={"table": "groups"})).status_code == 403


def test_the_dashboard_is_read_only(as_cora):
    assert as_cora.post(reverse("dashboard")).status_code == 405


def test_specialty_filter(cora):
    _programme(2)
    specialty = Specialty.objects.first()
    response = login(cora).get(reverse("dashboard"), {"specialty": specialty.pk, "by": "specialty"})
    assert response.status_code == 200
    assert set(response.context["data"]["timeline"].series) <= {specialty.name}


def test_a_cancelled_booking_is_not_waited_for_and_an_open_session_is_named_as_such(cora):
    group, residents = _group_with("Tuesday group")
    session = _session(group, 3, status=Session.Status.SCHEDULED)
    Participation.objects.create(session=session, resident=residents[0], rsvp="maybe")
    Participation.objects.create(session=session, resident=residents[1], booking="cancelled")
    Participation.objects.create(session=session, resident=residents[2])
    leader = IntervisorFactory(user__first_name="", user__last_name="", user__email="lead@example.org")
    start = NOW + dt.timedelta(days=5)
    Session.objects.create(kind=Session.Kind.OPEN, capacity=8, intervisor=leader, start=start,
                           end=start + dt.timedelta(minutes=90), status=Session.Status.SCHEDULED)

    rows = login(cora).get(reverse("dashboard")).context["tables"]["upcoming"].rows
    assert rows[0][3:8] == [0, 0, 1, 1, residents[2].user.get_full_name()]
    assert (rows[1][0], rows[1][2], rows[1][3:8]) == ("Open session", "lead@example.org", [0, 0, 0, 0, ""])


def test_per_group_attendance_counts_only_the_chosen_department_and_a_quiet_group_shows_zeros(cora):
    group, surgeons = _group_with("Mixed", department="Surgery", members=2)
    child = ResidentFactory(department=_department("Paediatrics"))
    MembershipFactory(group=group, resident=child, start_date=dt.date(2025, 1, 6))
    session = _session(group, -10)
    Participation.objects.bulk_create([
        Participation(session=session, resident=surgeons[0], attendance="present"),
        Participation(session=session, resident=surgeons[1], attendance="absent"),
        Participation(session=session, resident=child, attendance="present"),
    ])
    _group_with("Quiet", department="Surgery")

    surgery = Department.objects.get(name="Surgery")
    rows = {r.group.name: r for r in
            login(cora).get(reverse("dashboard"), {"department": surgery.pk}).context["data"]["groups"]}
    assert (rows["Mixed"].present, rows["Mixed"].recorded, rows["Mixed"].held) == (1, 2, 1)
    quiet = rows["Quiet"]
    assert (quiet.held, quiet.planned, quiet.cancelled, quiet.intervisors) == (0, 0, 0, 0)
    assert quiet.attendance is None


@pytest.mark.parametrize("department", [None, "Surgery"])
def test_per_group_attendance_is_the_same_whichever_way_attendance_over_time_is_split(cora, department):
    # Split by group, the groups table takes its attendance from the timeline's counts; split
    # otherwise, from a query of its own. Both must count the same participations: held
    # sessions of the period, attendance recorded, members of the chosen department.
    group, surgeons = _group_with("Mixed", department="Surgery", members=2)
    child = ResidentFactory(department=_department("Paediatrics"))
    MembershipFactory(group=group, resident=child, start_date=dt.date(2025, 1, 6))
    held, other_month = _session(group, -10), _session(group, -45)
    cancelled = _session(group, -3, status=Session.Status.CANCELLED)
    Participation.objects.bulk_create([
        Participation(session=held, resident=surgeons[0], attendance="present"),
        Participation(session=held, resident=surgeons[1], attendance="excused"),
        Participation(session=held, resident=child, attendance="present"),
        Participation(session=cancelled, resident=surgeons[0], attendance="present"),
        Participation(session=other_month, resident=surgeons[0], attendance="absent"),
        Participation(session=other_month, resident=surgeons[1]),  # nothing recorded
        Participation(session=other_month, resident=child, attendance="present"),
    ])
    start = NOW - dt.timedelta(days=5)
    open_session = Session.objects.create(group=None, intervisor=group.intervisor, start=start,
                                          end=start + dt.timedelta(minutes=90), status=Session.Status.HELD,
                                          kind=Session.Kind.OPEN, capacity=5)
    Participation.objects.create(session=open_session, resident=surgeons[0], attendance="present")
    _group_with("Quiet", department="Surgery")

    query = {"department": Department.objects.get(name=department).pk} if department else {}
    client = login(cora)
    seen = {}
    for by in ("group", "department", "specialty", "year"):
        rows = client.get(reverse("dashboard"), {**query, "by": by}).context["data"]["groups"]
        seen[by] = {r.group.name: (r.present, r.recorded) for r in rows}
    expected = {"Mixed": (1, 3) if department else (3, 5), "Quiet": (0, 0)}
    assert seen == {by: expected for by in seen}


# --- Markup lives in templates -------------------------------------------------------------------

DASHBOARD_MODULES = ["sessions_app/views/dashboard.py", "sessions_app/selectors/dashboard.py",
                     "sessions_app/forms/dashboard.py"]
PARTIALS = ["_bar_chart.html", "_heatmap.html", "_table.html"]
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*[\s>/]")


def _texts_outside_docstrings(tree: ast.AST) -> list[str]:
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


@pytest.mark.parametrize("path", DASHBOARD_MODULES)
def test_the_dashboard_code_writes_no_markup(path):
    source = (Path(settings.BASE_DIR) / path).read_text(encoding="utf-8")
    for name in ("mark_safe", "format_html", "SafeString", "escape"):
        assert name not in source, f"{path} uses {name}: markup and its escaping belong in templates"
    tags = [text for text in _texts_outside_docstrings(ast.parse(source)) if TAG.search(text)]
    assert not tags, f"{path} writes markup in Python: {tags}"


def test_the_page_draws_its_charts_and_tables_with_the_partials():
    page = Path(get_template("sessions_app/dashboard/dashboard.html").origin.name).read_text(encoding="utf-8")
    for name in PARTIALS:
        get_template(f"sessions_app/dashboard/{name}")  # TemplateDoesNotExist if it is gone
        assert f'{{% include "sessions_app/dashboard/{name}" with ' in page


def test_the_partials_draw_the_layout_the_view_computes_with():
    # The partials write the fixed layout inside a row as numbers of their own; the view places
    # segments, markers and month columns with the same constants.
    from sessions_app.views.dashboard import BAR_W, CELL_W, LABEL_W, ROW_H

    def source(name):
        return Path(get_template(f"sessions_app/dashboard/{name}").origin.name).read_text(encoding="utf-8")

    bars, heatmap = source("_bar_chart.html"), source("_heatmap.html")
    assert f'<rect x="{LABEL_W}" y="3" width="{BAR_W}" height="{ROW_H - 6}"' in bars
    assert f'<text x="{LABEL_W - 6}" y="15"' in bars and f'<text x="{LABEL_W + BAR_W + 6}" y="15"' in bars
    assert f'<text x="{LABEL_W - 6}" y="15"' in heatmap
    assert f'width="{CELL_W - 2}" height="{ROW_H - 4}"' in heatmap


def test_names_are_escaped_in_charts_tables_and_options(cora):
    group, _ = _group_with("<b>Bold</b> & co", department="<i>Sur</i>gery")
    _session(group, -5)
    page = login(cora).get(reverse("dashboard"), {"by": "group"}).content.decode()
    assert "<b>Bold</b>" not in page and "<i>Sur</i>" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in page  # in the charts' titles and the tables
    assert "&lt;i&gt;Sur&lt;/i&gt;gery</option>" in page


def test_numbers_in_charts_and_tables_are_not_localised_in_dutch(cora):
    _programme(2)
    client = login(cora)
    client.cookies["django_language"] = "nl"  # signed in, the account's language rules otherwise
    page = client.get(reverse("dashboard")).content.decode()
    assert "CSV downloaden" in page  # the page is in Dutch
    coordinates = re.findall(r'\s(?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', page)
    assert coordinates and all(re.fullmatch(r"\d+(\.\d+)?", c) for c in coordinates), coordinates
    assert "<td>4.0</td>" in page  # the average safety, as the CSV writes it
