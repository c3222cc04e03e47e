"""Reads for terms, elections and 届中任免, always through restrict()."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from dangjian.core.calendar import add_months
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import restrict
from dangjian.elections.models import (
    Election,
    PostChange,
    RequestStatus,
    Stage,
    Term,
    TermChange,
)
from dangjian.elections.rules import TERMS
from dangjian.elections.services import may_approve


def due_soon_months(today: date) -> int:
    """N of "terms ending within N months": a local setting (RULES.md: no national figure)."""
    return int(rules_on(TERMS, today)["due_soon_months"])


def open_terms(user, *, within: str | None = None) -> QuerySet[Term]:
    return (
        restrict(user, "view", Term.objects.filter(ended_on__isnull=True), within=within)
        .select_related("org")
        .order_by("due_on", "org_path")
    )


def terms_due_within(
    user, today: date, months: int | None = None, *, within: str | None = None
) -> QuerySet[Term]:
    """Open terms whose due date falls between today and N months ahead (not yet overdue)."""
    months = due_soon_months(today) if months is None else months
    return open_terms(user, within=within).filter(
        due_on__gte=today, due_on__lte=add_months(today, months)
    )


def terms_overdue(user, today: date, *, within: str | None = None) -> QuerySet[Term]:
    return open_terms(user, within=within).filter(due_on__lt=today)


def elections_in_progress(user) -> QuerySet[Election]:
    return (
        restrict(user, "view", Election.objects.exclude(stage=Stage.COMPLETED))
        .select_related("org")
        .order_by("-created_at")
    )


def _mine_to_decide(user, rows):
    return [r for r in rows if may_approve(user, r.org) and r.requester_id != user.pk]


def awaiting_my_decision(user) -> dict[str, list]:
    """Requests this user may 批复: from organisations strictly below their approval grants."""
    plans = restrict(
        user,
        "approve",
        Election.objects.filter(stage__in=(Stage.REQUESTED, Stage.RESULT_SUBMITTED)),
    ).select_related("org")
    elections = []
    for e in plans:
        e.requester_id = (
            e.requested_by_id if e.stage == Stage.REQUESTED else e.result_submitted_by_id
        )
        elections.append(e)
    changes = list(
        restrict(
            user, "approve", TermChange.objects.filter(status=RequestStatus.PENDING)
        ).select_related("term__org")
    )
    for c in changes:
        c.org, c.requester_id = c.term.org, c.requested_by_id
    posts = list(
        restrict(
            user, "approve", PostChange.objects.filter(status=RequestStatus.PENDING)
        ).select_related("org", "member")
    )
    for p in posts:
        p.requester_id = p.requested_by_id
    return {
        "elections": _mine_to_decide(user, elections),
        "term_changes": _mine_to_decide(user, changes),
        "post_changes": _mine_to_decide(user, posts),
    }
