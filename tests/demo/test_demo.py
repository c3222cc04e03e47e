"""The demo county: shape, valid records, bulletin shares, accounts and the `demo` command."""

from __future__ import annotations

import math
from datetime import timedelta
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.test import RequestFactory
from django.utils import timezone

from dangjian.accounts.models import Grant, User
from dangjian.accounts.roles import Role
from dangjian.core.crypto import provider
from dangjian.core.strokes import stroke_key
from dangjian.demo.builder import PASSWORD, DemoError, build_demo
from dangjian.members.choices import (
    COLLEGE_OR_ABOVE,
    Gender,
    MemberCategory,
    MemberStatus,
    Occupation,
)
from dangjian.members.idnumber import check_id_number, mask_id_number
from dangjian.members.models import Member
from dangjian.members.services import _add_years, id_number_index
from dangjian.orgs.models import (
    BRANCH_TYPES,
    Organization,
    OrgChangeRequest,
    OrgType,
    Post,
    PostKind,
    RequestKind,
    RequestStatus,
)
from dangjian.orgs.selectors import needs_attention

SMALL = 300


def within(share: float, expected: float, n: int, *, sigmas: float = 4.0) -> bool:
    """True if a share is within `sigmas` binomial standard deviations of the expected share.

    The builder assigns these attributes by exact quotas, so the share is exact up to rounding;
    the bound is the one a random draw of n members would meet (4σ: about 1 in 16,000 fails),
    so the test stays valid if the builder ever switches to independent draws. For n = 300 and
    30.9 % women, 4σ = 4·√(0.309·0.691/300) ≈ 10.7 points; at 3,000 it is ±3.4 points.
    """
    sigma = math.sqrt(expected * (1 - expected) / n)
    return abs(share - expected) <= sigmas * sigma + 1 / n


@pytest.fixture(scope="class")
def small_county(django_db_setup, django_db_blocker):
    """One 300-member build shared by a test class, rolled back when the class is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo(members_target=SMALL)
        transaction.set_rollback(True)


@pytest.fixture
def demo(small_county, db):
    return small_county


class TestSmallCounty:
    """A 300-member build: each 党委 keeps its first units and every unit the demo needs."""

    def test_tree_shape(self, demo):
        roots = Organization.objects.get_root_nodes()
        assert [r.org_type for r in roots] == [OrgType.COUNTY_COMMITTEE]
        (gongwei,) = Organization.objects.get_children(roots[0])
        assert gongwei.org_type == OrgType.WORK_COMMITTEE
        assert gongwei.name == "中共示范县直属机关工作委员会"
        committees = list(Organization.objects.get_children(gongwei))
        assert len(committees) == 15
        assert {c.org_type for c in committees} == {OrgType.PARTY_COMMITTEE}
        assert all(
            c.name.startswith("中共示范县") and c.name.endswith("委员会") for c in committees
        )
        # Every path is valid treebeard (no orphans, wrong depths or child counts).
        assert all(problem == [] for problem in Organization.objects.find_problems())
        types = {o.org_type for o in Organization.objects.all()}
        assert {
            OrgType.GENERAL_BRANCH,
            OrgType.BRANCH,
            OrgType.JOINT_BRANCH,
            OrgType.GROUP,
        } <= types
        # Members sit in branches only, and their copied path is their organisation's path.
        # The county has SMALL members; the lifecycle demos then admit applicants and receive
        # incoming transfers, each a member made through those modules' services.
        assert Member.objects.count() == SMALL + len(lifecycle_member_ids()) == demo.members
        assert not Member.objects.exclude(org__org_type__in=BRANCH_TYPES).exists()
        assert not Member.objects.exclude(org_path=F("org__path")).exists()

    def test_member_records_are_valid(self, demo):
        today = timezone.localdate()
        crypto = provider()
        lifecycle = lifecycle_member_ids()
        for m in Member.objects.all():
            number = crypto.decrypt(m.id_number_enc)
            check = check_id_number(number, birth_date=m.birth_date, gender=m.gender)
            assert check.birth_date == m.birth_date and check.gender == m.gender
            assert not check.warnings, (
                m.name,
                check.warnings,
            )  # region codes valid for the birth year
            assert m.id_number_hash == id_number_index(number)
            assert m.id_number_masked == mask_id_number(number)
            if m.phone_enc:
                phone = crypto.decrypt(m.phone_enc)
                assert phone[:3] == m.phone_masked[:3] and phone[-4:] == m.phone_masked[-4:]
            assert m.stroke_key == stroke_key(m.name) and m.pinyin_initials
            if m.pk in lifecycle:
                continue  # dates follow the development and transfer records (tested there)
            assert m.joined_on >= _add_years(m.birth_date, 18), m.name
            assert m.joined_on <= today
            if m.category == MemberCategory.FULL:
                assert m.confirmed_on == _add_years(m.joined_on, 1) <= today
            else:
                assert m.confirmed_on is None
                assert today - timedelta(days=366) < m.joined_on <= today
            if m.status != MemberStatus.NORMAL:
                assert m.status_date and m.status_reason
            age = (today - m.birth_date).days / 365.25
            if m.occupation == Occupation.STUDENT:
                assert age < 23
            if m.occupation != Occupation.RETIRED:
                assert age < 61
        assert Member.objects.exclude(status=MemberStatus.NORMAL).exists()
        probationary = (
            Member.objects.filter(category=MemberCategory.PROBATIONARY)
            .exclude(pk__in=lifecycle)
            .count()
        )
        assert 0.01 <= probationary / SMALL <= 0.04

    def test_bulletin_shares(self, demo):
        members = Member.objects.exclude(pk__in=lifecycle_member_ids())
        women = members.filter(gender=Gender.FEMALE).count() / SMALL
        assert within(women, 0.309, SMALL)
        assert within(members.exclude(ethnicity="汉族").count() / SMALL, 0.077, SMALL)
        assert within(members.filter(education__in=COLLEGE_OR_ABOVE).count() / SMALL, 0.576, SMALL)
        assert (
            members.filter(ethnicity="畲族").count()
            > members.exclude(ethnicity__in=["汉族", "畲族"]).count()
        )
        assert set(members.values_list("occupation", flat=True)) == set(Occupation.values)

    def test_leadership_and_attention_list(self, demo):
        today = timezone.localdate()
        current = Post.objects.filter(ended_on__isnull=True)
        for committee in Organization.objects.filter(org_type=OrgType.PARTY_COMMITTEE):
            posts = current.filter(org=committee)
            assert posts.filter(kind=PostKind.SECRETARY).count() == 1
            assert posts.filter(kind=PostKind.MEMBER).count() >= 3
            assert {p.term_end for p in posts} == {_add_years(posts[0].term_start, 5)}
        assert (
            current.filter(org__org_type=OrgType.PARTY_COMMITTEE, kind=PostKind.DEPUTY).count()
            == 12
        )
        for post in current.select_related("org", "member"):
            assert post.member.org_path.startswith(post.org.path)
            assert post.member.status == MemberStatus.NORMAL
            assert post.member.category == MemberCategory.FULL
            assert post.term_start < today
        for branch in Organization.objects.filter(org_type__in=BRANCH_TYPES):
            full = branch.members.filter(status=MemberStatus.NORMAL, category=MemberCategory.FULL)
            posts = current.filter(org=branch)
            if branch.short_name == "县城市建设监察大队党支部":
                assert not posts.filter(kind=PostKind.SECRETARY).exists()
                assert Post.objects.filter(org=branch, ended_on__isnull=False).exists()
            elif full.count() >= 7:
                assert posts.filter(kind=PostKind.SECRETARY).count() == 1
                assert set(posts.values_list("portfolio", flat=True)) >= {
                    "organisation", "propaganda", "discipline"
                }  # fmt: skip
            elif full.exists():
                assert list(posts.values_list("kind", flat=True)) == [PostKind.SECRETARY]
        gongwei = User.objects.get(username="gongwei")
        flagged = {
            org.short_name: " ".join(w.text for w in ws) for org, ws in needs_attention(gongwei)
        }
        assert "不足3名" in flagged["县水文站党支部"]
        assert "超过50名" in flagged["县公安局机关党支部"]
        assert "未配备书记" in flagged["县城市建设监察大队党支部"]

    def test_accounts(self, demo):
        expected = {
            "admin": (Role.SYSTEM_ADMIN, OrgType.COUNTY_COMMITTEE),
            "gongwei": (Role.WORK_COMMITTEE_ADMIN, OrgType.WORK_COMMITTEE),
            "dangwei": (Role.COMMITTEE_ADMIN, OrgType.PARTY_COMMITTEE),
            "zhibu": (Role.BRANCH_SECRETARY, OrgType.BRANCH),
            "zhibu2": (Role.BRANCH_SECRETARY, OrgType.BRANCH),
            "dangyuan": (Role.MEMBER, OrgType.BRANCH),
            "shenji": (Role.AUDITOR, OrgType.WORK_COMMITTEE),
        }
        assert {a.username for a in demo.accounts} == set(expected)
        request = RequestFactory().post("/accounts/login/")
        grants = {}
        for username, (role, org_type) in expected.items():
            user = User.objects.get(username=username)
            assert "演示" in user.display_name
            (grant,) = Grant.objects.filter(user=user).select_related("org")
            assert (grant.role, grant.org.org_type) == (role, org_type)
            grants[username] = grant.org
            assert authenticate(request, username=username, password=PASSWORD) == user
        first_committee = Organization.objects.filter(org_type=OrgType.PARTY_COMMITTEE).order_by(
            "path"
        )[0]
        assert grants["dangwei"] == first_committee
        assert grants["zhibu"].path.startswith(first_committee.path)
        committee_of = lambda org: org.path[: first_committee.depth * Organization.steplen]  # noqa: E731
        assert committee_of(grants["zhibu"]) != committee_of(grants["zhibu2"])
        member = User.objects.get(username="dangyuan").member
        assert member.org == grants["zhibu"] == grants["dangyuan"]
        assert member.status == MemberStatus.NORMAL
        # Accounts are not members, except the 党员 account.
        assert Member.objects.filter(user__isnull=False).count() == 1

    def test_pending_requests(self, demo):
        dangwei = User.objects.get(username="dangwei")
        requests = OrgChangeRequest.objects.filter(status=RequestStatus.PENDING)
        assert {r.kind for r in requests} == {
            RequestKind.MOVE,
            RequestKind.CREATE,
            RequestKind.DISSOLVE,
        }
        assert {r.requested_by for r in requests} == {dangwei}
        scope = Grant.objects.get(user=dangwei).org.path
        assert all(r.org.path.startswith(scope) for r in requests)
        create = requests.get(kind=RequestKind.CREATE)
        assert create.payload["org_type"] == OrgType.BRANCH
        assert not Organization.objects.filter(code=create.payload["code"]).exists()

    def test_one_audit_event_for_the_build(self, demo):
        """Object-level audit logging is off during the build; one 批量导入 event records it."""
        (entry,) = LogEntry.objects.all()
        assert entry.additional_data["event"] == "import"
        assert entry.additional_data["demo"] is True
        assert entry.additional_data["members"] == demo.members


def test_command_refuses_then_resets(db):
    out = StringIO()
    call_command("demo", "--members", str(SMALL), stdout=out)
    text = out.getvalue()
    assert "党委 15 个" in text and "demo12345" in text and "dangyuan" in text
    first = list(
        Member.objects.order_by("stroke_key", "id").values_list("name", "birth_date", "org__code")
    )
    with pytest.raises(CommandError, match="已有党组织"):
        call_command("demo", "--members", str(SMALL), stdout=StringIO())
    quiet = StringIO()
    call_command("demo", "--members", str(SMALL), "--if-empty", stdout=quiet)
    assert "沿用现有数据" in quiet.getvalue()
    assert Member.objects.count() == len(first)
    with pytest.raises(DemoError):
        build_demo(members_target=SMALL)
    call_command("demo", "--members", str(SMALL), "--reset", stdout=StringIO(), stderr=StringIO())
    again = list(
        Member.objects.order_by("stroke_key", "id").values_list("name", "birth_date", "org__code")
    )
    assert again == first  # same seed, same county
    assert User.objects.count() == 7 and Organization.objects.get_root_nodes().count() == 1
    assert LogEntry.objects.count() == 2  # the audit log survives a reset


def lifecycle_member_ids() -> set[int]:
    """Members made by the lifecycle demos: admitted applicants and incoming transfers."""
    from dangjian.development.models import Applicant
    from dangjian.transfers.models import Transfer

    admitted = Applicant.objects.filter(member__isnull=False).values_list("member_id", flat=True)
    received = Transfer.objects.filter(kind="in", member__isnull=False).values_list(
        "member_id", flat=True
    )
    return set(admitted) | set(received)


def test_full_size_build(db):
    """The default 3,000-member county: ~4 s of CPU on SQLite or PostgreSQL (wall 9-16 s measured
    on a busy 2-CPU machine), cheap enough to keep in the default run."""
    summary = build_demo()
    n = summary.members - len(lifecycle_member_ids())
    assert n == 3000
    assert abs(summary.women / n - 0.309) <= 0.05
    assert within(summary.women / n, 0.309, n)
    assert within(summary.minorities / n, 0.077, n)
    assert within(summary.college / n, 0.576, n)
    branches = Organization.objects.filter(org_type__in=[*BRANCH_TYPES, OrgType.GENERAL_BRANCH])
    assert 110 <= branches.count() <= 130
    committee_members = Post.objects.filter(
        org__org_type=OrgType.PARTY_COMMITTEE, kind=PostKind.MEMBER
    ).count()
    assert committee_members == 123  # 宁化县: 15 书记, 12 副书记, 123 党委委员
    assert not Member.objects.exclude(org_path=F("org__path")).exists()
