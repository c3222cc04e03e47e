"""Correction pages: out of scope is 404, bad input shows a Chinese message and changes nothing,
the change history is shown, dates are entered as elsewhere, and an English user reads English."""

import ast
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from dangjian.orgs.models import Post, PostKind
from dangjian.outreach import services
from dangjian.outreach.models import Category, DispatchRole, Pairing, PairingTask, PartnerKind

TODAY = timezone.localdate
ROOT = Path(__file__).resolve().parents[2]


def years_ago(n: int) -> date:
    return date(TODAY().year - n, 1, 1)


@pytest.fixture
def posting(county):
    gw = county.users["gongwei"]
    community = services.register_partner(
        actor=gw, org=county.gongwei, name="翠江社区", kind=PartnerKind.COMMUNITY
    )
    d = services.record_dispatch(
        actor=gw, org=county.gongwei, role=DispatchRole.ASSISTANT, member=county.members["a1"][0],
        partner=community, started_on=years_ago(1),
    )  # fmt: skip
    c = services.add_contact(actor=gw, dispatch=d, happened_on=TODAY(), text="指导换届")
    return d, c


@pytest.fixture
def task(county, pairing):
    return services.add_task(
        actor=county.users["zhibu"], pairing=pairing, year=TODAY().year,
        category=Category.SOCIAL, title="走访慰问",
    )  # fmt: skip


@pytest.mark.parametrize(
    "url",
    [
        "/outreach/pairings/{p}/edit/",
        "/outreach/tasks/{t}/withdraw/",
        "/outreach/partners/{v}/edit/",
        "/outreach/dispatches/{d}/edit/",
        "/outreach/contacts/{c}/correct/",
    ],
)
def test_correction_pages_are_404_out_of_scope(county, pairing, village, task, posting, login, url):
    d, c = posting
    url = url.format(p=pairing.pk, t=task.pk, v=village.pk, d=d.pk, c=c.pk)
    owner = "gongwei" if ("partners" in url or "dispatch" in url or "contact" in url) else "zhibu"
    assert login(county.users["zhibu2"]).get(url).status_code == 404
    assert login(county.users["zhibu2"]).post(url, {"reason": "x"}).status_code == 404
    assert login(county.users[owner]).get(url).status_code == 200


def test_pairing_correction_through_the_page_shows_in_the_history(county, pairing, login):
    client = login(county.users["zhibu"])
    a1 = county.members["a1"]
    page = client.get(f"/outreach/pairings/{pairing.pk}/edit/").content.decode()
    assert 'type="date"' in page and f'max="{TODAY().isoformat()}"' in page

    response = client.post(
        f"/outreach/pairings/{pairing.pk}/edit/",
        {
            "started_on": pairing.started_on.isoformat(),
            "leader": a1[0].pk,
            "coordinator": a1[2].pk,
            "agreement_text": "",
            "reason": "协调人选错了",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/outreach/pairings/{pairing.pk}/").content.decode()
    assert "更正记录" in page and "协调人选错了" in page
    assert a1[1].name in page and a1[2].name in page  # before and after


def test_a_bad_pairing_correction_shows_chinese_and_changes_nothing(county, pairing, login):
    client = login(county.users["zhibu"])
    response = client.post(
        f"/outreach/pairings/{pairing.pk}/edit/",
        {
            "started_on": (TODAY() + timedelta(days=3)).isoformat(),
            "leader": pairing.leader_id,
            "coordinator": pairing.coordinator_id,
            "reason": "改日期",
        },
    )
    assert response.status_code == 200
    assert "结对日期不能晚于今天。" in response.content.decode()
    assert Pairing.objects.get().started_on == pairing.started_on


def test_withdraw_a_task_through_the_page(county, pairing, task, login):
    client = login(county.users["zhibu"])
    page = client.get(f"/outreach/pairings/{pairing.pk}/").content.decode()
    assert f"/outreach/tasks/{task.pk}/withdraw/" in page
    response = client.post(f"/outreach/tasks/{task.pk}/withdraw/", {"reason": ""})
    assert "请填写撤回原因" in response.content.decode()  # the form's own required message
    assert PairingTask.objects.get().withdrawn_at is None

    client.post(f"/outreach/tasks/{task.pk}/withdraw/", {"reason": "重复录入"})
    page = client.get(f"/outreach/pairings/{pairing.pk}/").content.decode()
    assert "已撤回" in page and "重复录入" in page
    assert f"/outreach/tasks/{task.pk}/withdraw/" not in page
    form = client.get(f"/outreach/pairings/{pairing.pk}/activity/").content.decode()
    assert "走访慰问" not in form  # no longer offered to activities


def test_end_a_posting_with_reason_and_correct_a_report(county, posting, login):
    d, c = posting
    client = login(county.users["gongwei"])
    response = client.post(
        f"/outreach/dispatches/{d.pk}/", {"what": "end", "ended_on": TODAY().isoformat()}
    )
    assert response.status_code == 200
    d.refresh_from_db()
    assert d.ended_on is None
    client.post(
        f"/outreach/dispatches/{d.pk}/",
        {"what": "end", "ended_on": TODAY().isoformat(), "reason": "派驻期满"},
    )
    d.refresh_from_db()
    assert d.end_reason == "派驻期满"
    client.post(
        f"/outreach/contacts/{c.pk}/correct/",
        {"happened_on": TODAY().isoformat(), "text": "指导社区党委换届", "reason": "补全"},
    )
    page = client.get(f"/outreach/dispatches/{d.pk}/").content.decode()
    assert "指导社区党委换届" in page and "派驻期满" in page and "补全" in page


def test_a_liaison_correction_page_offers_sitting_committee_members(county, login):
    gw = county.users["gongwei"]
    firm = services.register_partner(
        actor=gw, org=county.gongwei, name="鑫源公司", kind=PartnerKind.NON_PUBLIC
    )
    m = county.members["b1"][0]
    Post.objects.create(org=county.gongwei, member=m, kind=PostKind.MEMBER, term_start=years_ago(3))
    li = services.record_liaison(
        actor=gw, org=county.gongwei, member=m, partner=firm, started_on=years_ago(1)
    )
    page = login(gw).get(f"/outreach/liaisons/{li.pk}/edit/").content.decode()
    assert m.name in page and "鑫源公司" in page
    assert (
        login(county.users["dangwei"]).get(f"/outreach/liaisons/{li.pk}/edit/").status_code == 404
    )


# ---------------------------------------------------------------- English


def test_an_english_user_reads_the_services_messages_in_english(county, pairing, login):
    client = login(county.users["zhibu"])
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/outreach/pairings/{pairing.pk}/edit/",
        {
            "started_on": (TODAY() + timedelta(days=3)).isoformat(),
            "leader": pairing.leader_id,
            "coordinator": pairing.coordinator_id,
            "reason": "x",
        },
    )
    page = response.content.decode()
    assert "cannot be later than today" in page
    assert "不能晚于今天" not in page
    assert not re.search(r"结对日期不能", page)


def test_every_chinese_message_of_the_services_goes_through_gettext():
    """Every Chinese string literal in outreach/services.py (docstrings aside) is a gettext msgid."""
    tree = ast.parse((ROOT / "src/dangjian/outreach/services.py").read_text())
    wrapped, docstrings = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_" and node.args:
            wrapped.add(id(node.args[0]))
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            docstrings.add(id(body[0].value))
    bare = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and re.search(r"[\u4e00-\u9fff]", n.value)
        and id(n) not in wrapped | docstrings
    ]
    assert bare == []
