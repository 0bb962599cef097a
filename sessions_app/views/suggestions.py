"""Scheduling suggestions for a group: the ranked list, the members × slots grid, planning a
suggestion in one step, and the group's candidate windows.

Every page here is part of planning the group's sessions and shows why members cannot come
(their rosters), so each loads the group as its planner does: ``group_for(…, write=True)``."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from planning import availability as engine
from residents.access import coordinator_required
from residents.timezones import programme_zone

from ..access import group_for
from ..forms.year_plan import PeriodForm
from ..selectors import availability as suggestions
from ..services import suggestions as services
from ..services.sessions import session_plan
from ..services.year_plan import period_bounds

BELOW_MINIMUM_SHOWN = 3  # when no time reaches the minimum, the best few are shown anyway

WEEKDAYS = [(0, gettext_lazy("Mon")), (1, gettext_lazy("Tue")), (2, gettext_lazy("Wed")),
            (3, gettext_lazy("Thu")), (4, gettext_lazy("Fri")), (5, gettext_lazy("Sat")),
            (6, gettext_lazy("Sun"))]


class HorizonForm(forms.Form):
    weeks = forms.IntegerField(label=gettext_lazy("Weeks ahead"), min_value=1, max_value=26,
                               initial=suggestions.DEFAULT_WEEKS)


class PlanSuggestionForm(forms.Form):
    start = forms.DateTimeField(widget=forms.HiddenInput)
    end = forms.DateTimeField(widget=forms.HiddenInput)
    # Suggested although fewer than the minimum share of members can come.
    below_minimum = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise forms.ValidationError(_("A session must end after it starts."))
        return data


class WindowForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Days"), choices=WEEKDAYS, coerce=int,
        widget=forms.CheckboxSelectMultiple, required=False)
    start = forms.TimeField(label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"}),
                            required=False)
    end = forms.TimeField(label=gettext_lazy("Until"), widget=forms.TimeInput(attrs={"type": "time"}),
                          required=False)

    def clean(self):
        data = super().clean()
        filled = data.get("weekdays") or data.get("start") or data.get("end")
        if filled and not (data.get("weekdays") and data.get("start") and data.get("end")):
            raise forms.ValidationError(_("Give the days, the start and the end, or leave the row empty."))
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("A window must end after it starts."))
        return data


WindowFormSet = forms.formset_factory(WindowForm, extra=2, max_num=7)


def _people(statuses, names) -> list[dict]:
    return [{"name": names.get(s.person_id, "?"), "reasons": suggestions.reason_words(s.reasons)}
            for s in statuses]


def _view_model(result: suggestions.GroupSuggestions, zone: ZoneInfo) -> dict:
    names = result.names
    rows = []
    for rank, s in enumerate(result.suggestions, start=1):
        rows.append({
            "rank": rank, "start": s.start.astimezone(zone), "end": s.end.astimezone(zone),
            "attending": s.attending, "member_count": s.member_count,
            "busy": len(s.unavailable), "unknown": [names.get(pid, "?") for pid in s.unknown],
            "released": _people(s.released, names), "unavailable": _people(s.unavailable, names),
            "fatigued": [names.get(pid, "?") for pid in s.fatigued],
            "cadence_distance": s.cadence_distance_days, "habit_breaks": s.habit_breaks,
            # One form per row: each its own id prefix, or the hidden fields' ids repeat.
            "form": PlanSuggestionForm(initial={"start": s.start.isoformat(), "end": s.end.isoformat(),
                                                "below_minimum": result.below_minimum},
                                       auto_id=f"id_plan{rank}_%s"),
        })
    grid = []
    if result.matrix is not None:
        for pid, cells in zip(result.matrix.member_ids, result.matrix.rows, strict=True):
            grid.append({"name": names.get(pid, "?"), "cells": [
                {"state": c.state, "reasons": suggestions.reason_words(c.reasons)} for c in cells]})
    return {"rows": rows, "grid": grid, "missing_rosters": result.plan.missing_rosters(),
            "intervisor_free": result.matrix.intervisor_free if result.matrix else ()}


@coordinator_required
@require_GET
def group_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_for(request.user, pk, write=True)
    form = HorizonForm(request.GET or None)
    weeks = form.cleaned_data["weeks"] if form.is_valid() else suggestions.DEFAULT_WEEKS
    # A window of dates (from–to) instead of weeks ahead, when both are given.
    period_form = PeriodForm(request.GET or None, required=False)
    zone = programme_zone()
    if period := period_form.period:
        start, end = period_bounds(*period, zone)
    else:
        start, end = suggestions.default_horizon(weeks)
    result = suggestions.suggest_for_group(group, start=start, end=end,
                                           below_minimum=BELOW_MINIMUM_SHOWN)
    context = {
        "group": group, "form": form if form.is_bound else HorizonForm(), "weeks": weeks,
        "period_form": period_form, "period": period,
        "first_day": start.astimezone(zone).date(),
        "last_day": (end.astimezone(zone) - dt.timedelta(days=1)).date(),
        "result": result, "required": result.required, "members": result.plan.members,
        "windows": suggestions.windows_of(group), "weekday_names": dict(WEEKDAYS),
        "AVAILABLE": engine.AVAILABLE, "RELEASED": engine.RELEASED, "UNKNOWN": engine.UNKNOWN,
        **_view_model(result, zone),
    }
    template = ("sessions_app/suggestions/_results.html" if request.headers.get("HX-Request")
                else "sessions_app/suggestions/page.html")
    return render(request, template, context)


@coordinator_required
@require_POST
def group_suggestion_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn a suggestion into a planned session in one step."""
    group = group_for(request.user, pk, write=True)
    form = PlanSuggestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That suggestion could not be read; nothing was planned."))
        return redirect("group_suggestions", pk=group.pk)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    # The page may be older than the rosters or the intervisor's diary: another session planned
    # in between, a new roster imported. Planned in one step only if it still holds; otherwise
    # the plan form, filled in, shows who cannot come and asks.
    if (clash := suggestions.proposed_clash(group, start, end)).is_clash:
        if form.cleaned_data["below_minimum"] and not clash.intervisor_unavailable:
            messages.warning(request, _("Fewer members than the minimum can come at this time; "
                                        "check who cannot come before planning."))
        else:
            messages.warning(request, _("Since this time was suggested, the rosters or the "
                                        "intervisor's sessions have changed; check it before planning."))
        return redirect(f"{reverse('session_plan', args=[group.pk])}?"
                        f"{urlencode({'start': start.isoformat(), 'end': end.isoformat()})}")
    try:
        session = session_plan(group=group, start=start, end=end, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("group_suggestions", pk=group.pk)
    local = session.start.astimezone(programme_zone())
    messages.success(request, _("A session of %(group)s is planned on %(when)s.")
                     % {"group": group, "when": formats.date_format(local, "DATETIME_FORMAT")})
    try:
        return redirect(reverse("session_detail", kwargs={"pk": session.pk}))
    except NoReverseMatch:  # the sessions pages have not landed: the group page lists it
        return redirect("group_detail", pk=group.pk)


@coordinator_required
@require_http_methods(["GET", "POST"])
def group_windows(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_for(request.user, pk, write=True)
    initial = [{"weekdays": sorted(w.weekdays), "start": w.start, "end": w.end}
               for w in suggestions.windows_of(group)]
    formset = WindowFormSet(request.POST or None, initial=initial)
    if request.method == "POST" and formset.is_valid():
        windows = [engine.Window(frozenset(f.cleaned_data["weekdays"]), f.cleaned_data["start"],
                                 f.cleaned_data["end"])
                   for f in formset if f.cleaned_data.get("weekdays")]
        try:
            services.group_windows_update(group=group, windows=windows)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The candidate windows of %(group)s were saved.") % {"group": group})
            return redirect("group_suggestions", pk=group.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sessions_app/suggestions/windows.html",
                  {"group": group, "formset": formset}, status=status)


