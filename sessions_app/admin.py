"""The Django admin for groups and sessions.

Session notes, evaluations and evaluation receipts are deliberately not registered: notes are
for the group's intervisors alone and evaluations are anonymous, so an administrator reaches
neither through the admin. The note audit trail is shown read-only.
"""

from django.contrib import admin

from .models import (
    CalendarReply,
    CompositionRun,
    IntervisionGroup,
    Membership,
    NoteAccessEvent,
    NoteTheme,
    Notification,
    Participation,
    Session,
    SessionClash,
    SessionSeries,
    SessionStatusChange,
    SuggestionSnapshot,
    YearPlanRun,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["resident"]


@admin.register(IntervisionGroup)
class IntervisionGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "intervisor", "co_intervisor", "cadence_weeks", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    list_select_related = ["intervisor__user", "co_intervisor__user"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["resident", "group", "start_date", "end_date"]
    list_filter = ["group"]
    search_fields = ["resident__user__last_name", "group__name"]
    list_select_related = ["resident__user", "group"]
    autocomplete_fields = ["resident", "group"]


@admin.register(SessionSeries)
class SessionSeriesAdmin(admin.ModelAdmin):
    list_display = ["group", "weekday", "local_start", "cadence_weeks", "count", "first_date"]
    list_select_related = ["group"]


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    autocomplete_fields = ["resident"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "start", "status", "intervisor"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "group__name"]
    list_select_related = ["group", "intervisor__user"]
    date_hierarchy = "start"
    raw_id_fields = ["group", "series", "intervisor"]
    readonly_fields = ["uid", "sequence"]
    inlines = [ParticipationInline]


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["resident", "session", "rsvp", "absence_reason", "booking", "attendance"]
    list_filter = ["rsvp", "booking", "attendance"]
    list_select_related = ["resident__user", "session__group"]
    raw_id_fields = ["session", "resident"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SessionStatusChange)
class SessionStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["session", "from_status", "to_status", "changed_by", "changed_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "recipient", "scope", "status", "due_at", "sent_at", "attempts"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["recipient", "session"]


@admin.register(NoteTheme)
class NoteThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]


@admin.register(NoteAccessEvent)
class NoteAccessEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "note_id", "session_id"]
    list_filter = ["action"]


@admin.register(CompositionRun)
class CompositionRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "created_by", "status", "progress"]
    readonly_fields = ["params", "result"]


@admin.register(SessionClash)
class SessionClashAdmin(admin.ModelAdmin):
    list_display = ["session", "detected_at", "cleared_at", "intervisor_unavailable", "member_count"]
    raw_id_fields = ["session", "roster_import"]


@admin.register(SuggestionSnapshot)
class SuggestionSnapshotAdmin(admin.ModelAdmin):
    list_display = ["group", "prepared_on", "prepared_at"]
    list_filter = ["prepared_on"]


@admin.register(YearPlanRun)
class YearPlanRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "created_by", "first_day", "last_day", "status", "planned", "total"]
    readonly_fields = ["group_ids", "fingerprint", "problems"]


@admin.register(CalendarReply)
class CalendarReplyAdmin(admin.ModelAdmin):
    """Read only: what became of each message read from the reply mailbox (no addresses or text
    of the message are kept)."""

    list_display = ["received_at", "outcome", "answer", "session", "detail"]
    list_filter = ["outcome", "answer"]
    raw_id_fields = ["session", "participation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
