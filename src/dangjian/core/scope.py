"""One scope for everything: restrict(user, action, queryset).

Every page, export, API call and job reads and writes through these functions. A grant covers
its organisation's subtree; an object outside every applicable subtree does not exist for the
user (404), whether the request is a GET or a POST.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from dangjian.accounts.roles import MEMBER, ORG, ROLE_ACTIONS, SELF_ONLY_ROLES

_GRANTS_CACHE = "_dangjian_grants"


def active_grants(user) -> list:
    """The user's grants, loaded once per request (cached on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, _GRANTS_CACHE, None)
    if cached is None:
        from dangjian.accounts.models import Grant

        cached = list(Grant.objects.filter(user=user).select_related("org"))
        setattr(user, _GRANTS_CACHE, cached)
    return cached


def forget_grants(user) -> None:
    if hasattr(user, _GRANTS_CACHE):
        delattr(user, _GRANTS_CACHE)


def role_allows(role: str, resource: str, action: str) -> bool:
    return action in ROLE_ACTIONS.get(role, {}).get(resource, frozenset())


def scope_paths(user, action: str, resource: str) -> list[str]:
    """Subtree roots the user may apply `action` to; nested roots collapse into their ancestor."""
    paths = sorted(
        {
            g.org.path
            for g in active_grants(user)
            if g.role not in SELF_ONLY_ROLES and role_allows(g.role, resource, action)
        }
    )
    collapsed: list[str] = []
    for path in paths:
        if not any(path.startswith(root) for root in collapsed):
            collapsed.append(path)
    return collapsed


def _self_filter(user, model: type[Model], action: str) -> Q | None:
    """The member role's own-record filter, when a member grant allows the action."""
    if not any(
        g.role in SELF_ONLY_ROLES and role_allows(g.role, model.resource, action)
        for g in active_grants(user)
    ):
        return None
    member = getattr(user, "member", None)
    if member is None:
        return None
    if model.resource == MEMBER:
        return Q(pk=member.pk)
    if model.resource == ORG:
        return Q(pk=member.org_id)
    return None


def narrow_paths(roots: list[str], within: str | None) -> list[str]:
    """Intersect subtree roots with the subtree at `within`: one prefix per overlapping root."""
    if within is None:
        return roots
    narrowed = []
    for root in roots:
        if within.startswith(root):
            narrowed.append(within)
        elif root.startswith(within):
            narrowed.append(root)
    return sorted(set(narrowed))


def scope_q(user, action: str, model: type[Model], *, within: str | None = None) -> Q:
    """The filter restrict() applies; an empty scope matches nothing.

    `within` limits the result to one subtree in the same single prefix condition, so the
    database sees one range instead of two overlapping ones (it misjudges the row count otherwise).
    """
    q = Q(pk__in=[])
    fields = [f"{name}__startswith" for name in scope_path_fields(model)]
    for path in narrow_paths(scope_paths(user, action, model.resource), within):
        for field in fields:
            q |= Q(**{field: path})
    own = _self_filter(user, model, action)
    if own is not None:
        if within is not None:
            own &= Q(**{fields[0]: within})
        q |= own
    return q


def scope_path_fields(model: type[Model]) -> tuple[str, ...]:
    """The path fields that place a record in the tree.

    Most records sit at one organisation; a record between two organisations (a transfer from
    one branch to another) names both and is in the scope of either end.
    """
    fields = model.scope_path_field
    return (fields,) if isinstance(fields, str) else tuple(fields)


def restrict(user, action: str, queryset: QuerySet, *, within: str | None = None) -> QuerySet:
    """Filter `queryset` to what `user` may apply `action` to (optionally inside one subtree)."""
    return queryset.filter(scope_q(user, action, queryset.model, within=within))


def can(user, action: str, obj: Model) -> bool:
    model = type(obj)
    return restrict(user, action, model._default_manager.filter(pk=obj.pk)).exists()


def has_any(user, action: str, resource: str) -> bool:
    """Whether the user holds the action anywhere (menus and buttons; never a substitute for restrict)."""
    return any(role_allows(g.role, resource, action) for g in active_grants(user))


def get_scoped_or_404(user, action: str, queryset: QuerySet, **lookup) -> Model:
    try:
        return restrict(user, action, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def require_in_scope(user, action: str, objs: Iterable[Model]) -> None:
    """Bulk writes re-check scope before commit: any object outside scope aborts with 404."""
    objs = list(objs)
    if not objs:
        return
    model = type(objs[0])
    pks = {o.pk for o in objs}
    allowed = set(restrict(user, action, model._default_manager.filter(pk__in=pks)).values_list("pk", flat=True))
    if allowed != pks:
        raise Http404


def path_in_scope(user, action: str, resource: str, path: str) -> bool:
    """Whether a (future) object at organisation `path` falls inside the user's scope."""
    return any(path.startswith(root) for root in scope_paths(user, action, resource))
