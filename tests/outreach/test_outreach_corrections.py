"""Corrections (issue 6, second round): partners, pairings, yearly tasks, 挂点联系, 派驻 and their
records are corrected or ended through the services with a reason; the audit log keeps the
before/after, a Revision keeps the reason and is shown as a change history. Out of scope is 404 and
bad input changes nothing."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from dangjian.orgs.models import Post, PostKind
from dangjian.outreach import selectors, services
from dangjian.outreach.models import (
    Category,
    Contact,
    Dispatch,
    DispatchRole,
    Liaison,
    Pairing,
    PairingTask,
    Partner,
    PartnerKind,
    Revision,
    RevisionKind,
)

TODAY = timezone.localdate


def years_ago(n: int) -> date:
    return date(TODAY().year - n, 1, 1)


def _act(county, pairing, held_on=None, **kw):
    return services.record_activity(
        actor=county.users["zhibu"], pairing=pairing, held_on=held_on or TODAY(),
        category=Category.PARTY_WORK, summary="联席会", participants=county.members["a1"][:1], **kw,
    )  # fmt: skip


def _snapshot(obj):
    obj.refresh_from_db()
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


# ---------------------------------------------------------------- pairings


def test_pairing_details_are_corrected_with_reason_and_audit(county, pairing):
    a1 = county.members["a1"]
    services.edit_pairing(
        actor=county.users["zhibu"], pairing=pairing, reason="协调人选错了",
        coordinator=a1[2], agreement_text="共建协议第二稿", started_on=years_ago(2) + timedelta(days=9),
    )  # fmt: skip

    pairing.refresh_from_db()
    assert pairing.coordinator == a1[2]
    assert pairing.agreement_text == "共建协议第二稿"
    rev = Revision.objects.get()
    assert rev.kind == RevisionKind.EDIT and rev.reason == "协调人选错了"
    assert rev.org_path == county.branch_a1.path
    fields = {c[0]: c[1:] for c in rev.changes}
    assert fields["coordinator"] == [a1[1].name, a1[2].name]
    assert fields["started_on"][0] == years_ago(2).isoformat()
    entry = LogEntry.objects.get_for_object(pairing).filter(action=LogEntry.Action.UPDATE).get()
    assert "coordinator" in entry.changes_dict and "agreement_text" in entry.changes_dict

    [shown] = selectors.history(county.users["zhibu"], [pairing])
    labels = {label for label, _b, _a in shown.rows}
    assert {"具体协调人", "共建协议", "结对日期"} <= labels


def test_a_new_agreement_file_replaces_the_old_one_and_the_old_name_stays_in_history(
    county, pairing
):
    doc = SimpleUploadedFile("协议.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    services.edit_pairing(
        actor=county.users["zhibu"], pairing=pairing, reason="补传", agreement=doc
    )
    doc2 = SimpleUploadedFile("协议（盖章）.pdf", b"%PDF-1.4 y", content_type="application/pdf")
    services.edit_pairing(
        actor=county.users["zhibu"], pairing=pairing, reason="换盖章版", agreement=doc2
    )
    pairing.refresh_from_db()
    assert pairing.agreement_name == "协议（盖章）.pdf"
    latest = Revision.objects.order_by("-id").first()
    assert ["agreement_name", "协议.pdf", "协议（盖章）.pdf"] in latest.changes


@pytest.mark.parametrize(
    "change, field, text",
    [
        ({"reason": ""}, "reason", "更正原因"),
        ({"started_on": None}, "started_on", "请填写"),
        ({"started_on": "tomorrow"}, "started_on", "不能晚于今天"),
        ({"leader": "outsider"}, "leader", "党籍正常"),
        ({"ended_on": "yesterday"}, "ended_on", "结束结对"),
        ({}, "reason", "没有需要更正的内容"),
    ],
)
def test_bad_pairing_corrections_change_nothing(county, pairing, change, field, text):
    before = _snapshot(pairing)
    kw = {"reason": "更正"} | change
    if kw.get("started_on") == "tomorrow":
        kw["started_on"] = TODAY() + timedelta(days=1)
    if kw.get("leader") == "outsider":
        kw["leader"] = county.members["b1"][0]
    if kw.get("ended_on") == "yesterday":
        kw["ended_on"] = TODAY() - timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.edit_pairing(actor=county.users["zhibu"], pairing=pairing, **kw)
    assert text in " ".join(exc.value.message_dict[field])
    assert _snapshot(pairing) == before
    assert not Revision.objects.exists()


def test_start_date_may_move_up_to_the_first_activity_not_past_it(county, pairing):
    first = TODAY() - timedelta(days=10)
    _act(county, pairing, held_on=first)
    with pytest.raises(ValidationError) as exc:
        services.edit_pairing(
            actor=county.users["zhibu"], pairing=pairing, reason="x",
            started_on=first + timedelta(days=1),
        )  # fmt: skip
    assert "第一次活动" in exc.value.message_dict["started_on"][0]
    services.edit_pairing(
        actor=county.users["zhibu"], pairing=pairing, reason="x", started_on=first
    )
    pairing.refresh_from_db()
    assert pairing.started_on == first


def test_start_date_cannot_pass_the_year_of_a_live_task(county, pairing):
    first_year = pairing.started_on.year
    task = services.add_task(
        actor=county.users["zhibu"], pairing=pairing, year=first_year, category=Category.SOCIAL,
        title="走访慰问",
    )  # fmt: skip
    later = date(first_year + 1, 1, 1)
    with pytest.raises(ValidationError) as exc:
        services.edit_pairing(
            actor=county.users["zhibu"], pairing=pairing, reason="x", started_on=later
        )
    assert f"{first_year}年度的任务" in exc.value.message_dict["started_on"][0]
    services.withdraw_task(actor=county.users["zhibu"], task=task, reason="录错年度")
    services.edit_pairing(
        actor=county.users["zhibu"], pairing=pairing, reason="x", started_on=later
    )


def test_an_ended_pairings_end_date_and_reason_are_corrected_within_the_activities(county, pairing):
    last = TODAY() - timedelta(days=5)
    _act(county, pairing, held_on=last)
    services.end_pairing(
        actor=county.users["zhibu"], pairing=pairing, ended_on=TODAY(), reason="村改社区"
    )
    with pytest.raises(ValidationError) as exc:
        services.edit_pairing(
            actor=county.users["zhibu"], pairing=pairing, reason="日期错",
            ended_on=last - timedelta(days=1),
        )  # fmt: skip
    assert "最后一次活动" in exc.value.message_dict["ended_on"][0]
    services.edit_pairing(
        actor=county.users["zhibu"], pairing=pairing, reason="日期错", ended_on=last,
        end_reason="村改社区，合并结对",
    )  # fmt: skip
    pairing.refresh_from_db()
    assert pairing.ended_on == last and pairing.end_reason == "村改社区，合并结对"
    kinds = list(Revision.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [RevisionKind.END, RevisionKind.EDIT]


def test_someone_else_cannot_correct_a_pairing(county, pairing):
    with pytest.raises(Http404):
        services.edit_pairing(
            actor=county.users["zhibu2"], pairing=pairing, reason="x", agreement_text="y"
        )
    assert Pairing.objects.get().agreement_text == ""


# ---------------------------------------------------------------- partners


def test_partner_is_corrected_and_its_pairings_follow_the_new_type(county, pairing, village):
    services.edit_partner(
        actor=county.users["gongwei"], partner=village, reason="已撤村建居",
        name="东山社区", kind=PartnerKind.COMMUNITY,
    )  # fmt: skip
    village.refresh_from_db()
    assert village.name == "东山社区"
    assert Pairing.objects.get().partner_kind == PartnerKind.COMMUNITY
    f = selectors.figures(county.users["gongwei"], county.gongwei, years_ago(3), TODAY())
    assert [k.kind for k in f.kinds] == [PartnerKind.COMMUNITY]
    rev = Revision.objects.get()
    assert ["kind", "village", "community"] in rev.changes


def test_partner_correction_rules(county, village):
    gw = county.users["gongwei"]
    services.register_partner(actor=gw, org=county.gongwei, name="西山村", kind=PartnerKind.VILLAGE)
    with pytest.raises(ValidationError) as exc:
        services.edit_partner(actor=gw, partner=village, reason="x", name="西山村")
    assert "重名" in exc.value.message_dict["name"][0]
    with pytest.raises(ValidationError):
        services.edit_partner(actor=gw, partner=village, reason=" ", place="东山镇")
    with pytest.raises(Http404):  # registered at the 工委: a branch cannot change it
        services.edit_partner(actor=county.users["zhibu"], partner=village, reason="x", place="y")
    assert Partner.objects.get(pk=village.pk).place == "东山乡"
    services.edit_partner(actor=gw, partner=village, reason="乡名写错", place="东山镇")
    assert Partner.objects.get(pk=village.pk).place == "东山镇"


def test_a_partner_with_a_liaison_stays_a_two_new_organisation(county):
    gw = county.users["gongwei"]
    firm = services.register_partner(
        actor=gw, org=county.gongwei, name="鑫源公司", kind=PartnerKind.NON_PUBLIC
    )
    member = county.members["b1"][0]
    Post.objects.create(
        org=county.gongwei, member=member, kind=PostKind.MEMBER, term_start=years_ago(3)
    )
    services.record_liaison(
        actor=gw, org=county.gongwei, member=member, partner=firm, started_on=years_ago(1)
    )
    with pytest.raises(ValidationError) as exc:
        services.edit_partner(actor=gw, partner=firm, reason="x", kind=PartnerKind.VILLAGE)
    assert "两新组织" in exc.value.message_dict["kind"][0]
    services.edit_partner(actor=gw, partner=firm, reason="x", kind=PartnerKind.SOCIAL)
    assert Partner.objects.get(pk=firm.pk).kind == PartnerKind.SOCIAL


# ---------------------------------------------------------------- yearly tasks


def _task(county, pairing, title="修建村道", year=None):
    return services.add_task(
        actor=county.users["zhibu"], pairing=pairing, year=year or TODAY().year,
        category=Category.INFRASTRUCTURE, title=title,
    )  # fmt: skip


def test_a_task_entered_by_mistake_is_withdrawn_stays_listed_and_leaves_the_counts(county, pairing):
    keep, wrong = _task(county, pairing, "修建村道"), _task(county, pairing, "修建村到")
    f = selectors.figures(county.users["gongwei"], county.gongwei, years_ago(0), TODAY())
    assert f.tasks == 2

    services.withdraw_task(actor=county.users["zhibu"], task=wrong, reason="错字，重复录入")

    f = selectors.figures(county.users["gongwei"], county.gongwei, years_ago(0), TODAY())
    assert (f.tasks, f.tasks_done) == (1, 0)
    rows = selectors.task_rows(pairing)
    assert [t.pk for t in rows] == [keep.pk, wrong.pk]
    assert rows[1].withdrawn and rows[1].withdraw_reason == "错字，重复录入"
    assert PairingTask.objects.count() == 2
    assert Revision.objects.get().kind == RevisionKind.WITHDRAW
    with pytest.raises(ValidationError) as exc:
        _act(county, pairing, completes=[wrong])
    assert "已经撤回" in exc.value.message_dict["completes"][0]


def test_a_task_completed_by_an_activity_cannot_be_withdrawn_until_the_activity_is_corrected(
    county, pairing
):
    task = _task(county, pairing)
    act = _act(county, pairing, completes=[task])
    with pytest.raises(ValidationError) as exc:
        services.withdraw_task(actor=county.users["zhibu"], task=task, reason="x")
    assert "更正那次活动" in exc.value.message_dict["reason"][0]
    assert PairingTask.objects.get().withdrawn_at is None

    services.correct_activity(
        actor=county.users["zhibu"], activity=act, reason="勾错", completes=[]
    )
    services.withdraw_task(actor=county.users["zhibu"], task=task, reason="录错")
    assert PairingTask.objects.get().withdrawn


def test_withdrawing_needs_a_reason_and_happens_once(county, pairing):
    task = _task(county, pairing)
    with pytest.raises(ValidationError):
        services.withdraw_task(actor=county.users["zhibu"], task=task, reason="  ")
    assert PairingTask.objects.get().withdrawn_at is None
    services.withdraw_task(actor=county.users["zhibu"], task=task, reason="录错")
    with pytest.raises(ValidationError) as exc:
        services.withdraw_task(actor=county.users["zhibu"], task=task, reason="录错")
    assert "已经撤回" in exc.value.message_dict["reason"][0]
    with pytest.raises(Http404):
        services.withdraw_task(
            actor=county.users["zhibu2"], task=_task(county, pairing, "x"), reason="y"
        )


def test_tasks_can_be_added_later_in_the_year_and_completed_by_an_earlier_activity(county, pairing):
    act = _act(county, pairing, held_on=TODAY())
    late = _task(county, pairing, "年中补充：结对帮扶困难户")
    services.correct_activity(
        actor=county.users["zhibu"], activity=act, reason="补勾任务", completes=[late]
    )
    assert selectors.task_rows(pairing)[0].done
    with pytest.raises(ValidationError) as exc:
        _task(county, pairing, "年中补充：结对帮扶困难户")
    assert "已有这项任务" in exc.value.message_dict["title"][0]


def test_a_withdrawn_task_may_be_entered_again_correctly(county, pairing):
    wrong = _task(county, pairing, "修建村道")
    services.withdraw_task(actor=county.users["zhibu"], task=wrong, reason="类别选错")
    again = _task(county, pairing, "修建村道")
    assert again.pk != wrong.pk


# ---------------------------------------------------------------- 挂点联系 and 党建指导员


@pytest.fixture
def liaison(county):
    gw = county.users["gongwei"]
    firm = services.register_partner(
        actor=gw, org=county.gongwei, name="鑫源公司", kind=PartnerKind.NON_PUBLIC
    )
    for m in county.members["b1"][:2]:
        Post.objects.create(
            org=county.gongwei, member=m, kind=PostKind.MEMBER, term_start=years_ago(3)
        )
    return services.record_liaison(
        actor=gw, org=county.gongwei, member=county.members["b1"][0], partner=firm,
        started_on=years_ago(1),
    )  # fmt: skip


@pytest.fixture
def dispatch(county):
    gw = county.users["gongwei"]
    community = services.register_partner(
        actor=gw, org=county.gongwei, name="翠江社区", kind=PartnerKind.COMMUNITY
    )
    return services.record_dispatch(
        actor=gw, org=county.gongwei, role=DispatchRole.ASSISTANT, member=county.members["a1"][0],
        partner=community, started_on=years_ago(1),
    )  # fmt: skip


def test_a_liaison_is_corrected_to_another_sitting_committee_member(county, liaison):
    gw = county.users["gongwei"]
    other, outsider = county.members["b1"][1], county.members["a1"][0]
    with pytest.raises(ValidationError) as exc:
        services.edit_assignment(actor=gw, record=liaison, reason="选错人", member=outsider)
    assert "在任的委员" in exc.value.message_dict["member"][0]
    services.edit_assignment(actor=gw, record=liaison, reason="选错人", member=other)
    liaison.refresh_from_db()
    assert liaison.member == other
    assert Revision.objects.get().changes == [["member", county.members["b1"][0].name, other.name]]


def test_a_dispatch_role_and_dates_are_corrected_within_its_reports(county, dispatch):
    gw = county.users["gongwei"]
    day = TODAY() - timedelta(days=30)
    services.add_contact(actor=gw, dispatch=dispatch, happened_on=day, text="指导换届")
    with pytest.raises(ValidationError) as exc:
        services.edit_assignment(
            actor=gw, record=dispatch, reason="x", started_on=day + timedelta(days=1)
        )
    assert "第一条记录" in exc.value.message_dict["started_on"][0]
    services.edit_assignment(
        actor=gw, record=dispatch, reason="身份填错", role=DispatchRole.INSTRUCTOR, started_on=day
    )
    d = Dispatch.objects.get()
    assert (d.role, d.started_on) == (DispatchRole.INSTRUCTOR, day)


def test_ending_needs_a_reason_and_cannot_cut_off_reports(county, dispatch):
    gw = county.users["gongwei"]
    day = TODAY() - timedelta(days=3)
    services.add_contact(actor=gw, dispatch=dispatch, happened_on=day, text="报告")
    with pytest.raises(ValidationError) as exc:
        services.end_assignment(actor=gw, record=dispatch, ended_on=TODAY(), reason="")
    assert "结束原因" in exc.value.message_dict["reason"][0]
    with pytest.raises(ValidationError) as exc:
        services.end_assignment(
            actor=gw, record=dispatch, ended_on=day - timedelta(days=1), reason="期满"
        )
    assert "最后一条记录" in exc.value.message_dict["ended_on"][0]
    assert Dispatch.objects.get().ended_on is None

    services.end_assignment(actor=gw, record=dispatch, ended_on=day, reason="派驻期满")
    d = Dispatch.objects.get()
    assert (d.ended_on, d.end_reason) == (day, "派驻期满")
    with pytest.raises(ValidationError) as exc:  # an ended one cannot be made open again
        services.edit_assignment(actor=gw, record=d, reason="x", ended_on=None)
    services.edit_assignment(actor=gw, record=d, reason="日期错", ended_on=TODAY())
    assert Dispatch.objects.get().ended_on == TODAY()


def test_a_report_is_corrected_with_reason_within_its_posting(county, liaison):
    gw = county.users["gongwei"]
    c = services.add_contact(actor=gw, liaison=liaison, happened_on=TODAY(), text="走访企业")
    with pytest.raises(ValidationError) as exc:
        services.correct_contact(
            actor=gw, contact=c, reason="x", happened_on=liaison.started_on - timedelta(days=1)
        )
    assert "早于开始日期" in exc.value.message_dict["happened_on"][0]
    with pytest.raises(ValidationError):
        services.correct_contact(actor=gw, contact=c, reason="", text="走访鑫源公司")
    assert Contact.objects.get().text == "走访企业"
    services.correct_contact(actor=gw, contact=c, reason="补全单位名", text="走访鑫源公司")
    assert Contact.objects.get().text == "走访鑫源公司"
    rev = Revision.objects.get()
    assert rev.content_type == ContentType.objects.get_for_model(Contact)
    assert rev.changes == [["text", "走访企业", "走访鑫源公司"]]


def test_others_cannot_correct_or_end_postings(county, liaison, dispatch):
    c = services.add_contact(
        actor=county.users["gongwei"], liaison=liaison, happened_on=TODAY(), text="走访"
    )
    for user in ("zhibu", "dangwei"):
        with pytest.raises(Http404):
            services.edit_assignment(
                actor=county.users[user], record=dispatch, reason="x", role=DispatchRole.INSTRUCTOR
            )
        with pytest.raises(Http404):
            services.end_assignment(
                actor=county.users[user], record=liaison, ended_on=TODAY(), reason="x"
            )
        with pytest.raises(Http404):
            services.correct_contact(actor=county.users[user], contact=c, reason="x", text="y")
    assert Liaison.objects.get().ended_on is None
    assert not Revision.objects.exists()
