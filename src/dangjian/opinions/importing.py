"""Bulk import of opinions from .xlsx/.csv with a column mapping, and of the category taxonomy.

Files come in every layout (the 泰迪杯 message-board exports, a county's own hotline sheet …), so
instead of a fixed template the user says which column is the text, the title, the time, the
place, the category …; `guess_mapping` proposes it from the headers. Reading reuses
core.imports.read_table (cell cleaning, Excel row numbers, header detection, empty trailing rows
dropped). `check` lists every problem as (row, column, reason) and writes nothing; `commit`
re-checks and writes every row or none. Raw opinions are created with channel 导入 and are then
consolidated like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.accounts.roles import OPINION
from dangjian.core.audit import record_event
from dangjian.core.imports import (
    DATE_HELP,
    ErrorList,
    ImportFileError,
    Table,
    cell_text,
    clean_text,
    parse_date,
)
from dangjian.core.scope import has_any
from dangjian.opinions import services
from dangjian.opinions.models import Category, Channel, Opinion, Place
from dangjian.orgs.models import Organization

PREVIEW_ROWS = 20


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()


FIELDS = (
    Field(
        "text", "意见内容", True, ("留言详情", "意见内容", "内容", "诉求内容", "问题描述", "详情")
    ),
    Field("title", "标题", False, ("留言主题", "标题", "主题", "事项名称")),
    Field(
        "received_at",
        "收到时间",
        False,
        ("留言时间", "收到时间", "时间", "日期", "反映时间", "来电时间"),
    ),
    Field("place", "社区（村）", False, ("社区（村）", "社区", "村", "地点", "所在社区", "社区村")),
    Field("category", "类别", False, ("一级分类", "类别", "分类", "问题类别")),
    Field("ref", "原编号", False, ("留言编号", "编号", "原编号", "工单号")),
    Field("name", "反映人姓名", False, ("反映人", "姓名", "反映人姓名", "来电人")),
    Field("phone", "联系电话", False, ("联系电话", "电话", "手机", "手机号码")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}

_DATETIME = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s*[T ]?\s*(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2}))?)?"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)


def parse_when(value) -> datetime:
    """A date-time from an Excel date cell, an Excel serial (with its time fraction) or a string."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + timedelta(days=float(value))
        raise ValueError(value)
    text = " ".join(clean_text(value).split())
    m = _DATETIME.match(text)
    if m:
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
        return datetime(y, mo, d, h, mi, s)
    return datetime.combine(parse_date(text), time())


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """field → column index, from the headers (the first matching alias wins)."""
    mapping: dict[str, int] = {}
    for f in FIELDS:
        for alias in f.aliases:
            if alias in headers and headers.index(alias) not in mapping.values():
                mapping[f.key] = headers.index(alias)
                break
    return mapping


def clean_mapping(headers: list[str], raw: dict[str, str | int | None]) -> dict[str, int]:
    """The user's mapping: each field at most one column, each column at most one field."""
    mapping: dict[str, int] = {}
    for key, value in raw.items():
        if key not in FIELD_BY_KEY or value in (None, ""):
            continue
        i = int(value)
        if not 0 <= i < len(headers):
            raise ValidationError({key: "所选的列不存在。"})
        if i in mapping.values():
            raise ValidationError({key: f"“{headers[i]}”列不能同时作为两项内容。"})
        mapping[key] = i
    if "text" not in mapping:
        raise ValidationError({"text": "请指定哪一列是意见内容。"})
    return mapping


@dataclass
class Row:
    number: int
    data: services.OpinionInput


@dataclass
class Checked:
    rows: list[Row] = field(default_factory=list)
    errors: ErrorList = field(default_factory=ErrorList)
    total: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def preview(self) -> list[Row]:
        return self.rows[:PREVIEW_ROWS]


def _lookup_categories() -> dict[str, Category]:
    out: dict[str, Category] = {}
    for c in Category.objects.filter(is_active=True).select_related("parent"):
        out.setdefault(c.name, c)
        out[str(c)] = c
    return out


def _lookup_places() -> dict[str, Place]:
    out: dict[str, Place] = {}
    for p in Place.objects.filter(is_active=True):
        out.setdefault(p.name, p)
        out[str(p)] = p
    return out


def check(table: Table, mapping: dict[str, int]) -> Checked:
    """Every row validated; nothing written. Unknown places are kept as text, unknown categories are errors."""
    result = Checked(total=len(table.rows))
    if not table.rows:
        raise ImportFileError("表格中只有列名，没有数据行。")
    cats, places = _lookup_categories(), _lookup_places()
    now = timezone.now()
    tz = timezone.get_current_timezone()
    for number, cells in table.rows:

        def cell(key, cells=cells):
            i = mapping.get(key)
            return cells[i] if i is not None and i < len(cells) else None

        def text(key, limit, cell=cell):
            value = cell(key)
            return "" if value in (None, "") else clean_text(cell_text(value))[:limit]

        body = clean_text(cell_text(cell("text"))) if cell("text") not in (None, "") else ""
        header = table.headers
        if not body:
            result.errors.add(number, header[mapping["text"]], "意见内容为空。")
        elif len(body) > services.MAX_TEXT:
            result.errors.add(
                number, header[mapping["text"]], f"意见内容超过{services.MAX_TEXT}字。"
            )
        received = None
        raw_when = cell("received_at")
        if "received_at" in mapping and raw_when not in (None, ""):
            try:
                received = timezone.make_aware(parse_when(raw_when), tz)
            except (ValueError, OverflowError):
                result.errors.add(
                    number,
                    header[mapping["received_at"]],
                    f"“{cell_text(raw_when)}”不是有效的时间（{DATE_HELP}）。",
                )
            else:
                if received > now + timedelta(minutes=5):
                    result.errors.add(number, header[mapping["received_at"]], "收到时间晚于现在。")
        category = None
        cat_name = text("category", 100).strip()
        if cat_name:
            category = cats.get(cat_name)
            if category is None:
                result.errors.add(
                    number,
                    header[mapping["category"]],
                    f"类别“{cat_name}”不在分类目录中（请先导入或添加该类别）。",
                )
        place_name = text("place", 200).strip()
        place = places.get(place_name) if place_name else None
        phone = "".join(text("phone", 30).split())
        if phone.endswith(".0") and phone[:-2].isdigit():
            phone = phone[:-2]
        if phone and not services.PHONE.match(phone):
            result.errors.add(
                number, header[mapping["phone"]], "联系电话应为11位手机号或带区号的固定电话。"
            )
        name = "".join(text("name", 60).split())
        if len(name) > 50:
            result.errors.add(number, header[mapping["name"]], "姓名过长（不超过50个字）。")
        ref = text("ref", 100).strip()
        if ref.endswith(".0") and ref[:-2].isdigit():
            ref = ref[:-2]
        result.rows.append(
            Row(
                number,
                services.OpinionInput(
                    text=body,
                    title=text("title", 200).strip(),
                    place=place,
                    place_text="" if place else place_name,
                    category=category,
                    name=name,
                    phone=phone,
                    received_at=received,
                    source_ref=ref,
                ),
            )
        )
    return result


@transaction.atomic
def commit(
    *, actor, table: Table, mapping: dict[str, int], intake_org: Organization, request=None
) -> int:
    """Re-check and write every row, or nothing (a ValidationError lists the first problems)."""
    services._require(actor, "import", intake_org.path)
    checked = check(table, mapping)
    if checked.errors:
        first = checked.errors.sorted([])[:5]
        raise ValidationError(
            [f"第{e['row']}行 {e['column']}：{e['reason']}" for e in first]
            + [f"共{checked.errors.count}个问题，没有导入任何数据。"]
        )
    now = timezone.now()
    receipts = set()
    objs = []
    for row in checked.rows:
        receipt = services.new_receipt()
        while receipt in receipts:
            receipt = services.new_receipt()
        receipts.add(receipt)
        if row.data.received_at is None:
            row.data.received_at = now
        op = services._build_opinion(
            row.data, channel=Channel.IMPORT, intake_org=intake_org, actor=actor
        )
        op.receipt = receipt
        objs.append(op)
    Opinion.objects.bulk_create(objs, batch_size=1000)
    # A set-based write bypasses the per-row audit log: one event stands for the rows.
    record_event(
        "import",
        actor=actor,
        request=request,
        org_path=intake_org.path,
        detail={"what": "opinions", "rows": len(objs)},
    )
    return len(objs)


@transaction.atomic
def import_taxonomy(*, actor, table: Table, levels: int = 1) -> tuple[int, int]:
    """Categories from a taxonomy sheet (e.g. 附件1.xlsx: 一级分类, 二级分类, 三级分类).

    `levels=1` takes the first level only; 2 adds the second level under it. Existing categories
    are kept; returns (created, already there).
    """
    if actor is not None and not has_any(actor, "import", OPINION):
        raise ValidationError("没有导入分类目录的权限。")
    if len(table.headers) < levels:
        raise ImportFileError("分类目录表格的列数不够。")
    created = existing = 0
    tops: dict[str, Category] = {c.name: c for c in Category.objects.filter(parent__isnull=True)}
    seen: set[tuple[str, str]] = set()
    for _number, cells in table.rows:
        top_name = cell_text(cells[0]) if cells and cells[0] is not None else ""
        if not top_name:
            continue
        top = tops.get(top_name)
        if top is None:
            top = tops[top_name] = Category.objects.create(name=top_name[:100])
            created += 1
        elif (top_name, "") not in seen:
            existing += 1
        seen.add((top_name, ""))
        if levels >= 2 and len(cells) > 1 and cells[1] not in (None, ""):
            second = cell_text(cells[1])[:100]
            if (top_name, second) in seen:
                continue
            seen.add((top_name, second))
            _obj, made = Category.objects.get_or_create(parent=top, name=second)
            created += made
            existing += not made
    return created, existing
