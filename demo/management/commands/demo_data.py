"""``manage.py demo_data``: a realistic, reproducible programme to click through.

About 120 residents over 12 specialties, their supervisors, 8 intervisors and 16 groups, a year
of rosters, half a year of sessions and three months ahead (``residents/demo_sessions.py``), plus
one known log-in per role. Everything is drawn from ``random.Random(SEED)``, so every machine
gets the same people; dates are relative to today so the data never looks stale.

People, profiles and supervision links are bulk-inserted (they carry no rules worth checking
here). Intervisors, groups and memberships go through the services, so every group obeys the
same rules a coordinator's would: a placement the services refuse is tried in the next group.

The known accounts share one published password, so the command refuses to run with DEBUG off
unless ``--force`` is given.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import unicodedata
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from demo.sessions import HISTORY_WEEKS, DemoSessions, demo_sessions_exist
from residents.models import (
    Department,
    Intervisor,
    IntervisorAbsence,
    Resident,
    RosterEntry,
    Specialty,
    User,
)
from residents.services.people import intervisor_create
from sessions_app.models import IntervisionGroup, Membership, Session, SessionNote
from sessions_app.services.groups import group_create, membership_add

SEED = 375  # BMC Medical Education 24:375 — the study the product is built on
PASSWORD = "intervision"  # noqa: S105 - published on purpose: demo accounts only
DOMAIN = "intervision.example"  # reserved TLD; every demo account lives under it

COORDINATOR_EMAIL = f"coordinator@{DOMAIN}"
RESIDENT_EMAIL = f"resident@{DOMAIN}"
INTERVISOR_EMAIL = f"intervisor@{DOMAIN}"
ADMIN_EMAIL = f"admin@{DOMAIN}"
PEOPLE_DOMAIN = f"demo.{DOMAIN}"

RESIDENT_COUNT = 120
PLACED_TARGET = 110
GROUP_COUNT = 16
DEMO_SOURCE = "demo"  # roster entries the demo made; a real import uses its own source

# Specialty → (number of residents, years of training, home department). Large specialties
# train many more residents than small ones; that imbalance is what makes mixing groups hard.
SPECIALTIES: dict[str, tuple[int, int, str]] = {
    "Internal Medicine": (22, 6, "Internal Medicine"),
    "Surgery": (15, 6, "Surgery"),
    "Paediatrics": (12, 5, "Children's Hospital"),
    "Psychiatry": (12, 5, "Psychiatry"),
    "Anaesthesiology": (10, 5, "Anaesthesiology and ICU"),
    "Cardiology": (9, 6, "Heart Centre"),
    "Neurology": (9, 5, "Neurosciences"),
    "Obstetrics and Gynaecology": (9, 6, "Women's Health"),
    "Emergency Medicine": (7, 3, "Emergency Department"),
    "Radiology": (6, 5, "Imaging"),
    "Pulmonology": (5, 6, "Internal Medicine"),
    "Orthopaedics": (4, 6, "Surgery"),
}
# Where a resident may be on rotation instead of their home department.
ROTATIONS: dict[str, list[str]] = {
    "Internal Medicine": ["Emergency Department", "Heart Centre", "Anaesthesiology and ICU"],
    "Surgery": ["Emergency Department", "Anaesthesiology and ICU"],
    "Paediatrics": ["Emergency Department", "Women's Health"],
    "Psychiatry": ["Internal Medicine", "Neurosciences"],
    "Cardiology": ["Internal Medicine", "Anaesthesiology and ICU"],
    "Neurology": ["Emergency Department", "Psychiatry"],
    "Anaesthesiology": ["Emergency Department", "Heart Centre"],
    "Obstetrics and Gynaecology": ["Surgery"],
    "Emergency Medicine": ["Internal Medicine", "Surgery", "Anaesthesiology and ICU"],
    "Radiology": ["Neurosciences"],
    "Pulmonology": ["Heart Centre", "Anaesthesiology and ICU"],
    "Orthopaedics": ["Emergency Department"],
}
DEPARTMENTS = [
    "Internal Medicine", "Surgery", "Children's Hospital", "Psychiatry", "Heart Centre",
    "Neurosciences", "Anaesthesiology and ICU", "Women's Health", "Emergency Department", "Imaging",
]

# Names by background, with a rough share of the residents: (first names, last names, share,
# chance the person prefers the Dutch interface). A resident's names usually share a background;
# some Dutch first names go with another family name and the other way round.
NAMES: dict[str, tuple[list[str], list[str], int, float]] = {
    "Dutch": ([
        "Sanne", "Lieke", "Femke", "Anouk", "Lotte", "Eva", "Iris", "Fleur", "Noor", "Esther",
        "Maaike", "Janneke", "Floor", "Roos", "Renée", "Anne-Marie", "Daan", "Bram", "Thijs",
        "Joris", "Sander", "Ruben", "Jeroen", "Pieter", "Maarten", "Wouter", "Stijn", "Niels",
        "Koen", "Gijs", "Sjoerd", "Jasper", "Jan-Willem", "Mees", "Loïs", "Zoë",
    ], [
        "de Vries", "van den Berg", "Jansen", "de Jong", "Bakker", "Visser", "Smit", "Meijer",
        "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen",
        "Dekker", "Brouwer", "de Wit", "Dijkstra", "de Graaf", "van der Meer", "van der Linden",
        "Kok", "Vermeulen", "van Dam", "Schouten", "Hoekstra", "Koster", "Prins", "Huisman",
        "Kuiper", "van Wijk", "'t Hart", "Sluijter", "IJzerman",
    ], 60, 0.85),
    "Turkish": (["Emre", "Ayşe", "Elif", "Zeynep", "Burak", "Hüseyin", "Gülşen", "Özlem", "Mehmet"],
                ["Şahin", "Yılmaz", "Demir", "Öztürk", "Kaya", "Çelik", "Aydın"], 8, 0.7),
    "Moroccan": (["Mohammed", "Fatima", "Yasmina", "Omar", "Samira", "Nadia", "Youssef", "Soufiane"],
                 ["El Amrani", "Bouzid", "El Idrissi", "Benali", "Azzouzi", "Ouali"], 8, 0.7),
    "Surinamese": (["Anjali", "Rishi", "Shanti", "Ravi", "Kavita", "Glenn", "Naomi"],
                   ["Mahabier", "Ramdin", "Jagessar", "Tjon A Fong", "Sitaldin", "Pinas"], 5, 0.8),
    "German": (["Jürgen", "Matthias", "Katharina", "Lena", "Jonas", "Anke"],
               ["Müller", "Schäfer", "Becker", "Schröder", "Weiß"], 5, 0.3),
    "Iberian": (["Ana", "João", "Inês", "Carlos", "Lucía", "Álvaro"],
                ["Santos", "Gonçalves", "García", "Rodríguez", "Fernández"], 4, 0.1),
    "French": (["Chloé", "Maëlle", "Loïc", "Noël", "Hélène"],
               ["Lefèvre", "Dubois", "Moreau", "Girard"], 3, 0.1),
    "Central European": (["Agnieszka", "Tomasz", "Katarzyna", "Jakub", "Tereza"],
                         ["Nowak", "Novák", "Dvořák", "Horváth"], 3, 0.2),
    "East Asian": (["Wei", "Mei", "Linh", "Minh", "Jia"],
                   ["Nguyen", "Chen", "Tran", "Wang", "Lin"], 3, 0.5),
    "Scandinavian": (["Björn", "Søren", "Freja", "Astrid"],
                     ["Andersen", "Lindqvist", "Sørensen"], 2, 0.1),
    "West African": (["Kofi", "Amara", "Chinedu", "Ama"],
                     ["Mensah", "Okafor", "Boateng", "Adeyemi"], 2, 0.2),
    "Irish": (["Siobhán", "Liam", "Aoife", "Ciarán"], ["O'Brien", "Murphy", "Walsh"], 2, 0.1),
}

# (first, last, kind, accreditation, capacity, departments it must not lead)
INTERVISORS = [
    ("Ingrid", "Bakker-Lammers", Intervisor.Kind.PSYCHOLOGIST,
     "NIP — registered health-care psychologist (BIG)", 3, []),
    ("Thomas", "Hendriks", Intervisor.Kind.COACH, "NOBCO EQA Senior Practitioner", 2, []),
    ("Amira", "El Idrissi", Intervisor.Kind.COACH, "LVSC registered supervisor-coach", 3, []),
    ("Joost", "van Dijk", Intervisor.Kind.PEER, "In-house intervision leader course, 2023", 2,
     ["Surgery"]),
    ("Priya", "Raghunathan", Intervisor.Kind.PSYCHOLOGIST,
     "NIP — registered health-care psychologist (BIG)", 2, ["Psychiatry"]),
    ("Henk", "Visser", Intervisor.Kind.COACH, "NOBCO EQA Practitioner", 2, []),
    ("Lotte", "Smit", Intervisor.Kind.PEER, "Balint group leader in training", 2,
     ["Children's Hospital"]),
    ("Jan-Willem", "Mulder", Intervisor.Kind.COACH, "ICF Professional Certified Coach", 3, []),
]
GROUP_NAMES = [
    "Amstel", "Berkel", "Dommel", "Eem", "Gouwe", "Hunze", "IJssel", "Linge",
    "Maas", "Niers", "Reest", "Roer", "Schie", "Vecht", "Waal", "Zaan",
]
LOCATIONS = [
    "Education Centre, room 4.12", "Education Centre, room 4.14", "Library, quiet room 2",
    "Boardroom, 9th floor", "Training centre, room B3", "Video call (Teams)",
]

ASCII = str.maketrans({"ı": "i", "ø": "o", "ß": "ss", "æ": "ae", "ł": "l", "'": "", " ": ""})


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower().translate(ASCII))
    return text.encode("ascii", "ignore").decode()


class Command(BaseCommand):
    help = "Load a realistic demo programme with known log-ins (password 'intervision')."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true",
                            help="Delete the demo data first, then load it again.")
        parser.add_argument("--force", action="store_true",
                            help="Run even with DEBUG off (the demo accounts have a known password).")

    def handle(self, *args, reset: bool = False, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: it creates accounts with a published "
                "password. Pass --force if this really is a demo site."
            )
        if reset:
            self._wipe()
        elif User.objects.filter(email__iexact=COORDINATOR_EMAIL).exists():
            self.stdout.write("Demo data already loaded.")
            if not RosterEntry.objects.filter(source=DEMO_SOURCE).exists():
                # A site loaded before demo rosters existed gets them now.
                with transaction.atomic():
                    count = _Rosters(random.Random(SEED), timezone.localdate()).load()
                self.stdout.write(f"Added {count} demo roster entries.")
            if not demo_sessions_exist(DOMAIN):
                # Likewise for a site loaded before the demo had sessions.
                with transaction.atomic():
                    counts = _load_sessions()
                self.stdout.write(f"Added the demo sessions: {_describe(counts)}.")
            self._print_logins()
            return
        started = time.monotonic()
        with transaction.atomic():
            _Loader(random.Random(SEED), timezone.localdate(), self.stdout.write).load()
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {seconds:.1f} s."))
        self._print_logins()

    @transaction.atomic
    def _wipe(self) -> None:
        demo = Q(email__iendswith=f"@{DOMAIN}") | Q(email__iendswith=f".{DOMAIN}")
        users = User.objects.filter(demo)
        # Sessions protect their groups and intervisors, notes their authors: remove them first.
        # Note audit rows hold only ids and stay, as they do when a note is deleted in the app.
        sessions = Session.objects.filter(
            Q(intervisor__user__in=users) | Q(group__intervisor__user__in=users)
        )
        SessionNote.objects.filter(session__in=sessions).delete()
        sessions.delete()
        # Groups and memberships protect intervisors and residents: remove them next.
        IntervisionGroup.objects.filter(
            Q(intervisor__user__in=users) | Q(co_intervisor__user__in=users)
        ).delete()
        Membership.objects.filter(resident__user__in=users).delete()
        count, _ = users.delete()
        self.stdout.write(f"Removed the demo data ({count} rows).")

    def _print_logins(self) -> None:
        resident = User.objects.filter(email__iexact=RESIDENT_EMAIL).first()
        group = resident and IntervisionGroup.objects.with_member(resident, timezone.localdate()).first()
        where = f" — member of {group.name}" if group else ""
        led = f" — leads {group.name}" if group else ""
        self.stdout.write(
            f'\nDemo log-ins (password "{PASSWORD}" for all):\n'
            f"  coordinator  {COORDINATOR_EMAIL}\n"
            f"  resident     {RESIDENT_EMAIL}{where}\n"
            f"  intervisor   {INTERVISOR_EMAIL}{led}\n"
            f"  admin        {ADMIN_EMAIL} — Django admin at /admin/\n"
        )


class _Loader:
    def __init__(self, rng: random.Random, today: dt.date, write) -> None:
        self.rng = rng
        self.today = today
        self.write = write
        self.emails: set[str] = set()
        self.names: set[tuple[str, str]] = {("Sanne", "de Vries")}

    # --- people ---------------------------------------------------------------------------

    def _name(self) -> tuple[str, str, str]:
        """A (first, last, language) nobody has yet, most of them Dutch."""
        rng = self.rng
        backgrounds = list(NAMES)
        shares = [NAMES[b][2] for b in backgrounds]
        while True:
            firsts, lasts, _, dutch_ui = NAMES[rng.choices(backgrounds, weights=shares)[0]]
            first, last = rng.choice(firsts), rng.choice(lasts)
            if rng.random() < 0.08:  # families mix: a first name from one, a surname from another
                last = rng.choice(NAMES[rng.choices(backgrounds, weights=shares)[0]][1])
            if (first, last) not in self.names:
                self.names.add((first, last))
                return first, last, "nl" if rng.random() < dutch_ui else "en"

    def _email(self, first: str, last: str) -> str:
        base = f"{_ascii(first)}.{_ascii(last)}"
        email, n = f"{base}@{PEOPLE_DOMAIN}", 1
        while email in self.emails:
            n += 1
            email = f"{base}{n}@{PEOPLE_DOMAIN}"
        self.emails.add(email)
        return email

    def _user(self, role: str, first: str, last: str, language: str = "en",
              email: str | None = None) -> User:
        user = User(email=email or self._email(first, last), first_name=first, last_name=last,
                    role=role, language=language)
        user.set_unusable_password()  # known accounts get their password at the end
        return user

    def load(self) -> None:
        specialties = {n: Specialty.objects.get_or_create(name=n)[0] for n in SPECIALTIES}
        departments = {n: Department.objects.get_or_create(name=n)[0] for n in DEPARTMENTS}

        # Two supervising consultants per department (programme director and a mentor).
        staff = User.objects.bulk_create([
            self._user(User.Role.STAFF, *self._name()) for _ in range(2 * len(DEPARTMENTS))
        ])
        staff_by_department = {
            name: staff[2 * i:2 * i + 2] for i, name in enumerate(DEPARTMENTS)
        }

        residents = self._residents(specialties, departments)
        self._supervision(residents, staff_by_department)
        intervisors = self._intervisors(residents, departments)
        groups = self._groups(intervisors)
        self._place(residents, groups)
        self._known_accounts()
        roster_count = _Rosters(self.rng, self.today).load()
        self.write(f"{roster_count} roster entries over a year, intervisors' holidays.")
        self.write(f"Sessions: {_describe(_load_sessions())}.")
        sizes = Counter(m.group_id for m in Membership.objects.filter(group__in=groups))
        self.write(
            f"{len(residents)} residents, {len(staff)} supervising staff, {len(intervisors)} "
            f"intervisors, {len(groups)} groups, {sum(sizes.values())} residents placed."
        )

    def _residents(self, specialties, departments) -> list[Resident]:
        rng = self.rng
        plan = [name for name, (count, _, _) in SPECIALTIES.items() for _ in range(count)]
        rng.shuffle(plan)
        plan.insert(0, plan.pop(plan.index("Internal Medicine")))  # the known resident's slot
        users, residents = [], []
        for i, specialty in enumerate(plan):
            _, years, home = SPECIALTIES[specialty]
            if i == 0:
                # The known resident: an ordinary mid-training internist.
                user = self._user(User.Role.RESIDENT, "Sanne", "de Vries", "nl", RESIDENT_EMAIL)
                year, department, fte = 3, home, Decimal("1.00")
            else:
                user = self._user(User.Role.RESIDENT, *self._name())
                year = rng.choices(range(1, years + 1), weights=[6, 6, 5, 5, 4, 3][:years])[0]
                department = rng.choice(ROTATIONS[specialty]) if rng.random() < 0.15 else home
                fte = rng.choices([Decimal("1.00"), Decimal("0.90"), Decimal("0.80")],
                                  weights=[80, 12, 8])[0]
            started = self.today - dt.timedelta(days=(year - 1) * 365 + rng.randint(30, 330))
            # Part-time residents train for proportionally longer.
            days = int(years * 365 / float(fte))
            users.append(user)
            residents.append(Resident(
                specialty=specialties[specialty], department=departments[department],
                training_year=year, fte=fte, start_date=started,
                end_date=started + dt.timedelta(days=days),
            ))
        User.objects.bulk_create(users)
        for user, resident in zip(users, residents, strict=True):
            resident.user = user
        Resident.objects.bulk_create(residents)
        return residents

    def _supervision(self, residents: list[Resident], staff_by_department) -> None:
        rng = self.rng
        Through = Resident.supervisors.through
        links: set[tuple[int, int]] = set()
        for resident in residents:
            consultants = staff_by_department[resident.department.name]
            for consultant in rng.sample(consultants, 2 if rng.random() < 0.3 else 1):
                links.add((resident.pk, consultant.pk))
        # Senior residents (year 5–6) supervise a few juniors of their own department.
        seniors = [r for r in residents[1:] if r.training_year >= 5]
        for senior in rng.sample(seniors, min(8, len(seniors))):
            juniors = [r for r in residents[1:] if r.training_year <= 2
                       and r.department_id == senior.department_id]
            for junior in rng.sample(juniors, min(len(juniors), rng.randint(1, 3))):
                links.add((junior.pk, senior.user_id))
        Through.objects.bulk_create(
            [Through(resident_id=r, user_id=u) for r, u in sorted(links)]
        )

    def _intervisors(self, residents: list[Resident], departments) -> list[Intervisor]:
        rng = self.rng
        intervisors = []
        for i, (first, last, kind, accreditation, capacity, barred) in enumerate(INTERVISORS):
            email = INTERVISOR_EMAIL if i == 0 else self._email(first, last)
            excluded_residents: list[Resident] = []
            if first == "Amira":
                # She coaches two residents privately; she must not also lead them here.
                excluded_residents = rng.sample(residents[1:], 2)
            intervisors.append(intervisor_create(
                email=email, first_name=first, last_name=last, kind=kind,
                accreditation=accreditation, capacity=capacity,
                must_not_lead_residents=excluded_residents,
                must_not_lead_departments=[departments[d] for d in barred],
                language="nl",
            ))
        # Lotte is a paediatrician: she supervises paediatric residents now on rotation elsewhere,
        # which her department exclusion does not catch but the supervision rule does.
        lotte = next(iv for iv in intervisors if iv.user.first_name == "Lotte")
        rotating = [r for r in residents if r.specialty.name == "Paediatrics"
                    and r.department.name != "Children's Hospital"]
        for resident in rotating[:2]:
            resident.supervisors.add(lotte.user)
        return intervisors

    def _groups(self, intervisors: list[Intervisor]) -> list[IntervisionGroup]:
        rng = self.rng
        groups = []
        for i, name in enumerate(GROUP_NAMES):
            leader = intervisors[i // 2]
            co_leader = None
            # Two groups are co-led by an intervisor with capacity to spare.
            if name == "Maas":
                co_leader = intervisors[2]
            elif name == "Schie":
                co_leader = intervisors[7]
            elif name == "Waal":
                co_leader = intervisors[0]
            groups.append(group_create(
                name=f"{name} group", intervisor=leader, co_intervisor=co_leader,
                cadence_weeks=rng.choice([4, 6, 6, 6, 8]),
                default_duration_minutes=rng.choice([90, 90, 120]),
                location=rng.choice(LOCATIONS), min_size=6, max_size=8,
            ))
        return groups

    def _place(self, residents: list[Resident], groups: list[IntervisionGroup]) -> None:
        """Fill the groups through ``membership_add``, mixing specialties and training years."""
        rng = self.rng
        targets = [6] * len(groups)
        for _ in range(PLACED_TARGET - sum(targets)):
            i = rng.choice([i for i, t in enumerate(targets) if t < 8])
            targets[i] += 1
        # Groups have met for the half year of session history; newer residents joined when
        # they started.
        since = self.today - dt.timedelta(weeks=HISTORY_WEEKS + 1)
        since -= dt.timedelta(days=since.weekday())
        members: list[list[Resident]] = [[] for _ in groups]

        def place(resident: Resident, order: list[int]) -> bool:
            for i in order:
                try:
                    membership_add(group=groups[i], resident=resident,
                                   start_date=max(since, resident.start_date))
                except ValidationError:
                    continue  # a rule says no: try the next group
                members[i].append(resident)
                return True
            return False

        # The known resident belongs to the first group, led by the known intervisor.
        place(residents[0], [0])
        others = residents[1:]
        rng.shuffle(others)
        for resident in others:
            open_groups = [i for i in range(len(groups)) if len(members[i]) < targets[i]]
            if not open_groups:
                break
            open_groups.sort(key=lambda i: (
                sum(m.specialty_id == resident.specialty_id for m in members[i]),
                sum(m.training_year == resident.training_year for m in members[i]),
                len(members[i]) / targets[i],
                rng.random(),
            ))
            place(resident, open_groups)
        short = [g.name for g, m in zip(groups, members, strict=True) if len(m) < g.min_size]
        if short:
            raise CommandError(f"Could not fill {', '.join(short)} within the rules.")

    def _known_accounts(self) -> None:
        coordinator = User(email=COORDINATOR_EMAIL, first_name="Marloes", last_name="Dijkstra",
                           role=User.Role.COORDINATOR, language="nl")
        admin = User(email=ADMIN_EMAIL, first_name="Adriaan", last_name="Kok",
                     role=User.Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
        # One hash for the four accounts: the password is published anyway, and hashing it
        # four times with Argon2 cost more than a second of every load. Validators don't apply
        # here: "intervision" is fine for a demo.
        hashed = make_password(PASSWORD)
        for user in (coordinator, admin):
            user.password = hashed
            user.save()
        User.objects.filter(email__in=[RESIDENT_EMAIL, INTERVISOR_EMAIL]).update(password=hashed)


def _load_sessions() -> Counter[str]:
    """Half a year of sessions and three months ahead (``residents/demo_sessions.py``),
    seeded on their own so a site that gets them later gets the same ones."""
    return DemoSessions(
        random.Random(SEED + 1), domain=DOMAIN,
        coordinator=User.objects.get(email__iexact=COORDINATOR_EMAIL),
        known_resident=Resident.objects.get(user__email__iexact=RESIDENT_EMAIL),
        known_intervisor=Intervisor.objects.get(user__email__iexact=INTERVISOR_EMAIL),
    ).load()


def _describe(counts: Counter[str]) -> str:
    return ", ".join(f"{n} {what}" for what, n in counts.items())


class _Rosters:
    """A year of rosters for every resident (from four weeks ago), and each intervisor's
    holidays: day work with outpatient afternoons, weeks of evenings, series of nights,
    on-call evenings, weekend duty, courses and leave, in local time so they follow DST.
    Bulk-inserted; seeded, so every machine gets the same year."""

    WEEKS = 52

    def __init__(self, rng: random.Random, today: dt.date) -> None:
        from zoneinfo import ZoneInfo

        self.rng = rng
        self.zone = ZoneInfo(settings.TIME_ZONE)
        monday = today - dt.timedelta(days=today.weekday())
        self.first_monday = monday - dt.timedelta(weeks=4)
        self.entries: list[RosterEntry] = []

    def _at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)

    def _add(self, resident: Resident, day: dt.date, start: tuple[int, int], hours: float,
             kind: str) -> None:
        begin = self._at(day, *start)
        # Shift lengths are wall-clock lengths: a night across a DST change is 9 or 11 hours.
        end_wall = (dt.datetime.combine(day, dt.time(*start)) + dt.timedelta(hours=hours))
        end = end_wall.replace(tzinfo=self.zone)
        self.entries.append(RosterEntry(
            resident=resident, start=begin, end=end, kind=kind, source=DEMO_SOURCE,
            external_id=f"demo-{resident.pk}-{len(self.entries)}",
        ))

    def _week(self, resident: Resident, monday: dt.date) -> int:
        """One week of one resident; returns how many weeks it used (leave may take more)."""
        rng = self.rng
        roll = rng.random()
        # About five weeks of leave a year, taken as one to three whole weeks at a time.
        if roll < 0.055:
            weeks = rng.choice([1, 1, 2, 3])
            self.entries.append(RosterEntry(
                resident=resident, start=self._at(monday, 0),
                end=self._at(monday + dt.timedelta(weeks=weeks), 0) - dt.timedelta(days=2),
                kind="leave", source=DEMO_SOURCE, external_id=f"demo-{resident.pk}-{len(self.entries)}",
            ))
            return weeks
        if roll < 0.155:  # a series of nights, Monday or Thursday on
            length = rng.randint(3, 5)
            first = monday + dt.timedelta(days=rng.choice([0, 3]) if length <= 4 else 0)
            for d in range(length):
                self._add(resident, first + dt.timedelta(days=d), (22, 0), 10, "night")
            return 1
        if roll < 0.225:
            for d in range(5):
                self._add(resident, monday + dt.timedelta(days=d), (15, 30), 8, "evening")
            return 1
        clinic = set(rng.sample(range(5), rng.randint(0, 2)))
        for d in range(5):
            day = monday + dt.timedelta(days=d)
            if rng.random() < 0.03:
                self._add(resident, day, (9, 0), 8, "course")
            elif d in clinic:
                self._add(resident, day, (8, 0), 4.5, "day")
                self._add(resident, day, (13, 0), 4, "outpatient")
            else:
                self._add(resident, day, rng.choice([(7, 30), (8, 0), (8, 30)]), 9, "day")
        if rng.random() < 0.2:
            day = monday + dt.timedelta(days=rng.randrange(4))
            self._add(resident, day, (17, 30), 14.5, "on_call")
        if rng.random() < 0.2:
            for d in (5, 6):
                self._add(resident, monday + dt.timedelta(days=d), (8, 0), 12, "weekend")
        return 1

    def load(self) -> int:
        residents = list(Resident.objects.filter(user__email__iendswith=DOMAIN).order_by("pk"))
        for resident in residents:
            week = 0
            while week < self.WEEKS:
                week += self._week(resident, self.first_monday + dt.timedelta(weeks=week))
        RosterEntry.objects.bulk_create(self.entries, batch_size=5000)
        absences = []
        for intervisor in Intervisor.objects.filter(user__email__iendswith=DOMAIN).order_by("pk"):
            for week in sorted(self.rng.sample(range(2, self.WEEKS), 3)):
                monday = self.first_monday + dt.timedelta(weeks=week)
                absences.append(IntervisorAbsence(
                    intervisor=intervisor, start=self._at(monday, 0),
                    end=self._at(monday + dt.timedelta(days=7), 0), reason="Holiday",
                ))
        IntervisorAbsence.objects.bulk_create(absences)
        self._windows()
        return len(self.entries)

    # The mix of candidate windows programmes use: after day work, the protected education
    # afternoon, or early afternoons on two fixed days (day work and clinics give way to it).
    WINDOWS = [
        [{"weekdays": [0, 1, 2, 3, 4], "start": "16:00", "end": "18:00"}],
        [{"weekdays": [0, 1, 2, 3, 4], "start": "16:00", "end": "18:00"}],
        [{"weekdays": [1], "start": "13:00", "end": "17:00"}],
        [{"weekdays": [0, 3], "start": "12:30", "end": "17:30"}],
        [{"weekdays": [0, 1, 2, 3, 4], "start": "13:00", "end": "18:00"}],
    ]

    def _windows(self) -> None:
        from sessions_app.models import IntervisionGroup

        groups = list(IntervisionGroup.objects.filter(
            intervisor__user__email__iendswith=DOMAIN).order_by("pk"))
        for group in groups:
            group.candidate_windows = self.rng.choice(self.WINDOWS)
        IntervisionGroup.objects.bulk_update(groups, ["candidate_windows"])
