"""Benchmark: a coordinator's calendar feed (a year of sessions), its 304, and the log-in page,
served by gunicorn on PostgreSQL.

Creates a scratch PostgreSQL database named after the one in DATABASE_URL (``iv_cal`` gives
``iv_cal_feedbench``, on the same server; default postgres://postgres@127.0.0.1:5432/postgres),
migrates it and fills it with a programme of 60 groups of 8 residents meeting every four weeks
for a year around today (half of it past, as the feed keeps six months back), with everyone's
participation, a few cancelled sessions and a dozen open sessions with bookings: over 600
events in the coordinator's feed. Then it starts gunicorn on a free loopback port (DEBUG off,
plain HTTP) and asks, interleaved on one keep-alive connection per thread:

- the feed, in full (200 with the whole calendar);
- the feed again with the ETag of the first answer (If-None-Match: the 304 a calendar app
  gets when nothing changed);
- the log-in page, the trivial view beside them.

It prints the three medians and 90th percentiles and checks the targets: the full feed at
most 50 ms median, the 304 at most 5 ms. It stops gunicorn and drops the database (``--keep``
keeps it). No log-in is needed: the feed's secret address is the credential.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iv_cal .venv/bin/python bench/bench_feed.py
    .venv/bin/python bench/bench_feed.py --requests 300 --threads 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from web import ServedSite, load, ms  # noqa: E402  (bench/web.py, beside this script)

GROUPS = 60
GROUP_SIZE = 8
CADENCE_WEEKS = 4
OPEN_SESSIONS = 12
FEED_TARGET_MS = 50
NOT_MODIFIED_TARGET_MS = 5


def _fill(seed: int) -> dict:
    """The programme, by bulk inserts; returns the coordinator's feed token and counts."""
    from django.utils import timezone

    from residents.models import Department, Intervisor, Resident, Specialty, User
    from sessions_app.models import Booking, IntervisionGroup, Membership, Participation, Session

    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    department = Department.objects.create(name="Internal Medicine")
    specialty = Specialty.objects.create(name="Internal Medicine")
    coordinator = User.objects.create(email="coordinator@bench.example", first_name="Cora",
                                      last_name="Bench", role=User.Role.COORDINATOR, password="!")
    users = User.objects.bulk_create([
        User(email=f"r{i}@bench.example", first_name="Resident", last_name=f"{i:03}", password="!")
        for i in range(GROUPS * GROUP_SIZE)
    ])
    residents = Resident.objects.bulk_create([
        Resident(user=u, specialty=specialty, department=department, training_year=rng.randint(1, 6),
                 start_date=dt.date(2022, 9, 1)) for u in users
    ])
    leader_users = User.objects.bulk_create([
        User(email=f"i{i}@bench.example", first_name="Intervisor", last_name=str(i),
             role=User.Role.INTERVISOR, password="!") for i in range(GROUPS // 2)
    ])
    leaders = Intervisor.objects.bulk_create([Intervisor(user=u, capacity=2) for u in leader_users])
    groups = IntervisionGroup.objects.bulk_create([
        IntervisionGroup(name=f"Group {g:02d}", intervisor=leaders[g // 2], cadence_weeks=CADENCE_WEEKS,
                         location=f"Room {g % 9}.{g % 13:02d}")
        for g in range(GROUPS)
    ])
    members = {g.pk: residents[i * GROUP_SIZE:(i + 1) * GROUP_SIZE] for i, g in enumerate(groups)}
    Membership.objects.bulk_create([
        Membership(group_id=gid, resident=r, start_date=(now - dt.timedelta(weeks=30)).date())
        for gid, rs in members.items() for r in rs
    ])
    sessions = []
    for i, group in enumerate(groups):
        day = now - dt.timedelta(weeks=26) + dt.timedelta(days=i % 28, hours=2)
        while day < now + dt.timedelta(weeks=26):
            past = day < now
            status = (Session.Status.CANCELLED if rng.random() < 0.05
                      else Session.Status.HELD if past else Session.Status.SCHEDULED)
            sessions.append(Session(group=group, intervisor=group.intervisor, start=day,
                                    end=day + dt.timedelta(minutes=90), location=group.location,
                                    status=status, sequence=rng.choice([0, 0, 0, 1])))
            day += dt.timedelta(weeks=CADENCE_WEEKS)
    for k in range(OPEN_SESSIONS):
        day = now + dt.timedelta(days=7 + 9 * k, hours=3)
        sessions.append(Session(kind=Session.Kind.OPEN, intervisor=leaders[k % len(leaders)], start=day,
                                end=day + dt.timedelta(minutes=90), capacity=6, location="Room 1.01",
                                title=f"Make-up session {k + 1}" if k % 2 else ""))
    sessions = Session.objects.bulk_create(sessions)
    participations = []
    for s in sessions:
        if s.group_id:
            for r in members[s.group_id]:
                answer = "yes" if s.status == Session.Status.HELD else rng.choice(["yes", "no", "", "maybe"])
                participations.append(Participation(
                    session=s, resident=r, rsvp=answer,
                    absence_reason="clinical_duty" if answer == "no" else ""))
        else:
            participations += [Participation(session=s, resident=r, booking=Booking.BOOKED, booked_at=now)
                               for r in rng.sample(residents, 4)]
    Participation.objects.bulk_create(participations, batch_size=5_000)
    in_feed = Session.objects.filter(end__gte=now - dt.timedelta(days=180)).count()
    return {"token": coordinator.calendar_token, "sessions": len(sessions), "in_feed": in_feed,
            "participations": len(participations)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="per kind of request (bounded)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    args.requests = max(args.threads, min(args.requests, 2_000))

    def fill() -> dict:
        begin = time.perf_counter()
        filled = _fill(args.seed)
        print(f"data: {GROUPS} groups of {GROUP_SIZE} meeting every {CADENCE_WEEKS} weeks and "
              f"{OPEN_SESSIONS} open sessions: {filled['sessions']} sessions, "
              f"{filled['participations']:,} participations; {filled['in_feed']} events in the "
              f"coordinator's feed (inserted in {time.perf_counter() - begin:.1f} s)")
        return filled

    with ServedSite("_feedbench", fill, workers=args.workers, keep=args.keep) as site:
        feed = f"/calendar/{site.filled['token']}.ics"
        conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=60)
        conn.request("GET", feed)
        first = conn.getresponse()
        body = first.read()
        etag = first.getheader("ETag")
        if first.status != 200 or not etag:
            sys.exit(f"the feed answered {first.status} without an ETag")
        print(f"feed: {len(body) / 1024:.0f} KiB, {body.count(b'BEGIN:VEVENT')} events, ETag {etag}")
        requests = [("feed", feed, {}, 200), ("not modified", feed, {"If-None-Match": etag}, 304),
                    ("log-in page", "/accounts/login/", {}, 200)]
        load(site.port, requests, 5 * args.threads, args.threads)  # warm up every worker
        times = load(site.port, requests, args.requests, args.threads)
        print(f"gunicorn: {args.workers} worker(s) on 127.0.0.1:{site.port}, DEBUG off; load: "
              f"{args.threads} thread(s), {len(times['feed'])} requests of each kind, interleaved")
        for name in times:
            print(f"{name:<14} median {ms(times[name], 50):7.1f} ms   p90 {ms(times[name], 90):7.1f} ms")
        feed_ms, not_modified_ms = ms(times["feed"], 50), ms(times["not modified"], 50)
        trivial_ms = ms(times["log-in page"], 50)
        # On a busy machine every figure grows; the ratios to the trivial view show the feed's own cost.
        print(f"ratios of medians to the log-in page: feed {feed_ms / trivial_ms:.1f}x, "
              f"304 {not_modified_ms / trivial_ms:.2f}x")
        ok = feed_ms <= FEED_TARGET_MS and not_modified_ms <= NOT_MODIFIED_TARGET_MS
        print(f"targets: feed median <= {FEED_TARGET_MS} ms, 304 median <= {NOT_MODIFIED_TARGET_MS} ms: "
              f"{'ok' if ok else 'MISSED'}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
