from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render


class ChineseForm(Form):
    """Labels end with a full-width colon in Chinese, as printed forms do."""

    def __init__(self, *args, **kwargs):
        from django.utils.translation import get_language

        kwargs.setdefault("label_suffix", "：" if (get_language() or "").startswith("zh") else ":")
        super().__init__(*args, **kwargs)


def add_service_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where the field exists, else on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errs in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errs)


def form_page(
    request,
    form: Form,
    *,
    title: str,
    save: Callable[[dict], Any],
    success: str | Callable[[Any], str],
    next_url: Callable[[Any], str],
    org=None,
    template: str = "core/form.html",
    context: dict | None = None,
    invalid_status: int = 200,
) -> HttpResponse:
    """The one shape of every single-form page: validate, call the service, report, redirect.

    `success` may be a function of the service's result (a message naming what was done).

    The service decides; a ValidationError it raises is shown on the form and nothing is written.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(next_url(result))
    page = {"form": form, "org": org, "show_tree": True, "title": title, **(context or {})}
    status = invalid_status if request.method == "POST" else 200
    return render(request, template, page, status=status)
