"""Organisations from Excel: a small tree with parents in the file; only the 工委 may import."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from helpers import upload, write_xlsx

from dangjian.core.models import Job
from dangjian.orgs.models import Organization

HEADERS = [
    "组织全称",
    "简称",
    "组织代码",
    "组织类别",
    "所在单位类别",
    "所在单位",
    "上级组织代码",
    "成立日期",
]


def org_row(name, code, org_type, parent, **extra):
    return {"组织全称": name, "简称": extra.get("short", name[-8:]), "组织代码": code, "组织类别": org_type,
            "所在单位类别": "机关", "所在单位": "", "上级组织代码": parent, "成立日期": extra.get("founded", "2020-07-01")}  # fmt: skip


def _upload(client, path, url="orgs:import"):
    resp = client.post(reverse(url), {"kind": "orgs", "file": upload(path)})
    assert resp.status_code == 302, resp.content.decode()[:3000]
    return Job.objects.get(pk=resp.url.rstrip("/").split("/")[-1])


def test_gongwei_imports_a_small_tree(county, login, tmp_path):
    user = county.users["gongwei"]
    c = login(user)
    rows = [
        org_row("中共示范县财政局委员会", "T130", "党委", "T100"),
        org_row("财政局机关第一党支部", "T131", "党支部", "T130"),
        org_row("财政局机关第二党支部", "T132", "党支部", "T130", founded="2021年3月1日"),
        org_row("教育局机关第三党支部", "T113", "党支部", "T110"),
        org_row("财政局第一党支部第一党小组", "T1311", "党小组", "T131"),
    ]
    before = Organization.objects.count()
    check = _upload(c, write_xlsx(tmp_path / "orgs.xlsx", rows, HEADERS))
    assert check.status == "succeeded" and check.result["ok"], (check.message, check.errors)
    assert Organization.objects.count() == before
    c.post(reverse("core:job_commit", args=[check.pk]))
    job = Job.objects.get(parent=check)
    assert job.status == "succeeded", (job.message, job.errors)
    assert Organization.objects.count() == before + 5
    get = Organization.objects.get
    assert Organization.objects.get_parent(get(code="T130")).code == "T100"
    assert Organization.objects.get_parent(get(code="T131")).code == "T130"
    assert Organization.objects.get_parent(get(code="T113")).code == "T110"
    assert Organization.objects.get_parent(get(code="T1311")).code == "T131"
    assert get(code="T132").founded_on.isoformat() == "2021-03-01"
    assert get(code="T131").path.startswith(county.gongwei.path)
    ct = ContentType.objects.get_for_model(Organization)
    created = LogEntry.objects.filter(content_type=ct, action=LogEntry.Action.CREATE, actor=user)
    assert created.filter(object_repr__in=[r["简称"] for r in rows]).count() == 5
    assert LogEntry.objects.filter(
        additional_data__event="import", additional_data__kind="orgs"
    ).exists()


def test_org_import_errors_list_every_problem(county, login, tmp_path):
    c = login(county.users["gongwei"])
    rows = [
        org_row("某支部", "T140", "党支部", "T141"),  # parent comes later
        org_row("某党委", "T141", "党委", "T100"),
        org_row("重复代码", "T111", "党支部", "T110"),  # code already used
        org_row("支部下设党委", "T142", "党委", "T121"),  # a branch cannot hold a 党委
        org_row("乱填", "T143", "支部委员会", "T110"),  # unknown type
        org_row("县外", "T144", "党支部", "Z999"),  # unknown parent
        org_row("同表重复", "T141", "党支部", "T100"),
    ]
    before = Organization.objects.count()
    check = _upload(c, write_xlsx(tmp_path / "bad.xlsx", rows, HEADERS))
    got = {(e["row"], e["column"]): e["reason"] for e in check.errors}
    assert got[(2, "上级组织代码")] == "上级组织（第3行）应排在本行之前。"
    assert got[(4, "组织代码")] == "组织代码T111已被使用。"
    assert got[(5, "组织类别")] == "党支部下不能设立党委。"
    assert got[(6, "组织类别")] == "组织类别不正确。"
    assert got[(7, "上级组织代码")] == "组织代码Z999不存在或不在您的管理范围内。"
    assert got[(8, "组织代码")] == "与第3行的组织代码重复。"
    assert (3, "组织代码") not in got
    c.post(reverse("core:job_commit", args=[check.pk]))
    assert Organization.objects.count() == before


@pytest.mark.parametrize("username", ["zhibu", "dangwei", "dangyuan"])
def test_only_the_work_committee_imports_organisations(county, login, tmp_path, username):
    c = login(county.users[username])
    assert c.get(reverse("orgs:import")).status_code == 404
    assert c.get(reverse("orgs:import_template")).status_code == 404
    path = write_xlsx(tmp_path / "o.xlsx", [org_row("某支部", "T150", "党支部", "T111")], HEADERS)
    resp = c.post(reverse("orgs:import"), {"kind": "orgs", "file": upload(path)})
    assert resp.status_code == 404
    resp = c.post(reverse("members:import"), {"kind": "orgs", "file": upload(path)})
    assert resp.status_code in (200, 404)  # the form does not offer 党组织 (or no import at all)
    assert not Job.objects.exists()
    assert not Organization.objects.filter(code="T150").exists()
