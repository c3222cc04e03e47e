"""Possible 自行脱党 (RULES.md 1.17; 党章第九条): members with no 组织生活 and no 党费 for 6 months.

The facts live in other modules (三会一课 records, the dues ledger). Each registers a source once, at
start-up (from its AppConfig.ready()):

    register_lapse_source("dues", "交纳党费", last_payment_dates)

where `last_dates(member_ids) -> {member_id: date | None}` gives each member's latest date (None
or absent: never). A source that only knows the members it has records of (the dues ledger knows
nobody it never posted) registers with `absent_is_unknown=True`: an absent member is then not listed,
because there is no fact to go on. A member is listed only when EVERY registered source shows at least the rule's
months (rule "lapse_months") since the last date — or, for a member with no date in a source,
since joining the Party (入党日期; the record keeps no date of joining the branch). The list is a
prompt for the branch to look into, never a decision: 除名 still goes through a request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from dangjian.core.calendar import add_months, months_between
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import restrict
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.members.rules import DOMAIN

LastDates = Callable[[list[int]], dict[int, date | None]]
CHUNK = 2000


@dataclass(frozen=True)
class LapseSource:
    key: str
    label: str  # what the date is, e.g. "参加组织生活" / "交纳党费"
    last_dates: LastDates
    absent_is_unknown: bool = False


_SOURCES: dict[str, LapseSource] = {}


def register_lapse_source(
    key: str, label: str, last_dates: LastDates, *, absent_is_unknown: bool = False
) -> LapseSource:
    """Register (or replace) one source of "last date" facts."""
    source = LapseSource(key, label, last_dates, absent_is_unknown)
    _SOURCES[key] = source
    return source


def unregister_lapse_source(key: str) -> None:
    _SOURCES.pop(key, None)


def lapse_sources() -> list[LapseSource]:
    return list(_SOURCES.values())


@dataclass(frozen=True)
class SourceFact:
    source: LapseSource
    last: date | None  # None: never recorded
    counted_from: date
    months: int


@dataclass(frozen=True)
class LapseRow:
    member: Member
    facts: tuple[SourceFact, ...]

    @property
    def months(self) -> int:
        """The shortest gap across sources: how long the member has been absent from all of them."""
        return min(f.months for f in self.facts)


def possible_lapses(user, *, within: str | None = None, today: date) -> list[LapseRow]:
    """Active members in the user's scope for whom every source shows ≥ the rule's months of silence."""
    sources = lapse_sources()
    if not sources:
        return []
    months = rules_on(DOMAIN, today).lapse_months
    cutoff = add_months(today, -months)  # a last date on or before this day is ≥ `months` ago
    members = list(
        restrict(
            user,
            "view",
            Member.objects.select_related("org").filter(
                status=MemberStatus.NORMAL, joined_on__lte=cutoff
            ),
            within=within,
        ).order_by("org_path", "stroke_key", "id")
    )
    rows: list[LapseRow] = []
    for start in range(0, len(members), CHUNK):
        chunk = members[start : start + CHUNK]
        ids = [m.pk for m in chunk]
        found = {s.key: s.last_dates(ids) or {} for s in sources}
        for m in chunk:
            facts = []
            for s in sources:
                if s.absent_is_unknown and m.pk not in found[s.key]:
                    break
                last = found[s.key].get(m.pk)
                counted = last or m.joined_on
                if add_months(counted, months) > today:
                    break
                facts.append(SourceFact(s, last, counted, months_between(counted, today)))
            else:
                rows.append(LapseRow(m, tuple(facts)))
    return rows
