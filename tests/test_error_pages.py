"""The error pages say what happened and what to do next."""

import pytest
from django.test import Client
from django.urls import reverse

from .helpers import login


@pytest.fixture
def production(settings):
    settings.DEBUG = False  # with DEBUG on, Django shows its own technical pages


def test_a_missing_page_points_home(production, rosa):
    response = login(rosa).get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and f'href="{reverse("home")}"' in page


def test_a_refusal_says_whom_to_ask(production, rosa):
    response = login(rosa).get(reverse("dashboard"))
    assert response.status_code == 403
    assert "ask the programme office" in response.content.decode()


def test_a_server_error_page_needs_no_request():
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Something went wrong" in page and "tell the programme office" in page


def test_a_logged_out_visitor_gets_the_same_missing_page(production, db):
    assert "Page not found" in Client().get("/no/such/page/").content.decode()
