"""Tasks of plan the year: planning a confirmed plan in a worker, failing plans whose worker died."""

from celery import shared_task

from ..services import year_plan as services

_LIMIT = int(services.YEAR_PLAN_TIME_LIMIT.total_seconds())


# No retries: a plan that fails is reported on its page (nothing was planned) and the
# coordinator looks at the plan again. A second delivery finds the run claimed.
@shared_task(acks_late=True, time_limit=_LIMIT, soft_time_limit=_LIMIT - 60)
def year_plan_run(run_id: int) -> str:
    """Plan a confirmed plan of the year (``services.year_plan_run_apply``)."""
    try:
        return services.year_plan_run_apply(run_id=run_id)
    except Exception:
        services.year_plan_run_fail(
            run_id=run_id, reasons=["The plan stopped with an unexpected error; nothing was planned."])
        raise


@shared_task
def sweep_stuck_year_plans() -> int:
    """Periodic: fail plans whose worker died (``services.year_plan_runs_sweep``)."""
    return services.year_plan_runs_sweep()
