"""RULES.md 4.12–4.14 surface as warnings at each side of each boundary."""

from datetime import date

import pytest
from django.urls import reverse
from support import member_in

from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgType, Post
from dangjian.orgs.selectors import MemberCounts, needs_attention, structure_warnings


def _branch(org_type=OrgType.BRANCH):
    return Organization(name="x", code="x", org_type=org_type, status="active")


def texts(org, full, prob=0, committee=0, secretary=True):
    return " ".join(w.text for w in structure_warnings(org, MemberCounts(full, prob), committee_size=committee, has_secretary=secretary))


def test_branch_minimum_three_full_members():
    assert "不足3名" in texts(_branch(), 2)
    assert "不足3名" not in texts(_branch(), 3)
    # A joint branch exists precisely because units are small: no such warning there.
    assert "不足3名" not in texts(_branch(OrgType.JOINT_BRANCH), 2)


def test_committee_from_seven_full_members():
    assert "应设立支部委员会" not in texts(_branch(), 6)
    assert "应设立支部委员会" in texts(_branch(), 7, committee=1)
    assert "应设立支部委员会" not in texts(_branch(), 7, committee=3)


def test_branch_over_fifty_members():
    assert "超过50名" not in texts(_branch(), 45, 5)
    assert "超过50名" in texts(_branch(), 46, 5)


def test_party_committee_from_one_hundred():
    assert "可成立基层党委" not in texts(_branch(OrgType.GENERAL_BRANCH), 99)
    assert "可成立基层党委" in texts(_branch(OrgType.GENERAL_BRANCH), 100)


def test_missing_secretary_and_source_named():
    ws = structure_warnings(_branch(), MemberCounts(5, 0), committee_size=0, has_secretary=False)
    assert any(w.text == "未配备书记。" for w in ws)
    assert all(w.source.startswith("《") for w in ws)


@pytest.mark.django_db
def test_needs_attention_and_org_page(county, login):
    # branch_b1 has 4 full members and no secretary; give a1 a secretary and shrink a2 to 2.
    Post.objects.create(org=county.branch_a1, member=county.members["a1"][1], kind="secretary", term_start=date(2023, 1, 1))
    for m in Member.objects.filter(org=county.branch_a2)[:2]:
        m.category, m.confirmed_on = "probationary", None
        m.save()
    flagged = {org.pk: [w.text for w in ws] for org, ws in needs_attention(county.users["gongwei"])}
    assert county.branch_a1.pk not in flagged
    assert any("不足3名" in t for t in flagged[county.branch_a2.pk])
    assert "未配备书记。" in flagged[county.branch_b1.pk]
    # zhibu's list is limited to its own branch.
    assert {o.pk for o, _ in needs_attention(county.users["zhibu"])} <= {county.branch_a1.pk}
    page = login(county.users["dangwei"]).get(reverse("orgs:detail", args=[county.branch_a2.pk])).content.decode()
    assert "不足3名" in page and "支部工作条例" in page
    member_in(county.branch_a2)
