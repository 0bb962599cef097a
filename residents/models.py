"""People and their place in the programme: users, specialties, departments, residents,
intervisors."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import OneLineCharField
from .validators import normalise_email


def normalise_username(value: str) -> str:
    """A typed log-in name as it is counted and looked up: the address in the one form
    addresses are stored and compared in (``validators.normalise_email``: no surrounding
    spaces, NFC, lower case), so it matches whatever case or spacing was typed."""
    return normalise_email(value)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=normalise_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        fields.setdefault("role", User.Role.ADMINISTRATOR)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str) -> User:
        # Log-in by e-mail ignores case and surrounding spaces, as log-in throttling does
        # (residents.middleware.login_username): addresses are stored lower-cased.
        return self.get(email__iexact=normalise_username(username))


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    RESIDENT = "resident", _("Resident")
    INTERVISOR = "intervisor", _("Intervisor")
    STAFF = "staff", _("Supervising staff")
    ADMINISTRATOR = "administrator", _("Administrator")


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who can log in, identified by e-mail address.

    The role decides which pages a person sees. Residents and intervisors also have a profile
    row (``Resident``, ``Intervisor``) holding what the programme knows about them. Supervising
    staff are users too (they are named as supervisors) but have no pages of their own.
    """

    Role = Role

    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = OneLineCharField(_("first name"), max_length=100)
    last_name = OneLineCharField(_("last name"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    language = models.CharField(
        _("language"), max_length=5, choices=[("en", "English"), ("nl", "Nederlands")], default="en"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin access"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    calendar_token = models.CharField(
        _("calendar feed token"), max_length=64, unique=True, default=new_calendar_token,
        help_text=_("Secret part of the personal calendar feed address; reset it to revoke."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def is_coordinator(self) -> bool:
        return self.role == self.Role.COORDINATOR

    @property
    def is_resident(self) -> bool:
        return self.role == self.Role.RESIDENT

    @property
    def is_intervisor(self) -> bool:
        return self.role == self.Role.INTERVISOR


class CoordinatorsOnlyQuerySet(models.QuerySet):
    """Rows only coordinators may load (each subclass says why); the access helpers build on
    ``visible_to``."""

    def visible_to(self, user: User) -> models.QuerySet:
        if _signed_in(user) and user.is_coordinator:
            return self.all()
        return self.none()


class ReferenceQuerySet(CoordinatorsOnlyQuerySet):
    """Specialties and departments a person may load to change: coordinators keep the
    programme's reference data (``residents.access.reference_item_for``)."""


class Specialty(models.Model):
    name = OneLineCharField(_("name"), max_length=100, unique=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("specialties")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    name = OneLineCharField(_("name"), max_length=100, unique=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ResidentQuerySet(models.QuerySet["Resident"]):
    def active(self) -> ResidentQuerySet:
        return self.filter(user__is_active=True)

    def search(self, text: str) -> ResidentQuerySet:
        qs = self
        for word in text.split():
            qs = qs.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__email__icontains=word)
                | Q(specialty__name__icontains=word)
                | Q(department__name__icontains=word)
            )
        return qs

    def with_people(self) -> ResidentQuerySet:
        return self.select_related("user", "specialty", "department")

    def visible_to(self, user: User) -> ResidentQuerySet:
        """Residents a person may load: all for coordinators, themselves for a resident,
        nobody for anyone else. ``residents.access.resident_for`` builds on this."""
        if not _signed_in(user):
            return self.none()
        if user.is_coordinator:
            return self.all()
        if user.is_resident:
            return self.filter(user=user)
        return self.none()


def _signed_in(user: User) -> bool:
    # Anonymous visitors have no role properties: ask this first, in every visible_to.
    return bool(user.is_authenticated and user.is_active)


class Resident(models.Model):
    """A doctor in specialty training: the people intervision groups are made of."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="resident")
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="residents")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="residents")
    training_year = models.PositiveSmallIntegerField(_("training year"))
    fte = models.DecimalField(
        _("FTE"), max_digits=3, decimal_places=2, default=Decimal("1.00"),
        help_text=_("Contracted share of a full-time position, 0.10 to 1.00."),
    )
    start_date = models.DateField(_("start of training"))
    end_date = models.DateField(_("end of training"), null=True, blank=True)
    supervisors = models.ManyToManyField(
        User, blank=True, related_name="supervisees", verbose_name=_("supervisors"),
        help_text=_("Supervisors and assessors; they are never placed in this resident's group."),
    )

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(training_year__gte=1, training_year__lte=8),
                name="resident_training_year_range",
            ),
            models.CheckConstraint(
                condition=Q(fte__gte=Decimal("0.10"), fte__lte=Decimal("1.00")),
                name="resident_fte_range",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="resident_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)


class IntervisorQuerySet(models.QuerySet["Intervisor"]):
    def active(self) -> IntervisorQuerySet:
        return self.filter(user__is_active=True)

    def visible_to(self, user: User) -> IntervisorQuerySet:
        """Intervisors a person may load: all for coordinators, themselves for an intervisor,
        nobody for anyone else. ``residents.access.intervisor_for`` builds on this."""
        if not _signed_in(user):
            return self.none()
        if user.is_coordinator:
            return self.all()
        if user.is_intervisor:
            return self.filter(user=user)
        return self.none()


class IntervisorKind(models.TextChoices):
    COACH = "coach", _("External coach")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    PEER = "peer", _("Trained peer")


class Intervisor(models.Model):
    """A trained leader of intervision groups."""

    Kind = IntervisorKind

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="intervisor")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COACH)
    accreditation = OneLineCharField(
        _("accreditation"), max_length=200, blank=True,
        help_text=_("Register or body and number, for example 'NOBCO EQA Senior Practitioner'."),
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=2, help_text=_("How many groups this intervisor can lead at once.")
    )
    must_not_lead_residents = models.ManyToManyField(
        Resident, blank=True, related_name="excluded_intervisors",
        verbose_name=_("residents they must not lead"),
    )
    must_not_lead_departments = models.ManyToManyField(
        Department, blank=True, related_name="excluded_intervisors",
        verbose_name=_("departments they must not lead"),
    )

    objects = IntervisorQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=20), name="intervisor_capacity_range"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=IntervisorKind.values), name="intervisor_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)


def default_give_way_kinds() -> list[str]:
    return ["day", "outpatient"]


class Programme(models.Model):
    """The programme's own rules. One row (``Programme.get()``); edited in the admin."""

    name = OneLineCharField(_("name"), max_length=200, default="Residency programme")
    country = models.CharField(
        _("country for public holidays"), max_length=2, default="NL",
        help_text=_("ISO 3166 code; sessions are not suggested on its public holidays."),
    )
    rest_after_night_hours = models.PositiveSmallIntegerField(
        _("rest after a night shift (hours)"), default=14
    )
    rest_after_series_hours = models.PositiveSmallIntegerField(
        _("rest after a series of nights (hours)"), default=46
    )
    night_series_length = models.PositiveSmallIntegerField(
        _("nights that make a series"), default=3
    )
    give_way_kinds = models.JSONField(
        _("duty that gives way to intervision"), default=default_give_way_kinds,
        help_text=_("Roster kinds a resident is released from for a session, e.g. day, outpatient."),
    )
    min_share_available = models.DecimalField(
        _("share of members that must be free"), max_digits=3, decimal_places=2,
        default=Decimal("0.75"),
    )
    note_retention_months = models.PositiveSmallIntegerField(
        _("keep session notes for (months)"), default=12
    )
    evaluation_threshold = models.PositiveSmallIntegerField(
        _("answers needed before evaluations are shown"), default=5
    )
    # The country's public holidays for a span of years, worked out by the worker
    # (``services.holidays.programme_holidays_refresh``, nightly) so that web processes plan
    # around them without loading the holidays package: {"country": "NL", "first_year": 2025,
    # "last_year": 2031, "days": {"2026-12-25": "Christmas Day", …}}. Empty until the first
    # refresh; until then, and for other years, the holidays are worked out where needed.
    public_holidays = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="programme_single_row"),
            models.CheckConstraint(
                condition=Q(min_share_available__gt=0, min_share_available__lte=1),
                name="programme_min_share_range",
            ),
            models.CheckConstraint(
                condition=Q(evaluation_threshold__gte=3), name="programme_evaluation_threshold_min"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def time_zone(self) -> str:
        """The programme's IANA zone. One source for every page, e-mail and calendar: the
        TIME_ZONE setting (environment), so a database row cannot disagree with it."""
        return settings.TIME_ZONE

    @classmethod
    def get(cls) -> Programme:
        programme, _created = cls.objects.get_or_create(pk=1)
        return programme


class RosterKind(models.TextChoices):
    DAY = "day", _("Day shift")
    EVENING = "evening", _("Evening shift")
    NIGHT = "night", _("Night shift")
    ON_CALL = "on_call", _("On call")
    WEEKEND = "weekend", _("Weekend duty")
    LEAVE = "leave", _("Leave")
    COURSE = "course", _("Course")
    OUTPATIENT = "outpatient", _("Outpatient clinic")
    OTHER = "other", _("Other duty")


class RosterImportQuerySet(CoordinatorsOnlyQuerySet):
    """Roster imports hold whole departments' rosters: coordinators only."""


class RosterImport(models.Model):
    """One upload of a roster file: its checks, its progress while a worker applies it, and
    its outcome. Entries it created point back to it."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        CHECKED = "checked", _("Checked, waiting for confirmation")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10, choices=[("csv", "CSV"), ("ics", "iCalendar")])
    source = models.CharField(_("source"), max_length=100)
    content = models.TextField(blank=True, help_text=_("The decoded file, kept until it is applied."))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKED)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When it was queued or a worker took it: how long it has waited or run (a worker that
    # died leaves it "running"; the sweeper fails it after a while, see roster_imports_sweep).
    status_changed_at = models.DateTimeField(null=True, blank=True)

    objects = RosterImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="rosterimport_progress"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class RosterImportFile(models.Model):
    """One file of a roster import (a bulk import has many): its text until it is applied, and
    what checking it found: whose roster it is, how that was known, the period it covers."""

    class MatchedBy(models.TextChoices):
        ATTENDEE = "attendee", _("ATTENDEE e-mail")
        FILENAME = "filename", _("e-mail in the file name")
        CHOSEN = "chosen", _("chosen on upload")
        ROWS = "rows", _("e-mail column")

    roster_import = models.ForeignKey(RosterImport, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10, choices=[("csv", "CSV"), ("ics", "iCalendar")])
    content = models.TextField(blank=True, help_text=_("The decoded file, kept until it is applied."))
    # E-mail address an .ics file without ATTENDEE belongs to (chosen, or from its name).
    resident_email = models.CharField(max_length=254, blank=True)
    matched_by = models.CharField(max_length=10, choices=MatchedBy.choices, blank=True)
    # Filled in by the check: the residents it names, its period, entries and overlaps kept.
    residents = models.JSONField(default=list, blank=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    entries = models.PositiveIntegerField(default=0)
    overlaps = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["roster_import", "position"]

    def __str__(self) -> str:
        return self.filename


class RosterCoverage(models.Model):
    """A period one resident's roster is known for: an import that named them covered it.

    Planning counts a member free only inside such a period; outside, with no entry known,
    they are "unknown" (missing data is not availability). See docs/import-rosters.md."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="roster_coverage")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    source = models.CharField(_("source"), max_length=100, default="roster")
    roster_import = models.ForeignKey(
        RosterImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="coverage"
    )

    class Meta:
        ordering = ["resident", "start"]
        indexes = [models.Index(fields=["resident", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="rostercoverage_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident}: {self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"


class RosterEntry(models.Model):
    """A stretch of a resident's duty or absence, from a rostering tool's export."""

    Kind = RosterKind

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="roster_entries")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    kind = models.CharField(_("kind"), max_length=20, choices=RosterKind.choices)
    source = models.CharField(_("source"), max_length=100, default="manual")
    external_id = models.CharField(_("external id"), max_length=255, blank=True)
    roster_import = models.ForeignKey(
        RosterImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries"
    )

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["resident", "start"]), models.Index(fields=["start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="rosterentry_end_after_start"
            ),
            models.CheckConstraint(condition=Q(kind__in=RosterKind.values), name="rosterentry_kind_valid"),
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=~Q(external_id=""),
                name="rosterentry_source_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident}: {self.get_kind_display()} {self.start:%Y-%m-%d %H:%M}"


class IntervisorAbsenceQuerySet(models.QuerySet["IntervisorAbsence"]):
    def visible_to(self, user: User) -> IntervisorAbsenceQuerySet:
        """Absences a person may load: everyone's for coordinators (they plan around them),
        their own for an intervisor, none for anyone else."""
        if not _signed_in(user):
            return self.none()
        if user.is_coordinator:
            return self.all()
        if user.is_intervisor:
            return self.filter(intervisor__user=user)
        return self.none()


class IntervisorAbsence(models.Model):
    """Time an intervisor cannot lead a session (holiday, other work)."""

    intervisor = models.ForeignKey(Intervisor, on_delete=models.CASCADE, related_name="absences")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    reason = OneLineCharField(_("reason"), max_length=200, blank=True)

    objects = IntervisorAbsenceQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="intervisorabsence_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intervisor}: {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"


class PasswordResetRequest(models.Model):
    """One "forgot your password" request, whoever's address it names: what the limits count
    (per address and per client) and what a worker looks the account up from, so that the page
    does the same work whether the address belongs to someone or not. Deleted after a day."""

    email = models.CharField(max_length=254, help_text=_("As typed, trimmed and case-folded."))
    client_address = models.GenericIPAddressField(null=True, blank=True)
    requested_at = models.DateTimeField()
    accepted = models.BooleanField(help_text=_("Within the limits: a worker looks for the account."))
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["email", "requested_at"]),
            models.Index(fields=["client_address", "requested_at"]),
        ]

    def __str__(self) -> str:
        return f"Password reset request #{self.pk}"


class ImportKind(models.TextChoices):
    ROSTERS = "rosters", _("Rosters")
    RESIDENTS = "residents", _("Residents")
    INTERVISORS = "intervisors", _("Intervisors")
    GROUPS = "groups", _("Groups")
    ABSENCES = "absences", _("Intervisors' absences")


class StoredUpload(models.Model):
    """A file as it was uploaded, kept until a worker has read it.

    The web request only checks an upload's size and name and copies it here in chunks of a
    megabyte, so it holds a web process for milliseconds and a megabyte whatever the file;
    parsing happens in the worker. In the database rather than on disk: web processes and
    workers may run on different machines, only coordinators reach an import (through the
    import it belongs to), and the rows go with their import or after a day (the sweeper)."""

    CHUNK = 1024 * 1024

    kind = models.CharField(max_length=12, choices=ImportKind.choices)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # A roster import's files, until its worker has unpacked and decoded them.
    roster_import = models.ForeignKey(RosterImport, on_delete=models.CASCADE, null=True,
                                      blank=True, related_name="uploads")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.filename


class StoredUploadChunk(models.Model):
    upload = models.ForeignKey(StoredUpload, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["upload", "position"]
        constraints = [models.UniqueConstraint(fields=["upload", "position"], name="uploadchunk_once")]

    def __str__(self) -> str:
        return f"{self.upload_id}/{self.position}"


class TableImportQuerySet(CoordinatorsOnlyQuerySet):
    """Imports hold people's data the coordinator uploaded: coordinators only."""


class TableImport(models.Model):
    """One upload of a tabular import (residents, intervisors, groups, absences): checked by a
    worker, previewed, confirmed, applied by a worker; its outcome in ``counts``/``problems``."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        CHECKED = "checked", _("Checked, waiting for confirmation")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    WORKING = (Status.CHECKING, Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=12, choices=ImportKind.choices)
    filename = models.CharField(max_length=255)
    upload = models.OneToOneField(StoredUpload, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="table_import")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKING)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # What the worker found: the preview (JSON of the plan), its fingerprint, the outcome.
    preview = models.JSONField(default=dict, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    outdated = models.BooleanField(default=False)
    problems = models.JSONField(default=list, blank=True)
    # Once done: how many rows were created, updated, unchanged (told in the reader's language).
    counts = models.JSONField(default=dict, blank=True)
    # The language of the page it was uploaded from: the worker's messages are written in it.
    language = models.CharField(max_length=8, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TableImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
