"""The resident list: people with the group each is in today."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from residents.access import coordinator_required
from residents.models import Resident

from ..selectors import groups as group_selectors


@coordinator_required
def resident_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    show = request.GET.get("show", "active")
    residents = Resident.objects.visible_to(request.user).with_people().order_by(
        "user__last_name", "user__first_name")
    if show == "active":
        residents = residents.active()
    elif show == "without_group":  # the home page's "without a group" card
        residents = group_selectors.without_group(residents.active(), timezone.localdate())
    elif show == "inactive":
        residents = residents.filter(user__is_active=False)
    if q:
        residents = residents.search(q)
    page = Paginator(residents, 50).get_page(request.GET.get("page"))
    groups = group_selectors.current_group_names(page.object_list, timezone.localdate())
    for resident in page.object_list:
        resident.current_group = groups.get(resident.pk, "")
    return render(request, "residents/resident_list.html", {"page": page, "q": q, "show": show})
