"""Benchmark: the coordinator's dashboard against a trivial page, served by gunicorn on PostgreSQL.

Creates a scratch PostgreSQL database named after the one in DATABASE_URL (``iv_dash`` gives
``iv_dash_bench``, on the same server; default postgres://postgres@127.0.0.1:5432/postgres), so
people who each use their own DATABASE_URL never drop each other's scratch database. Migrates
it and fills it with a programme scaled to 500 residents: 12 specialties in 8 departments, 64
groups of about 8 with 32 intervisors, a year of group sessions every six weeks with everyone's
answer, absence reason and attendance, anonymous evaluations and tagged notes, and one upcoming
session per group. Then it starts gunicorn on a
free loopback port (DEBUG off, a throw-away SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, plain HTTP),
logs a coordinator in through the log-in form, and sends the same number of requests to the
dashboard and to the log-in page (the trivial view), interleaved, from a few threads on
keep-alive connections. It prints both medians (and 90th percentiles) and their ratio
(target: dashboard median at most 5× the trivial one), then stops gunicorn and drops the
database (``--keep`` keeps it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iv_e .venv/bin/python bench/bench_dashboard.py
    .venv/bin/python bench/bench_dashboard.py --requests 200 --threads 2

gunicorn is the one installed beside the Python that runs this script; collected static files
go to /tmp/var-<scratch database> unless BENCH_VAR_DIR says otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from web import ServedSite, load, log_in, ms  # noqa: E402  (bench/web.py, beside this script)

PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throw-away account in a scratch database
COORDINATOR = "coordinator@bench.example"
RESIDENTS = 500
GROUP_SIZE = 8
WEEKS = 52
CADENCE = 6

SPECIALTIES = [  # name, department
    ("Internal Medicine", "Internal Medicine"), ("Surgery", "Surgery"),
    ("Paediatrics", "Children's Hospital"),
    ("Psychiatry", "Psychiatry"), ("Anaesthesiology", "ICU"), ("Cardiology", "Heart Centre"),
    ("Neurology", "Neurosciences"), ("Obstetrics", "Women's Health"), ("Emergency Medicine", "Emergency"),
    ("Radiology", "Imaging"), ("Pulmonology", "Internal Medicine"), ("Orthopaedics", "Surgery"),
]
THEMES = ["Workload", "Difficult conversations", "Errors", "Career doubts", "Team conflict", "Grief"]


def _fill(seed: int) -> dict:
    """A programme of 500 residents with a year of sessions, by bulk inserts."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from residents.models import Department, Intervisor, Resident, Specialty, User
    from sessions_app.crypto import encrypt
    from sessions_app.models import (
        Evaluation,
        IntervisionGroup,
        Membership,
        NoteTheme,
        Participation,
        Session,
        SessionNote,
    )

    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    departments = {name: Department.objects.get_or_create(name=name)[0] for _, name in SPECIALTIES}
    specialties = [(Specialty.objects.get_or_create(name=s)[0], departments[d]) for s, d in SPECIALTIES]
    User.objects.create(email=COORDINATOR, first_name="Cora", last_name="Bench", role=User.Role.COORDINATOR,
                        password=make_password(PASSWORD))
    users = User.objects.bulk_create([
        User(email=f"r{i}@bench.example", first_name="Resident", last_name=f"{i:03}", password="!")
        for i in range(RESIDENTS)
    ])
    residents = Resident.objects.bulk_create([
        Resident(user=u, specialty=spec, department=dept, training_year=rng.randint(1, 6),
                 start_date=dt.date(2020 + rng.randint(0, 5), 9, 1))
        for u, (spec, dept) in zip(users, (rng.choice(specialties) for _ in users), strict=False)
    ])
    n_groups = RESIDENTS // GROUP_SIZE
    leader_users = User.objects.bulk_create([
        User(email=f"i{i}@bench.example", first_name="Intervisor", last_name=str(i),
             role=User.Role.INTERVISOR, password="!") for i in range(n_groups // 2)
    ])
    leaders = Intervisor.objects.bulk_create([Intervisor(user=u, capacity=2) for u in leader_users])
    groups = IntervisionGroup.objects.bulk_create([
        IntervisionGroup(name=f"Group {g:02d}", intervisor=leaders[g // 2], cadence_weeks=CADENCE)
        for g in range(n_groups)
    ])
    IntervisionGroup.objects.update(created_at=now - dt.timedelta(weeks=WEEKS + 4))
    rng.shuffle(residents)
    members = {g.pk: residents[i::n_groups] for i, g in enumerate(groups)}
    Membership.objects.bulk_create([
        Membership(group_id=gid, resident=r, start_date=(now - dt.timedelta(weeks=WEEKS + 2)).date())
        for gid, rs in members.items() for r in rs
    ])
    sessions = []
    for i, group in enumerate(groups):
        first = now - dt.timedelta(weeks=WEEKS) + dt.timedelta(days=i % 35)
        day = first
        while day < now:
            cancelled = rng.random() < 0.08
            stand_in = rng.random() < 0.1
            sessions.append(Session(
                group=group, intervisor=leaders[(i // 2 + 1) % len(leaders)] if stand_in else leaders[i // 2],
                start=day, end=day + dt.timedelta(minutes=90),
                status=Session.Status.CANCELLED if cancelled else Session.Status.HELD,
            ))
            day += dt.timedelta(weeks=CADENCE)
        upcoming = now + dt.timedelta(days=3 + i % 20)
        sessions.append(Session(group=group, intervisor=leaders[i // 2], start=upcoming,
                                end=upcoming + dt.timedelta(minutes=90)))
    sessions = Session.objects.bulk_create(sessions)
    participations, evaluations = [], []
    reasons = ["clinical_duty"] * 5 + ["leave", "illness", "personal", "other", ""]
    for s in sessions:
        for r in members[s.group_id]:
            if s.status == Session.Status.SCHEDULED:
                answer = rng.choice(["yes", "yes", "no", "", "maybe"])
                participations.append(Participation(
                    session=s, resident=r, rsvp=answer,
                    absence_reason=rng.choice(reasons) if answer == "no" else ""))
            elif s.status == Session.Status.HELD:
                away = rng.random() < 0.25
                participations.append(Participation(
                    session=s, resident=r, rsvp="no" if away else "yes",
                    absence_reason=rng.choice(reasons) if away else "",
                    attendance="absent" if away else "present", left_early=not away and rng.random() < 0.05))
        if s.status == Session.Status.HELD:
            evaluations += [
                Evaluation(session=s, safety=rng.randint(2, 5), depth=rng.randint(2, 5),
                           guidance=rng.randint(2, 5), value=rng.randint(2, 5), exhaustion=rng.randint(1, 5),
                           submitted_on=s.start.date())
                for _ in range(rng.randint(2, 6))
            ]
    Participation.objects.bulk_create(participations, batch_size=5_000)
    Evaluation.objects.bulk_create(evaluations, batch_size=5_000)
    themes = [NoteTheme.objects.get_or_create(name=t)[0] for t in THEMES]
    held = [s for s in sessions if s.status == Session.Status.HELD]
    notes = SessionNote.objects.bulk_create([
        SessionNote(session=s, author=s.intervisor.user, body_encrypted=encrypt("bench note")) for s in held
    ])
    through = SessionNote.themes.through
    through.objects.bulk_create([
        through(sessionnote=n, notetheme=t) for n in notes for t in rng.sample(themes, rng.randint(0, 2))
    ])
    return {"groups": n_groups, "sessions": len(sessions), "participations": len(participations),
            "evaluations": len(evaluations), "notes": len(notes)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="per page (bounded)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    args.requests = max(args.threads, min(args.requests, 2_000))

    def fill() -> dict:
        begin = time.perf_counter()
        counts = _fill(args.seed)
        print(f"data: {RESIDENTS} residents, {counts['groups']} groups, {counts['sessions']} sessions over "
              f"{WEEKS} weeks, {counts['participations']:,} participations, {counts['evaluations']:,} "
              f"evaluations, {counts['notes']:,} notes (inserted in {time.perf_counter() - begin:.1f} s)")
        return counts

    with ServedSite("_bench", fill, workers=args.workers, keep=args.keep) as site:
        cookie = log_in(site.port, COORDINATOR, PASSWORD)
        pages = [("dashboard", "/dashboard/", {"Cookie": cookie}, 200),
                 ("trivial (log-in page)", "/accounts/login/", {"Cookie": cookie}, 200)]
        load(site.port, pages, 4 * args.threads, args.threads)  # warm up every worker
        times = load(site.port, pages, args.requests, args.threads)
        print(f"gunicorn: {args.workers} workers on 127.0.0.1:{site.port}, DEBUG off; "
              f"load: {args.threads} threads, {len(times['dashboard'])} requests per page, interleaved")
        for name in times:
            print(f"{name:<22} median {ms(times[name], 50):7.1f} ms   p90 {ms(times[name], 90):7.1f} ms")
        ratio = ms(times["dashboard"], 50) / ms(times["trivial (log-in page)"], 50)
        print(f"ratio of medians dashboard / trivial: {ratio:.2f}x (target <= 5x) "
              f"{'ok' if ratio <= 5 else 'ABOVE TARGET'}")
        return 0 if ratio <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
