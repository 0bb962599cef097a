"""Logging in by e-mail, landing on the right home page, logging out, resetting a password."""

import re

from django.core import mail
from django.urls import reverse

from .factories import PASSWORD
from .helpers import login


def test_people_log_in_with_their_email_address_in_any_case(client, rosa):
    response = client.post(reverse("login"), {"username": "ROSA@Hospital.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, rosa):
    response = client.post(reverse("login"), {"username": "rosa@hospital.example", "password": "nope"})
    unknown = client.post(reverse("login"), {"username": "nobody@hospital.example", "password": "nope"})
    assert response.status_code == unknown.status_code == 200
    assert "Please enter a correct e-mail address and password." in response.content.decode()
    assert "Please enter a correct e-mail address and password." in unknown.content.decode()


def test_the_coordinator_lands_on_the_programme_overview(cora, rosa, otto):
    page = login(cora).get(reverse("home")).content.decode()
    assert "Programme overview" in page and "New group" in page


def test_a_resident_lands_on_their_group(rosa, ruben, otto):
    page = login(rosa).get(reverse("home")).content.decode()
    assert "Tuesday group" in page and "Ruben Resident" in page
    assert "Thursday group" not in page and "Otto" not in page


def test_an_intervisor_lands_on_the_groups_they_lead(ivan, rosa, otto):
    page = login(ivan).get(reverse("home")).content.decode()
    assert "Tuesday group" in page and "Rosa Resident" in page
    assert "Thursday group" not in page


def test_a_resident_without_a_group_is_told_so(db):
    from .factories import ResidentFactory

    page = login(ResidentFactory().user).get(reverse("home")).content.decode()
    assert "You are not in an intervision group yet." in page


def test_logging_out_takes_a_post(rosa):
    client = login(rosa)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_a_forgotten_password_is_reset_by_email(client, rosa, ask_password_reset):
    response = ask_password_reset(client, "rosa@hospital.example")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rosa@hospital.example"]
    assert message.subject == "Reset your Intervision password"
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session key
    response = client.post(form_url, {"new_password1": "a brand new passphrase",
                                      "new_password2": "a brand new passphrase"})
    assert response.status_code == 302
    assert client.login(username="rosa@hospital.example", password="a brand new passphrase")


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, db, ask_password_reset):
    response = ask_password_reset(client, "nobody@hospital.example", follow=True)
    assert "If the address belongs to an account" in response.content.decode()
    assert mail.outbox == []


def test_the_project_settings_hash_passwords_with_argon2():
    # conftest swaps in a fast hasher for the suite; the settings module itself must name Argon2.
    from intervision import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_the_interface_speaks_dutch_when_asked(client, db):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert 'lang="nl"' in page


def test_someone_who_never_had_a_password_chooses_one_with_forgot_password(client, db, ask_password_reset):
    from .factories import ResidentFactory

    resident = ResidentFactory(user__email="new@hospital.example", user__password=None)
    resident.user.set_unusable_password()
    resident.user.save()
    ask_password_reset(client, "new@hospital.example")
    assert len(mail.outbox) == 1


def test_a_deactivated_person_gets_no_reset_link(client, rosa, ask_password_reset):
    rosa.is_active = False
    rosa.save()
    ask_password_reset(client, "rosa@hospital.example")
    assert mail.outbox == []
