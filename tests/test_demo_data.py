"""``manage.py demo_data`` loads a realistic programme whose groups obey the group rules."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from residents.models import Intervisor, Resident, Specialty, User
from sessions_app.models import IntervisionGroup, Membership
from sessions_app.services import intervisor_conflicts

LOGINS = [
    "coordinator@intervision.example",
    "resident@intervision.example",
    "intervisor@intervision.example",
    "admin@intervision.example",
]


def load(*args: str) -> str:
    out = StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "residents": Resident.objects.count(),
        "intervisors": Intervisor.objects.count(),
        "groups": IntervisionGroup.objects.count(),
        "memberships": Membership.objects.count(),
        "supervision": Resident.supervisors.through.objects.count(),
    }


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    load()


@pytest.mark.django_db
def test_it_loads_a_programme_of_realistic_size(demo):
    assert Resident.objects.count() == 120
    assert Specialty.objects.filter(residents__isnull=False).distinct().count() == 12
    assert Intervisor.objects.count() == 8
    assert User.objects.filter(role=User.Role.STAFF).count() == 20
    assert IntervisionGroup.objects.count() == 16
    placed = Membership.objects.on(timezone.localdate()).count()
    assert 100 <= placed <= 120
    assert Resident.objects.filter(memberships__isnull=True).exists()


@pytest.mark.django_db
def test_every_group_is_within_its_size(demo):
    today = timezone.localdate()
    for group in IntervisionGroup.objects.all():
        size = group.memberships.on(today).count()
        assert 6 <= group.min_size <= size <= group.max_size <= 8, group.name


@pytest.mark.django_db
def test_no_member_supervises_another_member(demo):
    today = timezone.localdate()
    # The data must exercise the rule: some residents supervise other residents.
    assert User.objects.filter(role=User.Role.RESIDENT, supervisees__isnull=False).exists()
    for group in IntervisionGroup.objects.all():
        members = [m.resident for m in group.memberships.on(today).select_related("resident")]
        member_users = {r.user_id for r in members}
        for resident in members:
            supervisors = set(resident.supervisors.values_list("pk", flat=True))
            assert not supervisors & member_users, f"{resident} is supervised within {group}"


@pytest.mark.django_db
def test_no_intervisor_leads_someone_they_must_not(demo):
    today = timezone.localdate()
    assert Intervisor.objects.filter(must_not_lead_departments__isnull=False).exists()
    assert Intervisor.objects.filter(must_not_lead_residents__isnull=False).exists()
    for group in IntervisionGroup.objects.all():
        members = [m.resident for m in group.memberships.on(today).select_related("resident")]
        for intervisor in group.intervisors():
            assert intervisor_conflicts(intervisor, members) == [], group.name


@pytest.mark.django_db
def test_no_intervisor_leads_more_groups_than_their_capacity(demo):
    for intervisor in Intervisor.objects.all():
        led = IntervisionGroup.objects.active().led_by(intervisor.user).count()
        assert 1 <= led <= intervisor.capacity, intervisor


@pytest.mark.django_db
def test_the_known_logins_work(demo):
    for email in LOGINS:
        assert authenticate(username=email, password="intervision") is not None, email


@pytest.mark.django_db
def test_everyone_else_has_no_usable_password(demo):
    others = User.objects.exclude(email__in=LOGINS)
    assert not any(user.has_usable_password() for user in others)


@pytest.mark.django_db
def test_the_known_resident_is_in_a_group_the_known_intervisor_leads(demo):
    resident = User.objects.get(email="resident@intervision.example")
    intervisor = User.objects.get(email="intervisor@intervision.example")
    groups = IntervisionGroup.objects.with_member(resident, timezone.localdate())
    assert groups.led_by(intervisor).exists()
    assert User.objects.get(email="admin@intervision.example").is_superuser


@pytest.mark.django_db
def test_running_it_twice_creates_nothing_new(demo):
    before = counts()
    output = load()
    assert "already loaded" in output
    assert "resident@intervision.example" in output
    assert counts() == before


@pytest.mark.django_db
def test_reset_loads_the_same_people_again(demo):
    before = counts()
    emails = set(User.objects.values_list("email", flat=True))
    load("--reset")
    assert counts() == before
    assert set(User.objects.values_list("email", flat=True)) == emails


@pytest.mark.django_db
def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        load()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_force_runs_it_with_debug_off(settings):
    settings.DEBUG = False
    load("--force")
    assert Resident.objects.count() == 120
