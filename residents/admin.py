from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import (
    Department,
    Intervisor,
    IntervisorAbsence,
    PasswordResetRequest,
    Programme,
    Resident,
    RosterCoverage,
    RosterEntry,
    RosterImport,
    RosterImportFile,
    Specialty,
    StoredUpload,
    TableImport,
    User,
)


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


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not Programme.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ["resident", "kind", "start", "end", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["resident__user__last_name", "external_id"]
    list_select_related = ["resident__user"]
    autocomplete_fields = ["resident"]
    date_hierarchy = "start"
    raw_id_fields = ["roster_import"]


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "source", "status", "created_at", "created_by"]
    list_filter = ["status", "file_format"]
    exclude = ["content"]
    readonly_fields = ["summary", "problems"]


@admin.register(RosterImportFile)
class RosterImportFileAdmin(admin.ModelAdmin):
    list_display = ["filename", "roster_import", "matched_by", "entries", "overlaps"]
    exclude = ["content"]
    readonly_fields = ["roster_import", "residents"]


class _ReadOnly(admin.ModelAdmin):
    """Written by the imports only: an administrator may look and delete, not add or edit."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TableImport)
class TableImportAdmin(_ReadOnly):
    list_display = ["filename", "kind", "status", "created_at", "created_by"]
    list_filter = ["kind", "status"]
    exclude = ["preview"]


@admin.register(StoredUpload)
class StoredUploadAdmin(_ReadOnly):
    """Files waiting for a worker; their bytes are not shown."""

    list_display = ["filename", "kind", "size", "created_at", "created_by"]
    list_filter = ["kind"]


@admin.register(RosterCoverage)
class RosterCoverageAdmin(admin.ModelAdmin):
    list_display = ["resident", "start", "end", "source"]
    list_select_related = ["resident__user"]
    autocomplete_fields = ["resident"]
    raw_id_fields = ["roster_import"]


@admin.register(IntervisorAbsence)
class IntervisorAbsenceAdmin(admin.ModelAdmin):
    list_display = ["intervisor", "start", "end", "reason"]
    list_select_related = ["intervisor__user"]
    autocomplete_fields = ["intervisor"]


@admin.register(PasswordResetRequest)
class PasswordResetRequestAdmin(admin.ModelAdmin):
    """Read only: who asked for a reset link from where, for a day (the limits count these)."""

    list_display = ["requested_at", "email", "client_address", "accepted", "handled_at"]
    list_filter = ["accepted"]
    search_fields = ["email", "client_address"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
