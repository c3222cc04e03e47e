"""党费 items for the 待办提醒 page: the same lists the dues report pages show."""

from __future__ import annotations

from datetime import date

from django.urls import NoReverseMatch, reverse

from dangjian.accounts.roles import DUES
from dangjian.core.reminders import Reminder
from dangjian.core.scope import has_any
from dangjian.dues import reports
from dangjian.dues.services import month_label, month_start

MODULE = "党费"


def _reliefs_url(home: str) -> str:
    """The relief approval list (kept by the ledger pages); the overview's section until then."""
    try:
        return reverse("dues:reliefs")
    except NoReverseMatch:
        return f"{home}#reliefs"


def dues_reminders(user, today: date) -> list[Reminder]:
    if not has_any(user, "view", DUES):
        return []
    month = month_start(today)
    through = reports.arrears_through(user, within=None)
    owing = reports.arrears_rows(user, within=None, through=through)
    warn = reports.warning_months(today)
    lapse = reports.lapse_months(today)
    home = reverse("dues:home")
    arrears = reverse("dues:arrears")
    items = [
        Reminder(
            MODULE,
            f"{month_label(month)}党费未结算的党支部",
            len(reports.unposted_branches(user, within=None, month=month)),
            f"{home}?month={month:%Y-%m}#unposted",
        ),
        Reminder(
            MODULE,
            f"连续欠交党费满{warn}个月的党员",
            sum(1 for r in owing if r.unpaid_run >= warn),
            f"{arrears}?run={warn}",
            overdue=True,
        ),
        Reminder(
            MODULE,
            f"连续满{lapse}个月未交纳党费的党员",
            sum(1 for r in owing if r.unpaid_run >= lapse),
            reverse("dues:six_months"),
            overdue=True,
        ),
    ]
    if has_any(user, "approve", DUES):
        items.append(
            Reminder(
                MODULE,
                "待审批的党费减免",
                len(reports.reliefs_to_decide(user)),
                _reliefs_url(home),
            )
        )
    return items
