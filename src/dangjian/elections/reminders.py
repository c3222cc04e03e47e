"""待办提醒 for terms: ending within the local N months, and overdue (RULES.md 4.1, 4.11)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.roles import ELECTION
from dangjian.core.reminders import Reminder
from dangjian.core.scope import has_any


def term_reminders(user, today: date) -> list[Reminder]:
    from dangjian.elections import selectors

    if not has_any(user, "view", ELECTION):
        return []
    months = selectors.due_soon_months(today)
    url = reverse("elections:home")
    return [
        Reminder(
            _("换届选举"),
            _("任期已届满，尚未换届"),
            selectors.terms_overdue(user, today).count(),
            url + "#overdue",
            overdue=True,
        ),
        Reminder(
            _("换届选举"),
            _("任期%(months)s个月内届满") % {"months": months},
            selectors.terms_due_within(user, today, months).count(),
            url + "#due-soon",
        ),
    ]
