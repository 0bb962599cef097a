"""Plan the year: one session per cadence window at the best time of the window, shown first,
planned on confirmation through the ordinary planning (participations and the outbox), never
over the intervisor's absence, leaving the group's sessions already planned as they are; a
window where no time reaches the minimum still gets the best time, flagged, with who cannot come.

The calendar: the clock stands at Monday 2 March 2026; the Tuesday group (ivan) meets every
three weeks, so 3 March – 13 April holds two windows: 3–23 March and 24 March – 13 April."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from residents.models import IntervisorAbsence, RosterEntry
from sessions_app.models import IntervisionGroup, Notification, NotificationKind, Session, YearPlanRun
from sessions_app.services.sessions import session_plan
from sessions_app.services.year_plan import (
    check_period,
    year_plan_apply,
    year_plan_preview,
    year_plan_run_apply,
    year_plan_run_progress,
    year_plan_runs_sweep,
)
from sessions_app.services.year_plan_queue import year_plan_confirm
from tests.factories import GroupFactory, MembershipFactory, ResidentFactory
from tests.helpers import AMS, roster_covers

pytestmark = pytest.mark.usefixtures("clock")

FIRST, LAST = dt.date(2026, 3, 3), dt.date(2026, 4, 13)


def at(month, day, hour=0, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=AMS)


@pytest.fixture
def world(group, rosa, ruben, ivan):
    """Four members (three make a session). Rosa works nights 3–5 March; ivan is away 3–13
    March; Rosa and Ruben are on leave from 24 March to 14 April, so no time in the second
    window reaches three."""
    group.cadence_weeks = 3
    group.save(update_fields=["cadence_weeks"])
    for name in ("Mila", "Noor"):
        MembershipFactory(group=group, resident=ResidentFactory(user__first_name=name, user__last_name="Lid"))
    for day in (3, 4, 5):
        RosterEntry.objects.create(resident=rosa.resident, start=at(3, day, 22), end=at(3, day + 1, 8),
                                   kind="night")
    for person in (rosa, ruben):
        RosterEntry.objects.create(resident=person.resident, start=at(3, 24), end=at(4, 15), kind="leave")
    IntervisorAbsence.objects.create(intervisor=ivan.intervisor, start=at(3, 3), end=at(3, 14),
                                     reason="holiday")
    # Every member's roster was imported for the year: known, free where no entry says not.
    roster_covers(*(m.resident for m in group.memberships.all()), first=dt.date(2026, 1, 1),
                  last=dt.date(2026, 12, 31))
    return group


def test_the_preview_has_one_session_per_cadence_window_and_writes_nothing(world):
    plan = year_plan_preview(groups=[world], first=FIRST, last=LAST)
    first, second = plan.windows
    assert (first.window_start, first.window_end) == (at(3, 3), at(3, 24))
    assert (second.window_start, second.window_end) == (at(3, 24), at(4, 14))
    assert at(3, 3) <= first.start < at(3, 24) and at(3, 24) <= second.start < at(4, 14)
    assert (first.attending, first.member_count, first.below_minimum) == (4, 4, False)
    assert first.unavailable == []
    assert [w.start for w in plan.sessions] == [first.start, second.start]
    assert not Session.objects.exists() and not Notification.objects.exists()


def test_no_time_is_suggested_over_the_intervisors_absence(world):
    first = year_plan_preview(groups=[world], first=FIRST, last=LAST).windows[0]
    assert first.start >= at(3, 14)  # ivan is back on Saturday 14 March; the session is after


def test_a_window_below_the_minimum_gets_the_best_time_anyway_with_who_cannot_come(world):
    plan = year_plan_preview(groups=[world], first=FIRST, last=LAST)
    second = plan.windows[1]
    assert second.below_minimum and second.required == 3
    assert (second.attending, second.member_count) == (2, 4)
    assert second.unavailable == [{"name": "Rosa Resident", "reasons": "leave"},
                                  {"name": "Ruben Resident", "reasons": "leave"}]
    assert plan.below_minimum == [second]
    assert plan.share == (4 + 2) / 8


def test_confirming_plans_the_sessions_with_invitations_in_the_outbox(world, cora, ivan):
    preview = year_plan_preview(groups=[world], first=FIRST, last=LAST)
    planned = year_plan_apply(groups=[world], first=FIRST, last=LAST, by=cora,
                              fingerprint=preview.fingerprint)
    assert [s.start for s in planned] == [w.start for w in preview.sessions]
    for session in planned:
        assert session.status == Session.Status.SCHEDULED and session.created_by == cora
        assert session.participations.count() == 4
        rsvp = Notification.objects.filter(session=session, kind=NotificationKind.RSVP_REQUEST)
        assert rsvp.count() == 4
        assert Notification.objects.filter(session=session, kind=NotificationKind.SESSION_SCHEDULED,
                                           recipient=ivan).exists()
        assert not IntervisorAbsence.objects.filter(intervisor=ivan.intervisor, start__lt=session.end,
                                                    end__gt=session.start).exists()


def test_a_window_the_intervisor_is_away_for_gets_no_session_and_says_so(world, cora, ivan):
    IntervisorAbsence.objects.create(intervisor=ivan.intervisor, start=at(3, 24), end=at(4, 14),
                                     reason="course")
    plan = year_plan_preview(groups=[world], first=FIRST, last=LAST)
    assert plan.windows[1].no_time and plan.windows[1].start is None
    planned = year_plan_apply(groups=[world], first=FIRST, last=LAST, by=cora)
    assert len(planned) == 1 and planned[0].start < at(3, 24)


def test_a_window_with_a_session_already_planned_is_left_as_it_is(world, cora):
    already = session_plan(group=world, start=at(3, 18, 16), by=cora)
    plan = year_plan_preview(groups=[world], first=FIRST, last=LAST)
    assert plan.windows[0].existing == already and not plan.windows[0].to_plan
    year_plan_apply(groups=[world], first=FIRST, last=LAST, by=cora)
    sessions = list(Session.objects.filter(group=world).order_by("start"))
    assert sessions[0] == already and len(sessions) == 2
    assert sessions[1].start >= at(3, 24)


def test_a_plan_that_changed_since_the_preview_is_refused_whole(world, cora, ivan):
    preview = year_plan_preview(groups=[world], first=FIRST, last=LAST)
    chosen = preview.sessions[0]
    IntervisorAbsence.objects.create(intervisor=ivan.intervisor, start=chosen.start, end=chosen.end,
                                     reason="dentist")
    with pytest.raises(ValidationError, match="changed since this plan was shown"):
        year_plan_apply(groups=[world], first=FIRST, last=LAST, by=cora, fingerprint=preview.fingerprint)
    assert not Session.objects.exists()


def test_an_intervisor_of_two_groups_is_never_planned_twice_at_once(world, cora, ivan):
    second = GroupFactory(name="Wednesday group", intervisor=ivan.intervisor, cadence_weeks=3)
    for name in ("Ada", "Bo", "Cas"):
        MembershipFactory(group=second, resident=ResidentFactory(user__first_name=name))
    planned = year_plan_apply(groups=[world, second], first=FIRST, last=LAST, by=cora)
    assert len(planned) == 4
    for one in planned:
        for other in planned:
            if one != other:
                assert not (one.start < other.end and other.start < one.end), (one, other)


def test_the_period_must_start_after_today_end_after_it_starts_and_be_at_most_13_months():
    today = dt.date(2026, 3, 2)
    assert check_period(dt.date(2026, 3, 3), dt.date(2027, 4, 3), today=today) == []
    assert check_period(today, dt.date(2026, 6, 1), today=today) == [
        "The period must start after today (2026-03-02)."]
    assert check_period(dt.date(2026, 6, 1), dt.date(2026, 6, 1), today=today) == [
        "The period must end after it starts."]
    assert check_period(dt.date(2026, 3, 3), dt.date(2027, 4, 4), today=today) == [
        "The period can be at most 13 months long."]


# --- the pages --------------------------------------------------------------------------------

def _period(**extra):
    return {"date_from": FIRST.isoformat(), "date_to": LAST.isoformat(), **extra}


def test_the_group_page_shows_the_plan_with_the_window_below_the_minimum(as_cora, world):
    page = as_cora.get(reverse("group_year_plan", args=[world.pk]), _period()).content.decode()
    assert "2 sessions to plan" in page
    assert "below the minimum of 3" in page and "Rosa Resident (leave)" in page
    assert "Plan these 2 sessions and invite the members" in page
    assert not Session.objects.exists()


def test_the_page_opens_with_a_year_from_tomorrow_and_no_plan(as_cora, world):
    response = as_cora.get(reverse("group_year_plan", args=[world.pk]))
    assert response.status_code == 200 and response.context["plan"] is None
    page = response.content.decode()
    assert 'value="2026-03-03"' in page and 'value="2027-03-02"' in page


def test_confirming_on_the_page_has_a_worker_plan_the_sessions_and_shows_the_outcome(
        as_cora, world, cora, celery_eager, django_capture_on_commit_callbacks):
    url = reverse("group_year_plan", args=[world.pk])
    fingerprint = as_cora.get(url, _period()).context["plan"].fingerprint
    with django_capture_on_commit_callbacks(execute=True):
        response = as_cora.post(url, _period(fingerprint=fingerprint))
    run = YearPlanRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("year_plan_run", args=[run.pk])
    assert (run.created_by, run.group, run.group_ids) == (cora, world, [world.pk])
    assert (run.status, run.planned, run.total) == (YearPlanRun.Status.DONE, 2, 2)
    page = as_cora.get(response["Location"]).content.decode()
    assert "2 sessions are planned; the members are invited." in page and 'aria-valuenow="100"' in page
    assert Session.objects.filter(group=world).count() == 2


def test_a_stale_confirmation_plans_nothing_and_says_why(as_cora, world, celery_eager,
                                                         django_capture_on_commit_callbacks):
    url = reverse("group_year_plan", args=[world.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_cora.post(url, _period(fingerprint="not-the-plan"))
    page = as_cora.get(response["Location"]).content.decode()
    assert "changed since this plan was shown" in page and "Look at the plan again" in page
    assert YearPlanRun.objects.get().status == YearPlanRun.Status.FAILED
    assert not Session.objects.exists()


def test_a_run_is_planned_once_however_often_it_is_delivered(world, cora):
    preview = year_plan_preview(groups=[world], first=FIRST, last=LAST)
    run = year_plan_confirm(groups=[world], group=world, first=FIRST, last=LAST,
                            fingerprint=preview.fingerprint, by=cora)
    assert year_plan_run_apply(run_id=run.pk) == YearPlanRun.Status.DONE
    assert year_plan_run_apply(run_id=run.pk) == "taken"
    assert Session.objects.count() == 2


def test_while_a_worker_plans_the_page_shows_what_it_reported(as_cora, world, cora):
    run = YearPlanRun.objects.create(first_day=FIRST, last_day=LAST, group=world, group_ids=[world.pk],
                                     fingerprint="x", status=YearPlanRun.Status.RUNNING, created_by=cora)
    cache.set(f"year-plan-run:{run.pk}:planned", (3, 12), 60)
    assert year_plan_run_progress(run) == (3, 12)
    fragment = as_cora.get(reverse("year_plan_run", args=[run.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "3 of 12 sessions planned" in fragment
    assert 'aria-valuenow="25"' in fragment and 'hx-trigger="every 1s"' in fragment


@pytest.mark.parametrize(("first", "last", "error"), [
    ("2026-03-02", "2026-05-01", "The period must start after today"),
    ("2026-05-01", "2026-04-01", "The period must end after it starts."),
    ("2026-03-03", "2027-06-01", "The period can be at most 13 months long."),
    ("2026-03-03", "", "This field is required."),
])
def test_a_wrong_period_is_explained_and_nothing_is_planned(as_cora, world, first, last, error):
    url = reverse("group_year_plan", args=[world.pk])
    response = as_cora.get(url, {"date_from": first, "date_to": last})
    assert error in response.content.decode() and response.context["plan"] is None
    as_cora.post(url, {"date_from": first, "date_to": last, "fingerprint": "x"})
    assert not Session.objects.exists()


def test_the_all_groups_page_plans_every_active_group(as_cora, world, other_group, otto, celery_eager,
                                                     django_capture_on_commit_callbacks):
    url = reverse("year_plan_all")
    page = as_cora.get(url, _period()).content.decode()
    assert "Tuesday group" in page and "Thursday group" in page
    fingerprint = as_cora.get(url, _period()).context["plan"].fingerprint
    with django_capture_on_commit_callbacks(execute=True):
        as_cora.post(url, _period(fingerprint=fingerprint))
    run = YearPlanRun.objects.get()
    assert run.group is None and sorted(run.group_ids) == sorted([world.pk, other_group.pk])
    assert set(Session.objects.values_list("group__name", flat=True)) == {"Tuesday group", "Thursday group"}


def test_the_all_groups_preview_reads_the_same_number_of_queries_for_more_groups(
        as_cora, world, other_group, otto, django_assert_max_num_queries):
    url = reverse("year_plan_all")
    as_cora.get(url, _period())  # warm: the programme row and its holidays
    # session, user, groups, programme, members, absences, sessions they lead, last sessions,
    # rosters, sessions in the period — whatever the number of groups.
    with django_assert_max_num_queries(12):
        as_cora.get(url, _period())
    for n in range(3):
        extra = GroupFactory(name=f"Extra {n}", cadence_weeks=3)
        MembershipFactory(group=extra, resident=ResidentFactory())
    with django_assert_max_num_queries(12):
        assert as_cora.get(url, _period()).context["plan"].groups[0].name == "Extra 0"


def test_the_group_page_and_the_list_link_to_plan_the_year(as_cora, world):
    assert reverse("group_year_plan", args=[world.pk]) in as_cora.get(
        reverse("group_detail", args=[world.pk])).content.decode()
    assert reverse("year_plan_all") in as_cora.get(reverse("group_list")).content.decode()


@pytest.mark.parametrize("url_name", ["year_plan_all", "group_year_plan"])
def test_only_coordinators_may_plan_the_year(client, world, rosa, ivan, url_name):
    url = reverse(url_name, args=[world.pk] if url_name == "group_year_plan" else [])
    response = client.get(url, _period())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.post(url, _period(fingerprint="x")).status_code == 302
    for person in (rosa, ivan):
        client.force_login(person)
        assert client.get(url, _period()).status_code == 403
        assert client.post(url, _period(fingerprint="x")).status_code == 403
    assert not Session.objects.exists()


def test_a_group_or_a_run_out_of_reach_is_not_found(as_cora):
    assert as_cora.get(reverse("group_year_plan", args=[999999])).status_code == 404
    assert as_cora.get(reverse("year_plan_run", args=[999999])).status_code == 404


def test_only_coordinators_may_follow_a_run(client, world, rosa, ivan, cora):
    run = YearPlanRun.objects.create(first_day=FIRST, last_day=LAST, group_ids=[world.pk], fingerprint="x",
                                     created_by=cora)
    url = reverse("year_plan_run", args=[run.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for person in (rosa, ivan):
        client.force_login(person)
        assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_an_inactive_group_is_refused_on_confirmation(as_cora, world):
    IntervisionGroup.objects.filter(pk=world.pk).update(is_active=False)
    url = reverse("group_year_plan", args=[world.pk])
    response = as_cora.post(url, _period(fingerprint=""), follow=True)
    assert "no longer active" in response.content.decode()
    assert not Session.objects.exists()


def test_sessions_of_a_group_are_at_least_half_its_cadence_apart(world, cora):
    # Monday 16 March (ivan is back), then three weeks on: Tuesday 7 April (Easter Monday is a
    # public holiday). A last window of two days, 14–15 April, lies within ten days (half of
    # three weeks, rounded down) of it and gets none.
    plan = year_plan_preview(groups=[world], first=FIRST, last=dt.date(2026, 4, 15))
    first, second, third = plan.windows
    assert (first.start, second.start) == (at(3, 16, 16), at(4, 7, 16))
    assert (third.window_start, third.window_end) == (at(4, 14), at(4, 16))
    assert third.start is None and not third.no_time


def test_a_run_whose_worker_died_is_failed_by_the_sweeper_and_plans_nothing_later(world, cora, clock):
    preview = year_plan_preview(groups=[world], first=FIRST, last=LAST)
    run = year_plan_confirm(groups=[world], group=world, first=FIRST, last=LAST,
                            fingerprint=preview.fingerprint, by=cora)
    assert year_plan_runs_sweep() == 0  # just queued
    clock.shift(dt.timedelta(hours=2))
    assert year_plan_runs_sweep() == 1 and year_plan_runs_sweep() == 0
    run.refresh_from_db()
    assert run.status == YearPlanRun.Status.FAILED and "its worker is gone" in run.problems[0]
    assert year_plan_run_apply(run_id=run.pk) == "taken"  # a late delivery plans nothing
    assert not Session.objects.exists()
