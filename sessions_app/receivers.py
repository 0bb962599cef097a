"""How groups and sessions react to changes on the people side (``residents.signals``).

``residents`` does not know this app exists; it announces what changed and these receivers,
connected in ``SessionsAppConfig.ready``, do the part that belongs to groups and sessions. Each
receiver calls one service; none holds logic of its own.
"""

from django.db import transaction

from residents import signals

from .services import groups as group_services
from .services import notifications as notification_services


def end_memberships(sender, *, resident, on, **kwargs) -> None:
    """A deactivated resident leaves their groups on the day their log-in was switched off."""
    group_services.memberships_end_for_resident(resident=resident, on=on)


def check_groups_of_intervisor(sender, *, intervisor, **kwargs) -> None:
    """New exclusions must not contradict the groups the intervisor already leads."""
    group_services.check_intervisor_fits_groups(intervisor=intervisor)


def refuse_while_leading(sender, *, intervisor, **kwargs) -> None:
    """An intervisor who still leads a group cannot be switched off."""
    group_services.check_intervisor_leads_no_group(intervisor=intervisor)


def check_clashes_after_import(sender, *, roster_import_id, **kwargs) -> None:
    """New rosters may rule out planned sessions: a worker looks for them."""
    from .tasks.suggestions import check_roster_clashes

    transaction.on_commit(lambda: check_roster_clashes.delay(roster_import_id))


def send_password_reset(sender, *, user, request_id, **kwargs) -> None:
    """Someone asked for a new password for ``user``: the outbox sends the link, at once."""
    from .tasks.notifications import send_notification

    notification = notification_services.notify_password_reset(user=user, request_id=request_id)
    if notification is not None:
        pk = notification.pk
        transaction.on_commit(lambda: send_notification.delay(pk))


def connect() -> None:
    signals.resident_deactivated.connect(end_memberships, dispatch_uid="sessions_app.end_memberships")
    signals.intervisor_changed.connect(check_groups_of_intervisor,
                                       dispatch_uid="sessions_app.check_groups_of_intervisor")
    signals.intervisor_deactivating.connect(refuse_while_leading,
                                            dispatch_uid="sessions_app.refuse_while_leading")
    signals.roster_imported.connect(check_clashes_after_import,
                                    dispatch_uid="sessions_app.check_clashes_after_import")
    signals.password_reset_requested.connect(send_password_reset,
                                             dispatch_uid="sessions_app.send_password_reset")
