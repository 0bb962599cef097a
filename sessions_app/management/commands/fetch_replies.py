"""Read the reply mailbox now: record the calendar apps' answers that arrived in it.

The worker does this every two minutes (``sessions_app.tasks.replies.fetch_replies``); the
command is for trying a new REPLY_MAILBOX_URL, and for a site that runs no beat. Safe to run
while the worker runs too: each message is recorded once.
"""

from django.core.management.base import BaseCommand, CommandError

from sessions_app.calendar import replies_are_read
from sessions_app.mailbox import MailboxError
from sessions_app.services.replies import replies_fetch


class Command(BaseCommand):
    help = "Record the Accept / Decline / Maybe replies waiting in the reply mailbox (REPLY_MAILBOX_URL)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200, help="read at most this many messages")

    def handle(self, *args, limit: int, **options):
        if not replies_are_read():
            raise CommandError("REPLY_MAILBOX_URL is not set: there is no reply mailbox to read.")
        try:
            report = replies_fetch(limit=limit)
        except MailboxError as error:
            raise CommandError(f"The reply mailbox could not be read: {error}") from error
        self.stdout.write(f"Reply mailbox: {report}.")
