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
    path("sources/", views.sources, name="sources"),
    path("sources/export/", views.sources_export, name="sources_export"),
    path("org/<int:org_id>/income/", views.income, name="income"),
    path("org/<int:org_id>/budget/", views.budget, name="budget"),
    path("org/<int:org_id>/budget/export/", views.budget_export, name="budget_export"),
]
