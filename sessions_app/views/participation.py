"""Pages for answering (signed in, and from an e-mail link), booking open sessions, the
coordinator's view of the answers, recording attendance and the attendance statement."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from residents.access import role_required
from residents.forms.people import apply_errors
from residents.models import User

from ..access import booking_for, may_record_attendance, own_participation, session_for
from ..answer_links import AnswerLinkError, answer_link_verify
from ..forms.participation import AnswerLinkForm, AttendanceForm, RsvpForm, StatementPeriodForm
from ..models import Booking, Participation, Rsvp, Session
from ..selectors import availability as suggestions
from ..selectors import participation as selectors
from ..services import participation as services
from ..statement import statement_pdf

resident_required = role_required(User.Role.RESIDENT)
TEMPLATES = "sessions_app/participation/"


def _posted(request: HttpRequest):
    """The submitted data, bound even when empty (an empty POST must show what is missing)."""
    return request.POST if request.method == "POST" else None


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _first_message(error: ValidationError) -> str:
    return error.messages[0] if error.messages else _("That did not work.")


# --- one-click answer links (no log-in: the signature is the credential) ------------------------

@require_http_methods(["GET", "POST"])
def answer_link(request: HttpRequest, session_pk: int, token: str) -> HttpResponse:
    """GET shows what the link would answer and asks to confirm; only the POST records it, so
    a mail scanner that opens the link changes nothing."""
    try:
        link = answer_link_verify(session_pk=session_pk, token=token)
    except AnswerLinkError as error:
        if error.session is not None:  # genuine, but the session has started or is over
            return _answer_link_closed(request, error.session)
        return render(request, TEMPLATES + "answer_link_refused.html",
                      {"expired": error.status == 410}, status=error.status)
    participation, session = link.participation, link.participation.session
    if session.status == Session.Status.CANCELLED:
        # Nothing to answer: say so rather than ask "why can you not come?"
        return _answer_link_closed(request, session)
    form = AnswerLinkForm(_posted(request), answer=link.answer)
    recorded = False
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                participation = services.participation_answer(
                    session=session, resident=participation.resident, answer=link.answer,
                    reason=form.cleaned_data.get("reason", ""),
                )
            except ValidationError as error:
                apply_errors(form, error)
                status = 409
            else:
                recorded = True
        else:
            status = 400
    response = render(request, TEMPLATES + "answer_link.html", {
        "form": form, "participation": participation, "session": session, "answer": link.answer,
        "answer_label": Rsvp(link.answer).label, "recorded": recorded,
    }, status=status)
    # The address is the credential: keep it out of shared caches and of Referer headers sent
    # to other sites. ("no-referrer" would make the browser send "Origin: null" with the
    # confirming POST, which the CSRF check rightly refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _answer_link_closed(request: HttpRequest, session: Session) -> HttpResponse:
    """The page of a genuine link whose session was cancelled, has started or is over: it says
    which, and offers nothing to confirm (410, for the GET as for the POST)."""
    now = timezone.now()
    if session.status == Session.Status.CANCELLED:
        state = "cancelled"
    elif session.status == Session.Status.HELD or session.end <= now:
        state = "over"
    else:
        state = "started"
    response = render(request, TEMPLATES + "answer_link_closed.html",
                      {"session": session, "state": state}, status=410)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


# --- RSVPs (signed in) --------------------------------------------------------------------------

@resident_required
@require_http_methods(["GET", "POST"])
def session_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    # Only group sessions are answered; an open session is booked instead (404 here).
    session = session_for(request.user, pk, kind=Session.Kind.GROUP)
    resident = request.user.resident
    participation = (own_participation(request.user, session)
                     or Participation(session=session, resident=resident))
    # How the session fits the resident's own roster: shown, and the reason a "no" would
    # most likely give, pre-selected until they have given one.
    (fit,) = suggestions.own_fit(resident.pk, [(session.start, session.end)])
    form = RsvpForm(_posted(request), initial={
        "answer": participation.rsvp or None,
        "reason": participation.absence_reason or suggestions.absence_reason_for(fit) or None,
    })
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                participation = services.participation_answer(
                    session=session, resident=resident, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
                status = 409
            else:
                text = _("Your answer is recorded: %(answer)s.") % {
                    "answer": Rsvp(participation.rsvp).label.lower()}
                if _is_htmx(request):
                    return render(request, TEMPLATES + "_rsvp_block.html", {
                        "session": session, "participation": participation,
                        "form": RsvpForm(initial={"answer": participation.rsvp,
                                                  "reason": participation.absence_reason or None}),
                        "saved": text, "fit": fit,
                    })
                messages.success(request, text)
                # The home page's one-tap answers come back to the home page.
                # A path on this site only (never a view name: redirect() would look one up).
                back = request.POST.get("next", "")
                if back.startswith("/") and url_has_allowed_host_and_scheme(
                        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
                    return HttpResponseRedirect(back)
                return redirect("session_rsvp", pk=session.pk)
        else:
            status = 400
    context = {"session": session, "participation": participation, "form": form, "fit": fit}
    template = "_rsvp_block.html" if _is_htmx(request) else "rsvp.html"
    return render(request, TEMPLATES + template, context, status=status)


@resident_required
def my_sessions(request: HttpRequest) -> HttpResponse:
    """The resident's group sessions still to come, each with its answer."""
    rows = selectors.upcoming_answers_for(request.user.resident, timezone.now())
    return render(request, TEMPLATES + "my_sessions.html", {"rows": rows})


# --- the coordinator's view of the answers ------------------------------------------------------

@role_required(User.Role.COORDINATOR, User.Role.INTERVISOR)
def session_answers(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for(request.user, pk)
    answers = selectors.session_answers(session)
    # Coordinators, who plan around rosters, see where a roster contradicts an answer (a "yes"
    # on a night shift); intervisors see the answers only.
    show_roster = request.user.is_coordinator
    if show_roster:
        people = [*answers.yes, *answers.maybe, *answers.no, *answers.unanswered]
        fits = suggestions.roster_fits([p.resident_id for p in people], [(session.start, session.end)])
        for p in people:
            p.fit = fits[p.resident_id][0]
    return render(request, TEMPLATES + "answers.html", {"answers": answers, "show_roster": show_roster})


# --- booking open sessions ----------------------------------------------------------------------

@resident_required
def open_sessions(request: HttpRequest) -> HttpResponse:
    sessions = selectors.open_sessions_for(request.user.resident, timezone.now())
    return render(request, TEMPLATES + "open_sessions.html", {"sessions": sessions})


def _booking_row(request: HttpRequest, session: Session, *, message: str, level: str,
                 status: int = 200) -> HttpResponse:
    row = selectors.open_session_for(request.user.resident, session.pk, timezone.now())
    return render(request, TEMPLATES + "_open_session_row.html",
                  {"s": row or session, "gone": row is None, "message": message, "level": level},
                  status=status)


def _booking_message(p: Participation) -> tuple[str, str]:
    if p.booking == Booking.BOOKED:
        return _("You have a seat in %(session)s.") % {"session": p.session}, "success"
    return (_("Full — you are on the waitlist at position %(position)s.")
            % {"position": p.waitlist_position}, "warning")


@resident_required
@require_POST
def session_book(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for(request.user, pk, kind=Session.Kind.OPEN)
    try:
        participation = services.participation_book(session=session, resident=request.user.resident)
    except ValidationError as error:
        if _is_htmx(request):
            return _booking_row(request, session, message=_first_message(error), level="danger", status=409)
        messages.error(request, _first_message(error))
        return redirect("open_sessions")
    text, level = _booking_message(participation)
    if _is_htmx(request):
        # A partial update that did not get a seat answers 409: the row says where they stand.
        status = 409 if participation.booking == Booking.WAITLISTED else 200
        return _booking_row(request, session, message=text, level=level, status=status)
    getattr(messages, level)(request, text)
    return redirect("open_sessions")


@resident_required
@require_http_methods(["GET", "POST"])
def session_book_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for(request.user, pk, kind=Session.Kind.OPEN)
    mine = booking_for(request.user, session)
    if request.method == "POST":
        try:
            services.participation_cancel_booking(session=session, resident=request.user.resident)
        except ValidationError as error:
            messages.error(request, _first_message(error))
        else:
            messages.success(request, _("Your booking for %(session)s is cancelled.") % {"session": session})
        return redirect("open_sessions")
    return render(request, TEMPLATES + "book_cancel.html", {"session": session, "mine": mine})


# --- attendance ---------------------------------------------------------------------------------

@role_required(User.Role.COORDINATOR, User.Role.INTERVISOR)
@require_http_methods(["GET", "POST"])
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The session's intervisors record attendance; coordinators see it."""
    session = session_for(request.user, pk)
    rows = selectors.attendance_rows(session)
    may_record = may_record_attendance(request.user, session)
    if request.method == "POST" and not may_record:
        raise PermissionDenied
    now = timezone.now()
    can_record_now = may_record and session.start <= now and session.status in (
        Session.Status.SCHEDULED, Session.Status.HELD)
    form = AttendanceForm(_posted(request), participations=rows, initial_for=services.attendance_prefill)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            entries = [services.AttendanceEntry(pk, attendance, early)
                       for pk, attendance, early in form.entries()]
            try:
                services.attendance_record(session=session, entries=entries, by=request.user)
            except ValidationError as error:
                apply_errors(form, error)
                status = 409
            else:
                messages.success(request, _("Attendance for %(session)s is saved.") % {"session": session})
                return redirect("session_attendance", pk=session.pk)
        else:
            status = 400
    return render(request, TEMPLATES + "attendance.html", {
        "session": session, "form": form, "rows": rows, "may_record": may_record,
        "can_record_now": can_record_now,
    }, status=status)


# --- attendance statement -----------------------------------------------------------------------

def _statement(request: HttpRequest):
    data = request.GET if ("year" in request.GET or "start" in request.GET) else {
        "year": StatementPeriodForm().fields["year"].choices[1][0]}
    form = StatementPeriodForm(data)
    statement = None
    if form.is_valid():
        statement = selectors.attendance_statement(
            request.user.resident, form.cleaned_data["start"], form.cleaned_data["end"]
        )
    return form, statement


@resident_required
def attendance_statement(request: HttpRequest) -> HttpResponse:
    form, statement = _statement(request)
    return render(request, TEMPLATES + "statement.html", {
        "form": form, "statement": statement, "query": request.GET.urlencode() if form.is_valid() else "",
    }, status=200 if statement else 400)


@resident_required
def attendance_statement_pdf(request: HttpRequest) -> HttpResponse:
    form, statement = _statement(request)
    if statement is None:
        return render(request, TEMPLATES + "statement.html", {"form": form, "statement": None}, status=400)
    response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
    name = f"attendance-{statement.start:%Y%m%d}-{statement.end:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
