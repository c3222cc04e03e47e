"""Reads on member records, always through restrict()."""

from __future__ import annotations

from django.db.models import QuerySet

from dangjian.core.scope import restrict
from dangjian.members.idnumber import check_id_number
from dangjian.members.models import Member


def members_for(user, action: str = "view", *, within: str | None = None) -> QuerySet[Member]:
    return restrict(user, action, Member.objects.select_related("org"), within=within)


def search_people(queryset: QuerySet, q: str) -> QuerySet:
    """Name, pinyin or pinyin initials (`zs` finds 张三), or an exact ID number (blind index).

    Serves every register of people that keeps name, pinyin, pinyin_initials and id_number_hash
    (members, applicants)."""
    from dangjian.members.services import id_number_index

    q = "".join((q or "").split())
    if not q:
        return queryset
    if len(q) == 18 and q[:17].isdigit():
        try:
            number = check_id_number(q).number
        except Exception:
            return queryset.none()
        return queryset.filter(id_number_hash=id_number_index(number))
    if q.isascii() and q.isalpha():
        return queryset.filter(pinyin_initials__startswith=q.lower()) | queryset.filter(
            pinyin__startswith=q.lower()
        )
    return queryset.filter(name__contains=q)


def voting_member_count(org) -> int:
    """正式党员 in good standing whose formal relation is in `org`: the 应到会有表决权 count of a
    branch meeting before any exclusion the higher level allows (RULES.md 2.10, 4.2, 4.16).
    预备党员 have no vote (党章第七条); 流动党员 hosted here as guests are not members of `org`."""
    from dangjian.members.choices import MemberCategory, MemberStatus

    return Member.objects.filter(
        org=org, status=MemberStatus.NORMAL, category=MemberCategory.FULL
    ).count()
