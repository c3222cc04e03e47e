"""党籍 pages: the request form asks only what the kind needs; approval; scope (404 on GET and POST)."""

from datetime import date

import pytest
from django.urls import reverse
from support import member_in

from dangjian.core.calendar import add_months
from dangjian.members.lapse import register_lapse_source, unregister_lapse_source
from dangjian.members.models import Member, MemberStatusChange
from dangjian.members.status import decide_change, request_change


def old_member(branch):
    """A member who joined long ago, so that any effective date in the tests is after joining."""
    return member_in(
        branch,
        birth_date=date(1970, 5, 5),
        joined_on=date(1995, 7, 1),
        confirmed_on=date(1996, 7, 1),
    )


def _post_lost(c, member, on, lost_since):
    return c.post(
        reverse("members:status_request", args=[member.pk]),
        {
            "kind": "suspend_lost",
            "effective_on": on.isoformat(),
            "lost_since": lost_since.isoformat(),
            "search_note": "走访原单位、联系家属，均无法取得联系",
            "reason": "长期失去联系",
            "basis": "2024年8月支部大会决议",
        },
    )


def test_form_asks_only_the_facts_of_the_chosen_kind(county, login):
    c = login(county.users["zhibu"])
    m = old_member(county.branch_a1)
    choose = c.get(reverse("members:status_request", args=[m.pk])).content.decode()
    assert "停止党籍（失去联系）" in choose and "恢复党籍" not in choose  # not offered from 正常
    lost = c.get(
        reverse("members:status_request", args=[m.pk]) + "?kind=suspend_lost"
    ).content.decode()
    assert "失去联系起始日期" in lost and "查找情况" in lost and "出国（境）日期" not in lost
    study = c.get(
        reverse("members:status_request", args=[m.pk]) + "?kind=suspend_study"
    ).content.decode()
    assert "出国（境）日期" in study and "失去联系起始日期" not in study
    death = c.get(reverse("members:status_request", args=[m.pk]) + "?kind=death").content.decode()
    assert "去世日期" in death and "依据（会议、文件）" not in death


def test_request_then_approval_through_the_pages(county, login):
    m = old_member(county.branch_a1)
    today = date.today()
    c = login(county.users["zhibu"])
    resp = _post_lost(c, m, today, add_months(today, -7))
    assert resp.status_code == 302 and resp["Location"] == reverse("members:detail", args=[m.pk])
    change = MemberStatusChange.objects.get(member=m)
    assert change.state == "pending"
    # The branch secretary cannot decide (404), and the member is unchanged.
    assert (
        c.post(
            reverse("members:status_change", args=[change.pk]), {"decision": "approve"}
        ).status_code
        == 404
    )
    assert Member.objects.get(pk=m.pk).status == "normal"

    d = login(county.users["dangwei"])
    pending = d.get(reverse("members:status_pending")).content.decode()
    assert m.name in pending and "等待我审批" in pending
    page = d.get(reverse("members:status_change", args=[change.pk])).content.decode()
    assert "提交审批意见" in page and "失去联系起始日期" in page
    resp = d.post(
        reverse("members:status_change", args=[change.pk]), {"decision": "approve", "note": "同意"}
    )
    assert resp.status_code == 302
    m.refresh_from_db()
    assert m.status == "suspended" and m.status_date == today
    section = d.get(reverse("members:status_section", args=[m.pk])).content.decode()
    assert "停止党籍（失去联系）" in section and "已批准" in section


def test_refusal_on_the_form_names_the_rule_and_writes_nothing(county, login):
    m = old_member(county.branch_a1)
    c = login(county.users["zhibu"])
    resp = _post_lost(c, m, date(2024, 9, 10), date(2024, 3, 11))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "尚不满6个月" in html and "《中国共产党党员教育管理工作条例》第二十四条" in html
    assert MemberStatusChange.objects.count() == 0


def test_rejection_without_a_note_is_refused_on_the_page(county, login):
    m = old_member(county.branch_a1)
    change = request_change(
        actor=county.users["zhibu"],
        member=m,
        kind="withdraw",
        effective_on=date(2024, 8, 1),
        reason="本人申请退党",
        basis="支部大会决议",
        facts={"applied_on": date(2024, 7, 1)},
    )
    d = login(county.users["dangwei"])
    html = d.post(
        reverse("members:status_change", args=[change.pk]), {"decision": "reject", "note": ""}
    ).content.decode()
    assert "不予批准时请写明理由" in html
    assert MemberStatusChange.objects.get(pk=change.pk).state == "pending"


@pytest.mark.parametrize("name", ["status_request", "status_section"])
def test_other_branch_secretary_gets_404_on_get_and_post(county, login, name):
    m = old_member(county.branch_a1)
    c = login(county.users["zhibu2"])
    url = reverse(f"members:{name}", args=[m.pk])
    assert c.get(url).status_code == 404
    assert _post_lost(c, m, date(2024, 9, 10), date(2024, 1, 1)).status_code == 404
    assert MemberStatusChange.objects.count() == 0


def test_other_branch_secretary_gets_404_on_a_request_and_cannot_see_it_listed(county, login):
    m = old_member(county.branch_a1)
    change = request_change(
        actor=county.users["zhibu"],
        member=m,
        kind="withdraw",
        effective_on=date(2024, 8, 1),
        reason="本人申请退党",
        basis="支部大会决议",
        facts={"applied_on": date(2024, 7, 1)},
    )
    c = login(county.users["zhibu2"])
    url = reverse("members:status_change", args=[change.pk])
    assert c.get(url).status_code == 404
    assert c.post(url, {"decision": "approve"}).status_code == 404
    for name in ("status_pending", "status_history"):
        assert m.name not in c.get(reverse(f"members:{name}")).content.decode()
    # The 工委 sees it among the requests it may decide.
    assert (
        m.name
        in login(county.users["gongwei"]).get(reverse("members:status_pending")).content.decode()
    )
    assert MemberStatusChange.objects.get(pk=change.pk).state == "pending"


def test_lists_are_hidden_from_non_staff(county, login):
    for username in ("dangyuan", "shenji", "admin", "nobody"):
        c = login(county.users[username])
        for name in ("status_pending", "status_suspended", "status_history", "status_lapses"):
            assert c.get(reverse(f"members:{name}")).status_code == 404, (username, name)


def test_member_sees_own_history_only(county, login):
    own, other = county.members["a1"][0], old_member(county.branch_a1)
    request_change(
        actor=county.users["zhibu"],
        member=other,
        kind="death",
        effective_on=date.today(),
        reason="因病去世",
    )
    c = login(county.users["dangyuan"])
    assert c.get(reverse("members:status_section", args=[own.pk])).status_code == 200
    assert c.get(reverse("members:status_section", args=[other.pk])).status_code == 404
    assert (
        "申请变更党籍状态"
        not in c.get(reverse("members:status_section", args=[own.pk])).content.decode()
    )


def test_suspended_list_shows_age_and_candidates(county, login):
    m = old_member(county.branch_a1)
    on = add_months(date.today(), -25)
    change = request_change(
        actor=county.users["zhibu"],
        member=m,
        kind="suspend_lost",
        effective_on=on,
        reason="失联",
        basis="支部大会决议",
        facts={"lost_since": add_months(on, -7), "search_note": "多方查找无果"},
    )
    decide_change(actor=county.users["dangwei"], change=change, approve=True)
    html = login(county.users["zhibu"]).get(reverse("members:status_suspended")).content.decode()
    assert m.name in html and "25个月" in html and "应研究除名（自行脱党）" in html


def test_lapse_page_explains_when_no_source_and_lists_with_one(county, login, monkeypatch):
    from dangjian.members import lapse

    monkeypatch.setattr(lapse, "_SOURCES", {})  # the real sources (the dues ledger) set aside
    c = login(county.users["zhibu"])
    html = c.get(reverse("members:status_lapses")).content.decode()
    assert "党费收缴和组织生活模块开始记录数据后" in html
    recent, quiet = old_member(county.branch_a1), old_member(county.branch_a1)
    register_lapse_source("test_dues", "交纳党费", lambda ids: {recent.pk: date.today()})
    try:
        html = c.get(reverse("members:status_lapses")).content.decode()
    finally:
        unregister_lapse_source("test_dues")
    assert "最后一次交纳党费" in html and f'href="/members/{quiet.pk}/"' in html
    assert f'href="/members/{recent.pk}/"' not in html


def test_reminders_page_counts_status_requests_to_decide(county, login):
    from datetime import timedelta

    from django.utils import timezone

    from dangjian.members import status

    # after every test member's admission (their dates depend on how many were made before)
    today = timezone.localdate()

    member = county.members["a1"][1]
    status.request_change(
        actor=county.users["zhibu"],
        member=member,
        kind="death",
        effective_on=today - timedelta(days=2),
        reason="病故",
    )
    status.request_change(
        actor=county.users["zhibu"],
        member=county.members["a1"][2],
        kind="withdraw",
        effective_on=today - timedelta(days=1),
        reason="本人要求退党",
        basis="支部大会决议",
        facts={"applied_on": today - timedelta(days=30)},
    )
    page = login(county.users["dangwei"]).get("/todo/").content.decode()
    assert "待您审批的党籍变更申请" in page
    assert '/members/status/">1<' in page
    assert "待您审批" not in login(county.users["zhibu2"]).get("/todo/").content.decode()
