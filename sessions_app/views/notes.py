"""Pages for confidential session notes: the intervisor's list, a session's notes with the
form for one's own note, and deleting it.

Every page passes the gate in ``services.notes`` first: ``access.note_session_for``, with each
refusal recorded. Anyone who is not one of the session's intervisors gets 404 (the same answer
as for an id that does not exist). The note text is posted as ``body``, which error reports leave out
(``sensitive_post_parameters``), and the pages are never cached.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from residents.access import role_required
from residents.forms.people import apply_errors
from residents.models import User

from ..access import own_note
from ..forms.notes import NoteForm
from ..models import Session
from ..selectors.notes import sessions_with_notes_for
from ..services import notes as services

TEMPLATES = "sessions_app/notes/"


def _note_session_or_404(request: HttpRequest, pk: int) -> Session:
    try:
        return services.note_session_for(user=request.user, session_pk=pk, path=request.path)
    except services.NoteAccessRefused:
        raise Http404 from None


@never_cache
@role_required(User.Role.INTERVISOR)
def note_list(request: HttpRequest) -> HttpResponse:
    """The sessions the intervisor keeps notes for; no note text, so nothing to audit."""
    return render(request, TEMPLATES + "note_list.html", {"sessions": sessions_with_notes_for(request.user)})


@sensitive_post_parameters("body")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def session_notes(request: HttpRequest, pk: int) -> HttpResponse:
    session = _note_session_or_404(request, pk)
    own = own_note(request.user, session)
    current_themes = list(own.themes.all()) if own else []
    status = 200
    if request.method == "POST":
        form = NoteForm(request.POST, current_themes=current_themes)
        if form.is_valid():
            try:
                services.note_save(user=request.user, session=session, path=request.path,
                                   body=form.cleaned_data["body"], themes=form.cleaned_data["themes"])
            except ValidationError as error:
                apply_errors(form, error)
                status = 409
            else:
                messages.success(request, _("Your note is saved."))
                return redirect("session_notes", pk=session.pk)
        else:
            status = 400
    # Decrypted (and audited) only when shown: a successful save redirects without reading.
    notes = services.notes_read(user=request.user, session=session, path=request.path)
    mine = next((n for n in notes if n.is_mine), None)
    if request.method != "POST":
        form = NoteForm(initial={"body": mine.body if mine else "", "themes": [t.pk for t in current_themes]},
                        current_themes=current_themes)
    return render(request, TEMPLATES + "session_notes.html", {
        "session": session, "notes": [n for n in notes if not n.is_mine], "mine": mine,
        "form": form, "writable": services.may_write_now(session),
    }, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def session_note_delete(request: HttpRequest, pk: int) -> HttpResponse:
    session = _note_session_or_404(request, pk)
    if request.method == "POST":
        try:
            services.note_delete(user=request.user, session=session, path=request.path)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Your note is deleted."))
        return redirect("session_notes", pk=session.pk)
    if own_note(request.user, session) is None:
        messages.info(request, _("You have no note on this session."))
        return redirect("session_notes", pk=session.pk)
    return render(request, TEMPLATES + "note_delete.html", {"session": session})
