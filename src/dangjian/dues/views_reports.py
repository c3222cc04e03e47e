"""Placeholder: filled in by the views_reports work."""

urlpatterns: list = []
