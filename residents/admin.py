from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Department, Intervisor, Resident, Specialty, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "role", "language"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups",
                                  "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "first_name", "last_name", "role",
                                                "password1", "password2"]}),
    ]


@admin.register(Specialty, Department)
class NamedAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["user", "specialty", "department", "training_year", "fte"]
    list_filter = ["specialty", "department", "training_year"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "specialty", "department"]
    autocomplete_fields = ["user", "supervisors"]


@admin.register(Intervisor)
class IntervisorAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "capacity", "accreditation"]
    list_filter = ["kind"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user", "must_not_lead_residents"]
    filter_horizontal = ["must_not_lead_departments"]
