from django.urls import path

from dangjian.funds import views

app_name = "funds"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/<int:org_id>/", views.ledger, name="ledger"),
    path("org/<int:org_id>/export/", views.export, name="export"),
    path("org/<int:org_id>/remit/", views.remit, name="remit"),
    path("org/<int:org_id>/expense/", views.expense, name="expense"),
    path("entry/<int:pk>/correct/", views.correct, name="correct"),
    path("entry/<int:pk>/document/", views.document, name="document"),
]
