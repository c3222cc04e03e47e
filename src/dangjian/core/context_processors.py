from dangjian.accounts.roles import ACCOUNT, AUDIT, MEMBER, ORG, ORG_REQUEST
from dangjian.core.scope import active_grants, has_any


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
            "self": getattr(user, "member", None) is not None,
        },
        "user_grants": grants,
    }
