from django import template

from dangjian.accounts.roles import OPINION
from dangjian.core.scope import has_any

register = template.Library()


@register.simple_tag
def opinion_can(user, action: str) -> bool:
    """Whether to show a link (menus only; every page still checks its own scope)."""
    return has_any(user, action, OPINION)
