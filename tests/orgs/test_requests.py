import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from dangjian.members.models import Member
from dangjian.orgs.models import Organization, RequestStatus
from dangjian.orgs.services import decide_request, submit_request


def test_create_request_changes_nothing_until_approved(county):
    n = Organization.objects.count()
    req = submit_request(
        actor=county.users["dangwei"],
        kind="create",
        org=county.dangwei_a,
        reason="新设科室",
        payload={
            "name": "教育局机关第三党支部",
            "code": "T113",
            "org_type": "党支部",
            "sector": "机关",
        },
    )
    assert Organization.objects.count() == n
    decide_request(actor=county.users["gongwei"], request_obj=req, approve=True, note="同意")
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and req.decided_by == county.users["gongwei"]
    new = Organization.objects.get(code="T113")
    assert new.path.startswith(county.dangwei_a.path) and new.depth == county.dangwei_a.depth + 1


def test_move_subtree_keeps_member_paths_in_step(county):
    req = submit_request(
        actor=county.users["gongwei"],
        kind="move",
        org=county.branch_a2,
        target=county.dangwei_b,
        reason="机构改革",
    )
    # The requester cannot approve their own request.
    with pytest.raises(ValidationError, match="自己"):
        decide_request(actor=county.users["gongwei"], request_obj=req, approve=True)
    from support import user_with

    other = user_with("gongwei2", "work_committee_admin", county.gongwei)
    decide_request(actor=other, request_obj=req, approve=True)
    moved = Organization.objects.get(pk=county.branch_a2.pk)
    assert moved.path.startswith(county.dangwei_b.path)
    for m in Member.objects.filter(org=moved):
        assert m.org_path == moved.path
    # dangwei (党委A) no longer sees the moved branch; zhibu2's 党委 admin would.
    assert not Member.objects.filter(org=moved, org_path__startswith=county.dangwei_a.path).exists()


def test_move_into_own_subtree_or_wrong_type_refused(county):
    with pytest.raises(ValidationError, match="下级"):
        submit_request(
            actor=county.users["gongwei"],
            kind="move",
            org=county.dangwei_a,
            target=county.branch_a1,
            reason="x",
        )
    with pytest.raises(ValidationError, match="不能设立"):
        submit_request(
            actor=county.users["gongwei"],
            kind="move",
            org=county.dangwei_b,
            target=county.branch_a1,
            reason="x",
        )


def test_request_for_other_subtree_is_404(county):
    with pytest.raises(Http404):
        submit_request(
            actor=county.users["zhibu"], kind="dissolve", org=county.branch_b1, reason="x"
        )
    with pytest.raises(Http404):
        submit_request(
            actor=county.users["zhibu"],
            kind="merge",
            org=county.branch_a1,
            target=county.branch_b1,
            reason="x",
        )


def test_dissolve_with_members_refused_then_merge_works(county):
    req = submit_request(
        actor=county.users["dangwei"], kind="dissolve", org=county.branch_a2, reason="撤并"
    )
    with pytest.raises(ValidationError, match="还有"):
        decide_request(actor=county.users["gongwei"], request_obj=req, approve=True)
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING
    merge = submit_request(
        actor=county.users["dangwei"],
        kind="merge",
        org=county.branch_a2,
        target=county.branch_a1,
        reason="撤并",
    )
    moving = set(Member.objects.filter(org=county.branch_a2).values_list("pk", flat=True))
    decide_request(actor=county.users["gongwei"], request_obj=merge, approve=True)
    a2 = Organization.objects.get(pk=county.branch_a2.pk)
    assert a2.status == "dissolved" and a2.merged_into_id == county.branch_a1.pk
    assert (
        set(Member.objects.filter(org=county.branch_a1, pk__in=moving).values_list("pk", flat=True))
        == moving
    )


def test_only_work_committee_approves(county):
    req = submit_request(
        actor=county.users["zhibu"], kind="dissolve", org=county.branch_a1, reason="x"
    )
    for name in ("dangwei", "zhibu", "shenji"):
        with pytest.raises(Http404):
            decide_request(actor=county.users[name], request_obj=req, approve=True)


def test_reject_needs_reason_and_is_final(county):
    req = submit_request(
        actor=county.users["zhibu"], kind="dissolve", org=county.branch_a1, reason="x"
    )
    with pytest.raises(ValidationError, match="理由"):
        decide_request(actor=county.users["gongwei"], request_obj=req, approve=False, note="")
    decide_request(actor=county.users["gongwei"], request_obj=req, approve=False, note="不符合条件")
    with pytest.raises(ValidationError, match="不能重复审批"):
        decide_request(actor=county.users["gongwei"], request_obj=req, approve=True)


def test_tree_shows_pending_badge(county, login):
    submit_request(actor=county.users["zhibu"], kind="dissolve", org=county.branch_a1, reason="x")
    c = login(county.users["dangwei"])
    html = c.get(reverse("orgs:tree_children", args=[county.dangwei_a.pk])).content.decode()
    assert "1待批" in html
    page = c.get(reverse("orgs:tree") + f"?open={county.branch_a1.pk}").content.decode()
    assert "1待批" in page and county.branch_a1.name in page


def test_decision_page_flow(county, login):
    req = submit_request(
        actor=county.users["zhibu"],
        kind="create",
        org=county.branch_a1,
        reason="设立党小组",
        payload={"name": "第一党小组", "code": "T1111", "org_type": "group"},
    )
    c = login(county.users["gongwei"])
    resp = c.post(reverse("orgs:request", args=[req.pk]), {"decision": "approve", "note": "同意"})
    assert resp.status_code == 302
    assert Organization.objects.filter(code="T1111", depth=county.branch_a1.depth + 1).exists()


def test_moving_a_subtree_keeps_every_copied_path_in_step(county):
    """Applicants, their step records, transfers and jobs copy their organisation's path for scope;
    a move rewrites all of them with the members, so scope follows the organisation."""
    from datetime import date, timedelta

    from django.utils import timezone

    from dangjian.core.models import Job
    from dangjian.development.demo import new_applicant
    from dangjian.development.models import Applicant, StepRecord
    from dangjian.orgs.services import copied_path_fields, move_subtree
    from dangjian.transfers import services as transfers
    from dangjian.transfers.models import Transfer

    today = timezone.localdate()
    applicant = new_applicant(
        actor=county.users["zhibu"],
        org=county.branch_a1,
        name="林晓明",
        applied_on=today - timedelta(days=10),
        birth=date(1995, 6, 15),
        seq=901,
    )
    transfer = transfers.create_transfer(
        actor=county.users["zhibu"],
        member=county.members["a1"][2],
        kind="within",
        reason="工作调动",
        dues_year=today.year,
        dues_month=today.month,
        to_org=county.branch_b1,
    )
    job = Job.objects.create(
        kind="members_import", created_by=county.users["zhibu"], org_path=county.branch_a1.path
    )
    fields = {(m._meta.label, f) for m, f in copied_path_fields()}
    assert {
        ("members.Member", "org_path"),
        ("development.Applicant", "org_path"),
        ("transfers.Transfer", "from_path"),
        ("transfers.Transfer", "to_path"),
        ("core.Job", "org_path"),
    } <= fields

    move_subtree(county.branch_a1, county.dangwei_b)
    moved = Organization.objects.get(pk=county.branch_a1.pk)
    assert moved.path.startswith(county.dangwei_b.path)
    assert Applicant.objects.get(pk=applicant.pk).org_path == moved.path
    assert set(
        StepRecord.objects.filter(applicant=applicant).values_list("org_path", flat=True)
    ) == {moved.path}
    assert Transfer.objects.get(pk=transfer.pk).from_path == moved.path
    assert (
        Transfer.objects.get(pk=transfer.pk).to_path == county.branch_b1.path
    )  # the other end did not move
    assert Job.objects.get(pk=job.pk).org_path == moved.path
