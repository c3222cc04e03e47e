"""Dues from Excel: 工资表 → 党费基数 and 党费交纳记录, through real .xlsx files and the import pages.

Every file is written by xlsxwriter at test time and uploaded through the same page as members and
organisations: check (nothing written), preview, all-or-nothing commit.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from auditlog.models import LogEntry
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook
from support import member_in

from dangjian.core.calendar import add_months
from dangjian.core.crypto import provider
from dangjian.core.models import Job
from dangjian.dues import services
from dangjian.dues.importers import (
    NOT_FOUND_ID,
    category_value,
    parse_money,
    parse_month_cell,
)
from dangjian.dues.models import DuesBase, DuesEntry, DuesMonth
from dangjian.dues.services import BaseLine, month_start
from dangjian.members.idnumber import make_id_number

D = Decimal
BASE_HEADERS = ["身份证号", "姓名", "所在支部", "交纳类别", "起始月份", "职务工资", "级别工资",
                "岗位工资", "薪级工资", "绩效工资", "津贴补贴", "基本养老金", "离退休人员补贴",
                "个人所得税", "计算基数"]  # fmt: skip
PAY_HEADERS = ["身份证号", "姓名", "所在支部", "所属月份", "金额", "交纳日期", "交纳方式"]


@pytest.fixture(autouse=True)
def _jobs_inline(settings, tmp_path):
    """Jobs run synchronously (ImmediateBackend, no thread); uploads go to a fresh media dir."""
    settings.DANGJIAN_JOBS_IN_THREAD = False
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


def this_month() -> date:
    return month_start(timezone.localdate())


def ago(n: int) -> date:
    return add_months(this_month(), -n)


def id_of(member) -> str:
    return provider().decrypt(member.id_number_enc)


def write_xlsx(path: Path, headers: list[str], rows: list[dict], *, trailing: int = 0) -> Path:
    """A real workbook: numbers as numbers, dates as Excel dates, text as text; `trailing` blank rows
    (cells holding only spaces) after the data, as Excel leaves them after rows were cleared."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    ws = book.add_worksheet("数据")
    ws.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, h in enumerate(headers):
            value = row.get(h)
            if value is None:
                continue
            if isinstance(value, date):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day), day)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, str(value))
    for r in range(len(rows) + 1, len(rows) + 1 + trailing):
        ws.write_string(r, 0, "   ")
        ws.write_string(r, 3, "\u3000")
    book.close()
    return path


def _upload(client, path: Path, kind: str) -> Job:
    resp = client.post(
        reverse("members:import"),
        {"kind": kind, "file": SimpleUploadedFile(path.name, path.read_bytes())},
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    return Job.objects.get(pk=resp.url.rstrip("/").split("/")[-1])


def _commit(client, job: Job) -> Job | None:
    client.post(reverse("core:job_commit", args=[job.pk]))
    return Job.objects.filter(parent=job).first()


def _errors(job: Job) -> dict[tuple[int, str], str]:
    return {(e["row"], e["column"]): e["reason"] for e in job.errors}


def _preview(job: Job) -> list[dict[str, str]]:
    """The preview's rows by column name."""
    preview = job.result["preview"]
    return [dict(zip(preview["columns"], row, strict=True)) for row in preview["rows"]]


def _upload_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "imports"
    return list(root.iterdir()) if root.exists() else []


# --- cells ----------------------------------------------------------------------------------------


def test_cells_money_months_and_categories():
    assert parse_money(3000) == D("3000")
    assert parse_money(2999.9999999999995) == D("3000.00")  # Excel arithmetic noise
    assert parse_money(" 3,000.01元 ") == D("3000.01")
    assert parse_money("-5") == D("-5")  # the sign is the caller's check
    with pytest.raises(ValueError):
        parse_money("三千")
    assert parse_month_cell("2026-01") == date(2026, 1, 1)
    assert parse_month_cell(" 2026 年 1 月 ") == date(2026, 1, 1)
    assert parse_month_cell("2026/11/15") == date(2026, 11, 1)
    assert parse_month_cell(datetime(2026, 3, 17)) == date(2026, 3, 1)
    assert parse_month_cell(202604) == date(2026, 4, 1)
    assert parse_month_cell(46023.0) == date(2026, 1, 1)  # an Excel date serial
    for bad in ("2026-13", "2026.1x", "明年", 2026.1):  # 2026.10 typed as a number is 2026.1
        with pytest.raises(ValueError):
            parse_month_cell(bad)
    assert category_value("在职") == category_value("按月领取工资") == "salaried"
    assert category_value("退休") == category_value("离退休") == "retired"
    assert (
        category_value("学生") == category_value("低保") == category_value("下岗") == "low_income"
    )
    assert category_value("农民党员") == "farmer" and category_value("个体") == "self_employed"
    assert category_value("公务员") is None


# --- 工资表 → 党费基数 --------------------------------------------------------------------------


def test_salary_sheet_previews_amounts_and_commits_bases(county, login, tmp_path):
    user = county.users["zhibu"]
    c = login(user)
    a1 = county.members["a1"]
    month = this_month()
    headers = [*BASE_HEADERS, "住房公积金", "序号"]
    rows = [
        # 机关: 职务+级别+津贴补贴 − 个税 = 3,000.00 → 0.5% = 15.00; 住房公积金 is not counted
        {"身份证号": id_of(a1[0]), "姓名": a1[0].name, "交纳类别": "在职", "起始月份": month,
         "职务工资": 1500, "级别工资": 1000, "津贴补贴": 700.0, "个人所得税": 200, "住房公积金": 2400,
         "序号": 1},
        # 事业单位 by name + branch code: 3,000.01 → 1% of the whole base = 30.00 (not marginal)
        {"姓名": a1[1].name, "所在支部": "T111", "交纳类别": "按月领取工资",
         "起始月份": f"{month.year}年{month.month}月", "岗位工资": "1,500.00", "薪级工资": 1000.01,
         "绩效工资": 500, "住房公积金": 1800, "序号": 2},
        # a retiree: 5,000.00 → 0.5% = 25.00
        {"身份证号": id_of(a1[2]), "交纳类别": "退休", "起始月份": f"{month:%Y-%m}",
         "基本养老金": 4500, "离退休人员补贴": 500, "序号": 3},
        # a student by name + branch name: a fixed 0.20, no salary needed
        {"姓名": a1[3].name, "所在支部": "教育局机关第一党支部", "交纳类别": "学生",
         "起始月份": f"{month:%Y-%m}", "序号": 4},
    ]  # fmt: skip
    before = DuesBase.objects.count()
    check = _upload(c, write_xlsx(tmp_path / "工资表.xlsx", headers, rows), "dues_bases")
    assert check.kind == "dues_bases_check"
    assert check.status == "succeeded" and check.result["ok"], (check.message, check.errors)
    preview = check.result["preview"]
    shown = _preview(check)
    assert [(r["计算基数（元）"], r["每月应交（元）"], r["比例"]) for r in shown] == [
        ("3,000.00", "15.00", "0.5%"),
        ("3,000.01", "30.00", "1%"),  # 1% of the whole base: the amount jumps at the boundary
        ("5,000.00", "25.00", "0.5%"),
        ("—", "0.20", "固定金额"),
    ]
    assert [r["交纳类别"] for r in shown] == ["按月领取工资", "按月领取工资", "离退休",
                                            "学生、下岗失业、低保等"]  # fmt: skip
    assert shown[0]["党员"].startswith(a1[0].name) and "********" in shown[0]["党员"]
    assert "个人所得税200.00" in shown[0]["基数怎么来的"]
    assert all("中组发〔2008〕3号" in r["党费标准"] for r in shown)
    assert preview["ignored"] == ["住房公积金", "序号"]
    assert DuesBase.objects.count() == before  # the preview writes nothing

    page = c.get(reverse("core:job", args=[check.pk])).content.decode()
    assert "确认导入4行" in page and "30.00" in page and "25.00" in page
    assert "已忽略" in page and "住房公积金属于改革性补贴，不计入党费基数" in page
    assert "《关于中国共产党党费收缴、使用和管理的规定》" in page and "中组部组织局" in page
    assert "RULES.md 1.1–1.2" in page

    job = _commit(c, check)
    assert job.kind == "dues_bases_import" and job.status == "succeeded", job.message
    assert job.result["rows"] == 4 and "4名党员" in job.message
    bases = {b.member_id: b for b in DuesBase.objects.filter(member__in=a1)}
    assert (bases[a1[0].pk].base, bases[a1[0].pk].amount) == (D("3000.00"), D("15.00"))
    assert (bases[a1[1].pk].base, bases[a1[1].pk].amount) == (D("3000.01"), D("30.00"))
    assert (bases[a1[2].pk].category, bases[a1[2].pk].amount) == ("retired", D("25.00"))
    assert (bases[a1[3].pk].base, bases[a1[3].pk].amount) == (None, D("0.20"))
    assert {b.source for b in bases.values()} == {"import"}
    assert {b.recorded_by_id for b in bases.values()} == {user.pk}
    assert {b.from_month for b in bases.values()} == {month}
    event = LogEntry.objects.get(additional_data__event="import", additional_data__job=job.pk)
    assert event.additional_data["kind"] == "dues_bases" and event.additional_data["rows"] == 4
    assert _upload_files() == []
    # the base is what the month close uses
    services.close_month(actor=user, month=month, within=county.branch_a1)
    assert DuesMonth.objects.get(member=a1[1], month=month).due == D("30.00")
    # the recent list names the kind in Chinese
    assert "党费基数（工资表）" in c.get(reverse("members:import")).content.decode()


def test_salary_sheet_row_errors_and_nothing_is_written(county, login, tmp_path):
    c = login(county.users["zhibu"])
    a1, b1 = county.members["a1"], county.members["b1"]
    twin_a = member_in(county.branch_a1, name="欧阳同名")
    member_in(county.branch_a1, name="欧阳同名")
    month = f"{this_month():%Y-%m}"
    good = id_of(a1[0])
    bad_digit = good[:-1] + ("0" if good[-1] != "0" else "1")
    stranger = make_id_number("350421", date(1980, 5, 5), 17, "male")
    rows = [
        {"身份证号": id_of(a1[1]), "交纳类别": "在职", "起始月份": month, "职务工资": 3000},  # 2: fine
        {"身份证号": bad_digit, "交纳类别": "在职", "起始月份": month, "职务工资": 3000},  # 3
        {"身份证号": stranger, "交纳类别": "在职", "起始月份": month, "职务工资": 3000},  # 4
        {"姓名": "欧阳同名", "所在支部": "T111", "交纳类别": "在职", "起始月份": month,
         "职务工资": 3000},  # 5: two members of that name
        {"身份证号": id_of(b1[0]), "交纳类别": "在职", "起始月份": month, "职务工资": 3000},  # 6
        {"姓名": b1[1].name, "所在支部": "T121", "交纳类别": "在职", "起始月份": month,
         "职务工资": 3000},  # 7: another 党委's branch
        {"身份证号": id_of(a1[2]), "交纳类别": "在职", "起始月份": "2026-13", "职务工资": 3000},  # 8
        {"身份证号": id_of(a1[3]), "交纳类别": "在职", "起始月份": month, "职务工资": -100},  # 9
        {"身份证号": id_of(twin_a), "交纳类别": "公务员", "起始月份": month, "职务工资": 3000},  # 10
        {"身份证号": id_of(a1[2]), "交纳类别": "在职", "起始月份": month},  # 11: no salary, no base
        {"身份证号": id_of(a1[3]), "交纳类别": "退休", "起始月份": month, "职务工资": 3000},  # 12
        {"身份证号": id_of(a1[1]), "交纳类别": "在职", "起始月份": month, "职务工资": 3000,
         "计算基数": 2800},  # 13: base disagrees with the items
        {"姓名": "查无此人", "所在支部": "T111", "交纳类别": "在职", "起始月份": month,
         "职务工资": 3000},  # 14
    ]  # fmt: skip
    before, logs = DuesBase.objects.count(), LogEntry.objects.count()
    check = _upload(c, write_xlsx(tmp_path / "bad.xlsx", BASE_HEADERS, rows), "dues_bases")
    assert check.status == "succeeded" and not check.result["ok"]
    errors = _errors(check)
    assert "校验位" in errors[(3, "身份证号")]
    assert errors[(4, "身份证号")] == NOT_FOUND_ID
    assert "有2名党员叫“欧阳同名”" in errors[(5, "姓名")] and "身份证号" in errors[(5, "姓名")]
    assert errors[(6, "身份证号")] == NOT_FOUND_ID  # out of scope reads exactly like unknown
    assert "没有找到党组织“T121”" in errors[(7, "所在支部")]
    assert "不是有效月份" in errors[(8, "起始月份")]
    assert errors[(9, "职务工资")] == "职务工资不能为负数。"
    assert "无法识别" in errors[(10, "交纳类别")]
    assert "请填写工资项目或计算基数" in errors[(11, "计算基数")]
    assert "离退休党员的基数是离退休费" in errors[(12, "职务工资")]
    assert "不一致" in errors[(13, "计算基数")]
    assert "没有名为“查无此人”的党员" in errors[(14, "姓名")]
    assert len(errors) == 12 and check.error_count == 12, sorted(errors.items())
    page = c.get(reverse("core:job", args=[check.pk])).content.decode()
    assert "卫生健康" not in page  # the other 党委's names never show
    assert "第3行" in page and "确认导入" not in page
    assert _commit(c, check) is None
    assert DuesBase.objects.count() == before and LogEntry.objects.count() == logs
    assert _upload_files() == []


def test_noisy_whitespace_and_empty_trailing_rows(county, login, tmp_path):
    c = login(county.users["zhibu"])
    a1 = county.members["a1"]
    number = id_of(a1[0])
    headers = [
        " 身份证号 ",
        "姓 名",
        "所在支部（选填）",
        "交纳类别*",
        " 起始月份",
        "职务工资",
        "个人所得税",
    ]
    rows = [
        {" 身份证号 ": f"  {number[:6]} {number[6:14]} {number[14:]}\u3000", "交纳类别*": " 在职 ",
         " 起始月份": f" {this_month():%Y} 年 {this_month().month} 月 ", "职务工资": " 3,100.00 ",
         "个人所得税": "\u00a0100\u00a0"},
        {"姓 名": f" {a1[1].name}\u200b", "所在支部（选填）": " 教育局机关第一党支部 ",
         "交纳类别*": "在职\u3000", " 起始月份": this_month(), "职务工资": "5000"},
    ]  # fmt: skip
    check = _upload(
        c, write_xlsx(tmp_path / "noisy.xlsx", headers, rows, trailing=30), "dues_bases"
    )
    assert check.result["ok"], check.errors
    assert check.result["rows"] == 2  # the 30 blank-looking rows are not rows
    assert [r["每月应交（元）"] for r in _preview(check)] == ["15.00", "50.00"]
    job = _commit(c, check)
    assert job.status == "succeeded", job.message
    assert DuesBase.objects.get(member=a1[0]).base == D("3000.00")


def test_one_bad_row_writes_nothing_even_through_a_raw_commit_job(county, login, tmp_path):
    from dangjian.core.imports import get_importer, new_job, store_upload
    from dangjian.core.jobs import start_job

    user = county.users["dangwei"]  # 党委 covering branches a1 and a2
    members = county.members["a1"] + county.members["a2"]
    month = f"{this_month():%Y-%m}"
    rows = [
        {"身份证号": id_of(m), "交纳类别": "在职", "起始月份": month, "职务工资": 2000 + i}
        for i, m in enumerate(members)
    ]
    rows[5]["起始月份"] = "下个月"
    path = write_xlsx(tmp_path / "all.xlsx", BASE_HEADERS, rows)
    before = DuesBase.objects.count()
    check = _upload(login(user), path, "dues_bases")
    assert [(e["row"], e["column"]) for e in check.errors] == [(7, "起始月份")]
    assert DuesBase.objects.count() == before
    # a commit job given the raw file (no preview) checks it and refuses too
    stored = store_upload(SimpleUploadedFile("all.xlsx", path.read_bytes()))
    job = new_job(kind="dues_bases", phase="import", actor=user,
                  importer=get_importer("dues_bases"), file=stored, params={"filename": "all.xlsx"})  # fmt: skip
    job = start_job(job, "dangjian.core.imports.run_commit", kind="dues_bases")
    assert job.status == "failed" and "没有导入任何数据" in job.message
    assert [e["row"] for e in job.errors] == [7]
    assert DuesBase.objects.count() == before and not Path(stored).exists()


def test_members_not_paying_dues_are_row_errors(county, login, tmp_path):
    from dangjian.members.models import Member

    c = login(county.users["zhibu"])
    a1 = county.members["a1"]
    Member.objects.filter(pk=a1[0].pk).update(status="suspended")
    month = f"{this_month():%Y-%m}"
    rows = [{"身份证号": id_of(a1[0]), "交纳类别": "在职", "起始月份": month, "职务工资": 3000}]
    check = _upload(c, write_xlsx(tmp_path / "s.xlsx", BASE_HEADERS, rows), "dues_bases")
    assert "停止党籍" in _errors(check)[(2, "身份证号")]


def test_scope_is_checked_again_at_commit(county, login, tmp_path):
    from dangjian.accounts.models import Grant

    user = county.users["zhibu"]
    c = login(user)
    rows = [
        {"身份证号": id_of(m), "交纳类别": "在职", "起始月份": f"{this_month():%Y-%m}",
         "职务工资": 3000}
        for m in county.members["a1"]
    ]  # fmt: skip
    check = _upload(c, write_xlsx(tmp_path / "ok.xlsx", BASE_HEADERS, rows), "dues_bases")
    assert check.result["ok"]
    user.grants.all().delete()
    Grant.objects.create(user=user, role="branch_secretary", org=county.branch_a2)
    before = DuesBase.objects.count()
    job = _commit(c, check)
    assert job.status == "failed" and "不在您的管理范围内" in job.message
    assert DuesBase.objects.count() == before


def test_a_sheet_that_names_nobody_is_refused_as_a_whole(county, login, tmp_path):
    c = login(county.users["zhibu"])
    rows = [{"交纳类别": "在职", "起始月份": "2026-01", "职务工资": 3000}]
    path = write_xlsx(tmp_path / "x.xlsx", ["交纳类别", "起始月份", "职务工资"], rows)
    check = _upload(c, path, "dues_bases")
    assert check.status == "failed" and "身份证号" in check.message


# --- 党费交纳记录 ---------------------------------------------------------------------------------


def _bases(county, members, base="4000", start=None):
    services.set_bases(
        actor=county.users["gongwei"],
        lines=[BaseLine(m, "salaried", base, start or ago(10)) for m in members],
    )


def test_payments_preview_owing_and_commit_per_member(county, login, tmp_path):
    user = county.users["zhibu"]
    c = login(user)
    a1 = county.members["a1"]
    _bases(county, a1[:3])  # 4,000.00 → 40.00 a month
    today = timezone.localdate()
    rows = [
        {"身份证号": id_of(a1[0]), "所属月份": f"{ago(2):%Y-%m}", "交纳日期": today, "交纳方式": "现金"},
        {"身份证号": id_of(a1[0]), "所属月份": ago(1), "金额": 25, "交纳日期": today},
        {"姓名": a1[1].name, "所在支部": "T111", "所属月份": f"{this_month():%Y年%-m月}",
         "金额": "40.00", "交纳日期": f"{today:%Y/%-m/%-d}", "交纳方式": "转账"},
        {"身份证号": id_of(a1[2]), "所属月份": f"{ago(1):%Y-%m}", "交纳日期": today,
         "交纳方式": "代缴"},
    ]  # fmt: skip
    months, entries = DuesMonth.objects.count(), DuesEntry.objects.count()
    check = _upload(c, write_xlsx(tmp_path / "交纳.xlsx", PAY_HEADERS, rows), "dues_payments")
    assert check.kind == "dues_payments_check"
    assert check.result["ok"], (check.message, check.errors)
    preview = check.result["preview"]
    shown = _preview(check)
    assert [r["金额（元）"] for r in shown] == [
        "40.00（应交金额）",
        "25.00",
        "40.00",
        "40.00（应交金额）",
    ]
    assert [r["交纳方式"] for r in shown] == ["现金", "现金", "转账", "代缴"]
    assert "合计145.00元" in preview["notes"][0]
    # the check ran the ledger's own service and rolled it back: nothing posted, nothing paid
    assert DuesMonth.objects.count() == months and DuesEntry.objects.count() == entries
    page = c.get(reverse("core:job", args=[check.pk])).content.decode()
    assert "交纳记录预览" in page and "40.00（应交金额）" in page

    job = _commit(c, check)
    assert job.kind == "dues_payments_import" and job.status == "succeeded", job.message
    assert "4笔党费" in job.message and "145.00元" in job.message
    paid = {(r.member_id, r.month): r for r in DuesMonth.objects.filter(member__in=a1)}
    assert paid[(a1[0].pk, ago(2))].paid == D("40.00")
    assert paid[(a1[0].pk, ago(1))].paid == D("25.00") and paid[(a1[0].pk, ago(1))].due == D("40")
    assert paid[(a1[1].pk, this_month())].method == "transfer"
    assert paid[(a1[2].pk, ago(1))].method == "proxy"
    assert DuesEntry.objects.count() == entries + 4
    # one record_payment per member and date and method: a1[0]'s two months share a batch
    batches = set(DuesEntry.objects.filter(member=a1[0]).values_list("batch", flat=True))
    assert len(batches) == 1
    event = LogEntry.objects.get(additional_data__event="import", additional_data__job=job.pk)
    assert event.additional_data["kind"] == "dues_payments"


def test_payment_rows_refused_by_the_ledger_are_row_errors(county, login, tmp_path):
    c = login(county.users["zhibu"])
    a1 = county.members["a1"]
    _bases(county, a1[:3], start=ago(12))
    today = timezone.localdate()
    rows = [
        {"身份证号": id_of(a1[0]), "所属月份": f"{ago(1):%Y-%m}", "交纳日期": today},  # 2: fine
        {"身份证号": id_of(a1[0]), "所属月份": f"{ago(2):%Y-%m}", "金额": 50, "交纳日期": today},  # 3
        {"身份证号": id_of(a1[1]), "所属月份": f"{ago(9):%Y-%m}", "交纳日期": today},  # 4: > 6 back
        {"身份证号": id_of(a1[3]), "所属月份": f"{ago(1):%Y-%m}", "交纳日期": today},  # 5: no base
        {"身份证号": id_of(a1[2]), "所属月份": "2026-13", "交纳日期": today},  # 6
        {"身份证号": id_of(a1[2]), "所属月份": f"{ago(1):%Y-%m}", "金额": -5, "交纳日期": today},  # 7
        {"身份证号": id_of(a1[2]), "所属月份": f"{ago(2):%Y-%m}",
         "交纳日期": add_months(today, 1)},  # 8: in the future
        {"身份证号": id_of(a1[0]), "所属月份": f"{ago(1):%Y-%m}", "交纳日期": today},  # 9: again
        {"身份证号": id_of(a1[1]), "所属月份": f"{ago(1):%Y-%m}", "交纳日期": today,
         "交纳方式": "刷脸"},  # 10
        {"身份证号": id_of(county.members["b1"][0]), "所属月份": f"{ago(1):%Y-%m}",
         "交纳日期": today},  # 11: another 党委's member
    ]  # fmt: skip
    months, entries = DuesMonth.objects.count(), DuesEntry.objects.count()
    check = _upload(c, write_xlsx(tmp_path / "bad.xlsx", PAY_HEADERS, rows), "dues_payments")
    assert not check.result["ok"]
    errors = _errors(check)
    assert "超出部分请按“自愿多交”登记" in errors[(3, "金额")]
    assert "超过" in errors[(4, "所属月份")] and "补交" in errors[(4, "所属月份")]
    assert "没有适用的党费基数" in errors[(5, "所属月份")]
    assert "不是有效月份" in errors[(6, "所属月份")]
    assert errors[(7, "金额")] == "金额不能为负数。"
    assert "不能晚于今天" in errors[(8, "交纳日期")]
    assert "与第2行是同一名党员、同一月份" in errors[(9, "所属月份")]
    assert "无法识别" in errors[(10, "交纳方式")]
    assert errors[(11, "身份证号")] == NOT_FOUND_ID
    assert len(errors) == 9, errors
    assert DuesMonth.objects.count() == months and DuesEntry.objects.count() == entries
    assert _commit(c, check) is None
    assert DuesMonth.objects.count() == months and DuesEntry.objects.count() == entries


def test_payment_commit_rechecks_the_ledger_and_writes_nothing(county, login, tmp_path):
    """Paid by hand between the preview and 确认导入: the import stops whole, naming the row."""
    user = county.users["zhibu"]
    c = login(user)
    a1 = county.members["a1"]
    _bases(county, a1)
    today = timezone.localdate()
    rows = [{"身份证号": id_of(m), "所属月份": f"{ago(1):%Y-%m}", "交纳日期": today} for m in a1]
    check = _upload(c, write_xlsx(tmp_path / "p.xlsx", PAY_HEADERS, rows), "dues_payments")
    assert check.result["ok"], check.errors
    services.record_payment(
        actor=user, member=a1[2], lines=[services.PaymentLine(ago(1))], paid_on=today
    )
    entries = DuesEntry.objects.count()
    job = _commit(c, check)
    assert job.status == "failed" and "没有导入任何数据" in job.message
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "金额")]
    assert DuesEntry.objects.count() == entries
    assert not DuesMonth.objects.filter(member=a1[0], month=ago(1)).exists()


# --- jobs, progress, pages and templates ----------------------------------------------------------


def test_large_files_run_as_jobs_with_progress(county, login, tmp_path, settings, monkeypatch):
    from types import SimpleNamespace

    from dangjian.core import jobs

    settings.DANGJIAN_IMPORT_INLINE_ROWS = 2
    calls = []
    real = jobs.run_job_task.enqueue
    monkeypatch.setattr(
        jobs, "run_job_task", SimpleNamespace(enqueue=lambda *a: calls.append(a) or real(*a))
    )
    c = login(county.users["dangwei"])
    members = county.members["a1"] + county.members["a2"]
    rows = [
        {"身份证号": id_of(m), "交纳类别": "在职", "起始月份": f"{this_month():%Y-%m}",
         "岗位工资": 3000 + i * 1000}
        for i, m in enumerate(members)
    ]  # fmt: skip
    check = _upload(c, write_xlsx(tmp_path / "big.xlsx", BASE_HEADERS, rows), "dues_bases")
    assert [call[1] for call in calls] == ["dangjian.core.imports.run_check"]
    assert calls[0][2] == {"kind": "dues_bases"}
    assert check.status == "succeeded" and check.result["ok"], check.errors
    assert check.percent == 100 and check.progress_done == check.progress_total == 2 * len(rows)
    status = c.get(reverse("core:job_status", args=[check.pk])).content.decode()
    assert "确认导入8行" in status and "hx-trigger" not in status
    job = _commit(c, check)
    assert [call[1] for call in calls][-1] == "dangjian.core.imports.run_commit"
    assert job.status == "succeeded" and job.progress_total == len(rows)
    amounts = sorted(DuesBase.objects.filter(member__in=members).values_list("amount", flat=True))
    # 3,000 → 0.5%; 4,000 and 5,000 → 1%; 6,000 to 10,000 (inclusive) → 1.5%, of the whole base
    assert amounts[:4] == [D("15.00"), D("40.00"), D("50.00"), D("90.00")]
    assert amounts[-1] == D("150.00")
    # a running job's page polls and shows its bar
    Job.objects.filter(pk=job.pk).update(
        status="running", progress_done=3, progress_total=8, message="正在写入数据库（3/8）…"
    )
    status = c.get(reverse("core:job_status", args=[job.pk])).content.decode()
    assert "hx-trigger" in status and "37%" in status


def test_import_page_lists_dues_kinds_and_templates_download(county, login):
    c = login(county.users["zhibu"])
    page = c.get(reverse("members:import")).content.decode()
    assert "下载党费基数（工资表）模板" in page and "下载党费交纳记录模板" in page
    assert "下载党员信息模板" in page
    for kind, first, expected in (
        ("dues_bases", "身份证号", ["个人所得税", "计算基数", "基本养老金", "起始月份"]),
        ("dues_payments", "身份证号", ["所属月份", "金额", "交纳日期", "交纳方式"]),
    ):
        resp = c.get(reverse("members:import_template") + f"?kind={kind}")
        assert resp.status_code == 200
        book = CalamineWorkbook.from_filelike(io.BytesIO(resp.content))
        assert book.sheet_names == ["数据", "说明"]
        headers = book.get_sheet_by_name("数据").to_python()[0]
        assert headers[0] == first and all(h in headers for h in expected)
        notes = "\n".join(str(v) for r in book.get_sheet_by_name("说明").to_python() for v in r)
        assert "《关于中国共产党党费收缴、使用和管理的规定》" in notes
        if kind == "dues_bases":
            assert "住房公积金" in notes and "五险一金不扣除" in notes and "离退休" in notes
        else:
            assert "现金" in notes and "代缴" in notes
    assert login(county.users["dangyuan"]).get(reverse("members:import")).status_code == 404
    nobody = login(county.users["nobody"])
    assert nobody.get(reverse("members:import_template") + "?kind=dues_bases").status_code == 404
