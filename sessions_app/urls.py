from django.urls import path

from .views import calendar as calendar_views
from .views import composition as composition_views
from .views import dashboard as dashboard_views
from .views import evaluations as evaluation_views
from .views import groups, home, mail, people, privacy, rosters
from .views import imports as import_views
from .views import notes as notes_views
from .views import participation as participation_views
from .views import sessions as session_views
from .views import suggestions as suggestion_views
from .views import year_plan as year_plan_views

urlpatterns = [
    path("", home.home, name="home"),
    path("mail/", mail.mail_list, name="mail_list"),
    path("mail/<int:pk>/retry/", mail.mail_retry, name="mail_retry"),
    path("residents/", people.resident_list, name="resident_list"),
    path("residents/<int:pk>/roster/", rosters.resident_roster, name="resident_roster"),
    path("workload/", rosters.workload, name="workload"),
    path("privacy/", privacy.privacy, name="privacy"),
    path("privacy/my-data.json", privacy.privacy_export, name="privacy_export"),
    path("residents/<int:pk>/erase/", privacy.resident_erase_view, name="resident_erase"),
    path("groups/", groups.group_list, name="group_list"),
    path("groups/new/", groups.group_create, name="group_create"),
    path("groups/import/", import_views.group_import, name="group_import"),
    path("groups/import/<int:pk>/", import_views.group_import, name="group_import_detail"),
    path("groups/import/example.csv", import_views.group_import_example, name="group_import_example"),
    path("groups/<int:pk>/", groups.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", groups.group_edit, name="group_edit"),
    path("groups/<int:pk>/members/add/", groups.membership_add, name="membership_add"),
    path("groups/<int:pk>/members/<int:membership_pk>/end/", groups.membership_end,
         name="membership_end"),
    # Scheduling suggestions
    path("groups/<int:pk>/suggestions/", suggestion_views.group_suggestions, name="group_suggestions"),
    path("groups/<int:pk>/suggestions/plan/", suggestion_views.group_suggestion_plan,
         name="group_suggestion_plan"),
    path("groups/<int:pk>/windows/", suggestion_views.group_windows, name="group_windows"),
    # Plan the year: a session per cadence window, for one group or all of them
    path("groups/plan-year/", year_plan_views.year_plan_all, name="year_plan_all"),
    path("groups/<int:pk>/plan-year/", year_plan_views.group_year_plan, name="group_year_plan"),
    path("groups/plan-year/runs/<int:pk>/", year_plan_views.year_plan_run, name="year_plan_run"),
    # Sessions and calendars
    path("sessions/", session_views.session_list, name="session_list"),
    path("sessions/<int:pk>/", session_views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", session_views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/cancel/", session_views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/status/", session_views.session_status, name="session_status"),
    path("sessions/open/new/", session_views.open_session_create, name="open_session_create"),
    path("groups/<int:pk>/sessions/new/", session_views.session_plan, name="session_plan"),
    path("groups/<int:pk>/series/new/", session_views.series_plan, name="series_plan"),
    path("my/calendar/", calendar_views.my_calendar, name="my_calendar"),
    path("my/calendar/reset/", calendar_views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    # RSVPs, bookings, attendance
    path("answer/<int:session_pk>/<str:token>/", participation_views.answer_link, name="answer_link"),
    path("my/sessions/", participation_views.my_sessions, name="my_sessions"),
    path("sessions/<int:pk>/rsvp/", participation_views.session_rsvp, name="session_rsvp"),
    path("sessions/<int:pk>/answers/", participation_views.session_answers, name="session_answers"),
    path("sessions/open/", participation_views.open_sessions, name="open_sessions"),
    path("sessions/<int:pk>/book/", participation_views.session_book, name="session_book"),
    path("sessions/<int:pk>/book/cancel/", participation_views.session_book_cancel,
         name="session_book_cancel"),
    path("sessions/<int:pk>/attendance/", participation_views.session_attendance,
         name="session_attendance"),
    path("my/attendance/", participation_views.attendance_statement, name="attendance_statement"),
    path("my/attendance/statement.pdf", participation_views.attendance_statement_pdf,
         name="attendance_statement_pdf"),
    # Notes and evaluations
    path("notes/", notes_views.note_list, name="note_list"),
    path("sessions/<int:pk>/notes/", notes_views.session_notes, name="session_notes"),
    path("sessions/<int:pk>/notes/delete/", notes_views.session_note_delete, name="session_note_delete"),
    path("my/evaluations/", evaluation_views.my_evaluations, name="my_evaluations"),
    path("sessions/<int:pk>/evaluate/", evaluation_views.evaluation_form, name="evaluation_form"),
    path("evaluations/", evaluation_views.evaluation_report, name="evaluation_report"),
    # Composition and dashboard
    path("compose/", composition_views.composition_start, name="composition_start"),
    path("compose/<int:pk>/", composition_views.composition_detail, name="composition_detail"),
    path("compose/<int:pk>/move/", composition_views.composition_move, name="composition_move"),
    path("compose/<int:pk>/accept/", composition_views.composition_accept, name="composition_accept"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/export/<slug:table>.csv", dashboard_views.dashboard_export, name="dashboard_export"),
]
