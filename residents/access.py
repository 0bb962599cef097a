"""Who may open what on the people side. Every view starts with one of these.

Unauthenticated visitors are sent to the log-in page; a signed-in person without the right
role gets 403. The helpers that load one object (``resident_for``, ``intervisor_for``, …) are
the only way views load these objects, and they answer the same everywhere:

- 404 for an object outside the person's reach, exactly as for an id that does not exist, so
  ids reveal nothing;
- 403 (``PermissionDenied``) for an object the person may see but not change, when the view
  asks for ``write=True``.

Which rows a person may see is one queryset method per model (``Resident.objects.visible_to``,
…); the helpers load through it. ``sessions_app.access`` does the same for groups and
sessions and uses these helpers; this module never imports ``sessions_app``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from .models import (
    Department,
    Intervisor,
    IntervisorAbsence,
    Resident,
    RosterImport,
    Specialty,
    TableImport,
    User,
)

View = Callable[..., HttpResponse]
M = TypeVar("M", bound=Model)


def role_required(*roles: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


coordinator_required = role_required(User.Role.COORDINATOR)


def signed_in(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def is_coordinator(user: User) -> bool:
    return signed_in(user) and user.is_coordinator


def get_visible(queryset: QuerySet[M], pk: int) -> M:
    """The row ``pk`` of a visible_to queryset, or 404: invisible and missing look alike."""
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def refuse_unless(allowed: bool) -> None:
    """The answer for a visible object the person may not change."""
    if not allowed:
        raise PermissionDenied


# --- Residents ------------------------------------------------------------------------------

def may_change_resident(user: User, resident: Resident) -> bool:
    """Residents' records (and erasing them) are the coordinator's; a resident reads their own
    roster but changes nothing here."""
    return is_coordinator(user)


def resident_for(user: User, pk: int, *, write: bool = False) -> Resident:
    """A resident, for coordinators (all) and for the resident themselves; 404 for anyone
    else. ``write=True``: 403 unless ``may_change_resident``."""
    resident = get_visible(Resident.objects.visible_to(user).with_people(), pk)
    if write:
        refuse_unless(may_change_resident(user, resident))
    return resident


# --- Intervisors and their absences ---------------------------------------------------------

def may_change_intervisor(user: User, intervisor: Intervisor) -> bool:
    """An intervisor's record (kind, accreditation, capacity) is the coordinator's."""
    return is_coordinator(user)


def intervisor_for(user: User, pk: int, *, write: bool = False) -> Intervisor:
    """An intervisor, for coordinators (all) and for the intervisor themselves; 404 for anyone
    else. ``write=True``: 403 unless ``may_change_intervisor``."""
    intervisor = get_visible(Intervisor.objects.visible_to(user).select_related("user"), pk)
    if write:
        refuse_unless(may_change_intervisor(user, intervisor))
    return intervisor


def may_manage_absences(user: User, intervisor: Intervisor) -> bool:
    """Coordinators plan around everyone's absences; an intervisor keeps their own diary."""
    return is_coordinator(user) or (
        signed_in(user) and user.is_intervisor and intervisor.user_id == user.pk
    )


def absence_for(user: User, pk: int, *, intervisor: Intervisor, write: bool = False) -> IntervisorAbsence:
    """An absence of ``intervisor``; 404 for an absence of someone else or out of reach.
    ``write=True``: 403 unless ``may_manage_absences``."""
    absence = get_visible(IntervisorAbsence.objects.visible_to(user).filter(intervisor=intervisor), pk)
    if write:
        refuse_unless(may_manage_absences(user, intervisor))
    return absence


# --- Roster imports -------------------------------------------------------------------------

def may_change_roster_import(user: User, roster_import: RosterImport) -> bool:
    return is_coordinator(user)


def roster_import_for(user: User, pk: int, *, write: bool = False) -> RosterImport:
    """A roster import, for coordinators only (it holds whole departments' rosters); 404 for
    anyone else. ``write=True`` (confirming it): 403 unless ``may_change_roster_import``."""
    roster_import = get_visible(RosterImport.objects.visible_to(user).select_related("created_by"), pk)
    if write:
        refuse_unless(may_change_roster_import(user, roster_import))
    return roster_import


def table_import_for(user: User, pk: int, *, kind: str, write: bool = False) -> TableImport:
    """An import of residents, intervisors, groups or absences, for coordinators only (it holds
    the file's people); 404 for anyone else, or for an import of another kind than the page's.
    ``write=True`` (confirming it): 403 unless the person may change it."""
    table_import = get_visible(TableImport.objects.visible_to(user).filter(kind=kind), pk)
    if write:
        refuse_unless(is_coordinator(user))
    return table_import


# --- Reference data: specialties and departments -------------------------------------------

def may_change_reference_data(user: User) -> bool:
    """The programme's specialties and departments are the coordinator's to keep."""
    return is_coordinator(user)


def reference_item_for(
    user: User, model: type[Specialty] | type[Department], pk: int, *, write: bool = False
) -> Specialty | Department:
    """A specialty or a department, for coordinators; 404 for anyone else. ``write=True``:
    403 unless ``may_change_reference_data``."""
    item = get_visible(model.objects.visible_to(user), pk)
    if write:
        refuse_unless(may_change_reference_data(user))
    return item
