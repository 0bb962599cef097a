"""Log-in throttling that a username written differently, or many usernames, cannot get past:
the username is counted as log-in looks it up (trimmed, case-folded), and an address that fails
too often over any usernames is paused for all of them."""

import datetime as dt

from django.test import Client

from .factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"
SPRAYER = "10.6.6.6"


def _attempt(email, password="wrong password", ip="10.1.1.1"):  # noqa: S107
    return Client().post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_the_address_logs_in_written_with_capitals_and_spaces(rosa):
    assert _attempt("  ROSA@Hospital.Example ", password=PASSWORD).status_code == 302


def test_case_and_space_variants_of_a_locked_username_are_locked_too(rosa, clock):
    for _number in range(5):
        _attempt("rosa@hospital.example")
    for variant in ["Rosa@hospital.example", "ROSA@HOSPITAL.EXAMPLE", " rosa@hospital.example",
                    "rosa@hospital.example  ", "\trOsA@Hospital.example"]:
        assert _attempt(variant).status_code == 429, variant
        assert _attempt(variant, password=PASSWORD).status_code == 429, variant


def test_failures_written_differently_add_up_to_one_lock_out(rosa, clock):
    variants = ["rosa@hospital.example", "Rosa@hospital.example", " ROSA@hospital.example",
                "rosa@HOSPITAL.example"]
    assert [_attempt(v).status_code for v in variants] == [200, 200, 200, 200]
    assert _attempt("rosa@Hospital.Example ").status_code == 429  # the fifth failure


def test_thirty_wrong_passwords_over_thirty_accounts_from_one_address_are_stopped(db, clock):
    accounts = UserFactory.create_batch(30)
    answers = [_attempt(user.email, ip=SPRAYER).status_code for user in accounts]
    # Four tries per account would pass the per-username limit; the address limit stops them.
    assert answers[:19] == [200] * 19
    assert set(answers[19:]) == {429}
    # Paused for every username from that address, even with the right password …
    assert _attempt(accounts[0].email, password=PASSWORD, ip=SPRAYER).status_code == 429
    # … and for nobody elsewhere.
    assert _attempt(accounts[0].email, password=PASSWORD, ip="10.9.9.9").status_code == 302
    clock.shift(dt.timedelta(minutes=16))
    assert _attempt(accounts[0].email, password=PASSWORD, ip=SPRAYER).status_code == 302


def test_logging_in_to_one_account_does_not_clear_the_address_count(db, clock):
    accounts = UserFactory.create_batch(20)
    for user in accounts[1:]:
        _attempt(user.email, ip=SPRAYER)
    assert _attempt(accounts[0].email, password=PASSWORD, ip=SPRAYER).status_code == 302
    # The twentieth failure from the address still pauses it.
    assert _attempt("someone.else@hospital.example", ip=SPRAYER).status_code == 429
