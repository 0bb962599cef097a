"""Accounts: "forgot your password" (Django's own views do the rest of the reset)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..forms.people import PasswordResetForm
from ..middleware import client_ip
from ..services.password_reset import password_reset_request


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Every valid address gets the same answer, at once: a worker finds out whether it
    belongs to an account and sends the link."""
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_reset_request(email=form.cleaned_data["email"], client_address=client_ip(request))
        return redirect("password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form})
