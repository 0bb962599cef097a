"""Suggestions on database rosters: never a member counted available on a night, in the rest
after nights or on leave; the intervisor's absence respected; one-step planning; the nightly
digest; clashes flagged after imports."""

import datetime as dt

import pytest
from django.urls import reverse

from planning.reference import reference_rest_periods
from residents.models import IntervisorAbsence, Programme, RosterEntry
from residents.selectors.rules import rules_for, rules_for_programme
from sessions_app.models import Notification, Session, SessionClash, SuggestionSnapshot
from sessions_app.selectors import availability as suggestions
from sessions_app.services import suggestions as services
from sessions_app.services.sessions import session_plan
from tests.factories import MembershipFactory, ResidentFactory
from tests.helpers import AMS, roster_covers

SUNDAY = dt.datetime(2026, 3, 1, 12, 0, tzinfo=AMS)  # the horizon of suggestions starts Monday 2 March

pytestmark = [pytest.mark.now(SUNDAY), pytest.mark.usefixtures("clock")]


def at(month, day, hour, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=AMS)


def entry(resident, start, end, kind):
    return RosterEntry.objects.create(resident=resident, start=start, end=end, kind=kind)


@pytest.fixture
def world(db, rosa, ruben, group, cora):
    """Tuesday group: rosa (nights 2–4 March, then rest), ruben (leave 9–13 March), mila (day
    work, which gives way), noor (evenings 2–6 March); ivan away 16–20 March."""
    Programme.get()
    mila = ResidentFactory(user__first_name="Mila", user__last_name="Dag")
    noor = ResidentFactory(user__first_name="Noor", user__last_name="Avond")
    for resident in (mila, noor):
        MembershipFactory(group=group, resident=resident)
    for day in (2, 3, 4):
        entry(rosa.resident, at(3, day, 22), at(3, day + 1, 8), "night")
    entry(ruben.resident, at(3, 9, 0), at(3, 14, 0), "leave")
    for week in range(6):
        for weekday in range(5):
            day = at(3, 2, 8) + dt.timedelta(weeks=week, days=weekday)
            entry(mila, day, day + dt.timedelta(hours=9), "day")
    for day in range(2, 7):
        entry(noor, at(3, day, 15), at(3, day, 23, 30), "evening")
    IntervisorAbsence.objects.create(intervisor=group.intervisor, start=at(3, 16, 0),
                                     end=at(3, 21, 0), reason="holiday")
    # Their rosters were imported for March to June: known, free where no entry says not.
    roster_covers(rosa.resident, ruben.resident, mila, noor, first=dt.date(2026, 3, 1),
                  last=dt.date(2026, 6, 30))
    return {"rosa": rosa.resident, "ruben": ruben.resident, "mila": mila, "noor": noor,
            "group": group}


def _blocked(resident, start, end) -> bool:
    """The plain truth from the database: a duty that does not give way, or rest after nights."""
    gives_way = set(Programme.get().give_way_kinds)
    entries = RosterEntry.objects.filter(resident=resident)
    if entries.filter(start__lt=end, end__gt=start).exclude(kind__in=gives_way).exists():
        return True
    nights = list(entries.filter(kind="night").values_list("start", "end"))
    rules = rules_for(Programme.get())
    return any(s < end and start < e for s, e in reference_rest_periods(nights, rules))


def test_no_member_counted_available_is_on_nights_rest_leave_or_evening_duty(world):
    result = suggestions.suggest_for_group(world["group"], weeks=6, limit=60)
    assert result.suggestions, "the world leaves room for sessions"
    residents = {r.pk: r for r in (world["rosa"], world["ruben"], world["mila"], world["noor"])}
    for suggestion in result.suggestions:
        for pid in suggestion.available:
            assert not _blocked(residents[pid], suggestion.start, suggestion.end), suggestion
        for status in suggestion.unavailable:
            assert _blocked(residents[status.person_id], suggestion.start, suggestion.end)
        assert suggestion.attending >= 3  # 75% of 4


def test_no_suggestion_falls_in_the_intervisors_absence(world):
    result = suggestions.suggest_for_group(world["group"], weeks=6, limit=60)
    assert not [s for s in result.suggestions if s.start < at(3, 21, 0) and s.end > at(3, 16, 0)]


def test_the_first_week_explains_who_cannot_come_and_who_must_be_released(world):
    result = suggestions.suggest_for_group(world["group"], weeks=1, limit=10)
    assert result.suggestions
    names = result.names
    for suggestion in result.suggestions:
        reasons = {names[s.person_id]: s.reasons for s in suggestion.unavailable}
        assert reasons.get("Rosa Resident") in (("night shift",), ("rest after nights",),
                                                 ("night shift", "rest after nights"), None)
        released = {names[s.person_id] for s in suggestion.released}
        assert released <= {"Mila Dag"}
    # Noor's evening shifts start at 15:00: she cannot come on any afternoon of that week.
    assert all(world["noor"].pk not in s.available for s in result.suggestions)


def test_the_suggestions_page_lists_reasons_and_the_grid(as_cora, world):
    page = as_cora.get(reverse("group_suggestions", args=[world["group"].pk]), {"weeks": 2}).content.decode()
    assert "Plan this session" in page and 'id="availability-grid"' in page
    assert "Must be released" in page and "day duty" in page
    assert "evening shift" in page
    fragment = as_cora.get(reverse("group_suggestions", args=[world["group"].pk]), {"weeks": 2},
                           HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "Plan this session" in fragment


def test_a_suggestion_becomes_a_planned_session_in_one_step(as_cora, world):
    group = world["group"]
    best = suggestions.suggest_for_group(group, weeks=4).suggestions[0]
    response = as_cora.post(reverse("group_suggestion_plan", args=[group.pk]),
                            {"start": best.start.isoformat(), "end": best.end.isoformat()})
    session = Session.objects.get(group=group)
    assert (session.start, session.end, session.status) == (best.start, best.end, Session.Status.SCHEDULED)
    assert session.participations.count() == 4
    assert response.status_code == 302
    assert response["Location"] in (reverse("group_detail", args=[group.pk]), f"/sessions/{session.pk}/")
    # The planned time is taken: it is not suggested again.
    again = suggestions.suggest_for_group(group, weeks=4, limit=60).suggestions
    assert all(not (s.start < session.end and session.start < s.end) for s in again)


def test_a_suggestion_gone_stale_is_not_planned_in_one_step_but_checked_first(as_cora, world, cora):
    group = world["group"]
    best = suggestions.suggest_for_group(group, weeks=4).suggestions[0]
    # Meanwhile two members turn out to be on leave then (a new roster), after the page was shown.
    for resident in (world["mila"], world["noor"]):
        entry(resident, best.start - dt.timedelta(hours=3), best.end + dt.timedelta(hours=3), "leave")
    response = as_cora.post(reverse("group_suggestion_plan", args=[group.pk]),
                            {"start": best.start.isoformat(), "end": best.end.isoformat()})
    assert not Session.objects.exists()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("session_plan", args=[group.pk]) + "?start=")
    page = as_cora.get(response["Location"]).content.decode()
    assert "the rosters or the intervisor&#x27;s sessions have changed" in page
    local = best.start.astimezone(AMS)
    assert f'value="{local.date().isoformat()}"' in page and f'value="{local:%H:%M}"' in page


def test_a_forged_suggestion_plans_nothing(as_cora, world):
    url = reverse("group_suggestion_plan", args=[world["group"].pk])
    response = as_cora.post(url, {"start": "not a time", "end": ""})
    assert response.status_code == 302 and not Session.objects.exists()


def test_the_candidate_windows_are_editable(as_cora, world):
    group = world["group"]
    url = reverse("group_windows", args=[group.pk])
    assert as_cora.get(url).status_code == 200
    data = {"form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "7", "form-0-weekdays": ["1"], "form-0-start": "13:00",
            "form-0-end": "17:00"}
    assert as_cora.post(url, data).status_code == 302
    group.refresh_from_db()
    assert group.candidate_windows == [{"weekdays": [1], "start": "13:00", "end": "17:00"}]
    found = suggestions.suggest_for_group(group, weeks=3, limit=30).suggestions
    assert found and all(s.start.astimezone(AMS).weekday() == 1 for s in found)
    bad = dict(data, **{"form-0-end": "12:00"})
    assert as_cora.post(url, bad).status_code == 400


def test_the_nightly_task_prepares_suggestions_and_one_digest_per_coordinator(world, cora, other_group):
    from sessions_app.tasks.suggestions import prepare_suggestions

    session_plan(group=other_group, start=at(3, 10, 16), by=None)  # planned within its cadence
    prepare_suggestions.apply()
    prepare_suggestions.apply()  # twice: nothing new
    snapshot = SuggestionSnapshot.objects.get()
    assert snapshot.group == world["group"] and snapshot.suggestions
    assert {"start", "attending", "unavailable", "released"} <= set(snapshot.suggestions[0])
    digest = Notification.objects.get(kind=Notification.Kind.SUGGESTIONS_DIGEST)
    assert (digest.recipient, digest.scope) == (cora, "night:2026-03-01")


def test_a_roster_import_flags_a_session_that_now_clashes_with_alternatives(world, cora, as_cora):
    group = world["group"]
    session = session_plan(group=group, start=at(3, 3, 16), by=cora)  # Rosa resting, Noor on evenings
    clashes = services.roster_clashes_check()
    assert [c.session for c in clashes] == [session]
    clash = SessionClash.objects.get()
    assert sorted(u["name"] for u in clash.unavailable) == ["Noor Avond", "Rosa Resident"]
    assert not clash.intervisor_unavailable and clash.member_count == 4
    assert clash.alternatives and all(a["attending"] >= 3 for a in clash.alternatives)
    note = Notification.objects.get(kind=Notification.Kind.ROSTER_CLASH)
    assert (note.recipient, note.session) == (cora, session)
    page = as_cora.get(reverse("group_detail", args=[group.pk])).content.decode()
    assert "clashes with the rosters" in page and "Rosa Resident (rest after nights" in page
    # The alternatives in local time, as people read them (stored in UTC ISO 8601).
    best = dt.datetime.fromisoformat(clash.alternatives[0]["start"]).astimezone(AMS)
    assert best.strftime("%a %-d %b, %H:%M") in page
    assert clash.alternatives[0]["start"][:10] not in page

    RosterEntry.objects.filter(resident__in=[world["rosa"], world["noor"]]).delete()
    services.roster_clashes_check()
    assert SessionClash.objects.get().cleared_at is not None
    page = as_cora.get(reverse("group_detail", args=[group.pk])).content.decode()
    assert "clashes with the rosters" not in page


def test_one_member_in_four_away_is_no_clash_but_the_intervisors_absence_is(world, cora):
    group = world["group"]
    fine = session_plan(group=group, start=at(3, 10, 16), by=cora)  # only Ruben on leave
    away = session_plan(group=group, start=at(3, 17, 16), by=cora)  # Ivan on holiday
    flagged = services.roster_clashes_check()
    assert [c.session for c in flagged] == [away]
    assert flagged[0].intervisor_unavailable
    assert not SessionClash.objects.filter(session=fine).exists()


def test_the_clash_check_runs_after_an_import(world, cora, celery_eager, django_capture_on_commit_callbacks):
    from residents.services import roster_imports as roster_services

    session = session_plan(group=world["group"], start=at(3, 24, 16), by=cora)
    data = ("email,start,end,kind\n"
            f"{world['ruben'].user.email},2026-03-23 00:00,2026-03-28 00:00,leave\n"
            f"{world['mila'].user.email},2026-03-24 15:00,2026-03-24 23:00,evening\n").encode()
    checked = roster_services.roster_import_check(data=data, filename="x.csv", source="roster", by=cora)
    with django_capture_on_commit_callbacks(execute=True):
        roster_services.roster_import_confirm(roster_import=checked, by=cora)
    assert SessionClash.objects.get().session == session


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_digest_and_the_clash_e_mails_render_in_both_languages(world, cora, language):
    from sessions_app import emails
    from sessions_app.services.notifications import Facts, rule_for

    cora.language = language
    cora.save()
    services.suggestions_prepare_nightly()
    session = session_plan(group=world["group"], start=at(3, 3, 16), by=cora)
    services.roster_clashes_check()
    for kind in [Notification.Kind.SUGGESTIONS_DIGEST, Notification.Kind.ROSTER_CLASH]:
        note = Notification.objects.get(kind=kind, recipient=cora)
        decision = rule_for(kind).check(Facts(note, None, SUNDAY))
        assert not decision.skip
        message = emails.compose(notification=note, participation=None, extra_context=decision.context)
        expected = "Tuesday group" if kind == Notification.Kind.SUGGESTIONS_DIGEST else "Rosa Resident"
        assert expected in message.body and expected in message.alternatives[0][0]
    # Why Rosa cannot come, in the coordinator's language.
    why = {"en": "Rosa Resident: rest after nights", "nl": "Rosa Resident: rust na nachtdiensten"}[language]
    assert why in message.body and why in message.alternatives[0][0]
    assert session.pk


def test_suggestions_for_many_groups_take_six_queries_however_many_groups(
        world, other_group, django_assert_num_queries):
    from sessions_app.models import IntervisionGroup

    groups = list(IntervisionGroup.objects.order_by("pk"))
    start, end = suggestions.default_horizon(4)
    rules = rules_for_programme()
    # memberships with names, intervisors' absences, sessions they lead, what the members'
    # rosters cover, each group's last session, and the roster rows of all members at once.
    with django_assert_num_queries(6):
        found = suggestions.suggest_for_groups(groups, start=start, end=end, rules=rules)
    assert set(found) == {g.pk for g in groups}
    assert found[world["group"].pk].names[world["mila"].pk] == "Mila Dag"


def test_the_engine_reads_database_rows_in_seconds_as_it_reads_roster_entries(world):
    from planning import availability as engine

    group = world["group"]
    start, end = suggestions.default_horizon(6)
    rules = rules_for_programme()
    (plan,) = suggestions.group_plans([group], start, end, rules=rules)
    rows = list(suggestions.roster_query(plan.request.member_ids, start, end))
    named = suggestions.load_roster(plan.request.member_ids, start, end)
    assert rows and type(rows[0]) is tuple and type(rows[0][1]) is float
    # The same entries: the database's seconds are the datetimes' POSIX timestamps.
    assert sorted(rows) == sorted(
        (r.person_id, r.start.timestamp(), r.end.timestamp(), r.kind) for r in named)
    entries = [engine.Busy(*row) for row in named]
    expected = engine.suggest_slots(plan.request, entries, rules, limit=30)
    assert expected
    assert engine.suggest_slots(plan.request, rows, rules, limit=30) == expected
    assert engine.suggest_slots(plan.request, named, rules, limit=30) == expected
    assert engine.suggest_slots(plan.request, engine.Roster(rows, rules), rules, limit=30) == expected
    assert engine.feasible_slots(plan.request, rows, rules) == engine.feasible_slots(
        plan.request, entries, rules)


def test_the_database_hands_over_exact_seconds_for_odd_times_and_both_dst_changes(db, rosa):
    odd = [
        (at(3, 2, 16, 5) + dt.timedelta(seconds=30.25), at(3, 2, 17, 59) + dt.timedelta(seconds=59)),
        # The last Sunday of March and of October: 02:00 and 03:00 local do not or twice exist.
        (dt.datetime(2026, 3, 29, 1, 45, tzinfo=AMS), dt.datetime(2026, 3, 29, 3, 15, tzinfo=AMS)),
        (dt.datetime(2026, 10, 25, 2, 30, tzinfo=AMS, fold=0),
         dt.datetime(2026, 10, 25, 2, 30, tzinfo=AMS, fold=1)),
    ]
    for begin, finish in odd:
        entry(rosa.resident, begin, finish, "other")
    rows = suggestions.roster_query([rosa.resident.pk], at(3, 3, 0), dt.datetime(2026, 11, 1, tzinfo=AMS))
    assert sorted((s, e) for _pid, s, e, _kind in rows) == [
        (begin.timestamp(), finish.timestamp()) for begin, finish in odd
    ]


def test_a_roster_prepared_for_other_rules_is_refused(world):
    from planning import availability as engine

    start, end = suggestions.default_horizon(2)
    rules = rules_for_programme()
    (plan,) = suggestions.group_plans([world["group"]], start, end, rules=rules)
    roster = engine.Roster(suggestions.roster_query(plan.request.member_ids, start, end), rules)
    other = engine.Rules(rest_after_night=dt.timedelta(hours=11), tz=rules.tz)
    with pytest.raises(ValueError, match="other rules"):
        engine.suggest_slots(plan.request, roster, other)
