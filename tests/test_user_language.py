"""After log-in, pages are in the language stored on the person's account (the one their
e-mails are in), whatever the browser asks; the footer's choice wins and is stored."""

from django.conf import settings
from django.urls import reverse

from residents.models import User

from .helpers import login


def test_a_coordinator_stored_as_dutch_sees_dutch_pages_in_an_english_browser(cora):
    User.objects.filter(pk=cora.pk).update(language="nl")
    response = login(cora).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "nl"
    assert "Overzicht van de opleiding" in response.content.decode()


def test_a_person_stored_as_english_sees_english_pages_in_a_dutch_browser(cora):
    response = login(cora).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="nl")
    assert response["Content-Language"] == "en"


def test_the_language_chosen_in_the_footer_is_stored_on_the_account(cora):
    client = login(cora)
    client.post(reverse("set_language"), {"language": "nl", "next": reverse("home")})
    cora.refresh_from_db()
    assert cora.language == "nl"
    assert client.get(reverse("home"))["Content-Language"] == "nl"


def test_a_language_not_offered_is_not_stored(cora):
    login(cora).post(reverse("set_language"), {"language": "xx", "next": reverse("home")})
    cora.refresh_from_db()
    assert cora.language == "en"


def test_the_browsers_own_choice_wins_over_the_stored_language(cora):
    User.objects.filter(pk=cora.pk).update(language="nl")
    client = login(cora)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get(reverse("home"))["Content-Language"] == "en"


def test_logged_out_pages_follow_the_browser(client, db):
    assert client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="nl")["Content-Language"] == "nl"
