"""组织生活 items for the 待办提醒 page: the same lists the life pages show."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.roles import LIFE
from dangjian.core.reminders import Reminder
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import has_any, scope_paths
from dangjian.life import selectors
from dangjian.life.rules import DOMAIN
from dangjian.orgs.models import Organization


def life_reminders(user, today: date) -> list[Reminder]:
    if not has_any(user, "view", LIFE):
        return []
    module = _("组织生活")
    days = rules_on(DOMAIN, today).remind_days_before_period_end
    items = [
        Reminder(
            module,
            _("本期%(days)s天内结束、规定会议尚未召开的党支部") % {"days": days},
            len(selectors.due_soon(user, today=today)),
            reverse("life:due"),
        )
    ]
    overdue = due = 0
    for path in scope_paths(user, "view", LIFE):
        root = Organization.objects.get(path=path)
        overdue += selectors.follow_ups(user, root=root, today=today, state="overdue").count()
        due += selectors.follow_ups(user, root=root, today=today, state="due").count()
    items.append(
        Reminder(
            module,
            _("民主评议后限期改正已逾期的党员"),
            overdue,
            reverse("life:follow_ups") + "?state=overdue",
            overdue=True,
        )
    )
    items.append(
        Reminder(
            module,
            _("民主评议后待处置的党员（改正期限将到，或待劝退、除名）"),
            due,
            reverse("life:follow_ups") + "?state=due",
        )
    )
    return items
