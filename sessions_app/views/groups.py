from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from residents.access import coordinator_required
from residents.forms.people import apply_errors
from residents.models import Resident

from ..access import group_for, membership_for
from ..forms import GroupForm, MembershipAddForm, MembershipEndForm
from ..selectors import groups as selectors
from ..selectors.availability import open_clashes
from ..selectors.sessions import attach_next_sessions
from ..services import groups as services

GROUP_PAGE_SESSIONS = 10


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_coordinator or request.user.is_intervisor or request.user.is_resident):
        raise PermissionDenied
    show_inactive = request.GET.get("show") == "all"
    groups = selectors.group_list(request.user, timezone.localdate(), show_inactive=show_inactive)
    return render(request, "sessions_app/group_list.html", {
        "groups": groups, "show_inactive": show_inactive,
    })


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_for(request.user, pk)
    today = timezone.localdate()
    current = list(
        group.memberships.on(today).select_related(
            "resident__user", "resident__specialty", "resident__department"
        ).order_by("resident__user__last_name")
    )
    attach_next_sessions([group], now=timezone.now(), per_group=GROUP_PAGE_SESSIONS)
    context = {"group": group, "current": current}
    if request.user.is_coordinator:
        context["history"] = group.memberships.exclude(pk__in=[m.pk for m in current]).select_related(
            "resident__user"
        ).order_by("-start_date")
        context["add_form"] = MembershipAddForm(residents=selectors.residents_addable_to(group, today))
        # Planned sessions the latest rosters rule out (flagged after roster imports).
        context["clashes"] = open_clashes(group)
    return render(request, "sessions_app/group_detail.html", context)


@coordinator_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(**form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(group)s was created. Now add its members.")
                             % {"group": group})
            return redirect("group_detail", pk=group.pk)
    return render(request, "sessions_app/group_form.html", {
        "form": form,
        # A group needs a leader: with nobody to choose, say where intervisors are added.
        "no_intervisors": not form.fields["intervisor"].queryset.exists(),
    })


@coordinator_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_for(request.user, pk, write=True)
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(group=group, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Changes to %(group)s were saved.") % {"group": group})
            return redirect("group_detail", pk=group.pk)
    return render(request, "sessions_app/group_form.html", {"form": form, "group": group})


@coordinator_required
@require_http_methods(["GET", "POST"])
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_for(request.user, pk, write=True)
    residents = Resident.objects.visible_to(request.user).active().with_people()
    form = MembershipAddForm(request.POST or None, residents=residents)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_add(group=group, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s joined %(group)s.")
                             % {"name": membership.resident.user, "group": group})
            return redirect("group_detail", pk=group.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sessions_app/membership_form.html",
                  {"form": form, "group": group}, status=status)


@coordinator_required
@require_http_methods(["GET", "POST"])
def membership_end(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    group = group_for(request.user, pk, write=True)
    membership = membership_for(request.user, membership_pk, group=group, write=True)
    form = MembershipEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_end(membership=membership, on=form.cleaned_data["end_date"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s leaves %(group)s.")
                             % {"name": membership.resident.user, "group": group})
            return redirect("group_detail", pk=group.pk)
    return render(request, "sessions_app/membership_end.html",
                  {"form": form, "group": group, "membership": membership})
