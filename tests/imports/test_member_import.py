"""Members from Excel/CSV: preview, all-or-nothing commit, scope, malformed files, dates."""

from datetime import date
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from helpers import HEADERS, csv_bytes, member_row, member_rows, upload, write_xlsx

from dangjian.core.crypto import provider
from dangjian.core.models import Job
from dangjian.members.models import Member


def _upload(client, path: Path, kind="members", name=None):
    resp = client.post(reverse("members:import"), {"kind": kind, "file": upload(path, name)})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    return Job.objects.get(pk=resp.url.rstrip("/").split("/")[-1])


def _commit(client, job):
    return client.post(reverse("core:job_commit", args=[job.pk]))


def _member_creates():
    ct = ContentType.objects.get_for_model(Member)
    return LogEntry.objects.filter(content_type=ct, action=LogEntry.Action.CREATE)


def _upload_files():
    root = Path(settings.MEDIA_ROOT) / "imports"
    return list(root.iterdir()) if root.exists() else []


def test_valid_file_previews_clean_and_commits_everything(county, login, tmp_path):
    user = county.users["zhibu"]
    c = login(user)
    rows = member_rows(100, "T111")
    before = Member.objects.count()
    check = _upload(c, write_xlsx(tmp_path / "党员.xlsx", rows))
    assert check.status == "succeeded", check.message
    assert check.result["ok"] and check.result["rows"] == 100 and check.errors == []
    page = c.get(reverse("core:job", args=[check.pk])).content.decode()
    assert "确认导入100行" in page and "教育局机关第一党支部（T111）" in page
    assert Member.objects.count() == before  # the preview writes nothing
    # the upload is gone; what waits for 确认导入 holds no plain ID number or phone
    (kept,) = _upload_files()
    assert kept.name.endswith(".prepared.json") and oct(kept.stat().st_mode)[-3:] == "600"
    text = kept.read_text()
    assert rows[0]["身份证号"] not in text and rows[0]["联系电话"] not in text

    resp = _commit(c, check)
    job = Job.objects.get(parent=check)
    assert resp.status_code == 302 and resp.url == reverse("core:job", args=[job.pk])
    assert job.status == "succeeded", job.message
    assert job.kind == "members_import" and job.result["rows"] == 100
    assert Member.objects.count() == before + 100

    crypto = provider()
    imported = {
        m.name + m.id_number_masked: m
        for m in Member.objects.filter(org_path__startswith=county.branch_a1.path)
    }
    by_id = {
        crypto.decrypt(m.id_number_enc): m
        for m in Member.objects.filter(pk__in=[m.pk for m in imported.values()])
    }
    for row in rows:
        member = by_id[row["身份证号"]]
        assert member.name == row["姓名"] and member.org_id == county.branch_a1.pk
        assert member.org_path == county.branch_a1.path
        assert member.joined_on == date.fromisoformat(row["入党日期"])
        assert crypto.decrypt(member.phone_enc) == row["联系电话"]

    new_ids = {str(by_id[r["身份证号"]].pk) for r in rows}
    entries = _member_creates().filter(object_pk__in=new_ids)
    assert entries.count() == 100
    assert set(entries.values_list("actor_id", flat=True)) == {user.pk}
    # the audit entry shows the masked number only
    assert all(r["身份证号"] not in str(e.changes) for e, r in zip(entries, rows, strict=False))
    event = LogEntry.objects.filter(
        additional_data__event="import", additional_data__job=job.pk
    ).get()
    assert event.additional_data["rows"] == 100 and event.actor_id == user.pk
    assert _upload_files() == []  # the uploaded file (ID numbers) is gone

    # pressing 确认导入 again does not import twice
    _commit(c, check)
    assert Member.objects.count() == before + 100
    assert Job.objects.filter(parent=check).count() == 1


def test_bad_check_digit_on_row_57_is_reported_and_nothing_is_written(county, login, tmp_path):
    c = login(county.users["zhibu"])
    rows = member_rows(80, "T111")
    good = rows[55]["身份证号"]  # data row 56 = Excel row 57
    rows[55]["身份证号"] = good[:-1] + ("0" if good[-1] != "0" else "1")
    before, logs = Member.objects.count(), LogEntry.objects.count()
    check = _upload(c, write_xlsx(tmp_path / "bad.xlsx", rows))
    assert check.status == "succeeded" and not check.result["ok"]
    assert len(check.errors) == 1 and check.error_count == 1
    err = check.errors[0]
    assert (err["row"], err["column"]) == (57, "身份证号") and "校验位" in err["reason"]
    page = c.get(reverse("core:job", args=[check.pk])).content.decode()
    assert "第57行" in page and "校验位" in page and "确认导入" not in page

    resp = _commit(c, check)  # POST anyway
    assert resp.status_code == 400 and "不能导入" in resp.content.decode()
    assert Member.objects.count() == before and LogEntry.objects.count() == logs
    assert not Job.objects.filter(parent=check).exists()
    assert _upload_files() == []

    # the error list downloads as a spreadsheet
    resp = c.get(reverse("core:job_errors", args=[check.pk]))
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxml")


def test_commit_job_rechecks_the_file_and_writes_nothing_on_errors(county, login, tmp_path):
    """Even a commit job started on a bad file (bypassing the page) writes nothing."""
    from dangjian.core.imports import get_importer, new_job, store_upload
    from dangjian.core.jobs import start_job

    user = county.users["zhibu"]
    rows = member_rows(10, "T111")
    rows[3]["身份证号"] = "350421196001010000"
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    stored = store_upload(upload(path))
    job = new_job(kind="members", phase="import", actor=user, importer=get_importer("members"), file=stored,
                  params={"filename": "bad.xlsx"})  # fmt: skip
    before = Member.objects.count()
    job = start_job(job, "dangjian.core.imports.run_commit", kind="members")
    assert job.status == "failed" and "没有导入任何数据" in job.message
    assert [e["row"] for e in job.errors] == [5]
    assert Member.objects.count() == before and not Path(stored).exists()


def test_import_killed_midway_leaves_database_unchanged(county, login, tmp_path, monkeypatch):
    from dangjian.core import audit
    from dangjian.members import importers

    user = county.users["zhibu"]
    c = login(user)
    check = _upload(c, write_xlsx(tmp_path / "big.xlsx", member_rows(2500, "T111")))
    assert check.result["ok"], check.errors[:3]

    calls = []

    def dying(batch, **kwargs):
        calls.append(len(batch))
        if (
            len(calls) == 2
        ):  # the first batch is written and audited; the process "dies" on the second
            raise RuntimeError("simulated crash")
        return audit.log_bulk_created(batch, **kwargs)

    monkeypatch.setattr(importers, "log_bulk_created", dying)
    members, creates = Member.objects.count(), _member_creates().count()
    logs = LogEntry.objects.count()
    _commit(c, check)
    job = Job.objects.get(parent=check)
    assert calls == [1000, 1000]
    assert job.status == "failed"
    assert "没有写入任何数据" in job.message and job.finished_at is not None
    assert Member.objects.count() == members
    assert _member_creates().count() == creates
    # the only new audit row is the record of the failed attempt itself
    failed = LogEntry.objects.filter(
        additional_data__event="import", additional_data__success=False
    ).get()
    assert LogEntry.objects.count() == logs + 1 and failed.additional_data["job"] == job.pk
    assert _upload_files() == []
    page = c.get(reverse("core:job", args=[job.pk])).content.decode()
    assert "导入失败" in page


def test_rows_outside_scope_are_errors_and_do_not_reveal_the_organisation(county, login, tmp_path):
    c = login(county.users["zhibu"])
    rows = member_rows(5, "T111")
    rows[1]["所在党组织代码"] = "T121"  # zhibu2's branch
    rows[3]["所在党组织代码"] = "X999"  # does not exist
    before = Member.objects.count()
    check = _upload(c, write_xlsx(tmp_path / "scope.xlsx", rows))
    assert not check.result["ok"]
    assert [(e["row"], e["column"], e["reason"]) for e in check.errors] == [
        (3, "所在党组织代码", "组织代码T121不存在或不在您的管理范围内。"),
        (5, "所在党组织代码", "组织代码X999不存在或不在您的管理范围内。"),
    ]
    page = c.get(reverse("core:job", args=[check.pk])).content.decode()
    assert county.branch_b1.name not in page and "卫生健康" not in page
    assert _commit(c, check).status_code == 400
    assert Member.objects.count() == before


def test_scope_is_checked_again_at_commit(county, login, tmp_path):
    """A grant withdrawn between preview and 确认导入: the commit refuses and writes nothing."""
    user = county.users["zhibu"]
    c = login(user)
    check = _upload(c, write_xlsx(tmp_path / "ok.xlsx", member_rows(3, "T111")))
    assert check.result["ok"]
    user.grants.all().delete()
    from dangjian.accounts.models import Grant

    Grant.objects.create(user=user, role="branch_secretary", org=county.branch_a2)
    before = Member.objects.count()
    _commit(c, check)
    job = Job.objects.get(parent=check)
    assert job.status == "failed" and Member.objects.count() == before
    assert "不在您的管理范围内" in job.message and "没有导入任何数据" in job.message


def test_duplicates_in_file_and_in_database(county, login, tmp_path):
    c = login(county.users["zhibu"])
    rows = member_rows(4, "T111")
    rows[2]["身份证号"] = rows[0]["身份证号"]
    from dangjian.core.crypto import provider as p

    existing = county.members["a1"][1]
    rows[3]["身份证号"] = p().decrypt(existing.id_number_enc)
    rows[3]["出生日期"] = existing.birth_date.isoformat()
    rows[3]["性别"] = existing.get_gender_display()
    rows[3]["入党日期"] = existing.joined_on.isoformat()
    rows[3]["转正日期"] = existing.confirmed_on.isoformat()
    check = _upload(c, write_xlsx(tmp_path / "dup.xlsx", rows))
    reasons = {(e["row"], e["column"]): e["reason"] for e in check.errors}
    assert reasons[(4, "身份证号")] == "与第2行的身份证号重复。"
    assert "已登记" in reasons[(5, "身份证号")]
    assert len(reasons) == 2


def test_id_number_stored_as_number_gets_a_clear_message(county, login, tmp_path):
    c = login(county.users["zhibu"])
    rows = member_rows(2, "T111")
    rows[0]["身份证号"] = 3.50402198001011e17
    rows[1]["身份证号"] = "3.50402E+17"
    check = _upload(c, write_xlsx(tmp_path / "num.xlsx", rows, raw_cells=True))
    assert [e["row"] for e in check.errors] == [2, 3]
    assert all("文本" in e["reason"] and e["column"] == "身份证号" for e in check.errors)


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"\x13\x37 not a spreadsheet at all \xff\xfe" * 20, "党员.xlsx", "不是有效的Excel表格"),
        (b"PK\x03\x04 broken zip", "党员.xlsx", "不是有效的Excel表格"),
        (b"%PDF-1.4 hello", "党员.pdf", "只能上传"),
    ],
)
def test_malformed_files_get_a_clear_message(county, login, content, name, expected):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = login(county.users["zhibu"])
    before = Member.objects.count()
    resp = c.post(
        reverse("members:import"), {"kind": "members", "file": SimpleUploadedFile(name, content)}
    )
    if resp.status_code == 302:
        job = Job.objects.get(pk=resp.url.rstrip("/").split("/")[-1])
        assert job.status == "failed" and expected in job.message
        page = c.get(resp.url).content.decode()
        assert expected in page and "确认导入" not in page
    else:
        assert resp.status_code == 200 and expected in resp.content.decode()
    assert Member.objects.count() == before
    assert _upload_files() == []


def test_empty_file_is_refused(county, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = login(county.users["zhibu"])
    resp = c.post(
        reverse("members:import"), {"kind": "members", "file": SimpleUploadedFile("a.xlsx", b"")}
    )
    assert resp.status_code == 200 and "文件是空的" in resp.content.decode()
    assert not Job.objects.exists()


def test_missing_required_header(county, login, tmp_path):
    c = login(county.users["zhibu"])
    headers = [h for h in HEADERS if h != "身份证号"]
    check = _upload(c, write_xlsx(tmp_path / "nohdr.xlsx", member_rows(3, "T111"), headers))
    assert check.status == "failed"
    assert "缺少必须的列：身份证号" in check.message
    assert _commit(c, check).status_code == 400


def test_header_only_and_blank_sheet(county, login, tmp_path):
    c = login(county.users["zhibu"])
    check = _upload(c, write_xlsx(tmp_path / "empty.xlsx", []))
    assert check.status == "failed" and "没有数据行" in check.message
    blank = tmp_path / "blank.xlsx"
    import xlsxwriter

    xlsxwriter.Workbook(str(blank)).close()
    check = _upload(c, blank)
    assert check.status == "failed" and "没有找到列名行" in check.message


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_in_utf8_with_bom_and_gbk(county, login, tmp_path, encoding):
    c = login(county.users["zhibu"])
    rows = member_rows(6, "T111", start=500)
    path = tmp_path / "党员.csv"
    path.write_bytes(csv_bytes(rows, encoding))
    before = Member.objects.count()
    check = _upload(c, path)
    assert check.result["ok"], check.errors
    _commit(c, check)
    assert Member.objects.count() == before + 6
    names = set(Member.objects.order_by("-pk")[:6].values_list("name", flat=True))
    assert names == {r["姓名"] for r in rows}


def test_dates_in_many_forms_and_excel_serials(county, login, tmp_path):
    from datetime import datetime

    c = login(county.users["zhibu"])
    rows = member_rows(6, "T111", start=900)
    joined = [
        date(1990, 7, 1),  # a real date cell
        datetime(1990, 7, 1, 0, 0),  # a datetime cell
        (date(1990, 7, 1) - date(1899, 12, 30)).days,  # an Excel serial in a number cell
        "1990/7/1",
        "1990年7月1日",
        "1990.07.01",
    ]
    for row, value in zip(rows, joined, strict=True):
        row["出生日期"] = ""
        row["入党日期"] = value
        row["转正日期"] = "1991-7-1"
    check = _upload(c, write_xlsx(tmp_path / "dates.xlsx", rows, raw_cells=True))
    assert check.result["ok"], check.errors
    _commit(c, check)
    got = Member.objects.order_by("-pk")[:6]
    assert {m.joined_on for m in got} == {date(1990, 7, 1)}
    assert {m.confirmed_on for m in got} == {date(1991, 7, 1)}
    # the birth date, left empty, comes from the ID number
    assert {m.birth_date.strftime("%Y%m%d") for m in got} == {r["身份证号"][6:14] for r in rows}


def test_bad_date_names_row_and_column(county, login, tmp_path):
    c = login(county.users["zhibu"])
    rows = member_rows(3, "T111", start=1200)
    rows[2]["入党日期"] = "去年七月"
    check = _upload(c, write_xlsx(tmp_path / "d.xlsx", rows))
    assert [(e["row"], e["column"]) for e in check.errors] == [(4, "入党日期")]
    assert "不是有效日期" in check.errors[0]["reason"]


def test_member_row_helper_is_valid():
    """Guard for the helpers: the generated rows are distinct people."""
    rows = member_rows(2000, "T111")
    assert len({r["身份证号"] for r in rows}) == 2000
    assert member_row(1, "T1")["性别"] == "男"


def test_bulk_duplicate_check_when_clean_member_data_skips_the_lookup(
    county, login, tmp_path, monkeypatch, django_assert_max_num_queries
):
    """With clean_member_data(check_registered=False) the importer finds registered IDs in bulk."""
    from types import SimpleNamespace

    from dangjian.members import importers, services

    real = services.clean_member_data
    no_db = SimpleNamespace(
        objects=SimpleNamespace(filter=lambda **kw: SimpleNamespace(exists=lambda: False))
    )

    def clean_without_lookup(raw, *, check_registered=True, **kwargs):
        assert check_registered is False
        with monkeypatch.context() as m:
            m.setattr(services, "Member", no_db)
            return real(raw, **kwargs)

    monkeypatch.setattr(importers, "clean_member_data", clean_without_lookup)
    monkeypatch.setattr(importers, "_CLEAN_KWARGS", {"check_registered": False})
    rows = member_rows(300, "T111", start=3000)
    existing = county.members["a1"][0]
    rows[200].update(
        身份证号=provider().decrypt(existing.id_number_enc),
        出生日期=existing.birth_date.isoformat(),
        性别=existing.get_gender_display(),
        入党日期=existing.joined_on.isoformat(),
        转正日期=existing.confirmed_on.isoformat(),
    )
    path = write_xlsx(tmp_path / "bulk.xlsx", rows)
    from dangjian.core.imports import ErrorList, get_importer, read_table

    importer = get_importer("members")
    with django_assert_max_num_queries(
        6
    ):  # grants, organisations, one lookup per 1,000 IDs — not per row
        checked = importer.check(read_table(path), actor=county.users["zhibu"])
    assert isinstance(checked.errors, ErrorList)
    assert [(e["row"], e["column"], e["reason"]) for e in checked.errors.items] == [
        (202, "身份证号", "该身份证号已登记在系统中，不能重复登记。")
    ]


def test_title_row_and_offset_table_keep_excel_row_numbers(county, login, tmp_path):
    """A title above the header and a table starting in column B: rows are still numbered as Excel shows."""
    import xlsxwriter

    c = login(county.users["zhibu"])
    rows = member_rows(3, "T111", start=1500)
    rows[1]["学历"] = "博士后"
    path = tmp_path / "title.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write(0, 0, "这一页不是数据")
    ws = book.add_worksheet("数据")
    ws.write(0, 1, "2024年党员信息")
    ws.write_row(2, 1, HEADERS)
    for r, row in enumerate(rows, start=3):
        ws.write_row(r, 1, [str(row[h]) for h in HEADERS])
    book.close()
    check = _upload(c, path)
    assert [(e["row"], e["column"]) for e in check.errors] == [(5, "学历")]
    assert "学历应为" in check.errors[0]["reason"]


def test_parse_date_forms():
    from dangjian.core.imports import parse_date

    d = date(2024, 7, 1)
    for value in ["2024-07-01", "2024-7-1", "2024/7/1", "2024.7.1", "2024年7月1日", "2024年07月01日", "20240701",
                  " 2024-07-01 00:00:00 ", 45474, 45474.0, 45474.75, "45474"]:  # fmt: skip
        assert parse_date(value) == d, value
    for bad in ["2024-13-01", "2024-02-30", "七月一日", "", True, -3]:
        with pytest.raises((ValueError, TypeError)):
            parse_date(bad)


def test_id_registered_between_preview_and_commit(county, login, tmp_path):
    """Someone registers one of the file's people after the preview: the commit writes nothing."""
    from support import member_in

    c = login(county.users["zhibu"])
    rows = member_rows(5, "T111", start=7000)
    check = _upload(c, write_xlsx(tmp_path / "race.xlsx", rows))
    assert check.result["ok"]
    r = rows[3]
    member_in(county.branch_a2, id_number=r["身份证号"], birth_date=date.fromisoformat(r["出生日期"]),
              gender="male" if r["性别"] == "男" else "female")  # fmt: skip
    before = Member.objects.count()
    _commit(c, check)
    job = Job.objects.get(parent=check)
    assert job.status == "failed" and Member.objects.count() == before
    assert [(e["row"], e["column"]) for e in job.errors] == [(5, "身份证号")]
    assert _upload_files() == []


def test_commit_job_without_preview_checks_prepares_and_writes(county, tmp_path):
    """The one-shot path (an import job given a raw file, e.g. from a command): same checks, same write."""
    from dangjian.core.imports import get_importer, new_job, store_upload
    from dangjian.core.jobs import start_job

    user = county.users["zhibu"]
    rows = member_rows(7, "T111", start=8000)
    stored = store_upload(upload(write_xlsx(tmp_path / "direct.xlsx", rows)))
    job = new_job(kind="members", phase="import", actor=user, importer=get_importer("members"), file=stored,
                  params={"filename": "direct.xlsx"})  # fmt: skip
    before = Member.objects.count()
    job = start_job(job, "dangjian.core.imports.run_commit", kind="members")
    assert job.status == "succeeded", job.message
    assert Member.objects.count() == before + 7 and not Path(stored).exists()
    assert set(job.result["seconds"]) >= {"check", "prepare", "write"}
