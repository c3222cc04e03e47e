"""Building import files in tests: real .xlsx written by xlsxwriter, CSV in either encoding."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.members.idnumber import make_id_number
from dangjian.members.importers import MemberImporter

HEADERS = [c.header for c in MemberImporter.columns]
REGION = "350421"  # 明溪县: not used by the county fixture's members (350402)


def member_row(i: int, org_code: str, **overrides) -> dict:
    """A valid row (Chinese header → value); i distinguishes people (unique ID numbers up to 10⁶)."""
    gender = "男" if i % 2 else "女"
    birth = date(1960, 1, 1) + timedelta(days=i // 400)
    number = make_id_number(REGION, birth, (i % 400) * 2, "male" if gender == "男" else "female")
    row = {
        "姓名": "王李张刘陈杨黄赵吴周"[i % 10]
        + "伟芳娜敏静丽强磊军洋"[(i // 10) % 10]
        + ("" if i % 3 else "华"),
        "性别": gender,
        "民族": "汉族" if i % 7 else "畲族",
        "出生日期": birth.isoformat(),
        "身份证号": number,
        "学历": "大学本科",
        "职业": "党政机关工作人员",
        "联系电话": f"139{i:08d}",
        "入党日期": date(birth.year + 25, 7, 1).isoformat(),
        "转正日期": date(birth.year + 26, 7, 1).isoformat(),
        "党员类别": "正式党员",
        "所在党组织代码": org_code,
    }
    row.update(overrides)
    return row


def member_rows(n: int, org_code: str, start: int = 0) -> list[dict]:
    return [member_row(start + i, org_code) for i in range(n)]


def write_xlsx(
    path: Path, rows: list[dict], headers: list[str] | None = None, *, raw_cells: bool = False
) -> Path:
    """Rows as an .xlsx: text cells (as the template's 文本 columns), or the values as given."""
    headers = headers or HEADERS
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    ws = book.add_worksheet("数据")
    ws.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, h in enumerate(headers):
            value = row.get(h, "")
            if raw_cells and isinstance(value, date):
                ws.write_datetime(r, c, value, day)
            elif raw_cells and isinstance(value, int | float):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, str(value))
    book.close()
    return path


def csv_bytes(rows: list[dict], encoding: str, headers: list[str] | None = None) -> bytes:
    headers = headers or HEADERS
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    for row in rows:
        w.writerow([row.get(h, "") for h in headers])
    return buf.getvalue().encode(encoding)


def upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())
