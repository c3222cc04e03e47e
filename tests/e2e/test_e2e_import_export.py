"""Member import (upload → row-level preview → confirm) and the masked Excel export."""

import re
from datetime import date

import pytest
import xlsxwriter
from django.db import connection
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from dangjian.members.idnumber import make_id_number
from dangjian.members.models import Member
from dangjian.members.selectors import members_for

pytestmark = pytest.mark.browser

HEADERS = [
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "身份证号",
    "学历",
    "职业",
    "联系电话",
    "入党日期",
    "转正日期",
    "党员类别",
    "所在党组织代码",
]
SURNAMES = "丁万马王方尹孔邓石卢叶田白冯"
GIVEN = "一丹文平志永成光华红国明学春秋"
MASKED_ID = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")


def _wrong_check_digit(number: str) -> str:
    digits = "0123456789X"
    return number[:-1] + digits[(digits.index(number[-1]) + 1) % len(digits)]


def write_members_xlsx(path, *, org_code: str, rows: int, bad_row: int | None = None) -> list[str]:
    """A filled-in import file; `bad_row` (as Excel numbers rows, header = 1) gets a wrong check digit."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("数据")
    for col, header in enumerate(HEADERS):
        ws.write_string(0, col, header)
    names = []
    for i in range(rows):
        excel_row = i + 2
        gender = "male" if i % 2 else "female"
        birth = date(1960 + i % 40, 1 + i % 12, 1 + i % 28)
        number = make_id_number("350402", birth, 500 + i, gender)
        if excel_row == bad_row:
            number = _wrong_check_digit(number)
        name = (
            SURNAMES[i % len(SURNAMES)]
            + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
            + GIVEN[i % len(GIVEN)]
        )
        names.append(name)
        values = [
            name,
            "男" if gender == "male" else "女",
            "汉族",
            birth.isoformat(),
            number,
            "大学本科",
            "党政机关工作人员",
            f"1380000{i:04d}",
            date(birth.year + 25, 7, 1).isoformat(),
            date(birth.year + 26, 7, 1).isoformat(),
            "正式党员",
            org_code,
        ]
        for col, value in enumerate(values):
            ws.write_string(i + 1, col, value)
    book.close()
    return names


def _upload(page, path, snap=None):
    page.get_by_role("link", name="导入", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("批量导入")
    if snap is not None:
        snap("import-upload")
    page.get_by_label("选择文件").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并检查").click()


def test_import_with_a_bad_check_digit_lists_the_row_and_imports_nothing(
    county, page, login, snap, tmp_path
):
    path = tmp_path / "党员导入.xlsx"
    write_members_xlsx(path, org_code=county.branch_a1.code, rows=60, bad_row=38)
    before = Member.objects.count()

    login("zhibu")
    _upload(page, path, snap)

    status = page.locator("#job-status")
    expect(status.locator(".messages")).to_contain_text("检查未通过")
    expect(status).to_contain_text("共60行")
    expect(status).to_contain_text("没有导入任何数据")
    errors = page.locator("table.import-errors tbody tr")
    expect(errors.first).to_be_visible()
    listed = [[cell.strip() for cell in row.split("\t")] for row in errors.all_inner_texts()]
    assert {row[0] for row in listed} == {"第38行"}, listed
    id_rows = [row for row in listed if row[1] == "身份证号"]
    assert id_rows, listed
    assert "校验" in id_rows[0][2], id_rows
    expect(page.locator("table.import-errors thead")).to_contain_text("行")
    expect(page.get_by_role("button", name=re.compile("确认导入"))).to_have_count(0)
    snap("import-errors")

    page.wait_for_load_state("networkidle")
    assert Member.objects.count() == before


def test_import_of_a_clean_file_commits_after_confirmation(
    county, page, login, snap, tmp_path, settings
):
    if connection.vendor == "sqlite":
        # The test database is SQLite's shared-cache in-memory one, where a second connection (the
        # job's thread) gets "table is locked" instead of waiting. Run the job inside the request
        # there; on PostgreSQL the real background thread and the polled progress page are used.
        settings.DANGJIAN_JOBS_IN_THREAD = False
    path = tmp_path / "党员导入.xlsx"
    names = write_members_xlsx(path, org_code=county.branch_a1.code, rows=60)
    before = Member.objects.count()

    login("zhibu")
    _upload(page, path)
    expect(page.locator("#job-status .messages")).to_contain_text("检查通过")
    assert Member.objects.count() == before  # the check writes nothing
    snap("import-preview-ok")

    page.get_by_role("button", name="确认导入60行").click()
    # The import runs as a job; the page polls it until it ends.
    expect(page.locator("#job-status .messages")).to_contain_text("导入成功", timeout=60_000)
    page.get_by_role("link", name="查看党员名册").click()
    expect(page.locator("main")).to_contain_text(f"共 {len(county.members['a1']) + 60} 人")
    page.wait_for_load_state("networkidle")
    assert Member.objects.count() == before + 60
    assert Member.objects.filter(org=county.branch_a1, name=names[0]).exists()


def test_gongwei_exports_the_visible_members_masked(county, page, login, tmp_path, full_id_numbers):
    login("gongwei")
    page.get_by_role("link", name="党员", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("党员名册")
    visible = members_for(county.users["gongwei"]).count()
    assert visible == sum(len(ms) for ms in county.members.values())
    expect(page.locator("main")).to_contain_text(f"共 {visible} 人")

    with page.expect_download() as info:
        page.get_by_role("link", name="导出Excel").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / "export.xlsx"
    download.save_as(target)

    book = CalamineWorkbook.from_path(str(target))
    rows = [r for r in book.get_sheet_by_index(0).to_python() if any(str(c).strip() for c in r)]
    header, data = rows[0], rows[1:]
    assert "身份证号" in header and "姓名" in header
    assert len(data) == visible
    id_col = header.index("身份证号")
    assert all(MASKED_ID.match(str(r[id_col])) for r in data), [r[id_col] for r in data]
    cells = {str(c) for r in rows for c in r}
    text = "\n".join(cells)
    for number in full_id_numbers():
        assert number not in text
    names = {r[header.index("姓名")] for r in data}
    assert names == set(Member.objects.values_list("name", flat=True))
