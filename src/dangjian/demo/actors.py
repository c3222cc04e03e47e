"""Who acts in the demo modules: the nearest staff account at or above an organisation."""

from __future__ import annotations

from dangjian.accounts.models import Grant
from dangjian.accounts.roles import Role
from dangjian.orgs.models import Organization

STAFF_ROLES = (Role.BRANCH_SECRETARY, Role.COMMITTEE_ADMIN, Role.WORK_COMMITTEE_ADMIN)


def nearest_staff(org: Organization):
    """The user of the first staff grant found at `org`, then at each level above (nearest first),
    or None. Demo data is made through the services as this user, so scope and audit apply."""
    prefixes = [org.path[:i] for i in range(len(org.path), 0, -Organization.steplen)]
    for prefix in prefixes:
        grant = (
            Grant.objects.filter(org__path=prefix, role__in=STAFF_ROLES)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if grant:
            return grant.user
    return None
