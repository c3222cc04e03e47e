"""The rules of 联建共创 at each side of their boundaries, through the services."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from support import member_in

from dangjian.orgs.models import Post, PostKind
from dangjian.outreach import selectors, services
from dangjian.outreach.models import (
    Activity,
    ActivityCorrection,
    Category,
    Contact,
    Dispatch,
    DispatchRole,
    Liaison,
    Pairing,
    PartnerKind,
)

TODAY = timezone.localdate


def years_ago(n: int) -> date:
    return date(TODAY().year - n, 1, 1)


def record(county, pairing, people, *, held_on=None, user="zhibu", **kw):
    kw.setdefault("category", Category.PARTY_WORK)
    kw.setdefault("summary", "召开联建共创联席会")
    return services.record_activity(
        actor=county.users[user],
        pairing=pairing,
        held_on=held_on or TODAY(),
        participants=people,
        **kw,
    )


def figures(county, user="gongwei", org=None, start=None, end=None):
    return selectors.figures(
        county.users[user], org or county.gongwei, start or years_ago(3), end or TODAY()
    )


# ---------------------------------------------------------------- 下基层: distinct members


def test_members_who_went_down_are_counted_once_each(county, pairing):
    a, b, c = county.members["a1"][:3]
    record(county, pairing, [a, b])
    record(county, pairing, [b, c])

    f = figures(county)

    assert f.activities == 2
    assert f.people == 3  # b went twice and counts once; rows would say 4


def test_one_member_in_one_activity_is_one_person(county, pairing):
    record(county, pairing, [county.members["a1"][0]])

    assert figures(county).people == 1


def test_members_from_the_whole_subtree_may_go_down_with_a_committee_pairing(county, village):
    a_member, b_member = county.members["a2"][0], county.members["b1"][0]
    p = services.create_pairing(
        actor=county.users["dangwei"], org=county.dangwei_a, partner=village, started_on=years_ago(1),
        leader=county.members["a1"][0], coordinator=a_member,
    )  # fmt: skip
    record(county, p, [a_member, county.members["a1"][2]], user="dangwei")

    with pytest.raises(ValidationError) as exc:
        record(county, p, [b_member], user="dangwei")  # another 党委's member

    assert "党籍正常的党员" in str(exc.value.message_dict["participants"])
    assert Activity.objects.count() == 1


def test_an_activity_needs_at_least_one_member(county, pairing):
    with pytest.raises(ValidationError) as exc:
        record(county, pairing, [])

    assert "请勾选参加活动的党员" in exc.value.message_dict["participants"][0]
    assert not Activity.objects.exists()


# ---------------------------------------------------------------- tasks are done by activities


def test_a_task_is_done_only_when_an_activity_completing_it_is_recorded(county, pairing):
    task = services.add_task(
        actor=county.users["zhibu"], pairing=pairing, year=TODAY().year,
        category=Category.INFRASTRUCTURE, title="帮助硬化村道",
    )  # fmt: skip
    people = [county.members["a1"][0]]
    record(county, pairing, people, category=Category.INFRASTRUCTURE)  # not linked

    assert not selectors.task_rows(pairing)[0].done

    act = record(county, pairing, people, category=Category.INFRASTRUCTURE, completes=[task.pk])

    row = selectors.task_rows(pairing)[0]
    assert row.done and row.done_acts == [act]
    assert figures(county).tasks_done == 1


def test_correcting_the_link_away_makes_the_task_undone_again(county, pairing):
    task = services.add_task(
        actor=county.users["zhibu"],
        pairing=pairing,
        year=TODAY().year,
        category=Category.PROJECTS,
        title="引进项目",
    )
    act = record(county, pairing, [county.members["a1"][0]], completes=[task.pk])

    services.correct_activity(
        actor=county.users["zhibu"], activity=act, reason="误勾了任务", completes=[]
    )

    assert not selectors.task_rows(pairing)[0].done


def test_a_task_of_one_year_is_completed_by_an_activity_of_that_year_only(county, pairing):
    last_year = TODAY().year - 1
    task = services.add_task(
        actor=county.users["zhibu"],
        pairing=pairing,
        year=last_year,
        category=Category.SOCIAL,
        title="联谊活动",
    )
    people = [county.members["a1"][0]]

    with pytest.raises(ValidationError) as exc:
        record(county, pairing, people, held_on=date(last_year + 1, 1, 1), completes=[task.pk])
    assert f"{last_year}年度的" in exc.value.message_dict["completes"][0]
    assert not Activity.objects.exists()

    record(county, pairing, people, held_on=date(last_year, 12, 31), completes=[task.pk])
    assert selectors.task_rows(pairing)[0].done


def test_a_task_of_another_pairing_cannot_be_completed(county, pairing, village):
    other = services.create_pairing(
        actor=county.users["gongwei"], org=county.branch_a2, partner=village, started_on=years_ago(1),
        leader=county.members["a2"][0], coordinator=county.members["a2"][1],
    )  # fmt: skip
    task = services.add_task(
        actor=county.users["gongwei"],
        pairing=other,
        year=TODAY().year,
        category=Category.SOCIAL,
        title="x",
    )

    with pytest.raises(ValidationError) as exc:
        record(county, pairing, [county.members["a1"][0]], completes=[task.pk])

    assert "只能勾选本结对的年度任务" in exc.value.message_dict["completes"][0]


# ---------------------------------------------------------------- bad input changes nothing


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("problems_solved", -1, "不能是负数"),
        ("services_delivered", "三", "应填写整数"),
        ("funds_raised", "12.345", "精确到分"),
        ("funds_raised", "-5", "不能是负数"),
        ("summary", "  ", "请填写活动内容"),
        ("category", "other", "请选择活动类别"),
    ],
)
def test_bad_activity_input_gets_a_chinese_message_and_nothing_is_written(
    county, pairing, field, value, message
):
    kw = {field: value}
    with pytest.raises(ValidationError) as exc:
        record(county, pairing, [county.members["a1"][0]], **kw)

    assert message in " ".join(exc.value.message_dict[field])
    assert not Activity.objects.exists()


def test_zero_and_whole_yuan_are_accepted(county, pairing):
    act = record(
        county, pairing, [county.members["a1"][0]], problems_solved=0, funds_raised="1234.50"
    )

    assert act.funds_raised == Decimal("1234.50") and act.problems_solved == 0


def test_an_activity_cannot_be_dated_tomorrow_but_today_is_fine(county, pairing):
    people = [county.members["a1"][0]]
    with pytest.raises(ValidationError) as exc:
        record(county, pairing, people, held_on=TODAY() + timedelta(days=1))
    assert "不能晚于今天" in exc.value.message_dict["held_on"][0]

    record(county, pairing, people, held_on=TODAY())
    assert Activity.objects.count() == 1


def test_an_activity_before_the_pairing_started_is_refused(county, pairing):
    people = [county.members["a1"][0]]
    with pytest.raises(ValidationError):
        record(county, pairing, people, held_on=pairing.started_on - timedelta(days=1))
    record(county, pairing, people, held_on=pairing.started_on)
    assert Activity.objects.count() == 1


def test_a_photo_of_the_wrong_type_is_refused_and_nothing_written(county, pairing):
    bad = SimpleUploadedFile("现场.exe", b"MZ...", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as exc:
        record(county, pairing, [county.members["a1"][0]], photos=[bad])
    assert "类型不支持" in exc.value.message_dict["photos"][0]
    assert not Activity.objects.exists()

    good = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff\xe0jpeg", content_type="image/jpeg")
    act = record(county, pairing, [county.members["a1"][0]], photos=[good])
    assert act.photos.get().original_name == "现场.jpg"


# ---------------------------------------------------------------- ending keeps the pairing


def test_ending_a_pairing_keeps_it_and_its_activities(county, pairing):
    people = [county.members["a1"][0]]
    act_day = TODAY() - timedelta(days=3)
    record(county, pairing, people, held_on=act_day)

    with pytest.raises(ValidationError) as exc:
        services.end_pairing(
            actor=county.users["zhibu"],
            pairing=pairing,
            ended_on=act_day - timedelta(days=1),
            reason="调整",
        )
    assert "最后一次活动" in exc.value.message_dict["ended_on"][0]

    services.end_pairing(
        actor=county.users["zhibu"],
        pairing=pairing,
        ended_on=act_day,
        reason="村里党组织已整顿完成",
    )

    pairing.refresh_from_db()
    assert pairing.ended_on == act_day and Pairing.objects.filter(pk=pairing.pk).exists()
    assert Activity.objects.filter(pairing=pairing).count() == 1
    with pytest.raises(ValidationError) as exc:
        record(county, pairing, people, held_on=act_day + timedelta(days=1))
    assert "已于" in exc.value.message_dict["held_on"][0]


def test_a_second_open_pairing_with_the_same_partner_is_refused(county, pairing, village):
    with pytest.raises(ValidationError) as exc:
        services.create_pairing(
            actor=county.users["zhibu"], org=county.branch_a1, partner=village, started_on=years_ago(1),
            leader=county.members["a1"][0], coordinator=county.members["a1"][1],
        )  # fmt: skip
    assert "已有正在进行的结对" in exc.value.message_dict["partner"][0]
    assert Pairing.objects.count() == 1


def test_leader_must_come_from_the_agency_roster(county, village):
    with pytest.raises(ValidationError) as exc:
        services.create_pairing(
            actor=county.users["zhibu"], org=county.branch_a1, partner=village, started_on=years_ago(1),
            leader=county.members["b1"][0], coordinator=county.members["a1"][1],
        )  # fmt: skip
    assert "分管领导应是" in exc.value.message_dict["leader"][0]
    assert not Pairing.objects.exists()


def test_an_agreement_file_is_checked(county, village):
    bad = SimpleUploadedFile("协议.zip", b"PK", content_type="application/zip")
    with pytest.raises(ValidationError) as exc:
        services.create_pairing(
            actor=county.users["zhibu"], org=county.branch_a1, partner=village, started_on=years_ago(1),
            leader=county.members["a1"][0], coordinator=county.members["a1"][1], agreement=bad,
        )  # fmt: skip
    assert "类型不支持" in exc.value.message_dict["agreement"][0]
    assert not Pairing.objects.exists()


# ---------------------------------------------------------------- figures by partner type


def test_agency_organisations_and_partners_are_each_counted_once_per_type(county, pairing, village):
    gw = county.users["gongwei"]
    second = services.register_partner(
        actor=gw, org=county.gongwei, name="西岭村", kind=PartnerKind.VILLAGE
    )
    firm = services.register_partner(
        actor=gw, org=county.gongwei, name="示范县鑫源公司", kind=PartnerKind.NON_PUBLIC
    )
    a1, a2 = county.members["a1"], county.members["a2"]
    for org, partner, lead in (
        (county.branch_a1, second, a1),  # a1 now pairs with two villages
        (county.branch_a2, village, a2),  # 东山村 is paired by two branches
        (county.branch_a2, firm, a2),
    ):
        services.create_pairing(
            actor=gw,
            org=org,
            partner=partner,
            started_on=years_ago(1),
            leader=lead[0],
            coordinator=lead[1],
        )

    f = figures(county)
    kinds = {k.kind: k for k in f.kinds}

    assert (kinds["village"].pairings, kinds["village"].orgs, kinds["village"].partners) == (
        3,
        2,
        2,
    )
    assert (
        kinds["non_public"].pairings,
        kinds["non_public"].orgs,
        kinds["non_public"].partners,
    ) == (1, 1, 1)
    assert (f.pairings, f.orgs, f.partners) == (4, 2, 3)


def test_a_pairing_counts_in_a_period_it_overlaps_and_not_after_it_ended(county, pairing):
    end = TODAY() - timedelta(days=10)
    services.end_pairing(actor=county.users["zhibu"], pairing=pairing, ended_on=end, reason="到期")

    assert figures(county, start=end, end=TODAY()).pairings == 1
    assert figures(county, start=end + timedelta(days=1), end=TODAY()).pairings == 0


def test_figures_of_a_subtree_leave_out_other_subtrees(county, pairing, village):
    services.create_pairing(
        actor=county.users["gongwei"], org=county.branch_b1, partner=village, started_on=years_ago(1),
        leader=county.members["b1"][0], coordinator=county.members["b1"][1],
    )  # fmt: skip
    record(county, pairing, county.members["a1"][:2], problems_solved=3)

    assert figures(county, org=county.dangwei_a).pairings == 1
    assert figures(county, org=county.dangwei_b).problems == 0
    assert figures(county, org=county.gongwei).problems == 3
    assert figures(county, user="zhibu2", org=county.branch_b1).activities == 0


def test_activity_sums_and_category_counts(county, pairing):
    p = county.members["a1"][:1]
    record(
        county,
        pairing,
        p,
        category=Category.PROJECTS,
        problems_solved=2,
        funds_raised="5000",
        deeds_done=1,
    )
    record(
        county, pairing, p, category=Category.PROJECTS, services_delivered=7, funds_raised="0.50"
    )
    record(county, pairing, p, category=Category.SOCIAL, problems_solved=1)

    f = figures(county)

    assert dict((c, n) for c, _l, n in f.by_category) == {
        "party_work": 0, "projects": 2, "infrastructure": 0, "social": 1,
    }  # fmt: skip
    assert (f.problems, f.services, f.funds, f.deeds) == (3, 7, Decimal("5000.50"), 1)


# ---------------------------------------------------------------- corrections


def test_a_correction_needs_a_reason_and_is_kept_with_the_audit_log(county, pairing):
    from auditlog.models import LogEntry

    act = record(county, pairing, county.members["a1"][:1], problems_solved=2)
    with pytest.raises(ValidationError) as exc:
        services.correct_activity(
            actor=county.users["zhibu"], activity=act, reason=" ", problems_solved=3
        )
    assert "请填写更正原因" in exc.value.message_dict["reason"][0]
    act.refresh_from_db()
    assert act.problems_solved == 2

    services.correct_activity(
        actor=county.users["zhibu"], activity=act, reason="少算了一个", problems_solved=3
    )

    act.refresh_from_db()
    assert act.problems_solved == 3
    fix = ActivityCorrection.objects.get(activity=act)
    assert fix.reason == "少算了一个" and "解决实际问题" in fix.fields
    entry = LogEntry.objects.get_for_object(act).filter(action=LogEntry.Action.UPDATE).first()
    assert entry is not None and entry.changes_dict["problems_solved"] == ["2", "3"]


def test_another_branch_cannot_record_or_correct_activities_of_this_pairing(county, pairing):
    act = record(county, pairing, county.members["a1"][:1])
    with pytest.raises(Http404):
        record(county, pairing, county.members["a1"][:1], user="zhibu2")
    with pytest.raises(Http404):
        services.correct_activity(
            actor=county.users["zhibu2"], activity=act, reason="x", problems_solved=1
        )
    assert Activity.objects.count() == 1


# ---------------------------------------------------------------- 挂点联系 and 党建指导员


def _committee_post(county, member):
    return Post.objects.create(
        org=county.gongwei, member=member, kind=PostKind.MEMBER, term_start=years_ago(3)
    )


def test_liaison_is_by_a_sitting_committee_member_with_a_two_new_organisation(county, village):
    gw = county.users["gongwei"]
    firm = services.register_partner(
        actor=gw, org=county.gongwei, name="鑫源公司", kind=PartnerKind.NON_PUBLIC
    )
    someone, member = county.members["a1"][0], county.members["b1"][0]
    _committee_post(county, member)

    with pytest.raises(ValidationError) as exc:
        services.record_liaison(
            actor=gw, org=county.gongwei, member=someone, partner=firm, started_on=years_ago(1)
        )
    assert "在任的委员" in exc.value.message_dict["member"][0]
    with pytest.raises(ValidationError) as exc:
        services.record_liaison(
            actor=gw, org=county.gongwei, member=member, partner=village, started_on=years_ago(1)
        )
    assert "两新组织" in exc.value.message_dict["partner"][0]
    assert not Liaison.objects.exists()

    liaison = services.record_liaison(
        actor=gw, org=county.gongwei, member=member, partner=firm, started_on=years_ago(1)
    )
    services.add_contact(
        actor=gw, liaison=liaison, happened_on=TODAY(), text="走访企业，了解党组织组建情况"
    )
    assert Contact.objects.get().org_path == county.gongwei.path


def test_a_committee_member_whose_post_ended_cannot_take_a_new_liaison(county):
    gw = county.users["gongwei"]
    firm = services.register_partner(
        actor=gw, org=county.gongwei, name="鑫源公司", kind=PartnerKind.SOCIAL
    )
    member = county.members["b1"][0]
    post = _committee_post(county, member)
    post.ended_on = TODAY() - timedelta(days=1)
    post.save()

    with pytest.raises(ValidationError):
        services.record_liaison(
            actor=gw, org=county.gongwei, member=member, partner=firm, started_on=TODAY()
        )
    liaison = services.record_liaison(
        actor=gw,
        org=county.gongwei,
        member=member,
        partner=firm,
        started_on=TODAY() - timedelta(days=1),
    )
    assert liaison.pk


def test_dispatch_goes_to_an_enterprise_or_a_community_and_reports_within_its_dates(
    county, village
):
    gw = county.users["gongwei"]
    community = services.register_partner(
        actor=gw, org=county.gongwei, name="翠江社区", kind=PartnerKind.COMMUNITY
    )
    member = county.members["a1"][0]
    with pytest.raises(ValidationError) as exc:
        services.record_dispatch(
            actor=gw, org=county.gongwei, role=DispatchRole.INSTRUCTOR, member=member, partner=village,
            started_on=years_ago(1),
        )  # fmt: skip
    assert "企业或社区" in exc.value.message_dict["partner"][0]

    d = services.record_dispatch(
        actor=gw, org=county.gongwei, role=DispatchRole.INSTRUCTOR, member=member, partner=community,
        started_on=years_ago(1), ended_on=TODAY() - timedelta(days=5),
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.add_contact(
            actor=gw, dispatch=d, happened_on=TODAY() - timedelta(days=4), text="报告"
        )
    assert "晚于结束日期" in exc.value.message_dict["happened_on"][0]
    services.add_contact(
        actor=gw, dispatch=d, happened_on=TODAY() - timedelta(days=5), text="指导社区支部换届"
    )
    assert Dispatch.objects.get().reports.count() == 1


def test_members_transferred_out_later_stay_on_the_activity(county, pairing):
    leaver = member_in(county.branch_a1)
    act = record(county, pairing, [leaver, county.members["a1"][0]])
    leaver.status = "transferred_out"
    leaver.save()

    services.correct_activity(
        actor=county.users["zhibu"], activity=act, reason="补记问题", problems_solved=1
    )

    assert set(act.participants.values_list("pk", flat=True)) == {
        leaver.pk,
        county.members["a1"][0].pk,
    }
