"""党籍 items for the 待办提醒 page."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from dangjian.accounts.roles import MEMBER
from dangjian.core.reminders import Reminder
from dangjian.core.scope import has_any
from dangjian.members import lapse, status

MODULE = "党籍"


def status_reminders(user, today: date) -> list[Reminder]:
    items: list[Reminder] = []
    if has_any(user, "approve_status", MEMBER):
        items.append(
            Reminder(
                MODULE,
                "待您审批的党籍变更申请",
                status.pending_for_decision(user).count(),
                reverse("members:status_pending"),
            )
        )
    if has_any(user, "archive", MEMBER):
        rows = status.suspended_members(user, today=today)
        candidates = sum(1 for r in rows if r.strike_candidate and r.pending is None)
        items.append(
            Reminder(
                MODULE,
                "停止党籍已满期限、应作出处理的人员",
                candidates,
                reverse("members:status_suspended"),
                overdue=True,
            )
        )
        items.append(
            Reminder(
                MODULE,
                "可能自行脱党的党员",
                len(lapse.possible_lapses(user, today=today)),
                reverse("members:status_lapses"),
                overdue=True,
            )
        )
    return items
