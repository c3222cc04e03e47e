from django.urls import path

from dangjian.dues import views, views_ledger, views_reports

app_name = "dues"

urlpatterns = [
    path("standards/", views.standards_list, name="standards"),
    *views_ledger.urlpatterns,
    *views_reports.urlpatterns,
]
