"""Importing tables from Excel (.xlsx/.xls) and CSV: read, check, preview, commit all-or-nothing.

The life of an import (ARCHITECTURE.md principles 2 and 6):

1. Upload. The file is kept under MEDIA_ROOT/imports/ (mode 0600) and a *check* job is created.
   Small files are checked inside the request; larger ones (DANGJIAN_IMPORT_INLINE_ROWS) as a
   background job with a progress bar.
2. Check. `read_table()` turns the data sheet into rows as Excel numbers them (header = row 1),
   cleaning cells (whitespace, Excel dates and date serials, numbers that are really codes, IDs that
   Excel turned into 3.50402E+17). The importer validates every row and lists every problem as
   (row, column, reason) in Chinese. Nothing is written to the database. A file with problems is
   deleted at once; a clean file is *prepared* (encrypted, blind-indexed, masked, sort keys derived)
   into a JSON file beside it and the upload itself is deleted, so plain ID numbers stay on disk
   only while the check runs.
3. Commit. 确认导入 creates an *import* job on the prepared rows. Inside one transaction it re-checks
   what may have changed since the preview — the user's scope, the organisations, ID numbers or codes
   registered meanwhile — and writes every row and its audit entry, or nothing. The prepared file is
   deleted whether the import succeeded or failed; an unconfirmed one after DANGJIAN_IMPORT_FILE_HOURS.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Choices
from django.utils import timezone
from django.utils.module_loading import import_string

from dangjian.core.audit import record_event
from dangjian.core.choices import choice_labels
from dangjian.core.jobs import JobFailed, Progress
from dangjian.core.models import Job, JobKind, JobStatus
from dangjian.core.scope import scope_paths

# Which importer serves which kind; the kind is also the job kind's prefix (members_check …).
IMPORTERS = {
    "members": "dangjian.members.importers.MemberImporter",
    "orgs": "dangjian.orgs.importers.OrgImporter",
    "dues_bases": "dangjian.dues.importers.DuesBaseImporter",
    "dues_payments": "dangjian.dues.importers.DuesPaymentImporter",
    "opinions": "dangjian.opinions.importing.OpinionImporter",
}
EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".csv")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, os.environ.get(name, default)))


def inline_rows() -> int:
    """Files up to this many rows are checked inside the upload request; larger ones as a job."""
    return _setting("DANGJIAN_IMPORT_INLINE_ROWS", 2000)


def max_rows() -> int:
    return _setting("DANGJIAN_IMPORT_MAX_ROWS", 200_000)


def max_bytes() -> int:
    return _setting("DANGJIAN_IMPORT_MAX_BYTES", 50 * 1024 * 1024)


def max_errors() -> int:
    """Problems kept for the preview and the error list; the count goes on beyond it."""
    return _setting("DANGJIAN_IMPORT_MAX_ERRORS", 10_000)


def file_ttl() -> timedelta:
    """A checked file nobody confirmed is deleted after this long."""
    return timedelta(hours=_setting("DANGJIAN_IMPORT_FILE_HOURS", 24))


def get_importer(kind: str) -> Importer:
    if kind not in IMPORTERS:
        raise KeyError(kind)
    return import_string(IMPORTERS[kind])()


class ImportFileError(Exception):
    """The file as a whole cannot be read or does not fit the template; a Chinese message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- reading ------------------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SCI = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_EXCEL_EPOCH = date(1899, 12, 30)
NOT_EXCEL = (
    "无法读取这个文件：它不是有效的Excel表格（.xlsx）或CSV文件。请确认文件没有损坏；"
    "如文件设置了打开密码，请先取消密码；也可以在Excel中“另存为”.xlsx格式后再上传。"
)


def clean_text(value) -> str:
    """Strip ordinary, full-width and invisible spaces from both ends of a cell's text."""
    return str(value).translate(_INVISIBLE).replace("\xa0", " ").strip(" \t\r\n\u3000")


@dataclass
class Table:
    """One sheet: normalised header texts and the non-empty data rows with their Excel row numbers."""

    headers: list[str]
    rows: list[tuple[int, list]]
    header_row: int = 1
    sheet: str = ""


def normalise_header(text) -> str:
    text = "".join(clean_text(text).split())
    for mark in ("（必填）", "(必填)", "（选填）", "(选填)", "*", "＊"):
        text = text.replace(mark, "")
    return text


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and clean_text(value) == "")


def read_rows(source, *, name: str = "") -> tuple[list[str], list[tuple[int, list]]]:
    """`(headers, rows)` of a file (path or file object): see read_table()."""
    table = read_table(source, name=name)
    return table.headers, table.rows


def read_table(source, *, name: str = "", data_sheet: str = "数据") -> Table:
    """Read the data sheet of an .xlsx/.xls file or a CSV (UTF-8, with or without BOM, or GBK).

    The header row is the first row with at least two filled cells (a title row above it is
    skipped); empty rows are dropped but keep their numbers, so row numbers match what Excel shows.
    """
    raw = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
    name = name or (str(source) if isinstance(source, str | Path) else getattr(source, "name", ""))
    if not raw:
        raise ImportFileError("上传的文件是空的，请检查后重新选择文件。")
    if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        grid, sheet = _excel_grid(raw, data_sheet)
    elif name.lower().endswith(".csv") or name == "":
        grid, sheet = _csv_grid(raw), ""
    else:
        raise ImportFileError(NOT_EXCEL)
    return _table_from_grid(grid, sheet)


def _excel_grid(raw: bytes, data_sheet: str) -> tuple[Iterable[tuple[int, list]], str]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        visible = [
            m.name
            for m in book.sheets_metadata
            if m.visible == SheetVisibleEnum.Visible and m.typ == SheetTypeEnum.WorkSheet
        ] or book.sheet_names
        sheet_name = data_sheet if data_sheet in book.sheet_names else visible[0]
        sheet = book.get_sheet_by_name(sheet_name)
        start = sheet.start
        grid = sheet.to_python(skip_empty_area=True) if start is not None else []
    except Exception as exc:  # calamine raises its own error types for every kind of broken file
        raise ImportFileError(NOT_EXCEL) from exc
    row0, col0 = start or (0, 0)
    # Row numbers as Excel shows them; columns padded so that column A is index 0.
    return (
        ((row0 + i + 1), ([""] * col0 + list(r)) if col0 else list(r)) for i, r in enumerate(grid)
    ), sheet_name


def _csv_grid(raw: bytes) -> Iterable[tuple[int, list]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise ImportFileError(
            "无法识别CSV文件的文字编码，请在Excel中另存为“CSV UTF-8”或.xlsx格式。"
        )
    if "\x00" in text:
        raise ImportFileError(NOT_EXCEL)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return ((i + 1, row) for i, row in enumerate(csv.reader(io.StringIO(text), dialect)))


def _table_from_grid(grid: Iterable[tuple[int, list]], sheet: str) -> Table:
    headers: list[str] | None = None
    header_row = 0
    rows: list[tuple[int, list]] = []
    limit = max_rows()
    for number, cells in grid:
        if all(_is_empty(c) for c in cells):
            continue
        if headers is None:
            if sum(1 for c in cells if not _is_empty(c)) >= 2:
                headers, header_row = [normalise_header(c) for c in cells], number
            continue
        rows.append((number, [clean_text(c) if isinstance(c, str) else c for c in cells]))
        if len(rows) > limit:
            raise ImportFileError(
                f"一次最多导入{limit}行，这个文件超过了。请分成几个文件分别导入。"
            )
    if headers is None:
        raise ImportFileError(
            "表格中没有找到列名行。请使用下载的模板：第一行是列名，从第二行起每行一条数据。"
        )
    return Table(headers=headers, rows=rows, header_row=header_row, sheet=sheet)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


def _xlsx_dimension_rows(raw: bytes) -> int | None:
    """The last row named in the first worksheet's <dimension> (Excel, WPS and xlsxwriter write it),
    read from the first few KB of the sheet: no need to parse 10⁵ rows to decide where to check."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            names = sorted(n for n in zf.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
            if not names:
                return None
            with zf.open(names[0]) as fh:
                m = _DIMENSION.search(fh.read(4096))
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    if m is None:
        return None
    return max(0, int(m[1] or 1) - 1)


def count_data_rows(path: str | Path) -> int:
    """A cheap upper bound of the data rows, to decide between checking inline and as a job."""
    raw = Path(path).read_bytes()
    if raw[:4] == b"PK\x03\x04":
        rows = _xlsx_dimension_rows(raw)
        if rows is not None:
            return rows
    if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
            return max(0, book.get_sheet_by_index(0).height - 1)
        except Exception:
            return 0
    lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    return max(0, lines - 1)


# --- cells --------------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
DATE_HELP = "应为日期，如 2024-07-01、2024/7/1 或 2024年7月1日"


def parse_date(value) -> date:
    """A date from an Excel date cell, an Excel serial number or common written forms; ValueError if not."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if 1 <= value < 2958466:  # a date serial; a fractional part is the time of day
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(value)
    text = " ".join(clean_text(value).split())
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
    if text.isdigit() and 4 <= len(text) <= 5:  # an Excel serial that went through CSV as text
        return _EXCEL_EPOCH + timedelta(days=int(text))
    raise ValueError(value)


def cell_text(value) -> str:
    """A cell as text: 13912345678.0 → "13912345678", dates → 2024-07-01."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(" ")
        )
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(value)


def looks_like_lost_digits(value) -> bool:
    """An ID number Excel stored as a number: 18 digits do not fit, the last three become zeros."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return abs(value) >= 1e11
    return isinstance(value, str) and bool(_SCI.match("".join(value.split())))


# --- importer spec ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese column name in the template and the error list
    field: str  # the key the importer's row dict uses
    required: bool = False
    kind: str = "text"  # text | date | code (a long number that must stay text)
    help: str = ""
    width: int = 14
    choices: type[Choices] | list[tuple[str, str]] | None = None  # allowed values, listed in 说明
    aliases: tuple[str, ...] = ()

    @property
    def allowed(self) -> list[str]:
        if self.choices is None:
            return []
        pairs = self.choices.choices if hasattr(self.choices, "choices") else self.choices
        return [str(label) for _, label in pairs if str(label) != "—"]


class ErrorList:
    """Row problems as {row, column, reason}; the first `limit` kept, all counted, one per cell."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = max_errors() if limit is None else limit
        self.items: list[dict] = []
        self.count = 0
        self.rows: set[int] = set()
        self._cells: set[tuple[int, str]] = set()

    def add(self, row: int, column: str, reason: str) -> None:
        if (row, column) in self._cells:
            return
        self._cells.add((row, column))
        self.rows.add(row)
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append({"row": row, "column": column, "reason": reason})

    def __bool__(self) -> bool:
        return self.count > 0

    def sorted(self, columns: list[str]) -> list[dict]:
        order = {c: i for i, c in enumerate(columns)}
        return sorted(self.items, key=lambda e: (e["row"], order.get(e["column"], len(order))))


@dataclass
class Checked:
    """What a check produced: cleaned rows (importer-specific), problems and notes."""

    rows: list = field(default_factory=list)
    errors: ErrorList = field(default_factory=ErrorList)
    warnings: list[dict] = field(default_factory=list)
    total: int = 0
    summary: list[tuple[str, int]] = field(default_factory=list)  # e.g. [(organisation, rows)]
    # Optional per-row preview: {"title", "columns", "rows": [[text…]], "more": n, "notes": [text]}
    preview: dict = field(default_factory=dict)


class Importer:
    """One kind of import: its columns, its template, its row checks and its all-or-nothing write."""

    kind = ""
    title = ""  # 党员信息 / 党组织
    noun = "条"  # 名党员 / 个党组织
    columns: list[Column] = []
    resource = ""
    action = "import"
    instructions: list[str] = []

    # -- who may ------------------------------------------------------------------------------

    def allowed(self, actor) -> bool:
        from dangjian.core.scope import has_any

        return has_any(actor, self.action, self.resource)

    def scope_root(self, actor) -> str:
        """The job's org_path: the deepest node covering every subtree the actor may import into."""
        roots = scope_paths(actor, self.action, self.resource)
        if not roots:
            return ""
        prefix = os.path.commonprefix(roots)
        return prefix[: len(prefix) - len(prefix) % 4]  # whole treebeard steps only

    # -- template -----------------------------------------------------------------------------

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, field_name: str) -> Column | None:
        return next((c for c in self.columns if c.field == field_name), None)

    def header_for(self, field_name: str) -> str:
        col = self.column(field_name)
        return col.header if col else ""

    def template_xlsx(self) -> bytes:
        """The blank template: Chinese headers on 数据, and a 说明 sheet with rules and allowed values."""
        import xlsxwriter

        buf = io.BytesIO()
        book = xlsxwriter.Workbook(buf, {"in_memory": True})
        head = book.add_format(
            {"bold": True, "bg_color": "#FAF0E6", "border": 1, "align": "center"}
        )
        head_req = book.add_format(
            {
                "bold": True,
                "bg_color": "#B3261E",
                "font_color": "#FFFFFF",
                "border": 1,
                "align": "center",
            }
        )
        text = book.add_format({"num_format": "@"})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        bold = book.add_format({"bold": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        data = book.add_worksheet("数据")
        notes = book.add_worksheet("说明")

        lists: dict[str, str] = {}
        list_col = 4
        notes.write(0, list_col, "可选值（下拉列表的来源）", bold)
        for col in self.columns:
            if not col.allowed:
                continue
            notes.write(1, list_col, col.header, bold)
            for i, value in enumerate(col.allowed):
                notes.write_string(2 + i, list_col, value)
            letter = xlsxwriter.utility.xl_col_to_name(list_col)
            lists[col.field] = f"=说明!${letter}$3:${letter}${2 + len(col.allowed)}"
            notes.set_column(list_col, list_col, max(10, max(len(v) for v in col.allowed) * 2 + 2))
            list_col += 1

        for i, col in enumerate(self.columns):
            data.write_string(0, i, col.header, head_req if col.required else head)
            fmt = day if col.kind == "date" else text
            data.set_column(i, i, col.width, fmt)
            if col.help:
                data.write_comment(0, i, col.help, {"x_scale": 2, "y_scale": 1.5})
            if col.field in lists:
                data.data_validation(
                    1, i, 200_000, i,
                    {
                        "validate": "list",
                        "source": lists[col.field],
                        "error_title": "请从下拉列表中选择",
                        "error_message": f"{col.header}请从下拉列表中选择。",
                        "error_type": "warning",
                    },
                )  # fmt: skip
        data.freeze_panes(1, 0)

        notes.set_column(0, 0, 18)
        notes.set_column(1, 1, 8)
        notes.set_column(2, 2, 70)
        notes.write(0, 0, f"{self.title}导入模板 填写说明", bold)
        row = 1
        for line in self.instructions:
            notes.merge_range(row, 0, row, 2, line, wrap)
            notes.set_row(row, 32)
            row += 1
        row += 1
        notes.write_row(row, 0, ["列名", "是否必填", "填写要求"], bold)
        for col in self.columns:
            row += 1
            rule = col.help
            if col.allowed and len(col.allowed) <= 12:
                rule = f"{rule} 可选：{'、'.join(col.allowed)}".strip()
            notes.write_row(row, 0, [col.header, "必填" if col.required else "选填", rule], wrap)
        book.close()
        return buf.getvalue()

    # -- checking -----------------------------------------------------------------------------

    def map_headers(self, headers: list[str]) -> dict[str, int]:
        """field → column index; a missing required column or a repeated one stops the import."""
        index: dict[str, int] = {}
        names = {normalise_header(c.header): c for c in self.columns}
        for c in self.columns:
            for alias in c.aliases:
                names.setdefault(normalise_header(alias), c)
        for i, header in enumerate(headers):
            col = names.get(header)
            if col is None:
                continue
            if col.field in index:
                raise ImportFileError(
                    f"列名“{col.header}”出现了不止一次，请删除多余的列后重新上传。"
                )
            index[col.field] = i
        missing = [c.header for c in self.columns if c.required and c.field not in index]
        if missing:
            raise ImportFileError(
                f"表格缺少必须的列：{'、'.join(missing)}。请下载模板，按模板第一行的列名填写后重新上传。"
            )
        return index

    def raw_rows(self, table: Table, errors: ErrorList) -> list[tuple[int, dict]]:
        """Rows as {field: value} with cells normalised by column kind; cell problems go to errors."""
        index = self.map_headers(table.headers)
        if not table.rows:
            raise ImportFileError("表格中只有列名，没有数据行。请从第二行起填写数据。")
        cols = [(c, index[c.field]) for c in self.columns if c.field in index]
        out = []
        for number, cells in table.rows:
            raw: dict = {}
            for col, i in cols:
                value = cells[i] if i < len(cells) else None
                raw[col.field] = self.normalise_cell(col, value, number, errors)
            out.append((number, raw))
        return out

    def normalise_cell(self, col: Column, value, row: int, errors: ErrorList):
        if _is_empty(value):
            return None if col.kind == "date" else ""
        if col.kind == "date":
            try:
                day = parse_date(value)
            except (ValueError, OverflowError):
                errors.add(
                    row,
                    col.header,
                    f"{col.header}“{cell_text(value)}”不是有效日期（{DATE_HELP}）。",
                )
                return None
            if not date(1900, 1, 1) <= day <= date(2200, 1, 1):
                errors.add(
                    row,
                    col.header,
                    f"{col.header}“{cell_text(value)}”不是有效日期（{DATE_HELP}）。",
                )
                return None
            return day
        if col.kind == "code" and looks_like_lost_digits(value):
            errors.add(
                row,
                col.header,
                f"{col.header}被Excel存成了数字（显示为{value:.5E}），后几位已经丢失。"
                f"请把这一列的单元格格式设置为“文本”，重新输入完整的号码。"
                if isinstance(value, int | float)
                else f"{col.header}“{value}”被Excel存成了数字，后几位已经丢失。"
                f"请把这一列的单元格格式设置为“文本”，重新输入完整的号码。",
            )
            return ""
        return cell_text(value)

    def check(
        self,
        table: Table,
        *,
        actor,
        progress: Progress | None = None,
        offset: int = 0,
        total: int = 0,
    ) -> Checked:
        errors = ErrorList()
        rows = self.raw_rows(table, errors)
        checked = self.validate(
            rows,
            actor=actor,
            context={"progress": progress, "offset": offset, "total": total or len(rows)},
            errors=errors,
        )
        checked.total = len(rows)
        return checked

    def validate(
        self, rows: list[tuple[int, dict]], *, actor, context: dict, errors: ErrorList
    ) -> Checked:
        """Check every row; return cleaned rows (only when there are no errors they will be written)."""
        raise NotImplementedError

    def prepare(self, checked: Checked, *, progress: Progress, base: int) -> list[dict]:
        """Turn clean rows into what will be written (encrypted, derived), as JSON-able dicts.

        Done once, right after a clean check, so that 确认导入 only writes; the prepared rows are kept
        in a file beside the upload (mode 0600) and the uploaded file itself is deleted.
        """
        raise NotImplementedError

    def record_import(self, *, actor, job, rows: int) -> None:
        """The one audit event of a committed import, inside its transaction."""
        record_event(
            "import",
            actor=actor,
            obj=job,
            org_path=job.org_path,
            detail={
                "kind": self.kind,
                "rows": rows,
                "job": job.pk,
                "filename": job.params.get("filename", ""),
            },
        )

    def commit(
        self, prepared: list[dict], *, actor, job: Job, progress: Progress, base: int
    ) -> dict:
        """Write every prepared row in one transaction, after re-checking scope and whatever the
        database may have changed since the check; return a result dict (message, rows, …)."""
        raise NotImplementedError


def report_progress(context: dict, done: int, message: str) -> None:
    progress = context.get("progress")
    if progress is not None:
        progress.set(context.get("offset", 0) + done, message=message)


def chunked(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def choices_help(choices) -> str:
    return f"可选：{choice_labels(choices)}"


# --- files --------------------------------------------------------------------------------------


def upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store_upload(uploaded) -> str:
    """Save an uploaded file under MEDIA_ROOT/imports/ with a random name; return its path."""
    suffix = Path(uploaded.name or "").suffix.lower()
    suffix = suffix if suffix in EXTENSIONS else ".bin"
    path = upload_dir() / f"{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(8)}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    return str(path)


def discard_file(job: Job) -> None:
    """Delete a job's uploaded file (it holds ID numbers) and forget it on every job that shares it."""
    path = job.file
    if not path:
        return
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    Job.objects.filter(file=path).update(file="")
    job.file = ""


def sweep_stale_files() -> int:
    """Delete files of checks nobody confirmed within file_ttl(); called on every upload."""
    cutoff = timezone.now() - file_ttl()
    removed = 0
    for job in (
        Job.objects.filter(created_at__lt=cutoff)
        .exclude(file="")
        .exclude(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    ):
        discard_file(job)
        removed += 1
    limit = time.time() - file_ttl().total_seconds()
    for path in upload_dir().iterdir():  # files whose job row is gone
        if (
            path.is_file()
            and path.stat().st_mtime < limit
            and not Job.objects.filter(file=str(path)).exists()
        ):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# --- the two job functions ----------------------------------------------------------------------

PREPARED_SUFFIX = ".prepared.json"


def _json_default(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value))


def iso_date(value) -> date | None:
    """A prepared row's date: ISO text after a JSON round trip, a date object before it."""
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(value)


def save_prepared(upload_path: str, rows: list[dict]) -> str:
    path = upload_path + PREPARED_SUFFIX
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(rows, out, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    except BaseException:
        os.remove(path)
        raise
    return path


def load_prepared(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _load(job: Job, importer: Importer, progress: Progress) -> Table:
    if not job.file or not os.path.exists(job.file):
        raise JobFailed("上传的文件已过期或已处理，请重新上传。")
    progress.set(0, message="正在读取文件…", force=True)
    try:
        return read_table(job.file, name=job.params.get("filename", job.file))
    except ImportFileError as exc:
        raise JobFailed(exc.message) from exc


def _errors_message(importer: Importer, checked: Checked) -> str:
    more = (
        f"（仅列出前{len(checked.errors.items)}处）"
        if checked.errors.count > len(checked.errors.items)
        else ""
    )
    return (
        f"共{checked.total}行，发现{checked.errors.count}处问题，涉及{len(checked.errors.rows)}行{more}。"
        f"没有导入任何数据。请在Excel中改正后重新上传。"
    )


def _check(job: Job, importer: Importer, progress: Progress, *, steps: int) -> Checked:
    table = _load(job, importer, progress)
    n = len(table.rows)
    progress.set(0, steps * n, f"第1步/共{steps}步：检查数据（共{n}行）…", force=True)
    try:
        return importer.check(table, actor=job.created_by, progress=progress, total=n)
    except ImportFileError as exc:
        raise JobFailed(exc.message) from exc


def run_check(*, job: Job, progress: Progress, kind: str) -> dict:
    """Job function: check an uploaded file for the preview; when it is clean, prepare its rows.

    Writes nothing to the database. The uploaded file is deleted in every outcome: a file with
    problems is of no further use, and a clean one is replaced by its prepared (encrypted) rows.
    """
    importer = get_importer(kind)
    started = time.monotonic()
    upload = job.file
    try:
        checked = _check(job, importer, progress, steps=2)
        result = {
            "rows": checked.total,
            "warnings": checked.warnings[:1000],
            "warning_count": len(checked.warnings),
            "summary": checked.summary[:200],
        }
        if checked.preview:
            result["preview"] = checked.preview
        if checked.errors:
            discard_file(job)
            result.update(ok=False, seconds=round(time.monotonic() - started, 2))
            return {
                "message": _errors_message(importer, checked),
                "errors": checked.errors.sorted(importer.headers),
                "error_count": checked.errors.count,
                "result": result,
            }
        n = checked.total
        progress.set(n, message=f"第2步/共2步：加密和整理数据（共{n}行）…", force=True)
        prepared_path = save_prepared(upload, importer.prepare(checked, progress=progress, base=n))
    except BaseException:
        discard_file(job)
        raise
    Job.objects.filter(pk=job.pk).update(file=prepared_path)
    job.file = prepared_path
    os.remove(upload)  # the plain ID numbers now exist only encrypted, in the prepared rows
    result.update(ok=True, seconds=round(time.monotonic() - started, 2))
    return {
        "message": f"检查通过：共{n}行，没有发现问题。确认无误后请点击“确认导入”。",
        "result": result,
    }


def run_commit(*, job: Job, progress: Progress, kind: str) -> dict:
    """Job function: write a checked file's prepared rows in one transaction (or nothing).

    Started from a clean check, the job only re-checks what the database may have changed since
    (scope, organisations, registered ID numbers) and writes. Given a raw upload instead (no
    preview), it checks and prepares first and refuses if the check finds any problem.
    """
    importer = get_importer(kind)
    timings: dict[str, float] = {}
    try:
        if job.file.endswith(PREPARED_SUFFIX) and os.path.exists(job.file):
            t0 = time.monotonic()
            prepared = load_prepared(job.file)
            timings["load"] = time.monotonic() - t0
            n = len(prepared)
            progress.set(0, n, f"正在核对（共{n}行）…", force=True)
        else:
            t0 = time.monotonic()
            checked = _check(job, importer, progress, steps=3)
            timings["check"] = time.monotonic() - t0
            if checked.errors:
                raise JobFailed(
                    _errors_message(importer, checked),
                    errors=checked.errors.sorted(importer.headers),
                    error_count=checked.errors.count,
                )
            n = checked.total
            t0 = time.monotonic()
            progress.set(n, message=f"第2步/共3步：加密和整理数据（共{n}行）…", force=True)
            prepared = importer.prepare(checked, progress=progress, base=n)
            timings["prepare"] = time.monotonic() - t0
        result = importer.commit(
            prepared, actor=job.created_by, job=job, progress=progress, base=progress.total - n
        )
        timings.update(result.pop("timings", {}))
    except JobFailed as exc:
        record_failed_import(job, exc.message)
        raise
    except Exception:
        from dangjian.core.jobs import FAILED_UNEXPECTEDLY

        record_failed_import(job, FAILED_UNEXPECTEDLY.format(pk=job.pk))
        raise
    finally:
        discard_file(job)
    result["seconds"] = {k: round(v, 2) for k, v in timings.items()}
    return {"message": result.pop("message"), "result": result}


def record_failed_import(job: Job, reason: str) -> None:
    """A failed import is audited too (who tried to write what, and why it stopped); outside the
    rolled-back transaction, so the record survives the rollback."""
    record_event(
        "import",
        actor=job.created_by,
        obj=job,
        org_path=job.org_path,
        success=False,
        detail={"kind": job.import_kind, "job": job.pk, "rows": 0, "reason": reason[:200]},
    )


def new_job(
    *,
    kind: str,
    phase: str,
    actor,
    importer: Importer,
    file: str,
    params: dict,
    parent: Job | None = None,
) -> Job:
    job_kind = f"{kind}_{phase}"
    assert job_kind in JobKind.values, job_kind
    return Job.objects.create(
        kind=job_kind,
        created_by=actor,
        org_path=importer.scope_root(actor),
        file=file,
        params=params,
        parent=parent,
        message="排队等待中…",
    )


def start_check(*, kind: str, actor, uploaded) -> Job:
    """Store the upload and check it: now for small files, as a background job for large ones."""
    from dangjian.core.jobs import start_job

    importer = get_importer(kind)
    sweep_stale_files()
    path = store_upload(uploaded)
    job = new_job(
        kind=kind,
        phase="check",
        actor=actor,
        importer=importer,
        file=path,
        params={"filename": uploaded.name},
    )
    inline = count_data_rows(path) <= inline_rows()
    return start_job(job, "dangjian.core.imports.run_check", inline=inline, kind=kind)


def start_commit(*, check_job: Job, actor) -> Job:
    """确认导入: a new job on the checked file. Refused if the check failed or was already confirmed."""
    from dangjian.core.jobs import start_job

    if (
        not check_job.is_check
        or check_job.status != JobStatus.SUCCEEDED
        or not check_job.result.get("ok")
    ):
        raise JobFailed("这个文件检查时发现了问题，不能导入。请改正后重新上传。")
    existing = check_job.children.exclude(status=JobStatus.FAILED).first()
    if existing is not None:
        return existing  # pressed twice, or back-and-resubmit: the same import, never a second one
    if not check_job.file or not os.path.exists(check_job.file):
        raise JobFailed("上传的文件已过期（超过24小时未确认导入）或已处理，请重新上传。")
    kind = check_job.import_kind
    importer = get_importer(kind)
    job = new_job(
        kind=kind, phase="import", actor=actor, importer=importer, file=check_job.file,
        params=check_job.params, parent=check_job,
    )  # fmt: skip
    job.progress_total = int(check_job.result.get("rows", 0))
    job.save(update_fields=["progress_total"])
    return start_job(job, "dangjian.core.imports.run_commit", kind=kind)


# Helpers for importers' commit(): batches with progress.
def write_in_batches(
    objs: list,
    write: Callable[[list], None],
    *,
    progress: Progress,
    base: int,
    size: int = 1000,
    label: str = "",
) -> None:
    done = 0
    for batch in chunked(objs, size):
        write(batch)
        done += len(batch)
        progress.set(base + done, message=f"正在写入数据库（{done}/{len(objs)}{label}）…")
