from dangjian.accounts.roles import (
    ACCOUNT,
    AUDIT,
    CARE,
    DEVELOPMENT,
    DUES,
    ELECTION,
    LIFE,
    MEMBER,
    OPINION,
    ORG,
    ORG_REQUEST,
    OUTREACH,
    RULESET,
    TRANSFER,
    Role,
)
from dangjian.core.scope import active_grants, has_any, restrict


def _pending_to_approve(user) -> int:
    """Requests waiting for this user's decision: the menu shows them wherever the user is."""
    if not has_any(user, "approve", ORG_REQUEST):
        return 0
    from dangjian.orgs.models import OrgChangeRequest, RequestStatus

    pending = OrgChangeRequest.objects.filter(status=RequestStatus.PENDING).exclude(
        requested_by=user
    )
    return restrict(user, "approve", pending).count()


STAFF_ROLES = frozenset({Role.WORK_COMMITTEE_ADMIN, Role.COMMITTEE_ADMIN, Role.BRANCH_SECRETARY})


def _status_to_decide(user) -> int:
    """党籍 requests waiting for this user's decision (approvers only)."""
    if not has_any(user, "approve_status", MEMBER):
        return 0
    from dangjian.members.status import pending_for_decision

    return pending_for_decision(user).count()


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = active_grants(user)
    return {
        "nav": {
            "orgs": has_any(user, "view", ORG),
            "members": has_any(user, "view", MEMBER) and any(g.role != "member" for g in grants),
            "requests": has_any(user, "view", ORG_REQUEST),
            "audit": has_any(user, "view", AUDIT),
            "accounts": has_any(user, "view", ACCOUNT),
            "import": has_any(user, "import", MEMBER),
            "staff": any(g.role in STAFF_ROLES for g in grants),
            "status": has_any(user, "archive", MEMBER) or has_any(user, "approve_status", MEMBER),
            "status_to_decide": _status_to_decide(user),
            "development": has_any(user, "view", DEVELOPMENT),
            "transfers": has_any(user, "view", TRANSFER),
            "dues": has_any(user, "view", DUES),
            "life": has_any(user, "view", LIFE),
            "elections": has_any(user, "view", ELECTION),
            "outreach": has_any(user, "view", OUTREACH),
            "care": has_any(user, "view", CARE),
            "opinions": has_any(user, "view", OPINION),
            "rulesets": has_any(user, "view", RULESET),
            "self": getattr(user, "member", None) is not None,
            "to_approve": _pending_to_approve(user),
        },
        "user_grants": grants,
    }
