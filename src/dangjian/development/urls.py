from django.urls import path

from dangjian.development import views

app_name = "development"

urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.applicant_list, name="list"),
    path("people/new/", views.applicant_create, name="create"),
    path("people/<int:pk>/", views.applicant_detail, name="detail"),
    path("people/<int:pk>/step/<int:number>/", views.record_step, name="step"),
    path("people/<int:pk>/stop/", views.applicant_stop, name="stop"),
    path("people/<int:pk>/edit/", views.applicant_edit, name="edit"),
    path("people/<int:pk>/volunteer.pdf", views.volunteer_pdf, name="volunteer_pdf"),
    path("people/<int:pk>/summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("plan/", views.plan, name="plan"),
]
