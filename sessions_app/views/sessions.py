"""Pages for planning sessions and series, the coordinator's session list, the session page,
moving, cancelling and the status flow, and open sessions."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from residents.access import coordinator_required, role_required
from residents.forms.people import apply_errors
from residents.models import User
from residents.timezones import programme_zone

from ..access import group_for, leads, session_for
from ..forms.sessions import (
    FOLLOWING,
    CancelForm,
    OpenSessionForm,
    RescheduleForm,
    SeriesForm,
    SeriesKeepForm,
    SessionFilterForm,
    SessionPlanForm,
    StatusForm,
    parse_moment,
)
from ..models import Session
from ..selectors import availability as suggestions
from ..selectors import sessions as selectors
from ..services import sessions as services

TEMPLATES = "sessions_app/sessions/"
PAGE_SIZE = 50
signed_in = role_required(*User.Role.values)


def _posted(request: HttpRequest):
    """The submitted data, bound even when empty (a bare confirmation button posts nothing)."""
    return request.POST if request.method == "POST" else None


def _when(session: Session) -> str:
    return formats.date_format(timezone.localtime(session.start, programme_zone()),
                               "DATETIME_FORMAT")


# --- The list and the session page ---------------------------------------------------------------

@coordinator_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    form = SessionFilterForm(request.GET or None)
    group = None
    upcoming = True
    if form.is_valid():
        group = form.cleaned_data["group"]
        upcoming = form.cleaned_data["when"] != "past"
    sessions = selectors.session_list(upcoming=upcoming, now=timezone.now(), group=group)
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, TEMPLATES + "list.html", {
        "form": form if form.is_bound else SessionFilterForm(), "page": page, "upcoming": upcoming,
        "group": group, "query": request.GET.copy(),
    })


@signed_in
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    session = session_for(user, pk)
    leader = leads(user, session)
    context = {
        "session": session, "leads": leader,
        "changeable": session.status in services.CHANGEABLE,
        "started": session.start <= timezone.now(),
    }
    if user.is_coordinator or leader:
        context["history"] = selectors.status_history(session)
    return render(request, TEMPLATES + "detail.html", context)


# --- Planning ------------------------------------------------------------------------------------

def _time_key(data: dict) -> str:
    return f"{data['start'].isoformat()}/{data['end'].isoformat()}"


def _roster_check(request: HttpRequest, group, data: dict,
                  targets: list[tuple[Session | None, dt.datetime, dt.datetime]]):
    """The rosters' word on new times for ``group``'s sessions before they are planned or moved.

    ``targets`` are (session being moved or None, new start, new end); the first is the one
    the form names, the rest the later sessions of a series moving with it. Returns who cannot
    come at each (empty for a session without a group) and whether the page must ask first:
    when at any of them the intervisor is unavailable or more than a quarter of the members
    cannot come (the rule that flags clashes after roster imports), unless the coordinator
    ticked "plan it anyway" for this very time.
    """
    if group is None:
        return [], False
    clashes = suggestions.proposed_clashes(
        group, [(start, end) for _s, start, end in targets],
        exclude_sessions=[moved.pk for moved, _start, _end in targets if moved is not None],
    )
    confirmed = request.POST.get("plan_anyway") and request.POST.get("warned_for") == _time_key(data)
    return clashes, any(clash.is_clash for clash in clashes) and not confirmed


def _tell_who_cannot_come(request: HttpRequest, clash) -> None:
    if clash is None or not (clash.unavailable or clash.intervisor_unavailable):
        return
    people = "; ".join(f"{p['name']} ({suggestions.reason_words(p['reasons'])})" for p in clash.unavailable)
    if clash.intervisor_unavailable:
        messages.warning(request, _("Planned although the intervisor is not available then."))
    if people:
        messages.warning(request, ngettext(
            "%(n)s of %(total)s members cannot come: %(people)s.",
            "%(n)s of %(total)s members cannot come: %(people)s.", len(clash.unavailable),
        ) % {"n": len(clash.unavailable), "total": clash.member_count, "people": people})


@coordinator_required
@require_http_methods(["GET", "POST"])
def session_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan one session of a group. ``?start=…&end=…`` (ISO 8601 with offset, as a scheduling
    suggestion gives them) fill in the time, so planning a suggestion is one click and a
    confirmation."""
    group = group_for(request.user, pk, write=True)
    suggested = parse_moment(request.GET.get("start"))
    initial = SessionPlanForm.initial_for_group(group, start=suggested,
                                                end=parse_moment(request.GET.get("end")))
    form = SessionPlanForm(_posted(request), initial=initial)
    clash = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        (clash,), blocking = _roster_check(request, group, data, [(None, data["start"], data["end"])])
        if blocking:
            return render(request, TEMPLATES + "plan.html", {
                "group": group, "form": form, "from_suggestion": False, "clash": clash,
                "warned_for": _time_key(data),
            })
        try:
            session = services.session_plan(
                group=group, start=data["start"], end=data["end"], location=data["location"],
                video_url=data["video_url"], status=data["status"], by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("A session of %(group)s is planned on %(when)s.")
                             % {"group": group, "when": _when(session)})
            _tell_who_cannot_come(request, clash)
            return redirect("session_detail", pk=session.pk)
    return render(request, TEMPLATES + "plan.html", {
        "group": group, "form": form, "from_suggestion": suggested is not None,
    })


@coordinator_required
@require_http_methods(["GET", "POST"])
def series_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan a series in two steps: the rhythm, then the list of dates to confirm (nothing is
    planned before the coordinator has seen every date)."""
    group = group_for(request.user, pk, write=True)
    form = SeriesForm(_posted(request),
                      initial=SeriesForm.initial_for_group(group, timezone.localdate()))
    context = {"group": group, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            preview = services.series_preview(group=group, **form.series_arguments(), with_rosters=True)
        except ValidationError as error:
            apply_errors(form, error)
            return render(request, TEMPLATES + "series.html", context)
        days = [item.day for item in preview]
        confirming = request.POST.get("action") == "confirm"
        keep_form = SeriesKeepForm(
            request.POST if confirming else None, days=days,
            initial={"keep": [i.day.isoformat() for i in preview if not i.skipped_by_default]},
        )
        posted_days = request.POST.getlist("day")
        if confirming and posted_days != [d.isoformat() for d in days]:
            messages.warning(request, _("The dates changed with what you entered; check them again."))
            keep_form = SeriesKeepForm(days=days, initial=keep_form.initial)
            confirming = False
        if confirming and keep_form.is_valid():
            keep = set(keep_form.cleaned_data["keep"])
            data = form.cleaned_data
            try:
                series = services.series_plan(
                    group=group, **form.series_arguments(), skip=[d for d in days if d not in keep],
                    location=data["location"], video_url=data["video_url"], status=data["status"],
                    by=request.user,
                )
            except ValidationError as error:
                apply_errors(keep_form, error)
            else:
                messages.success(request, ngettext(
                    "%(n)s session of %(group)s is planned.", "%(n)s sessions of %(group)s are planned.",
                    series.count) % {"n": series.count, "group": group})
                return redirect("group_detail", pk=group.pk)
        keep_values = {str(v) for v in (keep_form["keep"].value() or [])}
        context.update(preview=[(item, item.day.isoformat() in keep_values) for item in preview],
                       keep_form=keep_form)
    return render(request, TEMPLATES + "series.html", context)


@coordinator_required
@require_http_methods(["GET", "POST"])
def open_session_create(request: HttpRequest) -> HttpResponse:
    form = OpenSessionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.open_session_create(
                intervisor=data["intervisor"], start=data["start"], end=data["end"],
                capacity=data["capacity"], location=data["location"], video_url=data["video_url"],
                title=data["title"], status=data["status"], by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The open session on %(when)s is planned.")
                             % {"when": _when(session)})
            return redirect("session_detail", pk=session.pk)
    return render(request, TEMPLATES + "open_form.html", {"form": form})


# --- Changing ------------------------------------------------------------------------------------

@coordinator_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a session or change its place (one, or the rest of its series); seats of an open
    session."""
    session = session_for(request.user, pk, write=True)
    if session.status not in services.CHANGEABLE:
        messages.error(request, _("A %(status)s session cannot be changed.")
                       % {"status": session.get_status_display().lower()})
        return redirect("session_detail", pk=session.pk)
    form = RescheduleForm(_posted(request), session=session)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Only a new time is checked: changing the place asks nothing about the rosters.
        moving = (data["start"], data["end"]) != (session.start, session.end)
        targets, clashes, blocking = [], [], False
        if moving:
            try:
                targets = (services.series_targets(session, start=data["start"], end=data["end"])
                           if data["scope"] == FOLLOWING else [(session, data["start"], data["end"])])
            except ValidationError as error:  # a later date falls in the hour the clocks skip
                apply_errors(form, error)
                return render(request, TEMPLATES + "edit.html", {"session": session, "form": form})
            clashes, blocking = _roster_check(request, session.group, data, targets)
        clash = clashes[0] if clashes else None
        later = [(start, c) for (_s, start, _e), c in zip(targets[1:], clashes[1:], strict=True)
                 if c.is_clash]
        if blocking:
            return render(request, TEMPLATES + "edit.html", {
                "session": session, "form": form, "clash": clash if clash and clash.is_clash else None,
                "later_clashes": later, "warned_for": _time_key(data),
            })
        try:
            if data["scope"] == FOLLOWING:
                moved = services.series_reschedule(
                    session=session, start=data["start"], end=data["end"], location=data["location"],
                    video_url=data["video_url"], by=request.user,
                )
            else:
                moved = [services.session_reschedule(
                    session=session, start=data["start"], end=data["end"], location=data["location"],
                    video_url=data["video_url"], capacity=data.get("capacity"), by=request.user,
                )]
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, ngettext(
                "The session is changed; everyone taking part is told.",
                "%(n)s sessions are changed; everyone taking part is told.", len(moved),
            ) % {"n": len(moved)})
            _tell_who_cannot_come(request, clash)
            return redirect("session_detail", pk=session.pk)
    return render(request, TEMPLATES + "edit.html", {"session": session, "form": form})


@coordinator_required
@require_http_methods(["GET", "POST"])
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; only the POST cancels."""
    session = session_for(request.user, pk, write=True)
    if session.status not in services.CHANGEABLE:
        messages.error(request, _("A %(status)s session cannot be cancelled.")
                       % {"status": session.get_status_display().lower()})
        return redirect("session_detail", pk=session.pk)
    form = CancelForm(_posted(request), session=session)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = services.session_cancel(
                session=session, by=request.user, note=form.cleaned_data["note"],
                following=form.cleaned_data["scope"] == FOLLOWING,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, ngettext(
                "The session is cancelled; everyone taking part is told.",
                "%(n)s sessions are cancelled; everyone taking part is told.", len(cancelled),
            ) % {"n": len(cancelled)})
            return redirect("session_detail", pk=session.pk)
    following = services.series_following(session) if session.series_id else [session]
    return render(request, TEMPLATES + "cancel.html", {
        "session": session, "form": form, "following": following,
    })


@coordinator_required
@require_POST
def session_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a proposed session (→ scheduled) or record that it was held."""
    session = session_for(request.user, pk, write=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That status change could not be read; nothing changed."))
        return redirect("session_detail", pk=session.pk)
    status = form.cleaned_data["status"]
    if status == Session.Status.HELD and session.start > timezone.now():
        messages.error(request, _("A session can be marked held once it has started."))
        return redirect("session_detail", pk=session.pk)
    try:
        session = services.session_set_status(session=session, status=status, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The session is now %(status)s.")
                         % {"status": session.get_status_display().lower()})
    return redirect("session_detail", pk=session.pk)

