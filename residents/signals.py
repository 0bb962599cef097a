"""What the people side tells the apps built on it.

``residents`` never imports ``sessions_app``: when a change here matters to groups and
sessions, it is announced through one of these signals and ``sessions_app`` (see its
``receivers`` module) reacts. Receivers run synchronously inside the sender's transaction, so
a receiver that raises ``ValidationError`` refuses the whole change and nothing is saved.
"""

from django.dispatch import Signal

# A resident's log-in was switched off as of ``on`` (a date); their memberships end then.
# Sent with ``resident`` and ``on`` inside the deactivation's transaction.
resident_deactivated = Signal()

# An intervisor's details (and the people or departments they must not lead) were changed.
# Sent with ``intervisor`` inside the update's transaction; a receiver refuses the change by
# raising ValidationError when the intervisor's groups would break a rule.
intervisor_changed = Signal()

# An intervisor is about to be switched off. Sent with ``intervisor``; a receiver refuses by
# raising ValidationError (for example while they still lead a group).
intervisor_deactivating = Signal()

# Someone asked for a new password for an active account (``user``): a worker found it from
# the address typed on the "forgot your password" page. Sent with ``user`` and ``request_id``
# inside the worker's transaction; a receiver sends the e-mail with the reset link.
password_reset_requested = Signal()

# A roster import was applied and committed. Sent with ``roster_import_id`` after commit, so
# receivers see the new entries (and may enqueue work of their own).
roster_imported = Signal()
