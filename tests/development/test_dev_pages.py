"""发展党员 pages: lists, the timeline with its one big button, step forms, scope, PDFs, plans."""

import os
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from support import pdf_to_pngs

from dangjian.core.calendar import add_months
from dangjian.core.crypto import provider
from dangjian.development.demo import step_dates
from dangjian.development.models import Applicant, StepRecord
from dangjian.members.idnumber import make_id_number

A = date(2022, 3, 10)


def test_home_and_list_show_people_and_due_groups(county, login, make_applicant, walk):
    late = make_applicant(date.today() - timedelta(days=45), name="赵逾期")
    soon = walk(
        make_applicant(add_months(date.today(), -13) - timedelta(days=20), name="钱可办"), 6
    )
    client = login(county.users["zhibu"])
    html = client.get(reverse("development:home")).content.decode()
    assert "已逾期" in html and "本月到期" in html and "即将可办" in html
    assert "赵逾期" in html and "②党组织派人谈话" in html
    assert "钱可办" in html and "⑦确定发展对象" in html
    assert county.branch_a1.name in html  # counts per organisation
    listing = client.get(reverse("development:list"), {"q": "zyq"}).content.decode()
    assert "赵逾期" in listing and "钱可办" not in listing
    listing = client.get(reverse("development:list"), {"stage": "activist"}).content.decode()
    assert "钱可办" in listing and "赵逾期" not in listing
    assert soon.stage == "activist" and late.stage == "applicant"


def test_zhibu2_sees_nothing_of_zhibu_applicants(county, login, make_applicant):
    a = make_applicant(A)
    client = login(county.users["zhibu2"])
    assert "林晓明" not in client.get(reverse("development:list")).content.decode()
    assert "林晓明" not in client.get(reverse("development:home")).content.decode()
    for url in (
        reverse("development:detail", args=[a.pk]),
        reverse("development:step", args=[a.pk, 2]),
        reverse("development:volunteer_pdf", args=[a.pk]),
        reverse("development:summary_pdf", args=[a.pk]),
        reverse("development:stop", args=[a.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("development:step", args=[a.pk, 2]), {"done_on": "2022-03-15", "talker": "某人"}
    )
    assert response.status_code == 404
    assert (
        client.post(
            reverse("development:stop", args=[a.pk]), {"on": "2022-03-15", "reason": "x"}
        ).status_code
        == 404
    )
    assert a.records.count() == 1
    assert (
        client.get(reverse("development:create") + f"?org={county.branch_a1.pk}").status_code == 404
    )


def test_add_applicant_through_the_form(county, login):
    client = login(county.users["zhibu"])
    url = reverse("development:create") + f"?org={county.branch_a1.pk}"
    assert client.get(url).status_code == 200
    birth = date(1998, 4, 3)
    data = {
        "name": "孙一鸣", "gender": "male", "ethnicity": "汉族", "education": "bachelor", "occupation": "official",
        "id_number": make_id_number("350402", birth, 31, "male"), "phone": "13900001111",
        "work_unit": "示范县教育局", "position": "科员", "applied_on": "2024-09-02",
    }  # fmt: skip
    bad = client.post(url, {**data, "applied_on": (date.today() + timedelta(days=2)).isoformat()})
    assert "不能晚于今天" in bad.content.decode() and Applicant.objects.count() == 0
    response = client.post(url, data)
    a = Applicant.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "development:detail", args=[a.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "登记下一步：②党组织派人谈话" in page
    assert provider().decrypt(a.id_number_enc) not in page and a.id_number_masked in page


def test_big_button_and_rule_hint_then_record_through_form(county, login, make_applicant, walk):
    a = walk(make_applicant(A), 6)
    client = login(county.users["zhibu"])
    page = client.get(reverse("development:detail", args=[a.pk])).content.decode()
    assert "登记下一步：⑦确定发展对象" in page
    earliest = add_months(a.activist_on, 12)
    hint = f"满一年后方可确定：{earliest.year}年{earliest.month}月{earliest.day}日起"
    assert hint in page
    url = reverse("development:step", args=[a.pk, 7])
    form = client.get(url).content.decode()
    assert hint in form and "决定机构" in form and "培训学时" not in form and "例外理由" not in form
    early = client.post(
        url,
        {
            "done_on": (earliest - timedelta(days=1)).isoformat(),
            "decision_body": "branch_committee",
        },
    )
    assert "满一年后方可确定" in early.content.decode()
    assert not a.records.filter(step=7).exists()
    ok = client.post(url, {"done_on": earliest.isoformat(), "decision_body": "branch_committee"})
    assert ok.status_code == 302
    assert a.records.filter(step=7, done_on=earliest).exists()
    # ⑧ is the 党委's: the branch sees it waiting, the form redirects with a message.
    page = client.get(reverse("development:detail", args=[a.pk])).content.decode()
    assert "⑧报上级党委备案（待上级党委登记）" in page
    assert client.get(reverse("development:step", args=[a.pk, 8])).status_code == 302


def test_vote_form_records_failed_vote(county, login, make_applicant, walk):
    a = walk(make_applicant(A), 14)
    client = login(county.users["zhibu"])
    url = reverse("development:step", args=[a.pk, 15])
    day = step_dates(a)[15].isoformat()
    r = client.post(url, {"done_on": day, "votes_expected": 10, "votes_present": 6, "votes_for": 5})
    assert r.status_code == 302
    rec = a.records.get(step=15)
    assert rec.passed is False
    page = client.get(reverse("development:detail", args=[a.pk])).content.decode()
    assert "未通过" in page and "登记下一步：⑮支部大会讨论" in page


def test_exception_form_for_committee(county, login, make_applicant, walk):
    a = walk(make_applicant(A), 6)
    client = login(county.users["dangwei"])
    url = reverse("development:step", args=[a.pk, 7])
    assert "例外理由" in client.get(url).content.decode()
    day = add_months(a.activist_on, 11).isoformat()
    r = client.post(
        url,
        {
            "done_on": day,
            "decision_body": "branch_committee",
            "exception_reason": "党委会研究同意提前",
        },
    )
    assert r.status_code == 302
    page = client.get(reverse("development:detail", args=[a.pk])).content.decode()
    assert "例外情况" in page and "党委会研究同意提前" in page


def test_correction_through_the_form(county, login, make_applicant):
    a = make_applicant(A)
    client = login(county.users["zhibu"])
    client.post(
        reverse("development:step", args=[a.pk, 2]), {"done_on": "2022-03-20", "talker": "张书记"}
    )
    old = a.records.get(step=2)
    url = reverse("development:step", args=[a.pk, 2]) + f"?replace={old.pk}"
    assert "更正原因" in client.get(url).content.decode()
    r = client.post(
        url, {"done_on": "2022-03-18", "talker": "张书记", "correction_reason": "日期抄错"}
    )
    assert r.status_code == 302
    assert StepRecord.objects.filter(applicant=a, step=2).count() == 2
    assert "已被更正" in client.get(reverse("development:detail", args=[a.pk])).content.decode()


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_pdfs_render_with_the_name(county, login, make_applicant, walk, tmp_path):
    a = walk(make_applicant(A, name="欧阳明华"), 24)
    client = login(county.users["zhibu"])
    out = Path(os.environ.get("SHOTS_DIR") or tmp_path) / "development-pdf"
    for name in ("volunteer_pdf", "summary_pdf"):
        response = client.get(reverse(f"development:{name}", args=[a.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        pdf = response.content
        text = _pdftotext(pdf, tmp_path)
        assert "欧阳明华" in text.replace(" ", "")
        pngs = pdf_to_pngs(pdf, out, stem=name, dpi=70)
        assert pngs
        if name == "volunteer_pdf":
            squeezed = text.replace(" ", "")
            assert "入党志愿书" in squeezed and county.branch_a1.name in squeezed
            intro = a.records.get(step=9).introducers.all()
            assert all(m.name in squeezed for m in intro)
        else:
            assert "上级党委审批" in text.replace(" ", "") and "赞成" in text


def test_plan_page(county, login, make_applicant, walk):
    walk(make_applicant(A), 17)
    client = login(county.users["dangwei"])
    url = reverse("development:plan") + f"?year=2023&org={county.dangwei_a.pk}"
    r = client.post(url, {"target": county.branch_a1.pk, "quota": 3, "note": "年初下达"})
    assert r.status_code == 302
    html = client.get(url).content.decode()
    assert "2023年发展党员计划" in html and county.branch_a1.name in html and "年初下达" in html
    zhibu = login(county.users["zhibu"])
    zhibu.post(
        reverse("development:plan") + "?year=2023", {"target": county.branch_a1.pk, "quota": 9}
    )
    from dangjian.development.models import DevelopmentPlan

    assert DevelopmentPlan.objects.get(org=county.branch_a1, year=2023).quota == 3


@pytest.mark.parametrize("user", ["dangyuan", "nobody", "admin"])
def test_users_without_development_rights_get_404(county, login, user):
    client = login(county.users[user])
    assert client.get(reverse("development:home")).status_code == 404


def test_document_upload_and_scoped_download(county, login, make_applicant, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    a = make_applicant(A)
    client = login(county.users["zhibu"])
    upload = SimpleUploadedFile("谈话记录.pdf", b"%PDF-1.4 talk", content_type="application/pdf")
    r = client.post(
        reverse("development:step", args=[a.pk, 2]),
        {"done_on": "2022-03-20", "talker": "张书记", "documents": upload},
    )
    assert r.status_code == 302
    doc = a.records.get(step=2).documents.get()
    url = reverse("development:document", args=[doc.pk])
    assert url in client.get(reverse("development:detail", args=[a.pk])).content.decode()
    got = client.get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.4 talk"
    assert login(county.users["zhibu2"]).get(url).status_code == 404


def test_due_groups_boundaries(county, make_applicant):
    from dangjian.development.selectors import due_items, group_due

    today = date(2026, 11, 28)
    a = make_applicant(date(2026, 10, 27))  # talk deadline 2026-11-27: overdue on the 28th
    b = make_applicant(date(2026, 10, 28), name="王本月")  # deadline 2026-11-28: due this month
    c = make_applicant(date(2026, 11, 1), name="李下月")  # deadline 2026-12-01: not yet listed
    groups = group_due(due_items(county.users["zhibu"]), today)
    names = {k: [i.applicant.pk for i in v] for k, v in groups.items()}
    assert a.pk in names["overdue"] and b.pk in names["this_month"]
    assert c.pk not in names["overdue"] + names["this_month"] + names["soon"]
    assert group_due(due_items(county.users["zhibu2"]), today) == {
        "overdue": [],
        "this_month": [],
        "soon": [],
    }


def test_reminders_page_shows_development_due_counts(county, login, make_applicant):
    """The 待办提醒 page counts the same due lists as the development home page."""
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    make_applicant(today - timedelta(days=60), name="逾期甲")  # talk due within 1 month: overdue
    make_applicant(today - timedelta(days=70), name="逾期乙")
    page = login(county.users["zhibu"]).get("/todo/").content.decode()
    assert "已逾期未办理的发展步骤" in page and '#overdue">2<' in page
    assert (
        "已逾期未办理的发展步骤" not in login(county.users["zhibu2"]).get("/todo/").content.decode()
    )


def test_vote_form_prefills_the_branch_voting_members(county, login, make_applicant, walk):
    """支部大会: 应到会 comes from the roster (full members in good standing), not retyped."""
    from datetime import timedelta

    from django.utils import timezone
    from support import member_in

    from dangjian.members.models import Member

    today = timezone.localdate()
    member_in(
        county.branch_a1,
        category="probationary",
        confirmed_on=None,
        joined_on=today - timedelta(days=30),
    )
    person = make_applicant(today - timedelta(days=800))
    walk(person, 14)
    voters = Member.objects.filter(org=county.branch_a1, status="normal", category="full").count()
    page = (
        login(county.users["zhibu"])
        .get(f"/development/people/{person.pk}/step/15/")
        .content.decode()
    )
    assert f'name="votes_expected" value="{voters}"' in page
    assert voters == len(county.members["a1"])  # the 预备党员 added above has no vote


def _edit_form(applicant, **changes) -> dict:
    from dangjian.core.crypto import provider

    data = {
        "name": applicant.name,
        "gender": applicant.gender,
        "ethnicity": applicant.ethnicity,
        "id_number": provider().decrypt(applicant.id_number_enc),
        "birth_date": applicant.birth_date.isoformat(),
        "education": applicant.education,
        "occupation": applicant.occupation,
        "phone": "",
        "work_unit": applicant.work_unit,
        "position": applicant.position,
    }
    data.update(changes)
    return data


def test_edit_personal_details_keeps_phone_and_milestones(county, login, make_applicant):
    from datetime import timedelta

    from django.utils import timezone

    from dangjian.development.models import Applicant

    person = make_applicant(timezone.localdate() - timedelta(days=20), name="林晓明")
    before = Applicant.objects.get(pk=person.pk)
    client = login(county.users["zhibu"])
    page = client.get(f"/development/people/{person.pk}/edit/").content.decode()
    assert "请重新录入完整身份证号" in page and "留空则保留原号码" in page
    r = client.post(
        f"/development/people/{person.pk}/edit/", _edit_form(person, name="林晓敏", position="科长")
    )
    assert r.status_code == 302
    after = Applicant.objects.get(pk=person.pk)
    assert (after.name, after.position) == ("林晓敏", "科长")
    assert after.phone_enc == before.phone_enc and after.phone_masked == before.phone_masked
    assert after.applied_on == before.applied_on


def test_edit_refuses_bad_id_and_other_branches(county, login, make_applicant):
    from datetime import timedelta

    from django.utils import timezone

    from dangjian.development.models import Applicant

    person = make_applicant(timezone.localdate() - timedelta(days=20))
    before = Applicant.objects.values().get(pk=person.pk)
    client = login(county.users["zhibu"])
    bad = client.post(
        f"/development/people/{person.pk}/edit/",
        _edit_form(person, id_number="350402199506150000", name="改名"),
    )
    assert bad.status_code == 200 and "身份证号" in bad.content.decode()
    assert Applicant.objects.values().get(pk=person.pk) == before
    other = login(county.users["zhibu2"])
    assert other.get(f"/development/people/{person.pk}/edit/").status_code == 404
    assert (
        other.post(
            f"/development/people/{person.pk}/edit/", _edit_form(person, name="改名")
        ).status_code
        == 404
    )
    assert Applicant.objects.values().get(pk=person.pk) == before


def test_edit_prefills_the_id_number_for_pii_roles_and_audits_it(county, login, make_applicant):
    from datetime import timedelta

    from auditlog.models import LogEntry
    from django.utils import timezone

    from dangjian.core.crypto import provider

    person = make_applicant(timezone.localdate() - timedelta(days=20))
    page = (
        login(county.users["dangwei"])
        .get(f"/development/people/{person.pk}/edit/")
        .content.decode()
    )
    assert provider().decrypt(person.id_number_enc) in page
    assert (
        LogEntry.objects.filter(
            additional_data__event="view_pii", actor=county.users["dangwei"]
        ).count()
        == 1
    )
