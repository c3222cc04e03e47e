"""To-do reminders gathered from every module: what is due or overdue in the user's scope.

A module registers a provider once (from its AppConfig.ready()); the 待办提醒 page asks each
provider for the user's items. Providers read through restrict(), so a reminder never shows a
record the user could not open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Reminder:
    module: str  # 发展党员 / 关系接转 / 党籍 …
    label: str  # e.g. "回执逾期未返回"
    count: int
    url: str  # the list that drills down to the names
    overdue: bool = False  # overdue items are shown first and in red


Provider = Callable[[object, date], list[Reminder]]
_PROVIDERS: dict[str, Provider] = {}


def register_reminders(key: str, provider: Provider) -> None:
    _PROVIDERS[key] = provider


def reminders_for(user, today: date) -> list[Reminder]:
    items: list[Reminder] = []
    for provider in _PROVIDERS.values():
        items.extend(r for r in provider(user, today) if r.count)
    # Overdue first; otherwise modules in order and each provider's own order (stable sort).
    return sorted(items, key=lambda r: (not r.overdue, r.module))
