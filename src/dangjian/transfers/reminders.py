"""关系接转 items for the 待办提醒 page: the same buckets the transfers home page counts."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from dangjian.accounts.roles import TRANSFER
from dangjian.core.reminders import Reminder
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import has_any
from dangjian.transfers import selectors
from dangjian.transfers.rules import DOMAIN

MODULE = "关系接转"


def transfer_reminders(user, today: date) -> list[Reminder]:
    if not has_any(user, "view", TRANSFER):
        return []
    qs = selectors.transfers_for(user)
    listing = reverse("transfers:list")

    def count(name: str) -> int:
        return selectors.bucket(qs, name, today).count()

    floating = reverse("transfers:floating")
    away_months = rules_on(DOMAIN, today).away_months_needing_transfer
    return [
        Reminder(
            MODULE,
            "回执逾期未返回",
            count(selectors.RECEIPT_OVERDUE),
            f"{listing}?bucket={selectors.RECEIPT_OVERDUE}",
            overdue=True,
        ),
        Reminder(
            MODULE,
            "介绍信已过期、未报到",
            count(selectors.EXPIRED),
            f"{listing}?bucket={selectors.EXPIRED}",
            overdue=True,
        ),
        Reminder(
            MODULE,
            "回执即将到期",
            count(selectors.RECEIPT_DUE_SOON),
            f"{listing}?bucket={selectors.RECEIPT_DUE_SOON}",
        ),
        Reminder(
            MODULE,
            f"外出满{away_months}个月仍未转接组织关系的流动党员",
            len(selectors.away_needing_transfer(user, today)),
            floating + "#away",
            overdue=True,
        ),
        Reminder(
            MODULE,
            "逾期未向党支部汇报的流动党员",
            len(selectors.report_overdue(user, today)),
            floating + "#report",
            overdue=True,
        ),
    ]
