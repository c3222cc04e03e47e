"""Import of opinions with a column mapping: the real 泰迪杯 files, a malformed file, all-or-nothing."""

import io
from datetime import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from dangjian.core.imports import ImportFileError, read_table
from dangjian.core.models import Job
from dangjian.opinions import importing
from dangjian.opinions.models import Category, Opinion

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "taidi2020c"


def real(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(
            f"../shared/data/taidi2020c/{name} is not available here (the shared data folder is absent)"
        )
    return path


def _xlsx(rows) -> io.BytesIO:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("Sheet1")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    buf.seek(0)
    buf.name = "t.xlsx"
    return buf


def test_taxonomy_first_level_from_appendix_1(county):
    table = read_table(real("附件1.xlsx"))
    created, existing = importing.import_taxonomy(
        actor=county.users["gongwei"], table=table, levels=1
    )
    assert created == 15 and Category.objects.filter(parent__isnull=True).count() == 15
    assert (
        Category.objects.filter(name="城乡建设").exists()
        and Category.objects.filter(name="卫生计生").exists()
    )
    assert importing.import_taxonomy(actor=county.users["gongwei"], table=table, levels=1) == (
        0,
        15,
    )
    with pytest.raises(ValidationError):
        importing.import_taxonomy(actor=county.users["zhibu"], table=table)


def test_appendix_2_with_mapping(county):
    importing.import_taxonomy(actor=None, table=read_table(real("附件1.xlsx")))
    table = read_table(real("附件2.xlsx"))  # the sheet declares 65,203 rows, 495 are filled
    assert len(table.rows) == 495
    mapping = importing.guess_mapping(table.headers)
    assert mapping == {"text": 4, "title": 2, "received_at": 3, "category": 5, "ref": 0}
    n = importing.commit(
        actor=county.users["gongwei"], table=table, mapping=mapping, intake_org=county.gongwei
    )
    assert n == 495 == Opinion.objects.filter(channel="import").count()
    first = Opinion.objects.get(source_ref="24")
    assert first.title == "A市西湖建筑集团占道施工有安全隐患"
    assert first.text.startswith("A3区大道西行便道") and not first.text[0].isspace()
    assert timezone.localtime(first.received_at).replace(tzinfo=None) == datetime(
        2020, 1, 6, 12, 9, 38
    )
    assert first.category.name == "城乡建设"
    assert not Opinion.objects.filter(text__startswith="\n").exists()
    assert Opinion.objects.filter(category__name="卫生计生").count() > 0


def test_appendix_3_mixed_dates(county):
    table = read_table(real("附件3.xlsx"))
    mapping = importing.guess_mapping(table.headers)
    checked = importing.check(table, mapping)
    assert checked.total == 4326 and not checked.errors
    n = importing.commit(
        actor=county.users["gongwei"], table=table, mapping=mapping, intake_org=county.gongwei
    )
    assert n == 4326
    # a string date and an Excel serial date
    a = Opinion.objects.get(source_ref="188006")
    assert timezone.localtime(a.received_at).replace(tzinfo=None) == datetime(
        2019, 2, 28, 11, 25, 5
    )
    b = Opinion.objects.get(source_ref="360114")
    assert timezone.localtime(b.received_at).date() == datetime(2017, 6, 8).date()
    assert len(set(Opinion.objects.values_list("receipt", flat=True))) == 4326


def test_malformed_file_is_refused():
    with pytest.raises(ImportFileError):
        read_table(io.BytesIO(b"this is not a spreadsheet \x00\x01"), name="x.xlsx")


def test_row_errors_are_listed_and_nothing_is_written(county):
    Category.objects.create(name="城乡建设")
    table = read_table(
        _xlsx(
            [
                ["编号", "内容", "时间", "类别", "电话"],
                [1, "路灯不亮", "2024/3/1 8:00:00", "城乡建设", "13900001111"],
                [2, "", "2024/3/2", "城乡建设", ""],
                [3, "路面破损", "明天", "不存在的类别", "123"],
                [4, "井盖缺失", 45000.5, "", ""],
            ]
        )
    )
    mapping = importing.clean_mapping(
        table.headers, {"ref": 0, "text": 1, "received_at": 2, "category": 3, "phone": 4}
    )
    checked = importing.check(table, mapping)
    errors = [
        (e["row"], e["column"], e["reason"][:6]) for e in checked.errors.sorted(table.headers)
    ]
    assert [(r, c) for r, c, _ in errors] == [(3, "内容"), (4, "时间"), (4, "类别"), (4, "电话")]
    assert checked.rows[3].data.received_at.date().isoformat() == "2023-03-15"
    with pytest.raises(ValidationError, match="没有导入任何数据"):
        importing.commit(
            actor=county.users["gongwei"], table=table, mapping=mapping, intake_org=county.gongwei
        )
    assert Opinion.objects.count() == 0


def test_mapping_guards(county):
    headers = ["a", "b"]
    with pytest.raises(ValidationError, match="意见内容"):
        importing.clean_mapping(headers, {"title": 0})
    with pytest.raises(ValidationError, match="同时"):
        importing.clean_mapping(headers, {"text": 0, "title": 0})


def test_import_needs_import_permission_in_scope(county):
    table = read_table(_xlsx([["内容", "时间"], ["路灯不亮", "2024-03-01"]]))
    mapping = importing.guess_mapping(table.headers)
    with pytest.raises(Http404):
        importing.commit(
            actor=county.users["zhibu"], table=table, mapping=mapping, intake_org=county.branch_a1
        )
    with pytest.raises(Http404):
        importing.commit(
            actor=county.users["dangwei"], table=table, mapping=mapping, intake_org=county.gongwei
        )
    assert (
        importing.commit(
            actor=county.users["dangwei"], table=table, mapping=mapping, intake_org=county.dangwei_a
        )
        == 1
    )


def _upload_and_check(c, county, f, **cols):
    from django.urls import reverse

    r = c.post(reverse("opinions:import"), {"what": "opinions", "file": f})
    assert r.status_code == 302
    assert c.get(reverse("opinions:import_map")).status_code == 200
    data = {
        "col_text": "1",
        "col_received_at": "2",
        "col_ref": "0",
        "intake_org": county.gongwei.pk,
    }
    data.update(cols)
    r = c.post(reverse("opinions:import_map"), data)
    assert r.status_code == 302 and "/import/job/" in r.url
    return Job.objects.filter(kind=importing.JOB_CHECK).latest("pk")


def test_import_pages_upload_map_check_job_confirm(client, login, county, tmp_path, settings):
    """Upload → mapping → 检查 (a job) → preview with row errors → fix → 确认导入 (a job)."""
    settings.MEDIA_ROOT = tmp_path
    c = login(county.users["gongwei"])
    from django.urls import reverse

    f = _xlsx(
        [["编号", "留言详情", "留言时间"], [1, "路灯不亮", "2024/3/1 8:00:00"], [2, "", "2024/3/2"]]
    )
    f.name = "hotline.xlsx"
    job = _upload_and_check(c, county, f)
    assert job.status == "succeeded" and not job.result["ok"]
    assert job.errors == [{"row": 3, "column": "留言详情", "reason": "意见内容为空。"}]
    body = c.get(reverse("opinions:import_job", args=[job.pk])).content.decode()
    assert "意见内容为空" in body and "第3行" in body and 'data-testid="confirm"' not in body
    # A failed check cannot be committed, and nothing was written.
    c.post(reverse("opinions:import_commit", args=[job.pk]))
    assert Opinion.objects.count() == 0 and not job.children.exists()
    # The upload is still there: the mapping can be changed without uploading again.
    assert c.get(reverse("opinions:import_map")).status_code == 200

    f = _xlsx(
        [
            ["编号", "留言详情", "留言时间"],
            [1, "路灯不亮", "2024/3/1 8:00:00"],
            [2, "井盖缺失", "2024/3/2"],
        ]
    )
    f.name = "hotline.xlsx"
    job = _upload_and_check(c, county, f)
    assert job.result["ok"] and job.file.endswith(".prepared.json")
    assert Opinion.objects.count() == 0  # checking writes nothing
    body = c.get(reverse("opinions:import_job", args=[job.pk])).content.decode()
    assert 'data-testid="confirm"' in body and "路灯不亮" in body
    # The polled fragment answers on its own.
    status = c.get(reverse("opinions:import_job_status", args=[job.pk]))
    assert status.status_code == 200 and 'id="job-status"' in status.content.decode()
    r = c.post(reverse("opinions:import_commit", args=[job.pk]))
    done = Job.objects.get(kind=importing.JOB_IMPORT)
    assert r.status_code == 302 and r.url.endswith(f"/import/job/{done.pk}/")
    assert done.status == "succeeded" and done.parent_id == job.pk and done.result["rows"] == 2
    assert Opinion.objects.count() == 2
    assert set(Opinion.objects.values_list("source_ref", flat=True)) == {"1", "2"}
    # Pressing again does not import twice; the prepared rows and both uploads are gone.
    c.post(reverse("opinions:import_commit", args=[job.pk]))
    assert (
        Opinion.objects.count() == 2 and Job.objects.filter(kind=importing.JOB_IMPORT).count() == 1
    )
    assert not list((tmp_path / "imports" / "opinions").iterdir())
    assert not [p for p in (tmp_path / "imports").iterdir() if p.is_file()]
    assert "我最近的导入" in c.get(reverse("opinions:import")).content.decode()
    # The general job page (linked from 导入任务) sends opinions jobs to their own page.
    r = c.get(reverse("core:job", args=[done.pk]))
    assert r.status_code == 302 and r.url == reverse("opinions:import_job", args=[done.pk])
    # Someone outside the 工委 sees neither the job nor the import page.
    z = login(county.users["zhibu"])
    assert z.get(reverse("opinions:import_job", args=[job.pk])).status_code == 404
    assert z.post(reverse("opinions:import_commit", args=[job.pk])).status_code == 404
    assert z.get(reverse("opinions:import")).status_code == 404


def test_import_job_refuses_a_bad_mapping_and_a_lost_scope(
    client, login, county, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    c = login(county.users["gongwei"])
    from django.urls import reverse

    f = _xlsx([["编号", "留言详情", "留言时间"], [1, "路灯不亮", "2024/3/1 8:00:00"]])
    f.name = "a.xlsx"
    c.post(reverse("opinions:import"), {"what": "opinions", "file": f})
    # Two fields on one column: the mapping page says so and starts no job.
    r = c.post(
        reverse("opinions:import_map"),
        {"col_text": "1", "col_title": "1", "intake_org": county.gongwei.pk},
    )
    assert r.status_code == 200 and "不能同时作为两项内容" in r.content.decode()
    assert not Job.objects.exists()
    # A clean check whose writer has lost the import grant by 确认导入 writes nothing.
    job = _upload_and_check(
        c, county, _named(_xlsx([["编号", "留言详情", "留言时间"], [1, "路灯不亮", "2024/3/1"]]))
    )
    assert job.result["ok"]
    imp = importing.start_commit(check_job=job, actor=county.users["zhibu"])
    assert imp.status == "failed" and Opinion.objects.count() == 0
    # The general import page does not offer opinions (it has no mapping step).
    from dangjian.core.job_views import importable_kinds

    assert "opinions" not in dict(importable_kinds(county.users["gongwei"]))


def _named(f, name="b.xlsx"):
    f.name = name
    return f


def test_real_appendix_2_through_the_jobs(county, tmp_path, settings):
    """The real 附件2.xlsx through the background check and import jobs (as the page runs them)."""
    settings.MEDIA_ROOT = tmp_path
    path = real("附件2.xlsx")
    gw = county.users["gongwei"]
    importing.import_taxonomy(actor=None, table=read_table(real("附件1.xlsx")))
    table = read_table(path)
    mapping = importing.guess_mapping(table.headers)
    job = importing.start_check(
        actor=gw,
        source=str(path),
        filename="附件2.xlsx",
        mapping=mapping,
        intake_org=county.gongwei,
    )
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result["ok"], job.message
    assert job.result["rows"] == len(table.rows) and len(job.result["preview"]["rows"]) == 20
    done = importing.start_commit(check_job=job, actor=gw)
    assert done.status == "succeeded", done.message
    assert Opinion.objects.count() == len(table.rows) == done.result["rows"]
    assert path.exists()  # the job worked on a copy
    first = Opinion.objects.get(source_ref="24")
    assert first.title == "A市西湖建筑集团占道施工有安全隐患" and first.category.name == "城乡建设"
    assert first.receipt and first.channel == "import"
