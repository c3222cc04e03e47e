"""The services' batch paths (the demo uses them) keep the one-case checks: any failing item stops
the batch and nothing of it is written."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from opinions_support import opinion

from dangjian.opinions import services
from dangjian.opinions.models import (
    Case,
    CaseEvent,
    CaseState,
    CaseTask,
    FollowUp,
    MergeLog,
    Opinion,
    TaskRole,
)

pytestmark = pytest.mark.django_db


def gw(s):
    return s.county.users["gongwei"]


def _rows(setting, *texts, phone=""):
    return [
        (services.OpinionInput(text=t, place=setting.place, phone=phone), "visit") for t in texts
    ]


def test_record_opinions_checks_every_row(setting):
    bad = _rows(setting, "路灯坏了") + [
        (services.OpinionInput(text="井盖缺失", place=setting.place, phone="12345"), "visit")
    ]
    with pytest.raises(ValidationError):
        services.record_opinions(actor=gw(setting), rows=bad, intake_org=setting.county.gongwei)
    with pytest.raises(ValidationError):  # 网上提交 is the public page's, not staff entry
        services.record_opinions(
            actor=gw(setting),
            rows=[(services.OpinionInput(text="路灯坏了", place=setting.place), "online")],
            intake_org=setting.county.gongwei,
        )
    with pytest.raises(Http404):
        services.record_opinions(
            actor=setting.county.users["zhibu"],
            rows=_rows(setting, "路灯坏了"),
            intake_org=setting.county.gongwei,
        )
    assert Opinion.objects.count() == 0
    made = services.record_opinions(
        actor=gw(setting),
        rows=_rows(setting, "路灯坏了", "井盖缺失", phone="13800001111"),
        intake_org=setting.county.gongwei,
    )
    assert len(made) == 2 == Opinion.objects.count()
    assert len({o.receipt for o in made}) == 2
    assert all(o.phone_masked == "138****1111" and o.phone_enc for o in made)


def test_record_opinions_encrypts_only_a_given_contact(setting):
    (op,) = services.record_opinions(
        actor=gw(setting), rows=_rows(setting, "路灯坏了"), intake_org=setting.county.gongwei
    )
    assert op.phone_enc == "" and op.submitter_name_enc == ""


def test_consolidate_many_guards_and_provenance(setting):
    a, b, c = (opinion(setting, t) for t in ("路灯坏了", "路灯不亮", "井盖缺失"))
    day = timezone.localdate() - timedelta(days=30)
    with pytest.raises(ValidationError):  # one opinion in two groups
        services.consolidate_many(
            actor=gw(setting),
            groups=[
                services.GroupInput([a, b], "路灯"),
                services.GroupInput([b], "路灯2"),
            ],
        )
    with pytest.raises(ValidationError):  # a group without a title
        services.consolidate_many(actor=gw(setting), groups=[services.GroupInput([a], " ")])
    with pytest.raises(Http404):
        services.consolidate_many(
            actor=setting.county.users["zhibu"], groups=[services.GroupInput([a], "路灯")]
        )
    assert not Case.objects.exists() and not MergeLog.objects.exists()
    cases = services.consolidate_many(
        actor=gw(setting),
        groups=[
            services.GroupInput([a, b], "路灯不亮", on=day),
            services.GroupInput([c], "井盖缺失", category=setting.roads),
        ],
    )
    assert [x.number[-4:] for x in cases] == ["0001", "0002"]
    assert set(Opinion.objects.filter(case=cases[0]).values_list("pk", flat=True)) == {a.pk, b.pk}
    assert MergeLog.objects.filter(to_case=cases[0], action="consolidate").count() == 2
    created = CaseEvent.objects.get(case=cases[0], kind="created")
    assert created.on == day and created.text == "由2条意见形成"
    assert cases[1].category == setting.roads
    with pytest.raises(ValidationError):  # already in a case: use 移动
        services.consolidate_many(actor=gw(setting), groups=[services.GroupInput([a], "再归并")])


def _case(setting, text="学校门口交通拥堵"):
    return services.consolidate(actor=gw(setting), opinions=[opinion(setting, text)], title=text)


def test_route_many_checks_each_case(setting):
    c1, c2 = _case(setting), _case(setting, "卫生室缺医生")
    day = timezone.localdate() - timedelta(days=10)
    joint = services.RouteInput(
        c1,
        "joint",
        setting.school,
        services.TaskInput(setting.edu, "牵头"),
        [services.TaskInput(setting.health_unit, "配合")],
        on=day,
    )
    single_with_co = services.RouteInput(
        c2,
        "single",
        setting.health,
        services.TaskInput(setting.health_unit),
        [services.TaskInput(setting.edu)],
    )
    with pytest.raises(ValidationError):
        services.route_many(actor=gw(setting), routes=[joint, single_with_co])
    assert not CaseTask.objects.exists()
    with pytest.raises(Http404):
        services.route_many(actor=setting.county.users["zhibu"], routes=[joint])
    single = services.RouteInput(
        c2, "single", setting.health, services.TaskInput(setting.health_unit), on=day
    )
    services.route_many(actor=gw(setting), routes=[joint, single])
    c1.refresh_from_db()
    assert c1.state == CaseState.HANDLING and c1.level == "joint" and c1.routed_on == day
    assert c1.deadline == services.deadline_for("joint", setting.school, day)
    lead = c1.tasks.get(role=TaskRole.LEAD)
    assert lead.unit_path == setting.edu.org_path and lead.deadline == c1.deadline
    assert CaseEvent.objects.get(case=c1, kind="routed").on == day
    with pytest.raises(ValidationError):  # no longer 待交办
        services.route_many(actor=gw(setting), routes=[single])


def test_reply_follow_up_close_batches(setting):
    c1 = _case(setting)
    op = c1.opinions.get()
    day = timezone.localdate() - timedelta(days=5)
    (c1,) = services.route_many(
        actor=gw(setting),
        routes=[
            services.RouteInput(
                c1,
                "joint",
                setting.school,
                services.TaskInput(setting.edu, "牵头"),
                [services.TaskInput(setting.health_unit, "配合")],
                on=day,
            )
        ],
    )
    reply = services.ReplyInput(c1, "已整改到位", on=day + timedelta(days=2))
    with pytest.raises(ValidationError, match="协办单位尚未完成"):
        services.reply_many(actor=gw(setting), replies=[reply])
    with pytest.raises(ValidationError):  # 办结 only after the reply
        services.close_many(actor=gw(setting), closes=[services.CloseInput(c1, "群众满意")])
    co = c1.tasks.get(role=TaskRole.CO)
    with pytest.raises(Http404):  # zhibu is 教育局's staff, not 卫健局's
        services.finish_tasks(actor=setting.county.users["zhibu"], tasks=[co])
    services.finish_tasks(actor=gw(setting), tasks=[co], note="已配合", on={co.pk: day})
    with pytest.raises(ValidationError):
        services.finish_tasks(actor=gw(setting), tasks=[co])
    with pytest.raises(Http404):  # only the lead unit's staff sign the reply
        services.reply_many(actor=setting.county.users["zhibu2"], replies=[reply])
    services.reply_many(actor=setting.county.users["zhibu"], replies=[reply])
    c1.refresh_from_db()
    assert c1.state == CaseState.REPLIED and c1.replied_on == day + timedelta(days=2)
    with pytest.raises(ValidationError):  # 不满意 needs a reason
        services.follow_up_many(
            actor=gw(setting), items=[services.FollowUpInput(c1, "unsatisfied", opinion=op)]
        )
    services.follow_up_many(
        actor=gw(setting),
        items=[services.FollowUpInput(c1, "unsatisfied", "没解决", opinion=op, on=day)],
    )
    c1.refresh_from_db()
    assert c1.state == CaseState.REOPENED and c1.round == 2
    assert all(t.done_on is None for t in c1.tasks.all())
    with pytest.raises(ValidationError):  # 回访 only after a reply
        services.follow_up_many(
            actor=gw(setting), items=[services.FollowUpInput(c1, "satisfied", opinion=op)]
        )
    services.finish_tasks(actor=gw(setting), tasks=[co])
    services.reply_many(actor=gw(setting), replies=[services.ReplyInput(c1, "再次整改")])
    services.follow_up_many(
        actor=gw(setting), items=[services.FollowUpInput(c1, "satisfied", opinion=op)]
    )
    with pytest.raises(ValidationError):  # one rating per opinion and round
        services.follow_up_many(
            actor=gw(setting), items=[services.FollowUpInput(c1, "basic", opinion=op)]
        )
    assert FollowUp.objects.filter(case=c1).count() == 2
    with pytest.raises(ValidationError):  # a reason on every end
        services.close_many(actor=gw(setting), closes=[services.CloseInput(c1, " ")])
    services.close_many(
        actor=gw(setting), closes=[services.CloseInput(c1, "群众满意", on=day + timedelta(3))]
    )
    c1.refresh_from_db()
    assert c1.state == CaseState.CLOSED and c1.closed_on == day + timedelta(3)


def test_reject_keeps_the_triage_level(setting):
    c1, c2 = _case(setting), _case(setting, "征地补偿")
    with pytest.raises(ValidationError):
        services.reject(actor=gw(setting), case=c1, reason="司法程序", level="nonsense")
    services.reject(actor=gw(setting), case=c1, reason="属司法程序", level="coordinate")
    services.reject(actor=gw(setting), case=c2, reason="重复反映")
    c1.refresh_from_db()
    c2.refresh_from_db()
    assert c1.state == c2.state == CaseState.REJECTED
    assert c1.level == "coordinate" and c2.level == ""
