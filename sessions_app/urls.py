from django.urls import path

from .views import groups

urlpatterns = [
    path("groups/", groups.group_list, name="group_list"),
    path("groups/new/", groups.group_create, name="group_create"),
    path("groups/<int:pk>/", groups.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", groups.group_edit, name="group_edit"),
    path("groups/<int:pk>/members/add/", groups.membership_add, name="membership_add"),
    path("groups/<int:pk>/members/<int:membership_pk>/end/", groups.membership_end,
         name="membership_end"),
]
