from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from residents.forms.people import PasswordResetForm

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("residents.urls")),
    path("", include("sessions_app.urls")),
    path("accounts/password_reset/",
         auth_views.PasswordResetView.as_view(form_class=PasswordResetForm), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
