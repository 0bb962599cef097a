"""manage.py create_coordinator EMAIL: the first coordinator of a new install (or another one).

Three ways to give them a password:

- by default the command asks for it twice, without echo;
- ``--noinput`` reads it from the environment variable COORDINATOR_PASSWORD (for scripts and
  containers; nothing is asked);
- ``--invite`` sets none and e-mails a link (the password-reset link, valid for
  PASSWORD_RESET_TIMEOUT) with which they choose it themselves.

The password must pass the project's password validators. An address is compared
case-insensitively; one that is already a coordinator, or belongs to a resident or an
intervisor, is refused and nothing changes.
"""

from __future__ import annotations

import getpass
import os
import smtplib

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from residents.services import accounts as services

PASSWORD_VARIABLE = "COORDINATOR_PASSWORD"  # noqa: S105 (the name of a variable, not a password)


class Command(BaseCommand):
    help = "Create a coordinator account: asks for a password, reads it from "\
           f"{PASSWORD_VARIABLE} with --noinput, or e-mails a link to choose one with --invite."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The coordinator's e-mail address; they log in with it.")
        parser.add_argument("--first-name", default="", help="First name.")
        parser.add_argument("--last-name", default="", help="Last name.")
        parser.add_argument("--language", default="en", choices=services.LANGUAGES,
                            help="Language of the pages and e-mails (default en).")
        how = parser.add_mutually_exclusive_group()
        how.add_argument("--noinput", "--no-input", action="store_true",
                         help=f"Ask nothing: take the password from {PASSWORD_VARIABLE}.")
        how.add_argument("--invite", action="store_true",
                         help="Set no password: e-mail a link to choose one.")

    def handle(self, *args, email: str, first_name: str, last_name: str, language: str,
               noinput: bool, invite: bool, **options) -> None:
        person = {"email": email, "first_name": first_name, "last_name": last_name,
                  "language": language}
        if invite:
            try:
                user = services.coordinator_invite(**person)
            except ValidationError as error:
                raise CommandError(_message(error)) from None
            except (smtplib.SMTPException, OSError) as error:
                raise CommandError(
                    f"The invitation could not be sent ({error}); no account was made. "
                    "Check the EMAIL_* settings and run the command again."
                ) from None
            self.stdout.write(self.style.SUCCESS(
                f"Coordinator {user.email} was created and invited: the e-mail has a link to "
                "choose a password."
            ))
            return

        if noinput:
            password = os.environ.get(PASSWORD_VARIABLE)
            if not password:
                raise CommandError(
                    f"--noinput takes the password from the environment variable "
                    f"{PASSWORD_VARIABLE}, which is not set (or empty). Set it, leave out "
                    "--noinput to type the password, or use --invite to e-mail a link."
                )
            try:
                user = services.coordinator_create(password=password, **person)
            except ValidationError as error:
                raise CommandError(_message(error)) from None
        else:
            try:
                services.coordinator_email_check(email)  # before asking for anything
                user = self._create_asking(person)
            except ValidationError as error:
                raise CommandError(_message(error)) from None
            except (KeyboardInterrupt, EOFError):
                raise CommandError("Cancelled; no account was made.") from None
        self.stdout.write(self.style.SUCCESS(
            f"Coordinator {user.email} was created. Log in with this address and the password."
        ))

    def _create_asking(self, person: dict):
        """Ask until the two entries match and the validators accept the password; a refusal
        that no password can fix (the address) ends the command."""
        while True:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("The two passwords differ; try again.")
                continue
            if not password:
                self.stderr.write("The password cannot be empty; try again.")
                continue
            try:
                return services.coordinator_create(password=password, **person)
            except ValidationError as error:
                if set(getattr(error, "error_dict", {})) != {"password"}:
                    raise
                for message in error.messages:
                    self.stderr.write(message)


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)
