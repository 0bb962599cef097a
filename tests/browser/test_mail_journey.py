"""A coordinator sees on their home page that an e-mail failed, reads why on the Mail page and
sends it again after confirming."""

import pytest
from playwright.sync_api import expect

from sessions_app.models import Notification
from sessions_app.services.sessions import session_plan

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_sends_a_failed_e_mail_again(page, live_server, cora, group, rosa, soon):
    session = session_plan(group=group, start=soon, by=cora)
    Notification.objects.filter(session=session).update(status="sent")
    failed = Notification.objects.get(session=session, recipient=rosa, kind="rsvp_request")
    Notification.objects.filter(pk=failed.pk).update(
        status="failed", attempts=1, last_error="SMTPRecipientsRefused: 550 mailbox unavailable")

    log_in(page, cora.email, None)
    expect(page.get_by_text("1 e-mail failed, 0 delayed.")).to_be_visible()
    page.get_by_role("link", name="See why and send again").click()
    expect(page.get_by_role("heading", name="Mail")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Rosa Resident")
    expect(row).to_contain_text("SMTPRecipientsRefused: 550 mailbox unavailable")

    # Changing one's mind on the confirmation page changes nothing.
    row.get_by_role("link", name="Retry").click()
    expect(page.get_by_role("heading", name="Send this message again?")).to_be_visible()
    page.get_by_role("link", name="No, go back").click()
    expect(page.get_by_role("row").filter(has_text="Rosa Resident")).to_be_visible()

    page.get_by_role("row").filter(has_text="Rosa Resident").get_by_role("link", name="Retry").click()
    page.get_by_role("button", name="Yes, send it again").click()
    expect(page.get_by_text("The message to Rosa Resident is queued again")).to_be_visible()
    expect(page.get_by_text("No message failed or is late.")).to_be_visible()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
