from django.urls import path

from dangjian.life import views, views_appraisal, views_calendar

app_name = "life"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("", views.meeting_list, name="home"),
    path("new/", views.meeting_new, name="new"),
    path("compliance/", views.compliance_page, name="compliance"),
    path("calendar/", views_calendar.calendar_page, name="calendar"),
    path("due/", views_calendar.due_page, name="due"),
    path("export/meetings.xlsx", views_calendar.export_meetings, name="export_meetings"),
    path("export/compliance.xlsx", views_calendar.export_compliance, name="export_compliance"),
    path("appraisals/", views_appraisal.appraisal_home, name="appraisals"),
    path("appraisals/new/", views_appraisal.appraisal_new, name="appraisal_new"),
    path("appraisals/names/", views_appraisal.appraisal_names, name="appraisal_names"),
    path("appraisals/follow-ups/", views_appraisal.follow_up_list, name="follow_ups"),
    path("appraisals/<int:pk>/", views_appraisal.appraisal_detail, name="appraisal"),
    path(
        "appraisals/<int:pk>/member/<int:member_id>/",
        views_appraisal.appraisal_entry,
        name="appraisal_entry",
    ),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/correct/", views.meeting_correct, name="correct"),
]
