"""Import and export pages (placeholder until the import framework lands)."""

from django.http import Http404


def member_import(request):
    raise Http404


def member_export(request):
    raise Http404
