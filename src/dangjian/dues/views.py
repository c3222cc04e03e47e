"""Read-only page of every 党费标准 version with its brackets, fixed amounts, rounding and source."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from dangjian.accounts.roles import RULESET
from dangjian.core.scope import has_any
from dangjian.dues.standards import (
    Category,
    bracket_rows,
    rounding_text,
    standard_on,
    versions,
)


@login_required
def standards_list(request):
    if not has_any(request.user, "view", RULESET):
        raise Http404
    today = timezone.localdate()
    in_force = standard_on(today)
    shown = []
    for standard in versions():
        rows = []
        for code, label in Category.choices:
            entry = standard.categories.get(code)
            if entry is None:
                continue
            if entry["kind"] == "brackets":
                lines = bracket_rows(code, entry)
            elif entry.get("amount") in (None, ""):
                lines = ["每月金额未设置（由各省规定）"]
            else:
                lines = [f"每月 {entry['amount']} 元"]
            rows.append(
                {"code": code, "label": label, "lines": lines, "source": entry.get("source", "")}
            )
        shown.append(
            {
                "standard": standard,
                "rows": rows,
                "rounding": rounding_text(standard),
                "current": standard.pk == in_force.pk
                and standard.effective_from == in_force.effective_from,
            }
        )
    return render(request, "dues/standards.html", {"versions": shown, "today": today})
