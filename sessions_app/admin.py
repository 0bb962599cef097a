from django.contrib import admin

from .models import IntervisionGroup, Membership


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
