from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/new/", views.resident_create, name="resident_create"),
    path("residents/import/", views.resident_import, name="resident_import"),
    path("residents/import/example.csv", views.resident_import_example,
         name="resident_import_example"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/deactivate/", views.resident_deactivate, name="resident_deactivate"),
    path("people/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("intervisors/", views.intervisor_list, name="intervisor_list"),
    path("intervisors/new/", views.intervisor_create, name="intervisor_create"),
    path("intervisors/<int:pk>/edit/", views.intervisor_edit, name="intervisor_edit"),
    path("intervisors/<int:pk>/deactivate/", views.intervisor_deactivate,
         name="intervisor_deactivate"),
]
