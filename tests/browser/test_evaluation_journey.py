"""Anonymous evaluations: a resident who was at a session evaluates it once (a second tab cannot
answer again), and the group's intervisor sees figures only once five people have answered."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.models import Evaluation, EvaluationReceipt, Participation, Session
from sessions_app.services.evaluations import evaluation_invite_present, evaluation_submit
from tests.factories import MembershipFactory, ResidentFactory

from .conftest import log_in, menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAFETY = "I could say what was on my mind without worrying how it would be taken."
VALUE = "I take something from this session into my daily work."


def _held_session(group, residents) -> Session:
    # Held earlier today, so the evaluation is open and the report's year is this one.
    end = timezone.now() - dt.timedelta(minutes=30)
    session = Session.objects.create(group=group, intervisor=group.intervisor,
                                     start=end - dt.timedelta(minutes=90), end=end,
                                     status=Session.Status.HELD)
    for resident in residents:
        Participation.objects.create(session=session, resident=resident, rsvp="yes", attendance="present")
    evaluation_invite_present(session=session)
    return session


def _answer(page, question: str, score: int):
    page.get_by_role("group", name=question).get_by_label(str(score), exact=True).check()


def test_a_resident_evaluates_a_session_once(page, group, rosa, ruben):
    session = _held_session(group, [rosa.resident])  # Ruben was not there

    log_in(page, rosa.email, None)
    page.get_by_role("link", name="Evaluate", exact=True).click()  # the menu's, not the home's
    expect(page.get_by_role("heading", name="Evaluations")).to_be_visible()
    items = page.locator("#open-evaluations li")
    expect(items).to_have_count(1)
    expect(items).to_contain_text("Tuesday group")
    items.get_by_role("link", name="Evaluate").click()
    expect(page.get_by_role("heading", name="Evaluate: Tuesday group")).to_be_visible()
    form_url = page.url

    # The same form, left open in a second tab.
    other_tab = page.context.new_page()
    other_tab.goto(form_url)

    # Leaving questions out is refused, and nothing is stored.
    _answer(page, SAFETY, 4)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Choose a number from 1 to 5.").first).to_be_visible()
    assert not Evaluation.objects.exists()

    for question in (
        "We got past the surface and talked about what really mattered.",
        "The intervisor guided the conversation in a way that helped me.",
        VALUE,
        "How drained do you feel these days?",
    ):
        _answer(page, question, 3)
    page.get_by_label("Anything else you want to tell your intervisor? (optional)").fill("Good session.")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you. Your answers are stored without your name.")).to_be_visible()
    expect(page.get_by_text("Nothing to evaluate right now.")).to_be_visible()
    expect(page.get_by_text("You have evaluated one session.")).to_be_visible()

    # Sending the second tab's form is refused.
    for question in (SAFETY, "We got past the surface and talked about what really mattered.",
                     "The intervisor guided the conversation in a way that helped me.", VALUE,
                     "How drained do you feel these days?"):
        _answer(other_tab, question, 1)
    other_tab.get_by_role("button", name="Send my answers").click()
    expect(other_tab.get_by_text("You have already evaluated this session. Thank you!")).to_be_visible()
    expect(other_tab.get_by_role("button", name="Send my answers")).to_have_count(0)
    other_tab.close()

    assert Evaluation.objects.filter(session=session).count() == 1
    assert Evaluation.objects.get().safety == 4
    assert EvaluationReceipt.objects.filter(session=session, resident=rosa.resident).count() == 1


def test_the_intervisor_sees_figures_only_from_five_answers(page, group, ivan, rosa, ruben):
    others = [ResidentFactory() for _ in range(3)]
    for resident in others:
        MembershipFactory(group=group, resident=resident)
    session = _held_session(group, [rosa.resident, ruben.resident, *others])
    year = timezone.localtime(session.start).year
    scores = dict(depth=3, guidance=4, value=4, exhaustion=2)
    for resident, safety in zip([rosa.resident, ruben.resident, others[0], others[1]], (4, 5, 5, 5),
                                strict=True):
        evaluation_submit(session=session, resident=resident, safety=safety, comment="", **scores)

    log_in(page, ivan.email, None)
    menu(page, "Evaluations")
    page.get_by_label("Year").select_option(str(year))
    page.get_by_role("button", name="Show").click()
    unit = page.locator(".evaluation-unit").filter(has_text="Tuesday group")
    expect(unit.locator(".not-shown")).to_have_text(
        "Nothing is shown yet: this needs at least 5 answers, so that nobody's answers can be recognised.")
    expect(unit.get_by_role("table")).to_have_count(0)

    evaluation_submit(session=session, resident=others[2], safety=5, comment="The silence helped.", **scores)
    page.reload()
    expect(unit).to_contain_text("5 answers")
    expect(unit.locator(".not-shown")).to_have_count(0)
    expect(unit.get_by_role("row").filter(has_text=SAFETY)).to_contain_text("4.8")
    expect(unit.get_by_role("row").filter(has_text=VALUE)).to_contain_text("4.0")
    expect(unit.get_by_text("The silence helped.")).to_be_visible()
