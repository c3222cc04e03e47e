"""Reads on the organisation tree, always through restrict()."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from dangjian.core.scope import restrict, scope_paths
from dangjian.members.choices import MemberCategory, MemberStatus
from dangjian.members.models import Member
from dangjian.orgs import rules
from dangjian.orgs.models import (
    BRANCH_TYPES,
    Organization,
    OrgChangeRequest,
    OrgStatus,
    OrgType,
    Post,
    PostKind,
    RequestStatus,
)


def orgs_for(user, action: str = "view") -> QuerySet[Organization]:
    return restrict(user, action, Organization.objects.all())


def tree_roots(user) -> list[Organization]:
    """The top nodes a user sees: the roots of their grants (or their own organisation)."""
    visible = orgs_for(user)
    roots = scope_paths(user, "view", Organization.resource)
    if roots:
        return list(visible.filter(path__in=roots).order_by("path"))
    return list(visible.order_by("path")[:1])


def children_of(user, org: Organization, *, include_dissolved: bool = False) -> QuerySet[Organization]:
    qs = orgs_for(user).filter(path__startswith=org.path, depth=org.depth + 1)
    if not include_dissolved:
        qs = qs.filter(status=OrgStatus.ACTIVE)
    return qs.order_by("path")


def pending_request_counts(paths: list[str]) -> dict[int, int]:
    """Pending requests per organisation, for the tree's badges."""
    rows = (
        OrgChangeRequest.objects.filter(status=RequestStatus.PENDING, org__path__in=paths)
        .values("org_id")
        .annotate(n=Count("id"))
    )
    return {row["org_id"]: row["n"] for row in rows}


@dataclass(frozen=True)
class MemberCounts:
    full: int = 0
    probationary: int = 0

    @property
    def total(self) -> int:
        return self.full + self.probationary


def _counts(qs) -> MemberCounts:
    agg = qs.filter(status=MemberStatus.NORMAL).aggregate(
        full=Count("id", filter=Q(category=MemberCategory.FULL)),
        probationary=Count("id", filter=Q(category=MemberCategory.PROBATIONARY)),
    )
    return MemberCounts(full=agg["full"] or 0, probationary=agg["probationary"] or 0)


def member_counts(org: Organization, *, subtree: bool = True) -> MemberCounts:
    """Counts of members in good standing (正常), by category."""
    qs = Member.objects.filter(org_path__startswith=org.path) if subtree else Member.objects.filter(org=org)
    return _counts(qs)


def current_posts(org: Organization) -> QuerySet[Post]:
    return Post.objects.filter(org=org, ended_on__isnull=True).select_related("member").order_by("kind", "portfolio")


@dataclass(frozen=True)
class Warning:
    rule: str
    source: str
    text: str


def structure_warnings(
    org: Organization, counts: MemberCounts, *, committee_size: int, has_secretary: bool
) -> list[Warning]:
    """RULES.md 4.12–4.14 as warnings on one organisation (never a block). Pure: no queries."""
    if not org.is_active or org.org_type == OrgType.GROUP:
        return []
    warnings: list[Warning] = []
    if org.org_type in BRANCH_TYPES:
        if org.org_type == OrgType.BRANCH and counts.full < rules.BRANCH_MIN_FULL.value:
            warnings.append(Warning(rules.BRANCH_MIN_FULL.code, rules.BRANCH_MIN_FULL.source,
                f"正式党员{counts.full}名，不足{rules.BRANCH_MIN_FULL.value}名，应与邻近单位成立联合党支部。"))
        if counts.full >= rules.COMMITTEE_MIN_FULL.value and committee_size < 3:
            warnings.append(Warning(rules.COMMITTEE_MIN_FULL.code, rules.COMMITTEE_MIN_FULL.source,
                f"正式党员{counts.full}名，达到{rules.COMMITTEE_MIN_FULL.value}名以上，应设立支部委员会（现有在任委员{committee_size}名）。"))
        if counts.total > rules.BRANCH_MAX_MEMBERS.value:
            warnings.append(Warning(rules.BRANCH_MAX_MEMBERS.code, rules.BRANCH_MAX_MEMBERS.source,
                f"党员{counts.total}名，超过{rules.BRANCH_MAX_MEMBERS.value}名，一般应分设党支部或成立党总支。"))
    if org.org_type in (*BRANCH_TYPES, OrgType.GENERAL_BRANCH) and counts.total >= rules.PARTY_COMMITTEE_MIN.value:
        warnings.append(Warning(rules.PARTY_COMMITTEE_MIN.code, rules.PARTY_COMMITTEE_MIN.source,
            f"党员{counts.total}名，达到{rules.PARTY_COMMITTEE_MIN.value}名以上，可成立基层党委。"))
    if not has_secretary:
        rule = rules.BRANCH_SECRETARY if org.org_type in BRANCH_TYPES else rules.COMMITTEE_SECRETARY
        warnings.append(Warning(rule.code, rule.source, "未配备书记。"))
    return warnings


def warnings_for(org: Organization) -> list[Warning]:
    counts = member_counts(org, subtree=org.org_type not in BRANCH_TYPES)
    posts = Post.objects.filter(org=org, ended_on__isnull=True)
    return structure_warnings(
        org,
        counts,
        committee_size=posts.count(),
        has_secretary=posts.filter(kind=PostKind.SECRETARY).exists(),
    )


def needs_attention(user) -> list[tuple[Organization, list[Warning]]]:
    """Every organisation in scope with at least one structural warning, computed in three queries."""
    orgs = list(orgs_for(user).filter(status=OrgStatus.ACTIVE).exclude(org_type=OrgType.GROUP).order_by("path"))
    if not orgs:
        return []
    direct = {
        row["org_id"]: row
        for row in Member.objects.filter(org__in=orgs, status=MemberStatus.NORMAL)
        .values("org_id")
        .annotate(
            full=Count("id", filter=Q(category=MemberCategory.FULL)),
            probationary=Count("id", filter=Q(category=MemberCategory.PROBATIONARY)),
        )
    }
    posts = dict(
        Post.objects.filter(org__in=orgs, ended_on__isnull=True).values("org_id").annotate(n=Count("id")).values_list("org_id", "n")
    )
    secretaries = set(
        Post.objects.filter(org__in=orgs, ended_on__isnull=True, kind=PostKind.SECRETARY).values_list("org_id", flat=True)
    )
    result = []
    for org in orgs:
        if org.org_type not in (*BRANCH_TYPES, OrgType.GENERAL_BRANCH):
            continue
        if org.org_type in BRANCH_TYPES:
            row = direct.get(org.pk, {})
            counts = MemberCounts(row.get("full", 0), row.get("probationary", 0))
        else:
            counts = member_counts(org)
        found = structure_warnings(
            org, counts, committee_size=posts.get(org.pk, 0), has_secretary=org.pk in secretaries
        )
        if found:
            result.append((org, found))
    return result


def subtree_member_totals(orgs: list[Organization]) -> dict[int, int]:
    """Members in good standing under each listed organisation.

    Siblings share a parent, so one grouped query over the parent's subtree counts them all.
    """
    from django.db.models.functions import Substr

    result = {o.pk: 0 for o in orgs}
    by_parent: dict[str, list[Organization]] = {}
    for o in orgs:
        by_parent.setdefault(o.path[: -o.steplen], []).append(o)
    for parent_path, siblings in by_parent.items():
        width = len(parent_path) + Organization.steplen
        pk_by_path = {o.path: o.pk for o in siblings}
        rows = (
            Member.objects.filter(org_path__startswith=parent_path, status=MemberStatus.NORMAL)
            .annotate(node=Substr("org_path", 1, width))
            .values("node")
            .annotate(n=Count("id"))
        )
        if len(siblings) == 1:  # a single node: a plain prefix count uses the index better
            rows = [{"node": siblings[0].path, "n": Member.objects.filter(org_path__startswith=siblings[0].path, status=MemberStatus.NORMAL).count()}]
        for row in rows:
            if row["node"] in pk_by_path:
                result[pk_by_path[row["node"]]] = row["n"]
    return result
