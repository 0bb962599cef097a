"""Re-encrypt every session note with the newest key in NOTES_ENCRYPTION_KEYS.

Rotation: put the new key first in NOTES_ENCRYPTION_KEYS (keep the old one after it), restart,
run this command, then remove the old key. Safe to run again; it rewrites only notes that are
not under the newest key yet.
"""

from django.core.management.base import BaseCommand, CommandError

from sessions_app.services.notes import notes_rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt all session notes with the newest key of NOTES_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        rewritten, unreadable = notes_rotate_keys()
        self.stdout.write(f"Re-encrypted {rewritten} note(s) with the newest key.")
        if unreadable:
            raise CommandError(
                f"{unreadable} note(s) could not be decrypted with any configured key; they were left "
                "as they are. Put the key they were written with back into NOTES_ENCRYPTION_KEYS."
            )
