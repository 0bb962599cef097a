from django.urls import path, register_converter

from .views import imports as views_imports
from .views import people as views
from .views import reference as views_reference
from .views import rosters as views_rosters
from .views import sign_in as views_sign_in


class ReferenceKind:
    """The kind of reference data in a URL: specialties or departments (else no match, 404)."""

    regex = "specialties|departments"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceKind, "refkind")

urlpatterns = [
    path("residents/new/", views.resident_create, name="resident_create"),
    path("residents/import/", views.resident_import, name="resident_import"),
    path("residents/import/<int:pk>/", views.resident_import, name="resident_import_detail"),
    path("residents/import/example.csv", views.resident_import_example,
         name="resident_import_example"),
    path("residents/import/example-nl.csv", views.resident_import_example_nl,
         name="resident_import_example_nl"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/deactivate/", views.resident_deactivate, name="resident_deactivate"),
    path("people/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("intervisors/", views.intervisor_list, name="intervisor_list"),
    path("intervisors/import/", views_imports.intervisor_import, name="intervisor_import"),
    path("intervisors/import/<int:pk>/", views_imports.intervisor_import,
         name="intervisor_import_detail"),
    path("intervisors/import/example.csv", views_imports.intervisor_import_example,
         name="intervisor_import_example"),
    path("intervisors/absences/import/", views_imports.absence_import, name="absence_import"),
    path("intervisors/absences/import/<int:pk>/", views_imports.absence_import,
         name="absence_import_detail"),
    path("intervisors/absences/import/example.csv", views_imports.absence_import_example,
         name="absence_import_example"),
    path("intervisors/new/", views.intervisor_create, name="intervisor_create"),
    path("intervisors/<int:pk>/edit/", views.intervisor_edit, name="intervisor_edit"),
    path("intervisors/<int:pk>/deactivate/", views.intervisor_deactivate,
         name="intervisor_deactivate"),
    # Specialties and departments
    path("reference-data/", views_reference.reference_data, name="reference_data"),
    path("reference-data/<refkind:kind>/new/", views_reference.reference_create,
         name="reference_create"),
    path("reference-data/<refkind:kind>/<int:pk>/edit/", views_reference.reference_edit,
         name="reference_edit"),
    path("reference-data/<refkind:kind>/<int:pk>/delete/", views_reference.reference_delete,
         name="reference_delete"),
    # Rosters and intervisors' absences
    path("rosters/import/", views_rosters.roster_import, name="roster_import"),
    path("rosters/import/<int:pk>/", views_rosters.roster_import_detail, name="roster_import_detail"),
    path("rosters/import/<int:pk>/confirm/", views_rosters.roster_import_confirm,
         name="roster_import_confirm"),
    path("rosters/coverage/", views_rosters.roster_coverage, name="roster_coverage"),
    path("rosters/example.<str:fmt>", views_rosters.roster_import_example, name="roster_import_example"),
    path("me/roster/", views_rosters.my_roster, name="my_roster"),
    path("intervisors/<int:pk>/absences/", views_rosters.intervisor_absences,
         name="intervisor_absences"),
    path("intervisors/<int:pk>/absences/<int:absence_pk>/delete/",
         views_rosters.intervisor_absence_delete, name="intervisor_absence_delete"),
    path("me/absences/", views_rosters.my_absences, name="my_absences"),
    # Sign-in with the hospital's identity provider; log-out that also ends the session there.
    path("oidc/authenticate/", views_sign_in.sign_in_start, name="oidc_authentication_init"),
    path("oidc/callback/", views_sign_in.sign_in_callback, name="oidc_authentication_callback"),
    path("accounts/logout/", views_sign_in.LogoutView.as_view(), name="logout"),
]
