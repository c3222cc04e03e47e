"""Reads for 困难党员帮扶, always through restrict(). Every figure is counted from the records.

Quarterly compliance (the article: each pair visited at least once a quarter, one 实事):

- quarters are calendar quarters, both ends inclusive (1月1日–3月31日 is the first quarter: a visit
  on 3月31日 counts for Q1, one on 4月1日 for Q2);
- a pair is expected in a quarter only if it was in force for the whole quarter: started on or
  before the quarter's first day and not ended before its last day. A pair that starts during a
  quarter is expected from the next quarter (a cadre paired on 3月20日 cannot fairly be counted
  missing for Q1), and a pair that ends during one is not expected in it — its visits still show;
- a visit counts for every paired cadre who took part; the 实事 recorded on those visits count;
  a visit replaced by a correction does not count (its correction does);
- the numbers required are the "care" rules in force on the quarter's last day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from dangjian.care.models import (
    CarePair,
    CareRecipient,
    Deed,
    Level,
    Reason,
    Trainee,
    TrainingCourse,
    Visit,
)
from dangjian.care.rules import DOMAIN
from dangjian.core.calendar import add_months
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import restrict


def recipients(user, *, action: str = "view", within: str | None = None) -> QuerySet:
    return (
        restrict(user, action, CareRecipient.objects.all(), within=within)
        .select_related("member", "org")
        .order_by("member__stroke_key", "id")
    )


def due_for_review(user, today: date, *, within: str | None = None) -> list[CareRecipient]:
    """Open records not reviewed (or, never reviewed, registered) within the review period."""
    months = rules_on(DOMAIN, today)["review_months"]
    cutoff = add_months(today, -months)
    return list(
        recipients(user, within=within)
        .filter(closed_on__isnull=True)
        .filter(Q(reviewed_on__lte=cutoff) | Q(reviewed_on__isnull=True, since__lte=cutoff))
    )


# --- quarters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        return add_months(self.start, 3) - timedelta(days=1)

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        # one msgid per quarter: the Chinese ordinal cannot be a placeholder of the English
        labels = (
            _("%(y)s年第一季度"),
            _("%(y)s年第二季度"),
            _("%(y)s年第三季度"),
            _("%(y)s年第四季度"),
        )
        return labels[self.number - 1] % {"y": self.year}

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


_QUARTER = re.compile(r"^\s*(\d{4})\s*[-_ ]?\s*[Qq]?\s*([1-4])\s*$")


def parse_quarter(raw, today: date) -> Quarter:
    """ "2026Q1", "2026-Q1" or "2026-1"; empty: the quarter containing `today`."""
    if raw in (None, ""):
        return quarter_of(today)
    match = _QUARTER.match(str(raw))
    if not match:
        raise ValidationError({"quarter": _("季度应写成“2026Q1”的形式。")})
    q = Quarter(int(match.group(1)), int(match.group(2)))
    if q.year < 2000 or q.start > today:
        raise ValidationError({"quarter": _("只能查看已经开始的季度。")})
    return q


def quarter_choices(today: date, count: int = 8) -> list[Quarter]:
    q, out = quarter_of(today), []
    for _i in range(count):
        out.append(q)
        q = q.previous()
    return out


# --- compliance ---------------------------------------------------------------------------------


@dataclass
class PairStatus:
    pair: CarePair
    visits: list = field(default_factory=list)
    deeds: int = 0
    visits_required: int = 1
    deeds_required: int = 1

    @property
    def visited(self) -> bool:
        return len(self.visits) >= self.visits_required

    @property
    def deed_done(self) -> bool:
        return self.deeds >= self.deeds_required

    @property
    def ok(self) -> bool:
        return self.visited and self.deed_done

    @property
    def missing(self) -> list[str]:
        out = []
        if not self.visited:
            out.append(_("未走访") if not self.visits else _("走访次数不足"))
        if not self.deed_done:
            out.append(_("未办实事") if not self.deeds else _("实事件数不足"))
        return out


@dataclass
class Compliance:
    quarter: Quarter
    rows: list[PairStatus]
    not_expected: list[CarePair]  # started during the quarter: expected from the next one
    in_progress: bool
    cite_visits: str
    cite_deeds: str

    @property
    def missing(self) -> list[PairStatus]:
        return [r for r in self.rows if not r.ok]

    @property
    def compliant(self) -> int:
        return sum(1 for r in self.rows if r.ok)


def compliance(user, quarter: Quarter, today: date, *, within: str | None = None) -> Compliance:
    rules = rules_on(DOMAIN, min(quarter.end, today))
    pairs = (
        restrict(user, "view", CarePair.objects.all(), within=within)
        .filter(started_on__lte=quarter.end)
        .exclude(ended_on__lt=quarter.start)
        .select_related("cadre", "recipient__member", "recipient__org")
        .order_by("recipient__org__path", "recipient__member__stroke_key", "cadre__stroke_key")
    )
    expected, late = [], []
    for pair in pairs:
        whole = pair.started_on <= quarter.start and (
            pair.ended_on is None or pair.ended_on >= quarter.end
        )
        (expected if whole else late).append(pair)
    recipient_ids = {p.recipient_id for p in expected}
    visits = (
        Visit.objects.filter(
            replaced_by__isnull=True,  # a corrected visit counts only through its correction
            recipient_id__in=recipient_ids,
            visited_on__gte=quarter.start,
            visited_on__lte=quarter.end,
        )
        .annotate(n_deeds=Count("deeds", distinct=True))
        .prefetch_related("cadres")
        .order_by("visited_on", "id")
    )
    by_key: dict[tuple[int, int], list] = {}
    for visit in visits:
        for cadre in visit.cadres.all():
            by_key.setdefault((visit.recipient_id, cadre.pk), []).append(visit)
    rows = []
    for pair in expected:
        got = by_key.get((pair.recipient_id, pair.cadre_id), [])
        rows.append(
            PairStatus(
                pair=pair,
                visits=got,
                deeds=sum(v.n_deeds for v in got),
                visits_required=rules["visits_per_quarter"],
                deeds_required=rules["deeds_per_quarter"],
            )
        )
    return Compliance(
        quarter=quarter,
        rows=rows,
        not_expected=[p for p in late if p.started_on > quarter.start],
        in_progress=quarter.end >= today,
        cite_visits=rules.cite("visits_per_quarter"),
        cite_deeds=rules.cite("deeds_per_quarter"),
    )


# --- visits and training ------------------------------------------------------------------------


def visits(
    user, *, within: str | None = None, action: str = "view", current: bool = False
) -> QuerySet:
    """Visits in scope; `current` leaves out those replaced by a correction (what counts)."""
    rows = restrict(user, action, Visit.objects.all(), within=within)
    if current:
        rows = rows.filter(replaced_by__isnull=True)
    return rows.select_related(
        "recipient__member", "fund_entry__org", "replaces", "replaced_by"
    ).prefetch_related("cadres", "deeds")


def deeds_of(visit: Visit) -> list[Deed]:
    return list(visit.deeds.all())


@dataclass
class CourseFigures:
    course: TrainingCourse
    members_trained: int
    members_reemployed: int

    @property
    def trained(self) -> int:
        return self.members_trained + self.course.others_trained

    @property
    def reemployed(self) -> int:
        return self.members_reemployed + self.course.others_reemployed


def courses(user, *, within: str | None = None, year: int | None = None) -> list[CourseFigures]:
    """Courses with people trained and re-employed: members counted from their rows, others
    from the course's headcounts."""
    rows = restrict(user, "view", TrainingCourse.objects.all(), within=within)
    if year:
        rows = rows.filter(held_on__year=year)
    rows = rows.annotate(
        n_members=Count("trainees", distinct=True),
        n_reemployed=Count(
            "trainees", filter=Q(trainees__reemployed_on__isnull=False), distinct=True
        ),
    ).select_related("org")
    return [CourseFigures(c, c.n_members, c.n_reemployed) for c in rows]


def cadre_load(user, *, within: str | None = None) -> dict[int, int]:
    """Active pairings per cadre (the limit is checked over all pairings, not only visible ones)."""
    return dict(
        CarePair.objects.filter(ended_on__isnull=True)
        .values_list("cadre_id")
        .annotate(n=Count("id"))
        .values_list("cadre_id", "n")
    )


# --- figures for a subtree and a year ---------------------------------------------------------------


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def recipients_in_year(user, year: int, *, within: str | None = None) -> QuerySet:
    """Recipients on the register at any time in the year (registered by its end, not closed
    before its start)."""
    start, end = year_bounds(year)
    return recipients(user, within=within).filter(since__lte=end).exclude(closed_on__lt=start)


def visits_in_year(user, year: int, *, within: str | None = None) -> QuerySet:
    """Visits that count (not replaced by a correction) made in the year."""
    start, end = year_bounds(year)
    return visits(user, within=within, current=True).filter(
        visited_on__gte=start, visited_on__lte=end
    )


def deeds_in_year(user, year: int, *, within: str | None = None) -> QuerySet:
    return Deed.objects.filter(
        visit__in=visits_in_year(user, year, within=within).values("pk")
    ).select_related("visit__recipient__member")


def ledger_condolences(user, year: int, *, within: str | None = None) -> QuerySet:
    """The funds ledger's 慰问 expenses paid for visits in scope, dated in the year: the entries
    written for visits, their reversals and re-entries. Their sum is what the ledger says was paid;
    it equals the 慰问金 of the visits that count (a check the figures page shows)."""
    from dangjian.funds.models import FundEntry, Kind, Purpose

    start, end = year_bounds(year)
    ours = restrict(user, "view", Visit.objects.all(), within=within).values("pk")
    linked = FundEntry.objects.filter(
        Q(care_visit__in=ours) | Q(corrects__care_visit__in=ours) | Q(replaces__care_visit__in=ours)
    ).values("pk")
    return (
        FundEntry.objects.filter(pk__in=linked, kind=Kind.EXPENSE, purpose=Purpose.HARDSHIP)
        .filter(occurred_on__gte=start, occurred_on__lte=end)
        .select_related("org")
        .order_by("occurred_on", "id")
    )


def reemployed_in_year(user, year: int, *, within: str | None = None) -> QuerySet:
    """Members re-employed in the year, one row each, counted by their own re-employment date."""
    start, end = year_bounds(year)
    return (
        restrict(user, "view", Trainee.objects.all(), within=within)
        .filter(reemployed_on__gte=start, reemployed_on__lte=end)
        .select_related("member", "course")
        .order_by("reemployed_on", "id")
    )


@dataclass
class QuarterFigure:
    quarter: Quarter
    expected: int
    compliant: int
    in_progress: bool

    @property
    def missing(self) -> int:
        return self.expected - self.compliant


@dataclass
class CareFigures:
    year: int
    recipients: int
    by_reason: list[tuple[str, str, int]]
    by_level: list[tuple[str, str, int]]
    visits: int
    deeds: int
    money: Decimal
    ledger_money: Decimal
    quarters: list[QuarterFigure]
    courses: int
    trained: int
    reemployed_members: int
    reemployed_others: int

    @property
    def money_matches(self) -> bool:
        return self.money == self.ledger_money

    @property
    def reemployed(self) -> int:
        return self.reemployed_members + self.reemployed_others


def figures(user, year: int, today: date, *, within: str | None = None) -> CareFigures:
    """Every number counted from the records, for the subtree at `within` and the calendar year."""
    people = recipients_in_year(user, year, within=within)
    reasons = dict(people.order_by().values_list("reason").annotate(n=Count("id")))
    levels = dict(people.order_by().values_list("level").annotate(n=Count("id")))
    counted = visits_in_year(user, year, within=within).order_by()
    money = counted.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    ledger = ledger_condolences(user, year, within=within).order_by()
    quarters = []
    for number in range(1, 5):
        q = Quarter(year, number)
        if q.start > today:
            break
        c = compliance(user, q, today, within=within)
        quarters.append(QuarterFigure(q, len(c.rows), c.compliant, c.in_progress))
    held = courses(user, within=within, year=year)
    return CareFigures(
        year=year,
        recipients=people.count(),
        by_reason=[(v, str(label), reasons.get(v, 0)) for v, label in Reason.choices],
        by_level=[(v, str(label), levels.get(v, 0)) for v, label in Level.choices],
        visits=counted.count(),
        deeds=deeds_in_year(user, year, within=within).count(),
        money=Decimal(money).quantize(Decimal("0.01")),
        ledger_money=Decimal(ledger.aggregate(s=Sum("amount"))["s"] or 0).quantize(Decimal("0.01")),
        quarters=quarters,
        courses=len(held),
        trained=sum(f.trained for f in held),
        reemployed_members=reemployed_in_year(user, year, within=within).count(),
        reemployed_others=sum(f.course.others_reemployed for f in held),
    )
