"""Transfer pages: scope (404 both ways), the one next step per user, bad input, and the letter PDF."""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from support import pdf_to_pngs

from dangjian.core.crypto import provider
from dangjian.core.pdf import capital_year_month
from dangjian.members.models import Member
from dangjian.transfers import services
from dangjian.transfers.models import FloatingDirection, Transfer, TransferKind, TransferState

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def draft(county, member=None, to=None):
    t = today()
    return services.create_transfer(
        actor=county.users["zhibu"],
        member=member or county.members["a1"][1],
        kind=TransferKind.WITHIN,
        to_org=to or county.branch_b1,
        reason="工作调动",
        dues_year=t.year,
        dues_month=t.month,
    )


def test_pages_render_for_each_role(county, login):
    t = services.issue(actor=county.users["zhibu"], transfer=draft(county), on=today())
    rec = services.create_floating(
        actor=county.users["zhibu"],
        direction=FloatingDirection.OUT,
        org=county.branch_a1,
        member=county.members["a1"][2],
        place="厦门",
        host_name="厦门某公司党支部",
        started_on=today() - timedelta(days=200),
        reason="务工",
    )
    for name in ("zhibu", "zhibu2", "dangwei", "gongwei"):
        client = login(county.users[name])
        for url in (
            "/transfers/",
            "/transfers/list/?bucket=open",
            "/transfers/floating/",
            f"/transfers/{t.pk}/",
        ):
            r = client.get(url)
            assert r.status_code == 200, (name, url)
    client = login(county.users["zhibu"])
    home = client.get("/transfers/").content.decode()
    assert "外出满6个月" in home
    # Date fields start at today, in the form a date input accepts.
    detail = client.get(f"/transfers/floating/{rec.pk}/").content.decode()
    assert f'value="{today().isoformat()}"' in detail
    assert client.get("/transfers/new/").status_code == 200
    assert client.get("/transfers/floating/new/").status_code == 200
    assert client.get("/transfers/incoming/").status_code == 404  # relay is the 工委's
    assert login(county.users["gongwei"]).get("/transfers/incoming/").status_code == 200
    for name in ("dangyuan", "nobody", "shenji", "admin"):
        assert login(county.users[name]).get("/transfers/").status_code == 404


def test_zhibu2_cannot_see_or_act_on_zhibu_transfers(county, login):
    to_a2 = services.issue(
        actor=county.users["zhibu"], transfer=draft(county, to=county.branch_a2), on=today()
    )
    client = login(county.users["zhibu2"])
    assert client.get(f"/transfers/{to_a2.pk}/").status_code == 404
    assert client.get(f"/transfers/{to_a2.pk}/letter.pdf").status_code == 404
    r = client.post(f"/transfers/{to_a2.pk}/step/report/", {"on": today().isoformat()})
    assert r.status_code == 404
    assert (
        client.post(
            f"/transfers/{to_a2.pk}/step/cancel/", {"on": today().isoformat(), "reason": "x"}
        ).status_code
        == 404
    )
    to_a2.refresh_from_db()
    assert to_a2.state == TransferState.ISSUED
    assert "教育局机关第二党支部" not in client.get("/transfers/list/?bucket=open").content.decode()


def test_zhibu2_sees_and_confirms_when_receiving(county, login):
    member = county.members["a1"][1]
    t = services.issue(actor=county.users["zhibu"], transfer=draft(county, member), on=today())
    client = login(county.users["zhibu2"])
    page = client.get(f"/transfers/{t.pk}/").content.decode()
    assert "确认报到" in page and f"/transfers/{t.pk}/step/report/" in page
    assert "/step/issue/" not in page and "/step/cancel/" not in page
    # zhibu2 may not issue or complete on the sender's behalf.
    assert client.post(
        f"/transfers/{t.pk}/step/complete/", {"on": today().isoformat()}
    ).status_code in (400, 404)
    r = client.post(f"/transfers/{t.pk}/step/report/", {"on": today().isoformat()})
    assert r.status_code == 302
    member.refresh_from_db()
    assert member.org_id == county.branch_b1.pk
    # The sender sees the next step: the receipt.
    page = login(county.users["zhibu"]).get(f"/transfers/{t.pk}/").content.decode()
    assert f"/transfers/{t.pk}/step/receipt/" in page


def test_new_transfer_page_bad_input_changes_nothing(county, login):
    client = login(county.users["zhibu"])
    member = county.members["a1"][1]
    nxt = today().replace(day=1) + timedelta(days=32)
    before = Transfer.objects.count()
    r = client.post(
        "/transfers/new/",
        {
            "member": member.pk,
            "kind": "within",
            "to_org": county.branch_b1.pk,
            "reason": "调动",
            "dues_year": nxt.year,
            "dues_month": nxt.month,
        },
    )
    assert r.status_code == 200 and "只能交到本月" in r.content.decode()
    r = client.post(
        "/transfers/new/",
        {
            "member": member.pk,
            "kind": "within",
            "to_org": 999999,
            "reason": "调动",
            "dues_year": today().year,
            "dues_month": today().month,
        },
    )
    assert r.status_code == 200 and "选择一个有效的选项" in r.content.decode()
    r = client.post(
        "/transfers/new/",
        {
            "member": member.pk,
            "kind": "within",
            "to_org": county.branch_b1.pk,
            "reason": "调动",
            "dues_year": today().year,
            "dues_month": today().month,
            "validity_days": 120,
        },
    )
    assert r.status_code == 200 and "不能超过30天" in r.content.decode()
    other = county.members["b1"][0]  # another branch's member is not offered
    r = client.post(
        "/transfers/new/",
        {
            "member": other.pk,
            "kind": "within",
            "to_org": county.branch_a2.pk,
            "reason": "调动",
            "dues_year": today().year,
            "dues_month": today().month,
        },
    )
    assert r.status_code == 200 and "选择一个有效的选项" in r.content.decode()
    assert Transfer.objects.count() == before
    r = client.post(
        "/transfers/new/",
        {
            "member": member.pk,
            "kind": "within",
            "to_org": county.branch_b1.pk,
            "reason": "调动",
            "dues_year": today().year,
            "dues_month": today().month,
        },
    )
    assert r.status_code == 302
    t = Transfer.objects.get(member=member)
    # Issuing with too many days shows the rule and changes nothing.
    r = client.post(
        f"/transfers/{t.pk}/step/issue/", {"on": today().isoformat(), "validity_days": 60}
    )
    assert r.status_code == 400 and "介绍信有效期（最长）：30天" in r.content.decode()
    t.refresh_from_db()
    assert t.state == TransferState.DRAFT and t.letter_number == ""


def test_letter_pdf_has_three_parts_and_capital_numerals(county, login, tmp_path):
    member = county.members["a1"][1]
    t = services.issue(actor=county.users["zhibu"], transfer=draft(county, member), on=today())
    # The committee prints the letter with the full ID number (and the view is audited).
    r = login(county.users["dangwei"]).get(f"/transfers/{t.pk}/letter.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    import os
    from pathlib import Path

    out = Path(os.environ.get("SHOTS_DIR") or tmp_path)
    pngs = pdf_to_pngs(r.content, out, stem="transfer-letter", dpi=70)
    assert len(pngs) == 1
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    compact = "".join(text.split())
    assert member.name in compact
    for words in (
        "存根",
        "回执",
        "中国共产党党员组织关系介绍信",
        "请转接组织关系",
        "特此回执",
        t.letter_number,
    ):
        assert words in compact, words
    assert capital_year_month(t.dues_year, t.dues_month) in compact
    assert "有效期叁拾天" in compact
    assert provider().decrypt(member.id_number_enc) in compact
    from auditlog.models import LogEntry

    assert LogEntry.objects.filter(additional_data__event="view_pii", object_id=member.pk).exists()
    # A branch secretary's print shows the masked number only.
    r2 = login(county.users["zhibu"]).get(f"/transfers/{t.pk}/letter.pdf")
    (tmp_path / "masked.pdf").write_bytes(r2.content)
    text2 = subprocess.run(
        ["pdftotext", str(tmp_path / "masked.pdf"), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert provider().decrypt(
        member.id_number_enc
    ) not in text2 and member.id_number_masked in "".join(text2.split())


def test_incoming_page_creates_member_on_report(county, login):
    from dangjian.members.idnumber import make_id_number

    client = login(county.users["gongwei"])
    birth = today().replace(year=today().year - 40, day=1)
    data = {
        "to_org": county.branch_a2.pk,
        "from_name": "中共外县委组织部",
        "letter_number": "外〔2026〕3号",
        "issued_on": today().isoformat(),
        "validity_days": 30,
        "reason": "调入",
        "dues_year": today().year,
        "dues_month": today().month,
        "person_name": "司马光",
        "person_gender": "male",
        "person_ethnicity": "汉族",
        "person_id_number": make_id_number("350181", birth, 55, "male"),
        "person_birth_date": birth.isoformat(),
        "person_education": "bachelor",
        "person_occupation": "official",
        "person_phone": "",
        "person_joined_on": birth.replace(year=birth.year + 25).isoformat(),
        "person_confirmed_on": birth.replace(year=birth.year + 26).isoformat(),
        "person_category": "full",
    }
    r = client.post("/transfers/incoming/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    t = Transfer.objects.get(kind=TransferKind.IN)
    assert not Member.objects.filter(name="司马光").exists()
    r = login(county.users["zhibu"]).post(
        f"/transfers/{t.pk}/step/report/", {"on": today().isoformat()}
    )
    assert r.status_code == 404  # a1 is not the receiving branch
    r = login(county.users["dangwei"]).post(
        f"/transfers/{t.pk}/step/report/", {"on": today().isoformat()}
    )
    assert r.status_code == 302
    assert Member.objects.get(name="司马光").org_id == county.branch_a2.pk


def test_reminders_page_counts_overdue_receipts_for_both_ends(county, login):
    """A receipt due a month after 报到: overdue the day after, shown in 待办提醒 with its count."""
    from dangjian.core.calendar import add_months

    t = today()
    reported_on = add_months(t, -1) - timedelta(days=1)
    transfer = services.issue(actor=county.users["zhibu"], transfer=draft(county), on=reported_on)
    services.confirm_report(actor=county.users["zhibu2"], transfer=transfer, on=reported_on)
    for user in ("zhibu", "zhibu2", "gongwei"):
        page = login(county.users[user]).get("/todo/").content.decode()
        assert "回执逾期未返回" in page and 'bucket=receipt_overdue">1<' in page, user
    member_page = login(county.users["dangyuan"]).get("/todo/").content.decode()
    assert "回执逾期未返回" not in member_page


def test_member_page_starts_a_transfer_and_shows_the_open_one(county, login):
    member = county.members["a1"][1]
    client = login(county.users["zhibu"])
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert f"/transfers/new/?member={member.pk}" in page
    assert f"/transfers/floating/new/?member={member.pk}" in page
    form = client.get(f"/transfers/new/?member={member.pk}").content.decode()
    assert f'<option value="{member.pk}" selected>' in form
    t = draft(county, member)
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert "正在办理组织关系转接（草稿）" in page and f"/transfers/{t.pk}/" in page
    assert f"/transfers/new/?member={member.pk}" not in page  # one open transfer at a time
    # A member looking at their own record gets neither button.
    own = login(county.users["dangyuan"]).get(f"/members/{county.members['a1'][0].pk}/").content.decode()
    assert "/transfers/new/" not in own


def test_a_draft_is_the_senders_until_the_letter_is_issued(county, login):
    t = draft(county)  # zhibu (a1) drafts a transfer to zhibu2's branch b1
    receiver = login(county.users["zhibu2"])
    assert receiver.get(f"/transfers/{t.pk}/").status_code == 404
    assert f"/transfers/{t.pk}/" not in receiver.get("/transfers/list/?bucket=draft").content.decode()
    assert login(county.users["gongwei"]).get(f"/transfers/{t.pk}/").status_code == 200
    services.issue(actor=county.users["zhibu"], transfer=t, on=today())
    assert login(county.users["zhibu2"]).get(f"/transfers/{t.pk}/").status_code == 200
