"""The composition pages: rules form, progress, proposal, moves and the acceptance page."""

import datetime as dt

import pytest
from django.urls import reverse

from residents.models import Department, Specialty
from sessions_app.models import CompositionRun, IntervisionGroup
from sessions_app.services import composition as services

from .factories import ResidentFactory
from .helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(db):
    residents = []
    for n, name in enumerate(["Surgery"] * 4 + ["Paediatrics"] * 4 + ["Psychiatry"] * 4):
        specialty, _ = Specialty.objects.get_or_create(name=name)
        department, _ = Department.objects.get_or_create(name=f"{name} dept")
        residents.append(ResidentFactory(specialty=specialty, department=department,
                                         training_year=1 + n % 4, user__last_name=f"{name}{n}"))
    return residents


def _post_rules(client, leaders, **extra):
    data = {"cohort": "ungrouped", "on": "2026-03-02", "min_size": 6, "max_size": 6,
            "max_per_specialty": 2, "spread_years": "on", "time_limit": 2,
            "intervisors": [i.pk for i in leaders], **extra}
    return client.post(reverse("composition_start"), data)


def test_the_rules_form_offers_every_active_intervisor(as_cora, leaders):
    response = as_cora.get(reverse("composition_start"))
    assert response.status_code == 200
    assert "Lea Leader (leads at most 1 groups)" in response.content.decode()


def test_starting_a_run_queues_it_for_a_worker_after_commit(as_cora, cohort, leaders,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = _post_rules(as_cora, leaders)
    run = CompositionRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("composition_detail", kwargs={"pk": run.pk})
    assert len(callbacks) == 1
    assert run.status == CompositionRun.Status.QUEUED
    assert run.params["max_per_specialty"] == 2
    assert len(run.params["resident_ids"]) == 12


def test_a_pair_needs_two_different_residents(as_cora, cohort, leaders):
    response = _post_rules(as_cora, leaders, together_a_0=cohort[0].pk, together_b_0=cohort[0].pk)
    assert response.status_code == 200
    assert "Choose two different residents." in response.content.decode()
    assert not CompositionRun.objects.exists()


def test_pairs_are_stored_with_the_run(as_cora, cohort, leaders):
    _post_rules(as_cora, leaders, together_a_0=cohort[1].pk, together_b_0=cohort[0].pk,
                apart_a_0=cohort[2].pk, apart_b_0=cohort[3].pk)
    run = CompositionRun.objects.get()
    assert run.params["keep_together"] == [[cohort[0].pk, cohort[1].pk]]
    assert run.params["keep_apart"] == [[cohort[2].pk, cohort[3].pk]]


def test_while_solving_the_page_polls_and_offers_a_refresh_link(as_cora, cora, cohort, leaders):
    run = services.composition_start(by=cora, cohort="ungrouped", on=dt.date(2026, 3, 2), intervisors=leaders)
    CompositionRun.objects.filter(pk=run.pk).update(status="running", progress=0.4, message="Solution 3")
    url = reverse("composition_detail", kwargs={"pk": run.pk})

    page = as_cora.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert "Refresh to see the progress" in page
    fragment = as_cora.get(url, headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith("<section")
    assert 'value="40"' in fragment.content.decode()


def test_when_the_run_finishes_the_polling_page_reloads(as_cora, cora, cohort, leaders):
    run = services.composition_start(by=cora, cohort="ungrouped", on=dt.date(2026, 3, 2), intervisors=leaders)
    CompositionRun.objects.filter(pk=run.pk).update(status="infeasible", result={"messages": ["x"]})
    url = reverse("composition_detail", kwargs={"pk": run.pk})
    response = as_cora.get(url, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"


@pytest.fixture
def solved(as_cora, cohort, leaders, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _post_rules(as_cora, leaders)
    run = CompositionRun.objects.get()
    assert run.status == CompositionRun.Status.DONE
    return run


def test_the_proposal_shows_each_group_and_the_figures(as_cora, solved, cohort):
    page = as_cora.get(reverse("composition_detail", kwargs={"pk": solved.pk})).content.decode()
    assert "Group 1" in page and "Group 2" in page
    assert "Surgery0" in page and "Psychiatry dept" in page
    assert "proven bound" in page
    assert "The proposal meets every rule." in page
    assert reverse("composition_accept", kwargs={"pk": solved.pk}) in page


def test_a_move_that_breaks_a_rule_names_it_and_hides_accept(as_cora, solved, cohort):
    by_pk = {r.pk: r for r in cohort}
    first = solved.result["groups"][0]["resident_ids"]
    second_surgeon = next(r for r in solved.result["groups"][1]["resident_ids"]
                          if by_pk[r].specialty.name == "Surgery")
    response = as_cora.post(reverse("composition_move", kwargs={"pk": solved.pk}),
                            {"resident": second_surgeon, "to_group": 1}, follow=True)
    page = response.content.decode()
    assert "Group 1 has 3 Surgery residents (at most 2)" in page
    assert "Group 1 has 7 members (at most 6)" in page
    assert reverse("composition_accept", kwargs={"pk": solved.pk}) not in page
    assert len(first) == 6

    # Accepting anyway (a forged POST) is refused and saves nothing.
    response = as_cora.post(reverse("composition_accept", kwargs={"pk": solved.pk}),
                            {"start_date": "2026-04-01"})
    assert "3 Surgery residents" in response.content.decode()
    assert not IntervisionGroup.objects.exists()


def test_accepting_asks_for_a_start_date_then_creates_the_groups(as_cora, solved):
    url = reverse("composition_accept", kwargs={"pk": solved.pk})
    page = as_cora.get(url).content.decode()
    assert "Create the groups" in page
    assert not IntervisionGroup.objects.exists()

    response = as_cora.post(url, {"start_date": "2026-04-01"})
    assert response.status_code == 302
    assert IntervisionGroup.objects.count() == 2
    solved.refresh_from_db()
    assert solved.status == CompositionRun.Status.ACCEPTED


def test_residents_and_intervisors_cannot_compose(personas, solved):
    for who in ("rosa", "ivan"):
        client = login(personas[who])
        assert client.get(reverse("composition_start")).status_code == 403
        assert client.post(reverse("composition_move", kwargs={"pk": solved.pk}),
                           {"resident": 1, "to_group": 1}).status_code == 403
        assert client.post(reverse("composition_accept", kwargs={"pk": solved.pk}),
                           {"start_date": "2026-04-01"}).status_code == 403


def test_a_move_must_be_posted(as_cora, solved):
    assert as_cora.get(reverse("composition_move", kwargs={"pk": solved.pk})).status_code == 405


def test_an_unknown_run_is_not_found(as_cora):
    assert as_cora.get(reverse("composition_detail", kwargs={"pk": 99999})).status_code == 404


def test_an_accepted_proposal_reads_as_history(as_cora, solved):
    as_cora.post(reverse("composition_accept", kwargs={"pk": solved.pk}), {"start_date": "2026-04-01"})
    page = as_cora.get(reverse("composition_detail", kwargs={"pk": solved.pk})).content.decode()
    assert "Accepted: the groups start on Wed 1 Apr 2026." in page
    assert "border-danger" not in page
    assert reverse("composition_move", kwargs={"pk": solved.pk}) not in page
