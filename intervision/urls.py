from django.contrib import admin
from django.urls import include, path

from residents.views.accounts import password_reset

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("residents.urls")),
    path("", include("sessions_app.urls")),
    path("accounts/password_reset/", password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
