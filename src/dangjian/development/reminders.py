"""发展党员 items for the 待办提醒 page: the same due lists the development home page shows."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from dangjian.accounts.roles import DEVELOPMENT
from dangjian.core.reminders import Reminder
from dangjian.core.scope import has_any
from dangjian.development import selectors


def development_reminders(user, today: date) -> list[Reminder]:
    if not has_any(user, "view", DEVELOPMENT):
        return []
    groups = selectors.group_due(selectors.due_items(user), today)
    url = reverse("development:home")
    return [
        Reminder(
            "发展党员",
            "已逾期未办理的发展步骤",
            len(groups["overdue"]),
            url + "#overdue",
            overdue=True,
        ),
        Reminder("发展党员", "本月到期的发展步骤", len(groups["this_month"]), url + "#this_month"),
        Reminder("发展党员", "两个月内可以办理的步骤", len(groups["soon"]), url + "#soon"),
    ]
