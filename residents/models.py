"""People and their place in the programme: users, specialties, departments, residents,
intervisors."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
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
        # Log-in by e-mail is case-insensitive: addresses are stored lower-cased.
        return self.get(email__iexact=username)


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
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    language = models.CharField(
        _("language"), max_length=5, choices=[("en", "English"), ("nl", "Nederlands")], default="en"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin access"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

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


class Specialty(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("specialties")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

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


class IntervisorKind(models.TextChoices):
    COACH = "coach", _("External coach")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    PEER = "peer", _("Trained peer")


class Intervisor(models.Model):
    """A trained leader of intervision groups."""

    Kind = IntervisorKind

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="intervisor")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COACH)
    accreditation = models.CharField(
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
