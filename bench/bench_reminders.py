"""Benchmark: 10,000 due reminders dispatched through a real Celery worker, against 10,000
no-op tasks on the same worker in the same run, and the SQL queries each message costs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/intervision \\
    REDIS_URL=redis://127.0.0.1:6379/0 \\
    .venv/bin/python bench/bench_reminders.py [--groups 125] [--sessions 1250] [--concurrency 2]

It needs PostgreSQL and Redis. It never touches the database DATABASE_URL names: it drops and
creates its own, ``<that name>_bench_reminders`` on the same server, migrates it, and fills it
with the demo programme's people and groups (``demo.people``, ``demo.groups``), scaled up: 1,100
residents, ``--groups`` full groups of 8 placed under the group rules. The groups meet
``--sessions`` times in all in the next 23 hours, each session with a 24-hour reminder due for
every member (half of them have said yes). Then it starts
``celery -A intervision worker`` as a subprocess with the same environment (prefork,
``--concurrency`` processes, e-mail to Django's in-memory backend, each database connection
reused for ``--db-reuse-max`` tasks), and

1. pushes 10,000 no-op tasks (``residents.tasks.health.heartbeat``) through it and times the drain;
2. runs the dispatcher once (it hands out every due row, one ``send_notification`` task each)
   and times until every row is sent;
3. counts, in this process, the SQL queries of sending one more batch of messages.

It prints the times, the ratio dispatch / no-op, messages per second and queries per message.
The purpose: show the cost of a message is its own work (rendering, signing links, four
queries), not the machinery around it. Takes about a minute and a half on two idle cores.

``--db-reuse-max 0`` shows Celery's default: a new PostgreSQL connection for every task, which
costs more than the message itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERY_SAMPLE = 200


def bench_database_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("DATABASE_URL must name a PostgreSQL server (postgres://…)")
    name = parts.path.lstrip("/") or "intervision"
    bench_name = f"{name}_bench_reminders"
    return bench_name, urlunsplit(parts._replace(path=f"/{bench_name}"))


def recreate_database(url: str, name: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    server = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password,
        dbname="postgres",
    )
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    server.close()


def fill(*, groups: int, residents: int, sessions: int, now: dt.datetime) -> int:
    """The demo's people and groups, then ``sessions`` sessions in the next 23 hours, taken by
    the groups in turn, and one due 24-hour reminder per participation, written in bulk.
    Returns the number of reminders."""
    from django.utils import timezone

    from demo.build import seeded
    from demo.groups import MAX_SIZE, groups_build
    from demo.people import people_build
    from sessions_app.models import (
        Membership,
        Notification,
        NotificationKind,
        Participation,
        Session,
    )
    from sessions_app.services.notifications import session_scope

    today = timezone.localdate(now)
    people = people_build(rng=seeded("people"), today=today, residents=residents,
                          intervisors=(groups + 1) // 2)
    made = groups_build(rng=seeded("groups"), intervisors=people.intervisors,
                        residents=people.residents, since=today - dt.timedelta(weeks=8),
                        count=groups, placed=MAX_SIZE * groups)
    members: dict[int, list[int]] = {g.pk: [] for g in made}
    for group_id, resident_id in Membership.objects.values_list("group_id", "resident_id"):
        members[group_id].append(resident_id)
    planned = Session.objects.bulk_create(
        Session(kind=Session.Kind.GROUP, group=made[n % groups], intervisor=made[n % groups].intervisor,
                start=now + dt.timedelta(hours=1, minutes=n * 5 % 1320),
                end=now + dt.timedelta(hours=2, minutes=30 + n * 5 % 1320),
                location=made[n % groups].location, status=Session.Status.SCHEDULED)
        for n in range(sessions)
    )
    participations = Participation.objects.bulk_create(
        Participation(session=s, resident_id=r, rsvp="yes" if i % 2 else "")
        for s in planned for i, r in enumerate(members[s.group_id])
    )
    by_pk = {s.pk: s for s in planned}
    user_of = {r.pk: r.user_id for r in people.residents}
    Notification.objects.bulk_create(
        (Notification(kind=NotificationKind.REMINDER_24H, recipient_id=user_of[p.resident_id],
                      session_id=p.session_id, scope=session_scope(by_pk[p.session_id]),
                      due_at=now - dt.timedelta(minutes=1))
         for p in participations),
        batch_size=2000,
    )
    return len(participations)


def start_worker(env: dict, concurrency: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "intervision", "worker", "--pool=prefork",
         f"--concurrency={concurrency}", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
         "--hostname=bench-reminders@%h"],
        cwd=ROOT, env=env,
    )


def wait_for_worker(app, deadline: float) -> None:
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
    sys.exit("the worker did not answer within the time allowed")


def drain(queue_length, *, deadline: float) -> float:
    """Seconds until the broker's queue is empty (the worker fetches one task ahead per
    process, so at most ``concurrency`` tiny tasks are still running at that moment)."""
    started = time.perf_counter()
    while queue_length() > 0:
        if time.monotonic() > deadline:
            sys.exit("the no-op tasks did not drain in time")
        time.sleep(0.01)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=125)
    parser.add_argument("--sessions", type=int, default=1250, help="a multiple of --groups")
    parser.add_argument("--residents", type=int, default=1100,
                        help="in all; the groups take 8 each, the rest wait for a group")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--db-reuse-max", type=int, default=100,
                        help="CELERY_DB_REUSE_MAX for the worker; 0: a new connection per task")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed for each phase")
    args = parser.parse_args()
    if args.sessions % args.groups:
        parser.error("--sessions must be a multiple of --groups")

    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not redis_url.startswith("redis://"):
        sys.exit("REDIS_URL must name a Redis server (redis://…)")
    bench_name, bench_url = bench_database_url(database_url)
    env = dict(os.environ)
    env.update(
        # DEBUG=1 spares the bench the production secrets; logs quiet, as a busy worker's are.
        DATABASE_URL=bench_url, DEBUG="1", LOG_LEVEL="WARNING", DJANGO_SETTINGS_MODULE="intervision.settings",
        CELERY_DB_REUSE_MAX=str(args.db_reuse_max),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        VAR_DIR=env.get("VAR_DIR") or tempfile.mkdtemp(prefix="bench-reminders-"),
    )
    os.environ.update(env)

    print(f"database {bench_name} (created afresh), broker {redis_url}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; worker: {args.concurrency} "
          f"processes, database connection reused for {args.db_reuse_max or 1} tasks")
    recreate_database(database_url, bench_name)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from intervision.celery import app
    from sessions_app.models import Notification
    from sessions_app.services.notifications import notification_send
    from sessions_app.tasks.notifications import dispatch_notifications

    call_command("migrate", verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    count = fill(groups=args.groups, residents=args.residents, sessions=args.sessions, now=now)
    print(f"filled: {count:,} due reminders for {args.sessions} sessions in "
          f"{time.perf_counter() - started:.1f} s")

    # Set aside a sample for counting queries in this process, after the worker has run.
    sample = list(Notification.objects.order_by("-pk").values_list("pk", flat=True)[:QUERY_SAMPLE])
    Notification.objects.filter(pk__in=sample).update(due_at=now + dt.timedelta(days=1))
    dispatched = count - len(sample)

    app.loader.import_default_modules()
    channel = app.connection_for_write().default_channel
    queue = app.conf.task_default_queue

    def queue_length() -> int:
        return channel.client.llen(queue)

    app.control.purge()
    worker = start_worker(env, args.concurrency)
    try:
        wait_for_worker(app, time.monotonic() + 60)
        heartbeat = app.tasks["residents.tasks.health.heartbeat"]
        for _ in range(200):  # warm up: every worker process imports and connects
            heartbeat.delay()
        drain(queue_length, deadline=time.monotonic() + 60)
        time.sleep(0.5)

        noops = dispatched
        t0 = time.perf_counter()
        for _ in range(noops):
            heartbeat.delay()
        noop_seconds = (time.perf_counter() - t0) + drain(
            queue_length, deadline=time.monotonic() + args.timeout)
        print(f"no-op:    {noops:,} tasks in {noop_seconds:.2f} s ({noops / noop_seconds:,.0f} tasks/s)")

        t0 = time.perf_counter()
        handed = dispatch_notifications(limit=dispatched)
        handed_at = time.perf_counter() - t0
        deadline = time.monotonic() + args.timeout
        open_rows = Notification.objects.filter(status__in=["pending", "sending"]).exclude(pk__in=sample)
        while open_rows.exists():
            if time.monotonic() > deadline:
                sys.exit(f"dispatch did not finish in time: {open_rows.count():,} rows left")
            time.sleep(0.05)
        dispatch_seconds = time.perf_counter() - t0
        outcome = dict(
            Notification.objects.exclude(pk__in=sample).values_list("status").annotate(n=django.db.models.Count("pk"))
        )
        print(f"dispatch: {handed:,} reminders handed out in {handed_at:.2f} s, all done in "
              f"{dispatch_seconds:.2f} s ({handed / dispatch_seconds:,.0f} messages/s); outcome {outcome}")
        print(f"ratio dispatch / no-op: {dispatch_seconds / noop_seconds:.1f} "
              f"(load average now {os.getloadavg()[0]:.1f})")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()

    # Queries per message, counted here on the sample set aside (same code as the worker runs).
    # The log of queries (DEBUG) is full from building the groups, and a full log no longer
    # grows, so it is emptied first.
    reset_queries()
    Notification.objects.filter(pk__in=sample).update(due_at=now - dt.timedelta(minutes=1))
    with CaptureQueriesContext(connection) as queries:
        results = [notification_send(notification_id=pk) for pk in sample]
    assert results.count("sent") == len(sample), set(results)
    print(f"queries per message: {len(queries) / len(sample):.2f} "
          f"({len(queries)} for {len(sample)} messages)")
    for query in queries.captured_queries[len(queries) - len(queries) // len(sample):][:8]:
        print("   ", query["sql"][:100])


if __name__ == "__main__":
    main()
