"""Opinions: permanence, consolidation with provenance, routing, states and guards, scope."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from opinions_support import opinion, routed_case

from dangjian.core.crypto import provider
from dangjian.opinions import selectors, services
from dangjian.opinions.models import (
    CaseState,
    CaseTask,
    EventKind,
    Level,
    MergeAction,
    MergeLog,
    Opinion,
    ReadOnlyError,
    TaskRole,
)

pytestmark = pytest.mark.django_db


def gw(s):
    return s.county.users["gongwei"]


# ---------------------------------------------------------------- intake and permanence


def test_opinion_stores_contact_encrypted_and_masked(setting):
    op = opinion(setting, name="张三丰", phone="13905981234")
    assert op.phone_masked == "139****1234"
    assert op.submitter_name_masked == "张**"
    assert "13905981234" not in op.phone_enc and provider().decrypt(op.phone_enc) == "13905981234"
    assert len(op.receipt) == 14 and op.receipt.count("-") == 2


def test_reveal_contact_needs_view_contact_and_is_audited(setting):
    from auditlog.models import LogEntry

    op = opinion(setting, name="张三丰", phone="13905981234")
    assert services.reveal_contact(actor=gw(setting), opinion=op) == ("张三丰", "13905981234")
    assert (
        LogEntry.objects.filter(additional_data__kind="view_pii").exists()
        or LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()
    )
    with pytest.raises(Http404):
        services.reveal_contact(actor=setting.county.users["zhibu"], opinion=op)


def test_opinion_is_never_edited_or_deleted(setting):
    op = opinion(setting)
    op.text = "改过的内容"
    with pytest.raises(ReadOnlyError):
        op.save()
    with pytest.raises(ReadOnlyError):
        op.save(update_fields=["text"])
    with pytest.raises(ReadOnlyError):
        op.delete()
    assert Opinion.objects.get(pk=op.pk).text == "小区门口路灯坏了很久没人修"


def test_bad_input_changes_nothing(setting):
    with pytest.raises(ValidationError) as exc:
        opinion(setting, "   ", phone="12345")
    assert set(exc.value.message_dict) == {"text", "phone"}
    assert Opinion.objects.count() == 0


def test_staff_entry_needs_a_staff_channel(setting):
    data = services.OpinionInput(text="路灯不亮", place=setting.place)
    with pytest.raises(ValidationError):
        services.record_opinion(
            actor=gw(setting), data=data, channel="online", intake_org=setting.county.gongwei
        )


def test_staff_entry_out_of_scope_is_404(setting):
    data = services.OpinionInput(text="路灯不亮", place=setting.place)
    with pytest.raises(Http404):
        services.record_opinion(
            actor=setting.county.users["zhibu2"],
            data=data,
            channel="visit",
            intake_org=setting.county.branch_a1,
        )


def test_public_rate_limit_both_sides(setting, settings):
    from dangjian.core.models import RuleSet

    RuleSet.objects.create(
        domain="opinions",
        name="测试",
        effective_from=timezone.localdate() - timedelta(days=1),
        values={"intake_per_hour": 2},
    )

    def submit(addr):
        return services.submit_public(
            data=services.OpinionInput(text="路灯坏了", place=setting.place), client_address=addr
        )

    submit("10.0.0.1")
    submit("10.0.0.1")  # the 2nd is still allowed
    with pytest.raises(ValidationError, match="每小时最多提交2条"):
        submit("10.0.0.1")
    submit("10.0.0.2")  # another address is not affected
    # an hour later the address may submit again
    Opinion.objects.filter(client_key=services.client_key("10.0.0.1")).update(
        recorded_at=timezone.now() - timedelta(hours=1, minutes=1)
    )
    assert submit("10.0.0.1").channel == "online"
    assert Opinion.objects.count() == 4


def test_public_submission_requires_place(setting):
    with pytest.raises(ValidationError) as exc:
        services.submit_public(
            data=services.OpinionInput(text="路灯坏了"), client_address="1.1.1.1"
        )
    assert "place" in exc.value.message_dict


# ---------------------------------------------------------------- consolidation and provenance


def test_consolidate_split_move_merge_keep_provenance(setting):
    g = gw(setting)
    a, b, c, d = (opinion(setting, t) for t in ("路灯坏了", "路灯不亮", "路面坑洼", "路面破损"))
    case = services.consolidate(actor=g, opinions=[a, b, c], title="道路照明与路面")
    assert case.state == CaseState.TO_ROUTE and case.opinions.count() == 3
    assert case.number.startswith(f"{timezone.localdate().year}-")
    # split the road-surface opinion off
    roads = services.split(actor=g, case=case, opinions=[c], title="路面破损", reason="诉求不同")
    assert list(roads.opinions.all()) == [Opinion.objects.get(pk=c.pk)]
    # an inbox opinion joins
    services.add_to_case(actor=g, case=roads, opinions=[d])
    # move one back
    services.move(actor=g, opinion=b, to_case=roads, reason="误归并")
    assert case.opinions.count() == 1 and roads.opinions.count() == 3
    # merge the remaining case into roads: terminal with a reason
    merged = services.merge_case(actor=g, case=case, into=roads, reason="同一路段")
    assert merged.state == CaseState.MERGED and merged.merged_into == roads
    assert roads.opinions.count() == 4
    actions = list(MergeLog.objects.filter(opinion=b).values_list("action", flat=True))
    assert actions == [MergeAction.CONSOLIDATE, MergeAction.MOVE]
    log = MergeLog.objects.filter(opinion=a).last()
    assert (log.action, log.from_case_id, log.to_case_id, log.reason, log.actor) == (
        MergeAction.MERGE,
        case.pk,
        roads.pk,
        "同一路段",
        g,
    )
    # the raw texts are untouched
    assert sorted(Opinion.objects.values_list("text", flat=True)) == sorted(
        ["路灯坏了", "路灯不亮", "路面坑洼", "路面破损"]
    )


def test_consolidation_guards(setting):
    g = gw(setting)
    a, b = opinion(setting, "一"), opinion(setting, "二")
    with pytest.raises(ValidationError):
        services.consolidate(actor=g, opinions=[], title="空")
    with pytest.raises(ValidationError):
        services.consolidate(actor=g, opinions=[a], title=" ")
    case = services.consolidate(actor=g, opinions=[a], title="一")
    with pytest.raises(ValidationError, match="已归入"):
        services.consolidate(actor=g, opinions=[a, b], title="再")
    with pytest.raises(ValidationError, match="至少要保留"):
        services.split(actor=g, case=case, opinions=[a], title="拆", reason="r")
    other = services.consolidate(actor=g, opinions=[b], title="二")
    with pytest.raises(ValidationError, match="唯一"):
        services.move(actor=g, opinion=a, to_case=other, reason="r")
    with pytest.raises(ValidationError, match="理由"):
        services.merge_case(actor=g, case=case, into=other, reason="")
    with pytest.raises(ValidationError):
        services.merge_case(actor=g, case=case, into=case, reason="r")
    services.reject(actor=g, case=other, reason="不属于受理范围")
    with pytest.raises(ValidationError, match="不予受理"):
        services.merge_case(actor=g, case=case, into=other, reason="r")


# ---------------------------------------------------------------- routing and deadlines


def test_route_sets_tasks_and_deadline_by_level(setting):
    case = routed_case(setting)
    today = timezone.localdate()
    assert case.state == CaseState.HANDLING and case.level == Level.JOINT
    assert case.deadline == today + timedelta(days=30)
    tasks = list(case.tasks.order_by("role"))
    assert [(t.unit.name, t.role) for t in tasks] == [
        ("区卫健局", TaskRole.CO),
        ("区教育局", TaskRole.LEAD),
    ]
    single = routed_case(setting, co=False, texts=("甲",))
    assert single.deadline == today + timedelta(days=15)


def test_category_deadline_overrides_level(setting):
    setting.school.deadline_days = 7
    setting.school.save()
    case = routed_case(setting, co=False, texts=("甲",))
    assert case.deadline == timezone.localdate() + timedelta(days=7)


def test_route_guards(setting):
    g = gw(setting)
    case = services.consolidate(actor=g, opinions=[opinion(setting)], title="路灯")
    lead = services.TaskInput(setting.build)
    co = [services.TaskInput(setting.edu)]
    with pytest.raises(ValidationError, match="不设协办"):
        services.route(actor=g, case=case, level="single", category=setting.roads, lead=lead, co=co)
    with pytest.raises(ValidationError, match="至少有一个协办"):
        services.route(actor=g, case=case, level="joint", category=setting.roads, lead=lead)
    with pytest.raises(ValidationError):
        services.route(
            actor=g, case=case, level="joint", category=setting.roads, lead=lead, co=[lead]
        )
    with pytest.raises(ValidationError):
        services.route(actor=g, case=case, level="single", category=None, lead=lead)
    assert CaseTask.objects.count() == 0
    # a branch secretary may not route
    with pytest.raises(Http404):
        services.route(
            actor=setting.county.users["zhibu"],
            case=case,
            level="single",
            category=setting.roads,
            lead=lead,
        )
    services.route(actor=g, case=case, level="single", category=setting.roads, lead=lead)
    with pytest.raises(ValidationError, match="待交办"):
        services.route(actor=g, case=case, level="single", category=setting.roads, lead=lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseTask.objects.create(
            case=case, unit=setting.edu, role=TaskRole.LEAD, deadline=timezone.localdate()
        )


def test_routing_rule_suggests_level_from_category(setting):
    assert services.suggest_routing(setting.roads).level == Level.SINGLE  # parent's unit
    assert services.suggest_routing(setting.roads).lead == setting.build
    setting.edu.categories.add(setting.health)
    r = services.suggest_routing(setting.health)
    assert r.level == Level.JOINT and r.lead == setting.health_unit and r.co_units == [setting.edu]
    assert services.suggest_routing(setting.big).level == Level.COORDINATE
    assert services.suggest_routing(None).level == ""


# ---------------------------------------------------------------- handling, reply, 回访


def test_only_lead_signs_reply_after_co_units_finish(setting):
    case = routed_case(setting)
    zhibu, zhibu2 = setting.county.users["zhibu"], setting.county.users["zhibu2"]
    co_task = case.tasks.get(role=TaskRole.CO)
    services.add_progress(actor=zhibu2, task=co_task, text="已安排医务人员")
    with pytest.raises(ValidationError, match="协办单位尚未完成"):
        services.reply(actor=zhibu, case=case, text="已增派交警")
    services.finish_task(actor=zhibu2, task=co_task)
    with pytest.raises(ValidationError, match="只有主办单位"):
        services.reply(actor=zhibu2, case=case, text="卫健局答复")
    case = services.reply(actor=zhibu, case=case, text="已增派交警疏导", publish=True)
    assert case.state == CaseState.REPLIED and case.replied_by == zhibu and case.reply_published
    with pytest.raises(ValidationError):
        services.reply(actor=zhibu, case=case, text="再答复")


def test_co_unit_cannot_write_on_lead_task(setting):
    case = routed_case(setting)
    with pytest.raises(Http404):
        services.add_progress(
            actor=setting.county.users["zhibu2"], task=case.tasks.get(role=TaskRole.LEAD), text="x"
        )


def test_follow_up_satisfied_then_close(setting):
    case = routed_case(setting, co=False, texts=("甲",))
    services.reply(actor=setting.county.users["zhibu"], case=case, text="已办")
    with pytest.raises(ValidationError, match="答复之后"):
        services.close(
            actor=gw(setting), case=routed_case(setting, co=False, texts=("乙",)), reason="r"
        )
    fu = services.follow_up(actor=gw(setting), case=case, result="basic")
    case.refresh_from_db()
    assert fu.round == 1 and case.state == CaseState.FOLLOWED_UP
    with pytest.raises(ValidationError, match="办结说明"):
        services.close(actor=gw(setting), case=case, reason="")
    services.close(actor=gw(setting), case=case, reason="群众基本满意")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.end_reason == "群众基本满意"


def test_unsatisfied_citizen_reopens_as_redo(setting):
    case = routed_case(setting, co=False, texts=("甲",))
    op = case.opinions.first()
    with pytest.raises(ValidationError, match="答复后"):
        services.rate_by_citizen(receipt=op.receipt, result="satisfied")
    services.reply(actor=setting.county.users["zhibu"], case=case, text="已办")
    with pytest.raises(ValidationError, match="说明原因"):
        services.rate_by_citizen(receipt=op.receipt, result="unsatisfied")
    services.rate_by_citizen(
        receipt=op.receipt.lower().replace("-", ""), result="unsatisfied", comment="没修好"
    )
    case.refresh_from_db()
    assert case.state == CaseState.REOPENED and case.round == 2
    assert case.tasks.get().done_on is None
    assert case.events.filter(kind=EventKind.REOPENED).exists()
    # handled again, replied again, rated again in the new round
    services.reply(actor=setting.county.users["zhibu"], case=case, text="重新维修")
    services.rate_by_citizen(receipt=op.receipt, result="satisfied")
    with pytest.raises(ValidationError, match="已对本次答复"):
        services.rate_by_citizen(receipt=op.receipt, result="satisfied")
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWED_UP


def test_reject_needs_reason_and_is_terminal(setting):
    g = gw(setting)
    case = services.consolidate(actor=g, opinions=[opinion(setting)], title="x")
    with pytest.raises(ValidationError):
        services.reject(actor=g, case=case, reason=" ")
    services.reject(actor=g, case=case, reason="属司法程序")
    with pytest.raises(ValidationError):
        services.route(
            actor=g,
            case=case,
            level="single",
            category=setting.roads,
            lead=services.TaskInput(setting.build),
        )


# ---------------------------------------------------------------- 催办, 督办, extension, escalation


def test_urge_and_supervise_only_by_work_committee(setting):
    case = routed_case(setting)
    services.urge(actor=gw(setting), case=case, text="请加快办理")
    services.urge(actor=gw(setting), case=case, text="列入督办", formal=True)
    kinds = list(case.events.values_list("kind", flat=True))
    assert EventKind.URGE in kinds and EventKind.SUPERVISE in kinds
    with pytest.raises(Http404):
        services.urge(actor=setting.county.users["dangwei"], case=case, text="x")


def test_extension_request_and_approval_moves_deadline(setting):
    case = routed_case(setting, co=False, texts=("甲",))
    task = case.tasks.get()
    zhibu = setting.county.users["zhibu"]
    with pytest.raises(ValidationError, match="应晚于"):
        services.request_extension(actor=zhibu, task=task, new_deadline=task.deadline, reason="r")
    with pytest.raises(ValidationError, match="单次延期最长：30日"):
        services.request_extension(
            actor=zhibu, task=task, new_deadline=task.deadline + timedelta(days=31), reason="r"
        )
    ext = services.request_extension(
        actor=zhibu, task=task, new_deadline=task.deadline + timedelta(days=30), reason="需招标"
    )
    with pytest.raises(Http404):
        services.decide_extension(actor=zhibu, extension=ext, approve=True)
    services.decide_extension(actor=gw(setting), extension=ext, approve=True)
    case.refresh_from_db()
    task.refresh_from_db()
    assert task.deadline == case.deadline == timezone.localdate() + timedelta(days=45)
    ext2 = services.request_extension(
        actor=zhibu, task=task, new_deadline=task.deadline + timedelta(days=1), reason="再延"
    )
    with pytest.raises(ValidationError, match="理由"):
        services.decide_extension(actor=gw(setting), extension=ext2, approve=False)
    services.decide_extension(
        actor=gw(setting), extension=ext2, approve=False, note="不符合延期条件"
    )
    task.refresh_from_db()
    assert task.deadline == timezone.localdate() + timedelta(days=45)


def test_overdue_and_escalation_threshold_both_sides(setting):
    case = routed_case(setting, co=False, texts=("甲",))
    d = case.deadline
    assert services.overdue_days(case, d) == 0
    assert services.overdue_days(case, d + timedelta(days=1)) == 1
    assert not services.escalation_due(case, d + timedelta(days=15))
    assert services.escalation_due(case, d + timedelta(days=16))
    qs = selectors.overdue_cases(selectors.cases_for(gw(setting)), d + timedelta(days=1))
    assert list(qs) == [case]
    assert not selectors.overdue_cases(selectors.cases_for(gw(setting)), d).exists()


def test_escalate_to_level_one(setting):
    case = routed_case(setting, co=False, texts=("甲",))
    with pytest.raises(ValidationError):
        services.escalate(actor=gw(setting), case=case, reason="")
    services.escalate(actor=gw(setting), case=case, reason="涉及多部门，需区委区政府统筹")
    case.refresh_from_db()
    assert case.level == Level.COORDINATE and case.escalated
    assert case.deadline == timezone.localdate() + timedelta(days=60)
    with pytest.raises(ValidationError, match="已是"):
        services.escalate(actor=gw(setting), case=case, reason="再提")
    assert not services.escalation_due(case, case.deadline + timedelta(days=100))


# ---------------------------------------------------------------- scope


def test_scope_unit_sees_only_its_cases(setting):
    joint = routed_case(setting)  # 教育局 lead, 卫健局 co
    g = gw(setting)
    solo = services.consolidate(actor=g, opinions=[opinion(setting, "路灯")], title="路灯")
    services.route(
        actor=g,
        case=solo,
        level="single",
        category=setting.roads,
        lead=services.TaskInput(setting.build),
    )
    edu_only = routed_case(setting, co=False, texts=("学校食堂",))
    zhibu, zhibu2 = setting.county.users["zhibu"], setting.county.users["zhibu2"]
    assert set(selectors.cases_for(zhibu)) == {joint, edu_only}
    assert set(selectors.cases_for(zhibu2)) == {joint}
    assert set(selectors.cases_for(g)) == {joint, solo, edu_only}
    with pytest.raises(Http404):
        selectors.get_case_or_404(zhibu2, edu_only.pk)
    assert selectors.get_case_or_404(zhibu, edu_only.pk) == edu_only
    # zhibu2 sees the opinions of the joint case only
    assert set(selectors.opinions_for(zhibu2)) == set(joint.opinions.all())
    assert not selectors.inbox(zhibu2).exists()


def test_moving_a_subtree_keeps_copied_paths_in_step(setting):
    from dangjian.orgs.models import Organization
    from dangjian.orgs.services import copied_path_fields, move_subtree

    labels = {(m._meta.label, f) for m, f in copied_path_fields()}
    assert {
        ("opinions.Case", "intake_path"),
        ("opinions.CaseTask", "unit_path"),
        ("opinions.Unit", "org_path"),
    } <= labels
    case = routed_case(setting, co=False, texts=("甲",))
    move_subtree(setting.county.branch_a1, setting.county.dangwei_b)
    new_path = Organization.objects.get(pk=setting.county.branch_a1.pk).path
    setting.edu.refresh_from_db()
    assert case.tasks.get().unit_path == new_path and setting.edu.org_path == new_path
    # zhibu's grant moved with the branch: the case is still theirs
    from dangjian.core.scope import forget_grants

    zhibu = setting.county.users["zhibu"]
    forget_grants(zhibu)
    assert selectors.get_case_or_404(zhibu, case.pk) == case
