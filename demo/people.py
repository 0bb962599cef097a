"""The demo programme's people: specialties, departments, supervising staff, residents,
intervisors and the four known log-ins.

People, profiles and supervision links are bulk-inserted (they carry no rules worth checking
here); intervisors go through ``intervisor_create``. Only the four known accounts get a
password (one published for all of them); everyone else has none that works.

The size is a parameter: the demo has 120 residents and 8 intervisors, the benchmarks ask for
more. Specialties keep their proportions, and intervisors past the eight named ones get names
from the same pool.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from residents.models import Department, Intervisor, Resident, Specialty, User
from residents.services.people import intervisor_create

PASSWORD = "intervision"  # noqa: S105 - published on purpose: demo accounts only
DOMAIN = "intervision.example"  # reserved TLD; every demo account lives under it
COORDINATOR_EMAIL = f"coordinator@{DOMAIN}"
RESIDENT_EMAIL = f"resident@{DOMAIN}"
INTERVISOR_EMAIL = f"intervisor@{DOMAIN}"
ADMIN_EMAIL = f"admin@{DOMAIN}"
PEOPLE_DOMAIN = f"demo.{DOMAIN}"

RESIDENTS = 120
STAFF_PER_DEPARTMENT = 2  # a programme director and a mentor

# Specialty → (number of residents in a programme of 120, years of training, home department).
# Large specialties train many more residents than small ones; that imbalance is what makes
# mixing groups hard.
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

# (first, last, kind, accreditation, capacity, departments it must not lead). The first is the
# known intervisor.
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
# What intervisors past the named eight are, in turn.
MORE_INTERVISORS = [
    (Intervisor.Kind.COACH, "NOBCO EQA Practitioner"),
    (Intervisor.Kind.PSYCHOLOGIST, "NIP — registered health-care psychologist (BIG)"),
    (Intervisor.Kind.PEER, "In-house intervision leader course"),
]

ASCII = str.maketrans({"ı": "i", "ø": "o", "ß": "ss", "æ": "ae", "ł": "l", "'": "", " ": ""})


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower().translate(ASCII))
    return text.encode("ascii", "ignore").decode()


@dataclass
class People:
    """What ``people_build`` made. ``residents[0]`` is the known resident and
    ``intervisors[0]`` the known intervisor."""

    specialties: dict[str, Specialty]
    departments: dict[str, Department]
    staff: list[User]
    residents: list[Resident]
    intervisors: list[Intervisor]


class Names:
    """Names and e-mail addresses nobody in the demo has yet."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.emails: set[str] = set()
        self.taken: set[tuple[str, str]] = {("Sanne", "de Vries")}  # the known resident

    def name(self) -> tuple[str, str, str]:
        """A (first, last, language), most of them Dutch. Past a few thousand people the pool
        runs dry, and a name may come twice (their e-mail addresses still differ)."""
        rng = self.rng
        backgrounds = list(NAMES)
        shares = [NAMES[b][2] for b in backgrounds]
        for _attempt in range(100):
            firsts, lasts, _, dutch_ui = NAMES[rng.choices(backgrounds, weights=shares)[0]]
            first, last = rng.choice(firsts), rng.choice(lasts)
            if rng.random() < 0.08:  # families mix: a first name from one, a surname from another
                last = rng.choice(NAMES[rng.choices(backgrounds, weights=shares)[0]][1])
            if (first, last) not in self.taken:
                break
        self.taken.add((first, last))
        return first, last, "nl" if rng.random() < dutch_ui else "en"

    def email(self, first: str, last: str) -> str:
        base = f"{_ascii(first)}.{_ascii(last)}"
        email, n = f"{base}@{PEOPLE_DOMAIN}", 1
        while email in self.emails:
            n += 1
            email = f"{base}{n}@{PEOPLE_DOMAIN}"
        self.emails.add(email)
        return email

    def user(self, role: str, first: str, last: str, language: str = "en",
             email: str | None = None) -> User:
        user = User(email=email or self.email(first, last), first_name=first, last_name=last,
                    role=role, language=language)
        user.set_unusable_password()  # the known accounts get theirs at the end
        return user


def specialty_counts(residents: int) -> dict[str, int]:
    """Residents per specialty for a programme of ``residents``, in the demo's proportions
    (largest remainders, so they add up)."""
    total = sum(count for count, _years, _home in SPECIALTIES.values())
    shares = {name: count * residents / total for name, (count, _y, _h) in SPECIALTIES.items()}
    counts = {name: int(share) for name, share in shares.items()}
    by_remainder = sorted(shares, key=lambda name: shares[name] - counts[name], reverse=True)
    for name in by_remainder[:residents - sum(counts.values())]:
        counts[name] += 1
    return counts


def people_build(*, rng: random.Random, today: dt.date, residents: int = RESIDENTS,
                 intervisors: int = len(INTERVISORS)) -> People:
    """Reference data, staff, ``residents`` residents (the known one first) and
    ``intervisors`` intervisors (at least the named eight: groups and sessions refer to them)."""
    names = Names(rng)
    specialties = {n: Specialty.objects.get_or_create(name=n)[0] for n in SPECIALTIES}
    departments = {n: Department.objects.get_or_create(name=n)[0] for n in DEPARTMENTS}
    staff = User.objects.bulk_create([
        names.user(User.Role.STAFF, *names.name())
        for _ in range(STAFF_PER_DEPARTMENT * len(DEPARTMENTS))
    ])
    staff_by_department = {
        name: staff[STAFF_PER_DEPARTMENT * i:STAFF_PER_DEPARTMENT * (i + 1)]
        for i, name in enumerate(DEPARTMENTS)
    }
    made = _residents(rng, names, today, residents, specialties, departments)
    _supervision(rng, made, staff_by_department)
    leaders = _intervisors(rng, names, max(intervisors, len(INTERVISORS)), made, departments)
    return People(specialties, departments, staff, made, leaders)


def _residents(rng: random.Random, names: Names, today: dt.date, count: int,
               specialties: dict[str, Specialty], departments: dict[str, Department]) -> list[Resident]:
    plan = [name for name, n in specialty_counts(count).items() for _ in range(n)]
    rng.shuffle(plan)
    plan.insert(0, plan.pop(plan.index("Internal Medicine")))  # the known resident's slot
    users, residents = [], []
    for i, specialty in enumerate(plan):
        _, years, home = SPECIALTIES[specialty]
        if i == 0:
            # The known resident: an ordinary mid-training internist.
            user = names.user(User.Role.RESIDENT, "Sanne", "de Vries", "nl", RESIDENT_EMAIL)
            year, department, fte = 3, home, Decimal("1.00")
        else:
            user = names.user(User.Role.RESIDENT, *names.name())
            year = rng.choices(range(1, years + 1), weights=[6, 6, 5, 5, 4, 3][:years])[0]
            department = rng.choice(ROTATIONS[specialty]) if rng.random() < 0.15 else home
            fte = rng.choices([Decimal("1.00"), Decimal("0.90"), Decimal("0.80")],
                              weights=[80, 12, 8])[0]
        started = today - dt.timedelta(days=(year - 1) * 365 + rng.randint(30, 330))
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


def _supervision(rng: random.Random, residents: list[Resident],
                 staff_by_department: dict[str, list[User]]) -> None:
    Through = Resident.supervisors.through
    links: set[tuple[int, int]] = set()
    for resident in residents:
        consultants = staff_by_department[resident.department.name]
        for consultant in rng.sample(consultants, 2 if rng.random() < 0.3 else 1):
            links.add((resident.pk, consultant.pk))
    # Senior residents (year 5–6) supervise a few juniors of their own department: eight of
    # them in a programme of 120.
    seniors = [r for r in residents[1:] if r.training_year >= 5]
    for senior in rng.sample(seniors, min(round(8 * len(residents) / RESIDENTS), len(seniors))):
        juniors = [r for r in residents[1:] if r.training_year <= 2
                   and r.department_id == senior.department_id]
        for junior in rng.sample(juniors, min(len(juniors), rng.randint(1, 3))):
            links.add((junior.pk, senior.user_id))
    Through.objects.bulk_create([Through(resident_id=r, user_id=u) for r, u in sorted(links)])


def _intervisors(rng: random.Random, names: Names, count: int, residents: list[Resident],
                 departments: dict[str, Department]) -> list[Intervisor]:
    cast = list(INTERVISORS)
    for n in range(count - len(INTERVISORS)):
        first, last, _language = names.name()
        kind, accreditation = MORE_INTERVISORS[n % len(MORE_INTERVISORS)]
        cast.append((first, last, kind, accreditation, 2, []))
    intervisors = []
    for i, (first, last, kind, accreditation, capacity, barred) in enumerate(cast):
        email = INTERVISOR_EMAIL if i == 0 else names.email(first, last)
        excluded_residents: list[Resident] = []
        if first == "Amira" and i < len(INTERVISORS):
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
    lotte = intervisors[6]
    rotating = [r for r in residents if r.specialty.name == "Paediatrics"
                and r.department.name != "Children's Hospital"]
    for resident in rotating[:2]:
        resident.supervisors.add(lotte.user)
    return intervisors


def known_accounts_create() -> None:
    """The coordinator and the administrator, and the one published password for them and
    for the known resident and intervisor."""
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
