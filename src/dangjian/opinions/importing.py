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

import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.roles import OPINION
from dangjian.core.audit import record_event
from dangjian.core.crypto import provider
from dangjian.core.imports import (
    DATE_HELP,
    Column,
    ErrorList,
    Importer,
    ImportFileError,
    Table,
    cell_text,
    chunked,
    clean_text,
    parse_date,
)
from dangjian.core.imports import Checked as CoreChecked
from dangjian.core.jobs import JobFailed
from dangjian.core.models import Job, JobStatus
from dangjian.core.scope import has_any
from dangjian.members.idnumber import mask_phone
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


def check(table: Table, mapping: dict[str, int], *, progress=None) -> Checked:
    """Every row validated; nothing written. Unknown places are kept as text, unknown categories are errors."""
    result = Checked(total=len(table.rows))
    if not table.rows:
        raise ImportFileError("表格中只有列名，没有数据行。")
    cats, places = _lookup_categories(), _lookup_places()
    now = timezone.now()
    tz = timezone.get_current_timezone()
    total = len(table.rows)
    for i, (number, cells) in enumerate(table.rows):
        if progress is not None:
            progress.set(i, message=f"正在检查第{number}行（共{total}行）…")

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


def prepare_rows(checked: Checked) -> list[dict]:
    """Clean rows as JSON-able dicts, the contact already encrypted and masked (core.imports keeps
    them in a 0600 file between the preview and 确认导入, so the plain phone stays only in the upload)."""
    crypto = provider()
    out = []
    for row in checked.rows:
        d = row.data
        out.append(
            {
                "row": row.number,
                "text": d.text,
                "title": d.title,
                "place": d.place.pk if d.place else None,
                "place_text": d.place_text,
                "category": d.category.pk if d.category else None,
                "name_enc": crypto.encrypt(d.name) if d.name else "",
                "name_masked": services.mask_name(d.name),
                "phone_enc": crypto.encrypt(d.phone) if d.phone else "",
                "phone_masked": mask_phone(d.phone) if d.phone else "",
                "received_at": d.received_at.isoformat() if d.received_at else None,
                "source_ref": d.source_ref,
            }
        )
    return out


def write_prepared(
    prepared: list[dict], *, actor, intake_org: Organization, progress=None, base: int = 0
) -> list[Opinion]:
    """Write every prepared row or none (call inside a transaction). Re-checks the actor's scope
    and that each place and category still exists, since the preview may be hours old."""
    services._require(actor, "import", intake_org.path)
    places = set(
        Place.objects.filter(pk__in={r["place"] for r in prepared if r["place"]}).values_list(
            "pk", flat=True
        )
    )
    cats = set(
        Category.objects.filter(
            pk__in={r["category"] for r in prepared if r["category"]}
        ).values_list("pk", flat=True)
    )
    gone = [
        r["row"]
        for r in prepared
        if (r["place"] and r["place"] not in places)
        or (r["category"] and r["category"] not in cats)
    ]
    if gone:
        raise ValidationError(
            f"第{'、'.join(map(str, gone[:10]))}行的社区（村）或类别在检查之后被删除了，没有导入任何数据。请重新上传。"
        )
    now = timezone.now()
    receipts: set[str] = set()
    objs = []
    user = services._user(actor)
    for r in prepared:
        receipt = services.new_receipt()
        while receipt in receipts:
            receipt = services.new_receipt()
        receipts.add(receipt)
        objs.append(
            Opinion(
                receipt=receipt,
                text=r["text"],
                title=r["title"],
                place_id=r["place"],
                place_text=r["place_text"],
                category_id=r["category"],
                channel=Channel.IMPORT,
                received_at=datetime.fromisoformat(r["received_at"]) if r["received_at"] else now,
                intake_org=intake_org,
                intake_path=intake_org.path,
                submitter_name_enc=r["name_enc"],
                submitter_name_masked=r["name_masked"],
                phone_enc=r["phone_enc"],
                phone_masked=r["phone_masked"],
                source_ref=r["source_ref"],
                recorded_by=user,
            )
        )
    done = 0
    for batch in chunked(objs, 1000):
        Opinion.objects.bulk_create(batch)
        done += len(batch)
        if progress is not None:
            progress.set(base + done, message=f"正在写入数据库（{done}/{len(objs)}条）…")
    return objs


def _ensure_checked(checked: Checked) -> None:
    if checked.errors:
        first = checked.errors.sorted([])[:5]
        raise ValidationError(
            [f"第{e['row']}行 {e['column']}：{e['reason']}" for e in first]
            + [f"共{checked.errors.count}个问题，没有导入任何数据。"]
        )


@transaction.atomic
def commit(
    *, actor, table: Table, mapping: dict[str, int], intake_org: Organization, request=None
) -> int:
    """Check and write every row, or nothing, inside this call (the pages use the background job
    below; this is for scripts and tests). A ValidationError lists the first problems."""
    services._require(actor, "import", intake_org.path)
    checked = check(table, mapping)
    _ensure_checked(checked)
    objs = write_prepared(prepare_rows(checked), actor=actor, intake_org=intake_org)
    # A set-based write bypasses the per-row audit log: one event stands for the rows.
    record_event(
        "import",
        actor=actor,
        request=request,
        org_path=intake_org.path,
        detail={"what": "opinions", "rows": len(objs)},
    )
    return len(objs)


# ---------------------------------------------------------------- the background job
#
# The page flow is the import framework's (core.imports): 检查 is a job that reads the file, checks
# every row and lists every problem as (row, column, reason), and prepares the clean rows; 确认导入
# is a second job that writes them all in one transaction, or nothing. Both run in the background
# with a progress bar that can be left running. What the framework does not know is the column
# mapping: the user's choice travels in the check job's params ({"mapping", "intake_org"}) and
# OpinionImporter.check reads it from the job it is checking for.

JOB_CHECK = "opinions_check"
JOB_IMPORT = "opinions_import"


class OpinionImporter(Importer):
    kind = "opinions"
    title = "群众意见"
    noun = "条"
    resource = OPINION
    action = "import"
    columns = [Column(f.label, f.key, f.required, aliases=f.aliases) for f in FIELDS]

    def allowed(self, actor) -> bool:
        # Not offered on the general import page: it has no column-mapping step. The opinions
        # import page (opinions:import) starts these jobs itself.
        return False

    def check(self, table: Table, *, actor, progress=None, offset: int = 0, total: int = 0):
        params = progress.job.params if progress is not None else {}
        try:
            mapping = (
                clean_mapping(table.headers, params["mapping"])
                if params.get("mapping")
                else guess_mapping(table.headers)
            )
        except ValidationError as exc:
            raise ImportFileError("；".join(exc.messages)) from exc
        if "text" not in mapping:
            raise ImportFileError("请指定哪一列是意见内容。")
        mine = check(table, mapping, progress=progress)
        out = CoreChecked(rows=mine.rows, errors=mine.errors, total=mine.total)
        shown = mine.preview()
        out.preview = {
            "title": f"预览（前{len(shown)}行）",
            "columns": ["行", "标题", "意见内容", "收到时间", "社区（村）", "类别"],
            "rows": [
                [
                    r.number,
                    r.data.title,
                    r.data.text[:60] + ("…" if len(r.data.text) > 60 else ""),
                    timezone.localtime(r.data.received_at).strftime("%Y-%m-%d %H:%M")
                    if r.data.received_at
                    else "",
                    str(r.data.place) if r.data.place else r.data.place_text,
                    str(r.data.category or ""),
                ]
                for r in shown
            ],
            "more": max(0, len(mine.rows) - len(shown)),
        }
        org = Organization.objects.filter(pk=params.get("intake_org")).first()
        if org is not None:
            out.summary = [(str(org), len(mine.rows))]
        return out

    def prepare(self, checked, *, progress, base: int) -> list[dict]:
        return prepare_rows(checked)

    def commit(self, prepared: list[dict], *, actor, job, progress, base: int) -> dict:
        org = Organization.objects.filter(pk=job.params.get("intake_org")).first()
        if org is None:
            raise JobFailed("受理党组织已不存在，没有导入任何数据。请重新上传。")
        with progress.write_phase("正在写入数据库（请稍候：全部成功，或一条也不写入）…"):
            try:
                with transaction.atomic():
                    objs = write_prepared(
                        prepared, actor=actor, intake_org=org, progress=progress, base=base
                    )
                    self.record_import(actor=actor, job=job, rows=len(objs))
            except ValidationError as exc:
                raise JobFailed("；".join(exc.messages)) from exc
            except Http404 as exc:
                raise JobFailed("您已没有向该组织导入群众意见的权限，没有导入任何数据。") from exc
        return {
            "message": f"已导入{len(objs)}条群众意见，请在“待梳理意见”中归并。",
            "rows": len(objs),
            "intake_org": org.pk,
        }


def _new_job(*, phase: str, actor, org: Organization, file: str, params: dict, parent=None) -> Job:
    # core.imports.new_job only knows the job kinds listed in core.models.JobKind.
    return Job.objects.create(
        kind=JOB_CHECK if phase == "check" else JOB_IMPORT,
        created_by=actor,
        org_path=org.path,
        file=file,
        params=params,
        parent=parent,
        message="排队等待中…",
    )


def start_check(
    *, actor, source: str, filename: str, mapping: dict, intake_org: Organization
) -> Job:
    """检查 as a job on a copy of the stored upload (the upload stays for another mapping)."""
    import shutil

    from dangjian.core import imports as core_imports
    from dangjian.core.jobs import start_job

    services._require(actor, "import", intake_org.path)
    core_imports.sweep_stale_files()
    suffix = Path(source).suffix.lower()
    path = (
        core_imports.upload_dir() / f"{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(8)}{suffix}"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out)
    job = _new_job(
        phase="check",
        actor=actor,
        org=intake_org,
        file=str(path),
        params={
            "filename": filename,
            "mapping": {k: int(v) for k, v in mapping.items()},
            "intake_org": intake_org.pk,
        },
    )
    inline = core_imports.count_data_rows(path) <= core_imports.inline_rows()
    return start_job(job, "dangjian.core.imports.run_check", inline=inline, kind="opinions")


def start_commit(*, check_job: Job, actor) -> Job:
    """确认导入: a job on the checked rows; refused unless the check was clean; never twice."""
    from dangjian.core.jobs import start_job

    if (
        check_job.kind != JOB_CHECK
        or check_job.status != JobStatus.SUCCEEDED
        or not check_job.result.get("ok")
    ):
        raise JobFailed("这个文件检查时发现了问题，不能导入。请改正后重新上传。")
    existing = check_job.children.exclude(status=JobStatus.FAILED).first()
    if existing is not None:
        return existing
    if not check_job.file or not os.path.exists(check_job.file):
        raise JobFailed("上传的文件已过期（超过24小时未确认导入）或已处理，请重新上传。")
    org = Organization.objects.filter(pk=check_job.params.get("intake_org")).first()
    if org is None:
        raise JobFailed("受理党组织已不存在，请重新上传。")
    job = _new_job(
        phase="import", actor=actor, org=org, file=check_job.file, params=check_job.params,
        parent=check_job,
    )  # fmt: skip
    job.progress_total = int(check_job.result.get("rows", 0))
    job.save(update_fields=["progress_total"])
    return start_job(job, "dangjian.core.imports.run_commit", kind="opinions")


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
