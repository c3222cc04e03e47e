"""Placeholder: filled in by the views_ledger work."""

urlpatterns: list = []
