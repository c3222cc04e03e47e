"""Opinions pages: public intake and tracking without login, staff pages, scope 404."""

import pytest
from django.urls import reverse
from opinions_support import opinion, routed_case

from dangjian.opinions import services
from dangjian.opinions.models import Case, CaseState, Opinion

pytestmark = pytest.mark.django_db


def test_public_submit_shows_receipt_and_stores_encrypted(client, setting):
    r = client.get(reverse("opinions:submit"))
    assert r.status_code == 200 and "反映问题和建议" in r.content.decode()
    r = client.post(
        reverse("opinions:submit"),
        {"text": "小区路灯不亮", "place": setting.place.pk, "name": "李四", "phone": "13905981234"},
    )
    op = Opinion.objects.get()
    assert r.status_code == 200 and op.receipt in r.content.decode()
    assert op.channel == "online" and op.phone_masked == "139****1234"
    assert "13905981234" not in op.phone_enc


def test_public_submit_bad_input_changes_nothing(client, setting):
    r = client.post(reverse("opinions:submit"), {"text": "", "place": "", "phone": "123"})
    body = r.content.decode()
    assert r.status_code == 200 and "errorlist" in body
    assert Opinion.objects.count() == 0


def test_track_unknown_receipt(client, setting):
    r = client.get(reverse("opinions:track"), {"receipt": "AAAA-BBBB-CCCC"})
    assert "没有找到这个回执编号" in r.content.decode()


def test_track_shows_reply_and_citizen_rates(client, setting):
    case = routed_case(setting, co=False, texts=("学校门口拥堵",))
    op = case.opinions.get()
    r = client.get(reverse("opinions:track"), {"receipt": op.receipt})
    assert "办理中" in r.content.decode() and "请对办理结果" not in r.content.decode()
    services.reply(actor=setting.county.users["zhibu"], case=case, text="已增派交警疏导")
    r = client.get(reverse("opinions:track"), {"receipt": op.receipt})
    assert "已增派交警疏导" in r.content.decode() and "请对办理结果" in r.content.decode()
    r = client.post(reverse("opinions:track"), {"receipt": op.receipt, "result": "satisfied"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.FOLLOWED_UP
    r = client.get(reverse("opinions:track"), {"receipt": op.receipt})
    assert "您的评价：满意" in r.content.decode()


def test_staff_pages_need_login_and_grant(client, login, setting):
    assert client.get(reverse("opinions:home")).status_code == 302
    assert login(setting.county.users["nobody"]).get(reverse("opinions:home")).status_code == 404


def test_inbox_groups_and_confirm(client, login, setting):
    a = opinion(setting, "列东社区三号楼门口路灯坏了一个月")
    b = opinion(setting, "列东社区三号楼门口的路灯坏了快一个月了")
    c = opinion(setting, "富兴村小学需要增加校车", place=setting.place2)
    c_ = login(setting.county.users["gongwei"])
    r = c_.get(reverse("opinions:inbox"))
    body = r.content.decode()
    assert r.status_code == 200 and "相似意见 2 条" in body
    r = c_.post(
        reverse("opinions:inbox_confirm"),
        {"opinion": [a.pk, b.pk], "title": "三号楼路灯", "new": "1"},
    )
    case = Case.objects.get()
    assert r.status_code == 302 and case.opinions.count() == 2
    r = c_.post(
        reverse("opinions:inbox_confirm"), {"opinion": [c.pk], "existing": "1", "into": case.pk}
    )
    assert case.opinions.count() == 3
    r = c_.get(reverse("opinions:case", args=[case.pk]))
    assert "归并" in r.content.decode() and c.receipt in r.content.decode()


def test_case_page_route_and_reply_through_forms(client, login, setting):
    gw = setting.county.users["gongwei"]
    case = services.consolidate(
        actor=gw, opinions=[opinion(setting, "学校食堂卫生")], title="学校食堂卫生"
    )
    c_ = login(gw)
    r = c_.get(reverse("opinions:case", args=[case.pk]))
    assert r.status_code == 200 and "交办" in r.content.decode()
    r = c_.post(
        reverse("opinions:case_action", args=[case.pk, "route"]),
        {
            "level": "joint",
            "category": setting.school.pk,
            "lead": setting.edu.pk,
            "co_units": [setting.health_unit.pk],
        },
    )
    case.refresh_from_db()
    assert case.state == CaseState.HANDLING and case.tasks.count() == 2
    # the lead's staff see the reply form only after the co-unit's part is in: the guard says why
    c_ = login(setting.county.users["zhibu"])
    r = c_.post(
        reverse("opinions:case_action", args=[case.pk, "reply"]), {"text": "已整改"}, follow=True
    )
    assert "协办单位尚未完成：区卫健局" in r.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.HANDLING


def test_case_page_scope_404(client, login, setting):
    case = routed_case(setting, co=False, texts=("学校食堂",))
    assert (
        login(setting.county.users["zhibu2"])
        .get(reverse("opinions:case", args=[case.pk]))
        .status_code
        == 404
    )
    r = login(setting.county.users["zhibu2"]).post(
        reverse("opinions:case_action", args=[case.pk, "urge"]), {"text": "x"}
    )
    assert r.status_code == 404
    assert (
        login(setting.county.users["zhibu"])
        .get(reverse("opinions:case", args=[case.pk]))
        .status_code
        == 200
    )


def test_reveal_contact_only_with_view_contact(client, login, setting):
    op = opinion(setting, name="王五", phone="13800001111")
    r = login(setting.county.users["gongwei"]).post(reverse("opinions:reveal", args=[op.pk]))
    assert "13800001111" in r.content.decode()
    case = routed_case(setting, co=False, texts=("学校",))
    op2 = Opinion.objects.get(case=case)
    assert (
        login(setting.county.users["zhibu"])
        .post(reverse("opinions:reveal", args=[op2.pk]))
        .status_code
        == 404
    )


def test_similar_open_cases_fragment(client, login, setting):
    routed_case(setting, co=False, texts=("列东社区学校门口上下学时段交通拥堵严重",))
    r = login(setting.county.users["gongwei"]).get(
        reverse("opinions:similar"), {"text": "列东社区学校门口上下学交通很拥堵"}
    )
    assert "学校门口交通拥堵" in r.content.decode()
    r = login(setting.county.users["gongwei"]).get(
        reverse("opinions:similar"), {"text": "河道垃圾无人清理"}
    )
    assert "没有相似的未办结事项" in r.content.decode()


def test_staff_entry_page(client, login, setting):
    c_ = login(setting.county.users["gongwei"])
    r = c_.post(
        reverse("opinions:new"),
        {
            "channel": "hotline",
            "text": "路灯不亮",
            "place": setting.place.pk,
            "intake_org": setting.county.gongwei.pk,
        },
    )
    assert r.status_code == 302 and Opinion.objects.get().channel == "hotline"


def test_published_replies_only(client, setting):
    a = routed_case(setting, co=False, texts=("甲事项",))
    b = routed_case(setting, co=False, texts=("乙事项",))
    services.reply(actor=setting.county.users["zhibu"], case=a, text="公开的答复", publish=True)
    services.reply(actor=setting.county.users["zhibu"], case=b, text="不公开的答复", publish=False)
    body = client.get(reverse("opinions:replies")).content.decode()
    assert "公开的答复" in body and "不公开的答复" not in body
    assert "139" not in body
