"""manage.py create_coordinator EMAIL: the first coordinator of an empty install.

It asks for the password twice (or, with --noinput, reads COORDINATOR_PASSWORD; or, with
--invite, e-mails a link to choose one), holds the password to the project's validators, and
refuses an address that already has an account, whatever its case. The terminal is the one
thing replaced here: getpass reads from a list of answers.
"""

import re
import socket
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from residents.models import User

GOOD = "violet-harbour-1987"


@pytest.fixture
def typed(monkeypatch):
    """What the person types at each password prompt, in order; the prompts are recorded."""
    answers: list[str] = []
    prompts: list[str] = []

    def getpass(prompt="Password: "):
        prompts.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr("getpass.getpass", getpass)
    return answers, prompts


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("create_coordinator", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_asks_for_the_password_twice_and_makes_a_coordinator_who_can_log_in(db, typed):
    answers, prompts = typed
    answers += [GOOD, GOOD]
    out, _err = run("Carla.Coordinator@Hospital.example", "--first-name", "Carla",
                    "--last-name", "Coordinator", "--language", "nl")

    assert prompts == ["Password: ", "Password (again): "]
    user = User.objects.get()
    assert user.email == "carla.coordinator@hospital.example"
    assert user.role == User.Role.COORDINATOR
    assert (user.first_name, user.last_name, user.language) == ("Carla", "Coordinator", "nl")
    assert not user.is_staff and not user.is_superuser
    assert "Coordinator carla.coordinator@hospital.example was created" in out
    assert Client().login(email="CARLA.coordinator@hospital.example", password=GOOD)


def test_it_asks_again_when_the_two_entries_differ(db, typed):
    answers, _prompts = typed
    answers += [GOOD, GOOD + "x", GOOD, GOOD]
    _out, err = run("carla@hospital.example")
    assert "The two passwords differ; try again." in err
    assert User.objects.get().check_password(GOOD)


def test_it_asks_again_for_a_password_the_validators_refuse(db, typed):
    answers, _prompts = typed
    answers += ["password", "password", "short", "short", GOOD, GOOD]
    _out, err = run("carla@hospital.example")
    assert "This password is too common." in err
    assert "This password is too short." in err
    assert User.objects.get().check_password(GOOD)


def test_stopping_at_the_prompt_makes_nothing(db, monkeypatch):
    def interrupted(prompt=""):
        raise KeyboardInterrupt

    monkeypatch.setattr("getpass.getpass", interrupted)
    with pytest.raises(CommandError, match="Cancelled; no account was made."):
        run("carla@hospital.example")
    assert not User.objects.exists()


def test_noinput_takes_the_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("COORDINATOR_PASSWORD", GOOD)
    run("carla@hospital.example", "--noinput")
    user = User.objects.get()
    assert user.is_coordinator and user.check_password(GOOD)


def test_noinput_without_the_variable_says_which_variable_and_makes_nothing(db, monkeypatch):
    monkeypatch.delenv("COORDINATOR_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="environment variable COORDINATOR_PASSWORD"):
        run("carla@hospital.example", "--noinput")
    assert not User.objects.exists()


def test_noinput_refuses_a_password_the_validators_refuse(db, monkeypatch):
    monkeypatch.setenv("COORDINATOR_PASSWORD", "carla@hospital.example")
    with pytest.raises(CommandError, match="too similar to the e-mail address"):
        run("carla@hospital.example", "--noinput")
    assert not User.objects.exists()


def test_an_address_that_is_already_a_coordinator_is_refused_in_any_case(cora, typed):
    _answers, prompts = typed
    with pytest.raises(CommandError, match=r"^cora@hospital\.example is already a coordinator\.$"):
        run("CORA@Hospital.Example")
    assert prompts == []  # refused before asking for a password
    assert User.objects.count() == 1


def test_an_address_of_a_resident_is_refused_and_the_resident_stays_a_resident(anna, monkeypatch):
    monkeypatch.setenv("COORDINATOR_PASSWORD", GOOD)
    with pytest.raises(CommandError, match="already belongs to someone with the role Resident"):
        run("Anna@Hospital.example", "--noinput")
    anna.user.refresh_from_db()
    assert anna.user.role == User.Role.RESIDENT


def test_noinput_and_invite_do_not_go_together(db):
    with pytest.raises(CommandError, match="not allowed with argument"):
        run("carla@hospital.example", "--noinput", "--invite")


def _link(message) -> str:
    return re.search(r"http://\S+/accounts/reset/\S+/", message.body).group(0)


def test_invite_mails_a_link_with_which_the_coordinator_chooses_a_password(db, settings):
    settings.SITE_URL = "http://intervision.test"
    out, _err = run("carla@hospital.example", "--invite", "--first-name", "Carla")

    user = User.objects.get()
    assert user.is_coordinator and not user.has_usable_password()
    assert "invited" in out
    [message] = mail.outbox
    assert message.to == ["carla@hospital.example"]
    assert message.subject == "Your Intervision coordinator account"
    assert message.body.startswith("Hello Carla,")
    assert "expires after 24 hours" in message.body
    link = _link(message)
    assert link.startswith("http://intervision.test/accounts/reset/")

    client = Client()
    form_page = client.get(link.removeprefix("http://intervision.test"), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0],
                       {"new_password1": GOOD, "new_password2": GOOD})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert Client().login(email="carla@hospital.example", password=GOOD)
    # The link works once.
    again = Client().get(link.removeprefix("http://intervision.test"), follow=True)
    assert "This link no longer works" in again.content.decode()


def test_an_invitation_the_mail_server_cannot_take_leaves_no_account(db, settings):
    # A real SMTP connection to a port where nothing listens.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    with pytest.raises(CommandError, match="could not be sent .* no account was made"):
        run("carla@hospital.example", "--invite")
    assert not User.objects.exists()


def test_invite_refuses_an_existing_coordinator_and_sends_nothing(cora):
    with pytest.raises(CommandError, match="already a coordinator"):
        run("Cora@hospital.example", "--invite")
    assert mail.outbox == []
