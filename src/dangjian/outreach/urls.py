from django.urls import path

from dangjian.outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.home, name="home"),
    path("figures/export/", views.figures_export, name="figures_export"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/export/", views.activity_export, name="activities_export"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/correct/", views.activity_correct, name="activity_correct"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("people/", views.people, name="people"),
    path("pairings/", views.pairing_list, name="pairings"),
    path("pairings/new/", views.pairing_new, name="pairing_new"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing"),
    path("pairings/<int:pk>/task/", views.pairing_task, name="pairing_task"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("pairings/<int:pk>/edit/", views.pairing_edit, name="pairing_edit"),
    path("tasks/<int:pk>/withdraw/", views.task_withdraw, name="task_withdraw"),
    path("partners/<int:pk>/edit/", views.partner_edit, name="partner_edit"),
    path("liaisons/<int:pk>/edit/", views.liaison_edit, name="liaison_edit"),
    path("dispatches/<int:pk>/edit/", views.dispatch_edit, name="dispatch_edit"),
    path("contacts/<int:pk>/correct/", views.contact_correct, name="contact_correct"),
    path("pairings/<int:pk>/agreement/", views.agreement, name="agreement"),
    path("pairings/<int:pk>/activity/", views.activity_new, name="activity_new"),
    path("partners/", views.partner_list, name="partners"),
    path("assignments/", views.assignments, name="assignments"),
    path("liaisons/new/", views.liaison_new, name="liaison_new"),
    path("liaisons/<int:pk>/", views.liaison_detail, name="liaison"),
    path("dispatches/new/", views.dispatch_new, name="dispatch_new"),
    path("dispatches/<int:pk>/", views.dispatch_detail, name="dispatch"),
]
