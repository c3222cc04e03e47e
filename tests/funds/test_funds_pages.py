"""The funds pages and export: each without permission, with it, and with a grant on another subtree."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dangjian.funds import selectors, services
from dangjian.funds.models import FundEntry, Kind, Purpose

pytestmark = pytest.mark.django_db
D = Decimal


def today():
    return timezone.localdate()


def expense(county, org=None, user="zhibu", amount="20", **extra):
    org = org or county.branch_a1
    return services.record_expense(
        actor=county.users[user],
        org=org,
        purpose=Purpose.TRAINING,
        amount=amount,
        occurred_on=today(),
        decision_body="支委会",
        decision_on=today(),
        decision_summary="同意。",
        **extra,
    )


def urls(county, entry=None):
    a1 = county.branch_a1.pk
    out = {
        "home": reverse("funds:home"),
        "ledger": reverse("funds:ledger", args=[a1]),
        "export": reverse("funds:export", args=[a1]),
        "remit": reverse("funds:remit", args=[a1]),
        "expense": reverse("funds:expense", args=[a1]),
    }
    if entry is not None:
        out["correct"] = reverse("funds:correct", args=[entry.pk])
        out["document"] = reverse("funds:document", args=[entry.pk])
    return out


@pytest.fixture
def entry(county, paid):
    return expense(county, document=SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4 minutes"))


# --- scope: without permission, with it, and with a grant on another subtree -------------------


@pytest.mark.parametrize("user", ["nobody", "dangyuan", "admin", "shenji"])
def test_every_page_is_404_without_dues_permission(county, entry, login, user):
    client = login(county.users[user])
    for name, url in urls(county, entry).items():
        assert client.get(url).status_code == 404, name
    assert client.post(urls(county, entry)["expense"], {}).status_code == 404


def test_every_page_is_404_for_a_grant_on_another_subtree(county, entry, login):
    client = login(county.users["zhibu2"])  # branch_b1
    for name, url in urls(county, entry).items():
        if name == "home":
            continue  # zhibu2 has a home of their own
        assert client.get(url).status_code == 404, name
    assert client.post(urls(county, entry)["remit"], {"amount": "1"}).status_code == 404
    assert client.post(urls(county, entry)["correct"], {"reason": "x"}).status_code == 404
    assert client.get(reverse("funds:home") + f"?org={county.branch_a1.pk}").status_code == 404
    assert client.get(reverse("funds:home") + f"?org={county.gongwei.pk}").status_code == 404
    assert FundEntry.objects.count() == 1


def test_every_page_opens_with_permission(county, entry, login):
    client = login(county.users["zhibu"])
    for name, url in urls(county, entry).items():
        response = client.get(url)
        assert response.status_code == 200, name
    body = client.get(urls(county)["ledger"]).content.decode()
    assert "会议记录.pdf" in body and "培训党员" in body


def test_the_document_downloads_only_in_scope(county, entry, login):
    response = login(county.users["gongwei"]).get(urls(county, entry)["document"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 minutes"
    assert "attachment" in response["Content-Disposition"]


def test_a_member_of_the_party_committee_cannot_correct_what_the_branch_sent_up(
    county, paid, login
):
    out, got = services.record_remittance(
        actor=county.users["zhibu"], from_org=county.branch_a1, to_org=county.dangwei_a,
        amount="100", occurred_on=today(),
    )  # fmt: skip
    # the 党委 sees both; it may correct, being above the sender; zhibu2 sees neither
    assert login(county.users["dangwei"]).get(urls(county, got)["correct"]).status_code == 200
    assert login(county.users["zhibu2"]).get(urls(county, got)["correct"]).status_code == 404


# --- home -------------------------------------------------------------------------------------


def test_home_shows_balances_computed_from_the_records_and_drills_down(county, paid, login):
    services.record_remittance(
        actor=county.users["zhibu"], from_org=county.branch_a1, to_org=county.dangwei_a,
        amount="300", occurred_on=today(),
    )  # fmt: skip
    client = login(county.users["gongwei"])
    response = client.get(reverse("funds:home"))
    assert response.status_code == 200
    assert response.context["org"] == county.gongwei
    assert response.context["total"].balance == D("960.00")
    rows = {r.org.pk: r for r in response.context["rows"]}
    assert rows[county.dangwei_a.pk].own.balance == D("300.00")
    assert rows[county.dangwei_a.pk].subtree.balance == D("640.00")
    assert "960.00" in response.content.decode()
    down = client.get(reverse("funds:home") + f"?org={county.dangwei_a.pk}")
    rows = {r.org.pk: r for r in down.context["rows"]}
    assert rows[county.branch_a1.pk].own.balance == D("20.00")
    # the branch secretary lands on their own branch
    mine = login(county.users["zhibu"]).get(reverse("funds:home"))
    assert mine.context["org"] == county.branch_a1
    assert mine.context["top"].own.balance == D("20.00")


# --- remit ------------------------------------------------------------------------------------


def test_remit_page_prefills_the_suggestion_and_shows_the_rule(county, paid, login):
    services.record_remittance(
        actor=county.users["zhibu"], from_org=county.branch_a1, to_org=county.dangwei_a,
        amount="320", occurred_on=today(),
    )  # fmt: skip
    client = login(county.users["dangwei"])
    url = reverse("funds:remit", args=[county.dangwei_a.pk])
    response = client.get(url + f"?to={county.gongwei.pk}&period_year={paid['period'][0].year}")
    s = response.context["s"]
    body = response.content.decode()
    if paid["period"][0].year == paid["period"][1].year:
        assert s.collections == D("640.00") and s.amount == D("128.00")
        assert response.context["form"].initial["amount"] == D("128.00")
    assert "上缴工委比例" in body and "20%" in body
    response = client.post(
        url,
        {
            "to": county.gongwei.pk,
            "period_year": paid["period"][0].year,
            "amount": "128.00",
            "occurred_on": today().isoformat(),
            "note": "上缴党费",
        },
    )
    assert response.status_code == 302
    assert selectors.dues_balance(county.dangwei_a).balance == D("192.00")
    assert FundEntry.objects.filter(org=county.gongwei, kind=Kind.REMIT_IN).get().amount == 128


def test_remit_page_shows_the_service_error_and_writes_nothing(county, paid, login):
    client = login(county.users["zhibu"])
    response = client.post(
        urls(county)["remit"],
        {
            "to": county.dangwei_a.pk,
            "period_year": today().year,
            "amount": "320.01",
            "occurred_on": today().isoformat(),
        },
    )
    assert response.status_code == 200 and "结余不足" in response.content.decode()
    assert not FundEntry.objects.exists()


# --- expense ----------------------------------------------------------------------------------


def test_expense_page_records_with_a_document_and_refuses_without_a_decision(county, paid, login):
    client = login(county.users["zhibu"])
    data = {
        "fund": "dues",
        "purpose": Purpose.HARDSHIP,
        "amount": "100.00",
        "occurred_on": today().isoformat(),
        "decision_body": "支委会",
        "decision_on": today().isoformat(),
        "decision_summary": "同意补助困难党员张某100元。",
    }
    bad = client.post(urls(county)["expense"], {**data, "decision_summary": ""})
    assert bad.status_code == 200 and not FundEntry.objects.exists()
    not_allowed = client.post(urls(county)["expense"], {**data, "purpose": "office"})
    assert not_allowed.status_code == 200 and not FundEntry.objects.exists()
    ok = client.post(
        urls(county)["expense"],
        {**data, "document": SimpleUploadedFile("记录.jpg", b"\xff\xd8\xff jpeg")},
    )
    assert ok.status_code == 302
    e = FundEntry.objects.get()
    assert e.document_name == "记录.jpg" and e.amount == 100
    too_much = client.post(urls(county)["expense"], {**data, "amount": "220.01"})
    assert "结余不足" in too_much.content.decode()
    assert client.post(urls(county)["expense"], {**data, "amount": "220.00"}).status_code == 302
    assert selectors.dues_balance(county.branch_a1).balance == 0


# --- correct ----------------------------------------------------------------------------------


def test_correct_page_reverses_and_the_ledger_shows_both(county, entry, login):
    client = login(county.users["zhibu"])
    response = client.post(urls(county, entry)["correct"], {"reason": "金额有误", "amount": "15"})
    assert response.status_code == 302
    assert FundEntry.objects.filter(corrects=entry).get().amount == D("-20.00")
    assert FundEntry.objects.filter(replaces=entry).get().amount == D("15.00")
    body = client.get(urls(county)["ledger"]).content.decode()
    assert f"冲销第{entry.pk}号" in body and f"更正第{entry.pk}号" in body and "已冲销" in body
    again = client.post(urls(county, entry)["correct"], {"reason": "再改"})
    assert again.status_code == 200 and FundEntry.objects.count() == 3


# --- ledger filters and export ----------------------------------------------------------------


def test_ledger_filters_by_year_fund_and_kind(county, entry, paid, login):
    services.record_remittance(
        actor=county.users["zhibu"], from_org=county.branch_a1, to_org=county.dangwei_a,
        amount="10", occurred_on=today(),
    )  # fmt: skip
    client = login(county.users["zhibu"])
    rows = client.get(urls(county)["ledger"]).context["rows"]
    assert len(rows) == 2
    rows = client.get(urls(county)["ledger"] + "?kind=expense").context["rows"]
    assert [r.kind for r in rows] == ["expense"]
    rows = client.get(urls(county)["ledger"] + f"?year={today().year - 1}").context["rows"]
    assert rows == []
    rows = client.get(urls(county)["ledger"] + "?fund=budget").context["rows"]
    assert rows == []


def test_export_is_the_filtered_ledger_and_audited(county, entry, paid, login):
    from auditlog.models import LogEntry
    from python_calamine import CalamineWorkbook

    services.record_remittance(
        actor=county.users["zhibu"], from_org=county.branch_a1, to_org=county.dangwei_a,
        amount="10", occurred_on=today(),
    )  # fmt: skip
    client = login(county.users["zhibu"])
    response = client.get(urls(county)["export"] + "?kind=expense")
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][0] == "发生日期" and len(rows) == 2
    assert rows[1][4] == "支出" and rows[1][5] == "20.00" and "支委会" in rows[1][9]
    event = LogEntry.objects.filter(additional_data__event="export").get()
    assert event.additional_data["kind"] == "fund_entries" and event.additional_data["rows"] == 1
    assert event.additional_data["org_path"] == county.branch_a1.path
