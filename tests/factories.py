"""Factories for the project's models. Tests use them through the personas in conftest.py;
reach for a factory directly only when a test needs someone beyond the personas."""

import datetime as dt
from decimal import Decimal

import factory

from residents.models import Department, Intervisor, Resident, Specialty, User
from sessions_app.models import IntervisionGroup, Membership

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@hospital.example")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = User.Role.RESIDENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create:
            obj.save()


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ["name"]

    name = factory.Iterator(["Internal Medicine", "Surgery", "Paediatrics", "Psychiatry"])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["name"]

    name = factory.Iterator(["Internal Medicine", "Surgery", "Children's Hospital", "Psychiatry"])


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    user = factory.SubFactory(UserFactory, role=User.Role.RESIDENT)
    specialty = factory.SubFactory(SpecialtyFactory)
    department = factory.SubFactory(DepartmentFactory)
    training_year = 2
    fte = Decimal("1.00")
    start_date = dt.date(2024, 9, 1)


class IntervisorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intervisor

    user = factory.SubFactory(UserFactory, role=User.Role.INTERVISOR)
    kind = Intervisor.Kind.COACH
    capacity = 3


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntervisionGroup

    name = factory.Sequence(lambda n: f"Group {n}")
    intervisor = factory.SubFactory(IntervisorFactory)
    location = "Room 4.12"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(GroupFactory)
    resident = factory.SubFactory(ResidentFactory)
    start_date = dt.date(2025, 1, 6)
