"""Composing groups: the rules, the progress of a run, the proposal, moves and acceptance."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from residents.access import coordinator_required
from residents.forms.people import apply_errors

from ..access import composition_run_for
from ..forms.composition import CompositionAcceptForm, CompositionMoveForm, CompositionStartForm
from ..models import CompositionRun
from ..selectors import composition as selectors
from ..services import composition as services

WORKING = (CompositionRun.Status.QUEUED, CompositionRun.Status.RUNNING)


@coordinator_required
@require_http_methods(["GET", "POST"])
def composition_start(request: HttpRequest) -> HttpResponse:
    form = CompositionStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.composition_start(
                by=request.user, cohort=data["cohort"], on=data["on"], start_year=data["start_year"],
                min_size=data["min_size"], max_size=data["max_size"],
                max_per_specialty=data["max_per_specialty"], spread_years=data["spread_years"],
                keep_together=data["keep_together"], keep_apart=data["keep_apart"],
                intervisors=data["intervisors"], keep_previous=data["keep_previous"],
                time_limit=data["time_limit"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("composition_detail", pk=run.pk)
    runs = CompositionRun.objects.visible_to(request.user).select_related("created_by")[:10]
    return render(request, "sessions_app/composition/start.html", {
        "form": form, "runs": runs,
        "together_rows": form.pair_rows("together"), "apart_rows": form.pair_rows("apart"),
    })


def _proposal(run: CompositionRun) -> dict:
    """The proposal as the page shows it: groups with their people, and what the rules say."""
    snapshot = selectors.build_problem(run.params)
    # An accepted proposal is history: its groups now use the capacity it was checked against.
    violations = selectors.proposal_check(run, snapshot) if run.status == CompositionRun.Status.DONE else []
    flagged_groups = {v.group for v in violations if v.group}
    flagged_residents = {rid for v in violations for rid in v.resident_ids}
    groups = []
    for number, proposed in enumerate(run.result.get("groups", []), start=1):
        members = sorted(
            (snapshot.residents[rid] for rid in proposed["resident_ids"] if rid in snapshot.residents),
            key=lambda r: (r.user.last_name, r.user.first_name),
        )
        groups.append({
            "number": number,
            "intervisor": snapshot.intervisors.get(proposed["intervisor_id"]),
            "members": [
                {"resident": r, "flagged": r.pk in flagged_residents,
                 "form": CompositionMoveForm(group_count=len(run.result["groups"]),
                                             initial={"resident": r.pk, "to_group": number},
                                             auto_id=f"id_move_{r.pk}_%s")}
                for r in members
            ],
            "flagged": number in flagged_groups,
        })
    return {"groups": groups, "violations": violations}


@coordinator_required
@require_http_methods(["GET"])
def composition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = composition_run_for(request.user, pk)
    context = {
        "run": run, "Status": CompositionRun.Status, "working": run.status in WORKING,
        "percent": round(run.progress * 100), "movable": run.status == CompositionRun.Status.DONE,
    }
    if request.headers.get("HX-Request") and run.status in WORKING:
        return render(request, "sessions_app/composition/_progress.html", context)
    if run.status in (CompositionRun.Status.DONE, CompositionRun.Status.ACCEPTED):
        context.update(_proposal(run))
    if request.headers.get("HX-Request"):
        # The run finished while the page polled: swap the whole result in.
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    return render(request, "sessions_app/composition/detail.html", context)


@coordinator_required
@require_POST
def composition_move(request: HttpRequest, pk: int) -> HttpResponse:
    run = composition_run_for(request.user, pk, write=True)
    form = CompositionMoveForm(request.POST, group_count=len(run.result.get("groups", [])))
    if not form.is_valid():
        messages.error(request, _("Choose a group to move the resident to."))
        return redirect("composition_detail", pk=pk)
    try:
        violations = services.composition_move(
            run=run, resident_id=form.cleaned_data["resident"], to_group=form.cleaned_data["to_group"]
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        if violations:
            messages.warning(request, _("Moved. The proposal now breaks %(n)d rule(s); fix them before "
                                        "accepting.") % {"n": len(violations)})
        else:
            messages.success(request, _("Moved. The proposal meets every rule."))
    return redirect(reverse("composition_detail", kwargs={"pk": pk}) + "#proposal")


@coordinator_required
@require_http_methods(["GET", "POST"])
def composition_accept(request: HttpRequest, pk: int) -> HttpResponse:
    run = composition_run_for(request.user, pk, write=True)
    if run.status != CompositionRun.Status.DONE:
        messages.info(request, _("This proposal cannot be accepted: %(status)s.")
                      % {"status": run.get_status_display()})
        return redirect("composition_detail", pk=pk)
    form = CompositionAcceptForm(request.POST or None, initial={"start_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            groups = services.composition_accept(
                run=run, start_date=form.cleaned_data["start_date"], by=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(n)d groups were created.") % {"n": len(groups)})
            return redirect("group_list")
    context = {"run": run, "form": form, **_proposal(run)}
    return render(request, "sessions_app/composition/accept.html", context)
