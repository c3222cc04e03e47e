"""Importing dues from Excel/CSV: 工资表 → 党费基数 (dues_bases) and 党费交纳记录 (dues_payments).

Both follow the import framework (core/imports.py): a check that writes nothing and lists every
problem as (行, 列, 问题), a preview, and an all-or-nothing commit in one transaction that re-checks
the scope. A member is found by 身份证号 (blind index), or, when the number is blank, by 姓名 and
所在支部 (the branch's name, short name or code); only members inside the importer's DUES scope are
ever found, and "not there" and "not yours" get the same words.

The base of a salary sheet (RULES.md 1.1–1.2, 1.5) is the sum of the regular salary items minus
个人所得税 only. Columns the sheet has but the base does not count — 住房公积金, 五险一金, 通讯/交通
补贴, 抚恤金 … — are listed in the preview as ignored, with the reason and its source.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404

from dangjian.accounts.roles import DUES
from dangjian.core.choices import choice_value
from dangjian.core.imports import (
    Checked,
    Column,
    ErrorList,
    Importer,
    ImportFileError,
    Table,
    cell_text,
    chunked,
    clean_text,
    iso_date,
    report_progress,
)
from dangjian.core.jobs import JobFailed
from dangjian.core.scope import forget_grants, path_in_scope
from dangjian.dues.models import BaseSource, Method
from dangjian.dues.services import (
    BaseLine,
    PaymentLine,
    month_label,
    month_start,
    record_payment,
    set_bases,
)
from dangjian.dues.standards import Category, amount_for, percent
from dangjian.members.choices import MemberStatus
from dangjian.members.idnumber import check_id_number
from dangjian.members.models import Member
from dangjian.members.person import id_number_index
from dangjian.orgs.models import Organization

CENT = Decimal("0.01")
PREVIEW_ROWS = 500  # rows shown on the preview page; every row is still checked and written
_DOC = "《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）"
_QA = "中组部组织局关于党费收缴工作的答问"
MONTH_HELP = "应为月份，如 2026-01、2026/1 或 2026年1月"

# --- cells ----------------------------------------------------------------------------------------

_MONEY_JUNK = dict.fromkeys(map(ord, ",，¥￥元 \u3000"), None)
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]?\s*\d{1,2}\s*日?)?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_money(value) -> Decimal:
    """A money cell: a number, or text such as "3,000.00" / "3000元"; ValueError if not a number.

    Excel arithmetic leaves float noise (2999.9999999999995): a value within a millionth of a whole
    cent is that cent. Sign and decimal places are checked by the caller.
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(value)
        exact = Decimal(repr(value))
        cents = exact.quantize(CENT, rounding=ROUND_HALF_UP)
        return cents if abs(exact - cents) < Decimal("0.000001") else exact
    text = clean_text(value).translate(_MONEY_JUNK)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


def parse_month_cell(value) -> date:
    """A month from an Excel date, a YYYYMM number or text such as 2026-01 / 2026年1月; ValueError if not.

    2026.10 typed into a number cell arrives as 2026.1, which cannot be told from 2026.1 (January),
    so a number with a fraction is refused rather than guessed.
    """
    if isinstance(value, datetime):
        return month_start(value.date())
    if isinstance(value, date):
        return month_start(value)
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    if isinstance(value, int | float):
        number = int(value)
        if 190001 <= number <= 220012:
            return date(number // 100, number % 100, 1)
        if 1 <= number < 2958466:  # an Excel date serial
            return month_start(_EXCEL_EPOCH + timedelta(days=number))
        raise ValueError(value)
    text = "".join(clean_text(value).split())
    for pattern in _MONTH_PATTERNS:
        m = pattern.match(text)
        if m:
            return date(int(m[1]), int(m[2]), 1)
    raise ValueError(value)


class _Invalid:
    """A money cell that already has its problem listed: neither blank nor a number."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID = _Invalid()


def money_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


# --- categories and methods -----------------------------------------------------------------------

CATEGORY_ALIASES = {
    "在职": Category.SALARIED,
    "在职职工": Category.SALARIED,
    "在职人员": Category.SALARIED,
    "按月领取工资": Category.SALARIED,
    "领取工资": Category.SALARIED,
    "年薪": Category.ANNUAL_SALARY,
    "年薪制": Category.ANNUAL_SALARY,
    "个体": Category.SELF_EMPLOYED,
    "个体经营": Category.SELF_EMPLOYED,
    "个体经营者": Category.SELF_EMPLOYED,
    "个体工商户": Category.SELF_EMPLOYED,
    "离退休": Category.RETIRED,
    "退休": Category.RETIRED,
    "离休": Category.RETIRED,
    "离退休人员": Category.RETIRED,
    "退休人员": Category.RETIRED,
    "农民": Category.FARMER,
    "学生": Category.LOW_INCOME,
    "下岗": Category.LOW_INCOME,
    "下岗失业": Category.LOW_INCOME,
    "失业": Category.LOW_INCOME,
    "低保": Category.LOW_INCOME,
    "领取最低生活保障金": Category.LOW_INCOME,
    "依靠抚恤或救济": Category.LOW_INCOME,
    "依靠抚恤或救济生活": Category.LOW_INCOME,
}
FIXED = frozenset({Category.FARMER, Category.LOW_INCOME})
# The preview's narrow column; the full label is in the template's 说明 and on the standards page.
CATEGORY_SHORT = {"low_income": "学生、下岗失业、低保等"}


def category_value(text: str) -> str | None:
    found = choice_value(Category, text)
    if found:
        return found
    key = "".join(str(text).split())
    for suffix in ("党员", "人员"):
        if key.endswith(suffix) and key not in CATEGORY_ALIASES:
            key = key[: -len(suffix)] or key
    alias = CATEGORY_ALIASES.get(key)
    return str(alias.value) if alias is not None else None


METHOD_ALIASES = {
    "现金": Method.CASH,
    "转账": Method.TRANSFER,
    "银行转账": Method.TRANSFER,
    "网银": Method.TRANSFER,
    "手机银行": Method.TRANSFER,
    "微信": Method.TRANSFER,
    "支付宝": Method.TRANSFER,
    "代缴": Method.PROXY,
    "代交": Method.PROXY,
    "其他": Method.OTHER,
}


def method_value(text: str) -> str | None:
    found = choice_value(Method, text)
    if found:
        return found
    alias = METHOD_ALIASES.get("".join(str(text).split()))
    return str(alias.value) if alias is not None else None


# --- what a salary sheet's extra columns are (RULES.md 1.2) ---------------------------------------

_SOURCE_12 = f"（依据{_DOC}第一条和{_QA}，RULES.md 1.1–1.2）"
EXCLUDED_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("公积金",),
        "住房公积金属于改革性补贴，不计入党费基数；个人缴存的公积金也不从基数中扣除",
    ),
    (
        ("养老保险", "医疗保险", "失业保险", "工伤保险", "生育保险", "社保", "社会保险",
         "五险", "医保", "职业年金", "企业年金"),
        "计算党费基数只扣除个人所得税，个人缴纳的社会保险费（五险一金）不扣除；"
        "社会保险类补贴也不计入基数",
    ),
    (
        ("提租", "通讯", "通信", "交通", "车补", "住房补贴", "物业", "取暖", "降温"),
        "提租、通讯、交通等改革性补贴不计入党费基数",
    ),
    (("抚恤",), "抚恤金不计入党费基数"),
    (("护理费",), "离退休人员的护理费不计入党费基数（RULES.md 1.5）"),
    (
        ("艰苦边远", "办案", "信访", "加班", "值班", "误餐", "出差", "差旅"),
        "非普遍发放的津贴补贴不计入党费基数",
    ),
    (
        ("应发", "实发", "合计", "总计", "小计", "扣款", "扣除"),
        "合计列不参与计算：基数按各工资项目逐项相加，以免重复",
    ),
)  # fmt: skip


def why_ignored(header: str) -> str:
    for words, reason in EXCLUDED_HINTS:
        if any(w in header for w in words):
            return reason
    return ""


# --- finding members ------------------------------------------------------------------------------

NOT_FOUND_ID = "系统中没有该身份证号的党员，或该党员不在您的管理范围内。"


def org_not_found(text: str) -> str:
    return f"没有找到党组织“{text}”，或它不在您的管理范围内。请填写支部的全称、简称或组织代码。"


@dataclass
class Who:
    """How a row names its member: the columns' headers, so that errors land on the right cell."""

    id_header: str
    name_header: str
    org_header: str


class MemberFinder:
    """Members of a file, looked up in bulk and only inside the actor's scope for `actions`."""

    def __init__(self, actor, actions: tuple[str, ...], rows: list[tuple[int, dict]], who: Who):
        self.actor = actor
        self.actions = actions
        self.who = who
        self.by_hash: dict[str, Member] = {}
        self.orgs: dict[str, list[Organization]] = {}
        self.by_org_name: dict[tuple[int, str], list[Member]] = {}
        self._load(rows)

    def in_scope(self, path: str) -> bool:
        return all(path_in_scope(self.actor, a, DUES, path) for a in self.actions)

    def _load(self, rows: list[tuple[int, dict]]) -> None:
        hashes, org_texts = set(), set()
        for _, raw in rows:
            number = "".join((raw.get("id_number") or "").split()).upper()
            if number:
                hashes.add(id_number_index(number))
            elif raw.get("org"):
                org_texts.add("".join(raw["org"].split()))
        for chunk in chunked(sorted(hashes), 1000):
            for m in Member.objects.filter(id_number_hash__in=chunk).select_related("org"):
                if self.in_scope(m.org_path):
                    self.by_hash[m.id_number_hash] = m
        for chunk in chunked(sorted(org_texts), 500):
            query = Q(code__in=chunk) | Q(name__in=chunk) | Q(short_name__in=chunk)
            for org in Organization.objects.filter(query).only(
                "pk", "code", "name", "short_name", "path", "status"
            ):
                if not self.in_scope(org.path):
                    continue
                for key in {org.code, org.name, org.short_name} & set(chunk):
                    self.orgs.setdefault(key, []).append(org)
        org_ids = {o.pk for found in self.orgs.values() for o in found}
        names = {
            "".join((raw.get("name") or "").split())
            for _, raw in rows
            if not raw.get("id_number") and raw.get("name")
        }
        for chunk in chunked(sorted(names), 500):
            for m in Member.objects.filter(org_id__in=org_ids, name__in=chunk).select_related(
                "org"
            ):
                if self.in_scope(m.org_path):
                    self.by_org_name.setdefault((m.org_id, m.name), []).append(m)

    def find(
        self, number: int, raw: dict, errors: ErrorList, warnings: list[dict]
    ) -> Member | None:
        who = self.who
        id_text = "".join((raw.get("id_number") or "").split())  # "350402 19800101 1234" too
        name = "".join((raw.get("name") or "").split())
        org_text = "".join((raw.get("org") or "").split())
        if id_text:
            try:
                checked = check_id_number(id_text)
            except ValidationError as exc:
                errors.add(number, who.id_header, exc.messages[0])
                return None
            member = self.by_hash.get(id_number_index(checked.number))
            if member is None:
                errors.add(number, who.id_header, NOT_FOUND_ID)
                return None
            if name and name != member.name:
                errors.add(
                    number,
                    who.name_header or who.id_header,
                    f"身份证号对应的党员姓名为“{member.name}”，与填写的“{name}”不一致，请核对。",
                )
                return None
            if org_text and org_text not in {
                member.org.code,
                member.org.name,
                member.org.short_name,
            }:
                warnings.append(
                    {
                        "row": number,
                        "reason": f"身份证号对应的党员在{member.org}，与填写的所在支部“{org_text}”"
                        "不一致，以身份证号为准。",
                    }
                )
            return member
        if not name or not org_text:
            missing = (
                "身份证号" if not name and not org_text else ("姓名" if not name else "所在支部")
            )
            column = who.name_header if not name else who.org_header
            errors.add(
                number,
                column or who.id_header,
                f"请填写身份证号；不填身份证号时，须同时填写姓名和所在支部（缺{missing}）。",
            )
            return None
        orgs = self.orgs.get(org_text, [])
        coded = [o for o in orgs if o.code == org_text]
        orgs = coded or orgs
        if not orgs:
            errors.add(number, who.org_header, org_not_found(org_text))
            return None
        if len({o.pk for o in orgs}) > 1:
            errors.add(
                number,
                who.org_header,
                f"您的管理范围内有{len({o.pk for o in orgs})}个党组织叫“{org_text}”，请改填组织代码。",
            )
            return None
        org = orgs[0]
        found = self.by_org_name.get((org.pk, name), [])
        if len(found) > 1:
            normal = [m for m in found if m.status == MemberStatus.NORMAL]
            if len(normal) == 1:
                return normal[0]
            errors.add(
                number,
                who.name_header,
                f"{org}有{len(found)}名党员叫“{name}”，无法区分，请填写身份证号。",
            )
            return None
        if not found:
            errors.add(
                number, who.name_header, f"{org}没有名为“{name}”的党员，请核对姓名或填写身份证号。"
            )
            return None
        return found[0]


def paying(member: Member) -> str:
    """The reason a member is not on the dues list, or ""."""
    if member.status != MemberStatus.NORMAL:
        return f"{member.name}的党籍状态为“{member.get_status_display()}”，不在交纳党费的名单内。"
    return ""


def member_label(member: Member) -> str:
    return f"{member.name}（{member.id_number_masked}）" if member.id_number_masked else member.name


def _summary(counts: dict[int, int], orgs: dict[int, Organization]) -> list[tuple[str, int]]:
    labels = {pk: f"{o.name}（{o.code}）" for pk, o in orgs.items()}
    return sorted(((labels[pk], n) for pk, n in counts.items()), key=lambda s: -s[1])


class DuesImporterBase(Importer):
    """What both dues importers share: finding members and refusing a file that names nobody."""

    resource = DUES
    action = "import"
    service_action = ""  # what the dues service itself requires: change (bases) or add (payments)
    money_fields: frozenset[str] = frozenset()

    def who(self) -> Who:
        return Who(self.header_for("id_number"), self.header_for("name"), self.header_for("org"))

    def finder(self, actor, rows) -> MemberFinder:
        return MemberFinder(actor, (self.action, self.service_action), rows, self.who())

    def normalise_cell(self, col: Column, value, row: int, errors: ErrorList):
        if col.kind == "money":
            if value is None or (isinstance(value, str) and clean_text(value) == ""):
                return None
            try:
                amount = parse_money(value)
            except ValueError:
                errors.add(row, col.header, f"{col.header}“{cell_text(value)}”不是金额数字（元）。")
                return INVALID
            if amount < 0:
                errors.add(row, col.header, f"{col.header}不能为负数。")
                return INVALID
            if amount.as_tuple().exponent < -2:
                errors.add(row, col.header, f"{col.header}最多保留两位小数（分）。")
                return INVALID
            return amount
        if col.kind == "month":
            if value is None or (isinstance(value, str) and clean_text(value) == ""):
                return None
            try:
                month = parse_month_cell(value)
            except (ValueError, OverflowError):
                month = None
            if month is None or not date(1949, 10, 1) <= month <= date(2200, 1, 1):
                errors.add(
                    row,
                    col.header,
                    f"{col.header}“{cell_text(value)}”不是有效月份（{MONTH_HELP}）。",
                )
                return None
            return month
        return super().normalise_cell(col, value, row, errors)

    def check(self, table: Table, **kwargs) -> Checked:
        index = self.map_headers(table.headers)
        if "id_number" not in index and "name" not in index:
            raise ImportFileError(
                "表格中没有“身份证号”列，也没有“姓名”列，无法确定是哪一名党员。请下载模板，按模板的列名填写。"
            )
        if "id_number" not in index and "org" not in index:
            raise ImportFileError(
                "表格中没有“身份证号”列时，须有“所在支部”列（按姓名和所在支部查找党员）。请下载模板，按模板的列名填写。"
            )
        used = set(index.values())
        ignored = [h for i, h in enumerate(table.headers) if h and i not in used]
        checked = super().check(table, **kwargs)
        notes = self.ignored_notes(ignored)
        if notes:
            checked.preview["ignored"] = ignored
            checked.preview["ignored_notes"] = notes
        return checked

    def ignored_notes(self, ignored: list[str]) -> list[str]:
        if not ignored:
            return []
        lines = [f"以下{len(ignored)}列不是模板中的列，已忽略，不参与计算：{'、'.join(ignored)}。"]
        for header in ignored:
            reason = why_ignored(header)
            if reason:
                lines.append(f"“{header}”：{reason}{_SOURCE_12}。")
        return lines


# --- 工资表导入: dues bases ----------------------------------------------------------------------

SALARY_ITEMS = (
    ("basic", "基本工资", ()),
    ("post_duty", "职务工资", ()),
    ("grade", "级别工资", ()),
    ("position", "岗位工资", ()),
    ("scale", "薪级工资", ()),
    ("merit", "绩效工资", ("基础性绩效工资", "奖励性绩效工资")),
    ("skill", "技术等级工资", ("技术等级（职务）工资", "技术职务工资")),
    ("allowance", "津贴补贴", ("规范津贴补贴",)),
    ("bonus", "奖金", ()),
)
RETIREE_ITEMS = (
    ("pension", "基本养老金", ("养老金",)),
    ("retire_pay", "离退休费", ("退休费", "离休费")),
    ("retire_allowance", "离退休人员补贴", ("退休人员补贴", "离退休补贴")),
)
SALARY_FIELDS = tuple(f for f, _, _ in SALARY_ITEMS)
RETIREE_FIELDS = tuple(f for f, _, _ in RETIREE_ITEMS)


def _item_column(field_name: str, header: str, aliases: tuple[str, ...], help_text: str) -> Column:
    return Column(header, field_name, kind="money", width=11, aliases=aliases, help=help_text)


# How both sheets find the member: the ID number, or the name and the branch.
MEMBER_COLUMNS = (
    Column("身份证号", "id_number", kind="code", width=22, aliases=("公民身份号码", "身份证号码"),
           help="18位居民身份证号，请先把这一列设置为“文本”格式。填了身份证号就按身份证号查找党员。"),
    Column("姓名", "name", width=10, help="不填身份证号时，按姓名和所在支部查找党员；填了身份证号时用来核对。"),
    Column("所在支部", "org", width=20, aliases=("所在党支部", "所在党组织", "支部", "组织代码", "所在党组织代码"),
           help="党员所在支部的全称、简称或组织代码，不填身份证号时必填。"),
)  # fmt: skip


class DuesBaseImporter(DuesImporterBase):
    kind = "dues_bases"
    title = "党费基数（工资表）"
    noun = "名党员"
    service_action = "change"
    columns = [
        *MEMBER_COLUMNS,
        Column("交纳类别", "category", required=True, width=14, choices=Category, aliases=("党费类别", "党员类别"),
               help="按月领取工资、年薪制、个体经营、离退休、农民、学生等；也可写“在职”“退休”“学生”“低保”“农民”“个体”。"),
        Column("起始月份", "from_month", required=True, kind="month", width=11,
               aliases=("起始年月", "执行月份", "工资月份", "月份"),
               help="新基数从哪个月起执行（新工资发放的当月，RULES.md 1.9），如 2026-01 或 2026年1月。"),
        *[_item_column(f, h, a, "在职党员的工资项目，单位元。") for f, h, a in SALARY_ITEMS],
        *[_item_column(f, h, a, "离退休党员填写，单位元。") for f, h, a in RETIREE_ITEMS],
        Column("个人所得税", "income_tax", kind="money", width=11, aliases=("个税", "代扣个人所得税", "代扣个税"),
               help="从基数中扣除的只有个人所得税；五险一金不扣除。"),
        Column("计算基数", "base", kind="money", width=11, aliases=("党费基数", "交纳基数", "党费计算基数"),
               help="可直接填写计算基数（元），代替逐项填写工资；与工资项目都填时须一致。"),
        Column("备注", "note", width=20, aliases=("说明",), help="选填，记入基数的说明。"),
    ]  # fmt: skip
    instructions = [
        "1. 每行填写一名党员的一个基数，第一行是列名，请不要修改列名；红色列名为必填项。",
        "2. 找党员：填身份证号（推荐）；不填身份证号时，按“姓名”和“所在支部”（全称、简称或组织代码）查找，"
        "同一支部有同名党员时须填身份证号。只能导入您管理范围内、党籍状态正常的党员。",
        f"3. 计算基数 = 各工资项目之和 − 个人所得税（{_DOC}第一条、第五条和{_QA}，RULES.md 1.1、1.2、1.5）。"
        "机关：职务工资+级别工资+津贴补贴；事业单位：岗位工资+薪级工资+绩效工资+津贴补贴；"
        "机关工人：岗位工资+技术等级工资+津贴补贴；企业：基本工资+岗位工资+奖金。"
        "离退休党员：基本养老金（离退休费）+离退休人员补贴。",
        "4. 不计入基数的项目不要填在工资项目中：非普遍发放的津贴（艰苦边远、办案、信访等）、"
        "改革性补贴（住房公积金、提租、通讯、交通）、社会保险类补贴、抚恤金；"
        "只扣除个人所得税，五险一金不扣除。表中多出的列（如“住房公积金”）系统会列出并忽略。",
        "5. 也可以在“计算基数”列直接填写基数。农民、学生、下岗失业、低保等按固定金额交纳的党员不需要填写工资。",
        "6. 起始月份是新基数开始执行的月份（新工资发放的当月）；已经结算的月份不会改变，需要时请在台账中更正。",
        "7. 上传后系统逐行检查并列出每名党员的基数和每月应交金额，只要有一处问题就一条也不导入；全部正确后确认导入。",
    ]

    def validate(self, rows, *, actor, context, errors: ErrorList) -> Checked:
        checked = Checked(errors=errors)
        finder = self.finder(actor, rows)
        cat_header = self.header_for("category")
        month_header = self.header_for("from_month")
        base_header = self.header_for("base")
        seen: dict[tuple[int, date], int] = {}
        counts: dict[int, int] = {}
        orgs: dict[int, Organization] = {}
        preview: list[list[str]] = []
        total = len(rows)
        for i, (number, raw) in enumerate(rows):
            if i % 200 == 0:
                report_progress(context, i, f"正在检查第{number}行（共{total}行）…")
            member = finder.find(number, raw, errors, checked.warnings)
            category = None
            if raw.get("category"):
                category = category_value(raw["category"])
                if category is None:
                    errors.add(
                        number,
                        cat_header,
                        f"交纳类别“{raw['category']}”无法识别。可填：{'、'.join(str(label) for _, label in Category.choices)}，"
                        "或“在职”“退休”“学生”“低保”“农民”“个体”。",
                    )
            else:
                errors.add(number, cat_header, "交纳类别不能为空。")
            month = raw.get("from_month")
            if month is None:  # a no-op when the cell already has a problem (one per cell)
                errors.add(number, month_header, "起始月份不能为空。")
            if category is None:
                continue
            base, how = self._base(number, raw, category, errors)
            if member is None or month is None or number in errors.rows:
                continue
            reason = paying(member)
            if reason:
                errors.add(
                    number,
                    self.who().id_header if raw.get("id_number") else self.who().name_header,
                    reason,
                )
                continue
            joined = month_start(member.joined_on)
            if month < joined:
                errors.add(
                    number,
                    month_header,
                    f"起始月份不能早于{member.name}入党（预备党员接收）的月份（{month_label(joined)}）。",
                )
                continue
            try:
                priced = amount_for(category, base if base is not None else 0, month)
            except ValidationError as exc:
                errors.add(
                    number, base_header if category not in FIXED else cat_header, exc.messages[0]
                )
                continue
            first = seen.setdefault((member.pk, month), number)
            if first != number:
                errors.add(
                    number, month_header, f"与第{first}行是同一名党员、同一起始月份，请只保留一行。"
                )
                continue
            checked.rows.append(
                {
                    "row": number,
                    "member_id": member.pk,
                    "category": category,
                    "base": None if base is None else str(base),
                    "from_month": month.isoformat(),
                    "note": (raw.get("note") or "")[:500],
                }
            )
            counts[member.org_id] = counts.get(member.org_id, 0) + 1
            orgs[member.org_id] = member.org
            if len(preview) < PREVIEW_ROWS:
                preview.append(
                    [
                        str(number),
                        member_label(member),
                        CATEGORY_SHORT.get(category, str(Category(category).label)),
                        money_text(base),
                        f"{priced.amount:,.2f}",
                        percent(priced.rate) if priced.rate is not None else "固定金额",
                        month_label(month),
                        how,
                        str(member.org),
                        priced.standard.name,
                    ]
                )
        report_progress(context, total, "检查完成。")
        checked.summary = _summary(counts, orgs)
        checked.preview = {
            "title": "核定结果预览：每名党员的计算基数和每月应交党费",
            "columns": ["行", "党员", "交纳类别", "计算基数（元）", "每月应交（元）", "比例",
                        "起始月份", "基数怎么来的", "所在支部", "党费标准"],
            "rows": preview,
            "more": max(0, len(checked.rows) - len(preview)),
            "notes": [],
        }  # fmt: skip
        return checked

    def _base(
        self, number: int, raw: dict, category: str, errors: ErrorList
    ) -> tuple[Decimal | None, str]:
        """The base of a row and how it was found ("" when the row has an error)."""
        salary = {f: raw.get(f) for f in SALARY_FIELDS if raw.get(f) is not None}
        pension = {f: raw.get(f) for f in RETIREE_FIELDS if raw.get(f) is not None}
        tax = raw.get("income_tax")
        given = raw.get("base")
        if any(v is INVALID for v in (*salary.values(), *pension.values(), tax, given)):
            return None, ""  # the cell's own problem is listed; a sum of the rest would mislead
        if category in FIXED:  # a fixed amount (RULES.md 1.6): whatever salary is given is not used
            used = salary or pension or given is not None
            return None, "固定金额（工资不参与计算）" if used else "固定金额，不需要工资"
        retired = category == Category.RETIRED
        items, wrong = (pension, salary) if retired else (salary, pension)
        if wrong:
            headers = "、".join(self.header_for(f) for f in wrong)
            errors.add(
                number,
                self.header_for(next(iter(wrong))),
                f"离退休党员的基数是离退休费（养老金），不应填写在职工资项目（{headers}）；请核对交纳类别。"
                if retired
                else f"{Category(category).label}党员的基数是工资收入，不应填写离退休费项目（{headers}）；"
                "离退休党员请把交纳类别填为“离退休”。",
            )
            return None, ""
        if items:
            gross = sum(items.values(), Decimal(0))
            computed = gross - (tax or 0)
            if computed < 0:
                errors.add(
                    number, self.header_for("income_tax"), "个人所得税大于工资项目合计，请核对。"
                )
                return None, ""
            if given is not None and given != computed:
                errors.add(
                    number,
                    self.header_for("base"),
                    f"计算基数{money_text(given)}元与工资项目合计减个人所得税的{money_text(computed)}元不一致，请核对。",
                )
                return None, ""
            how = f"{len(items)}项合计{money_text(gross)}"
            return computed, f"{how} − 个人所得税{money_text(tax or Decimal(0))}"
        if given is not None:
            if tax:
                errors.add(
                    number,
                    self.header_for("income_tax"),
                    "直接填写计算基数时，请填写已扣除个人所得税后的基数，不要再填写个人所得税。",
                )
                return None, ""
            return given, "直接填写"
        items_help = "离退休费（养老金）" if retired else "工资项目"
        errors.add(number, self.header_for("base"), f"请填写{items_help}或计算基数。")
        return None, ""

    def prepare(self, checked: Checked, *, progress, base: int) -> list[dict]:
        return list(checked.rows)

    def commit(self, prepared: list[dict], *, actor, job, progress, base: int) -> dict:
        t0 = time.monotonic()
        with progress.write_phase("正在写入数据库（请稍候：全部成功，或一条也不写入）…"):
            with transaction.atomic():
                members = recheck_members(self, actor, prepared)
                lines = [
                    BaseLine(
                        members[row["member_id"]],
                        row["category"],
                        row["base"] if row["base"] is not None else 0,
                        iso_date(row["from_month"]),
                        row["note"] or "工资表导入",
                    )
                    for row in prepared
                ]
                try:
                    written = set_bases(actor=actor, lines=lines, source=BaseSource.IMPORT)
                except ValidationError as exc:
                    raise JobFailed(
                        f"写入时发现问题：{exc.messages[0]} 没有导入任何数据，请重新上传检查。"
                    ) from exc
                except Http404 as exc:
                    raise JobFailed(SCOPE_CHANGED) from exc
                self.record_import(actor=actor, job=job, rows=written)
        return {
            "message": f"导入成功：已核定{len(members)}名党员的党费基数（{written}条）。",
            "rows": written,
            "org_ids": sorted({m.org_id for m in members.values()})[:200],
            "timings": {"write": time.monotonic() - t0},
        }


SCOPE_CHANGED = (
    "部分党员已不在您的管理范围内（可能刚刚调整过授权或组织关系），没有导入任何数据。请重新上传。"
)


def recheck_members(importer: DuesImporterBase, actor, prepared: list[dict]) -> dict[int, Member]:
    """Inside the write transaction: every member still exists, is in scope and pays dues."""
    forget_grants(actor)
    ids = {row["member_id"] for row in prepared}
    members: dict[int, Member] = {}
    for chunk in chunked(sorted(ids), 1000):
        members.update(Member.objects.select_for_update().in_bulk(chunk))
    actions = (importer.action, importer.service_action)
    errors = ErrorList()
    who = importer.who()
    for row in prepared:
        member = members.get(row["member_id"])
        if member is None or not all(
            path_in_scope(actor, a, DUES, member.org_path) for a in actions
        ):
            raise JobFailed(SCOPE_CHANGED)
        reason = paying(member)
        if reason:
            errors.add(row["row"], who.id_header or who.name_header, reason)
    if errors:
        raise JobFailed(
            f"检查之后有{errors.count}名党员的党籍状态发生了变化，没有导入任何数据。请核对后重新上传。",
            errors=errors.sorted(importer.headers),
            error_count=errors.count,
        )
    return members


# --- 党费交纳导入: payments ----------------------------------------------------------------------


class DuesPaymentImporter(DuesImporterBase):
    kind = "dues_payments"
    title = "党费交纳记录"
    noun = "笔党费"
    service_action = "add"
    columns = [
        *MEMBER_COLUMNS,
        Column("所属月份", "month", required=True, kind="month", width=11, aliases=("党费月份", "月份", "交纳月份"),
               help="这笔党费是哪个月的，如 2026-01 或 2026年1月；补交、预交的月数按党费规则检查。"),
        Column("金额", "amount", kind="money", width=10, aliases=("交纳金额", "实交金额", "金额（元）"),
               help="单位元；不填表示交足该月应交的金额。超过应交的部分请按“自愿多交”单独登记。"),
        Column("交纳日期", "paid_on", required=True, kind="date", width=12, aliases=("交费日期", "缴费日期"),
               help="实际交纳的日期，不能晚于今天。日期如 2026-01-15。"),
        Column("交纳方式", "method", width=10, choices=Method, aliases=("交费方式", "缴费方式"),
               help="现金、转账、代缴或其他；不填按现金。"),
        Column("备注", "note", width=20, aliases=("说明",), help="选填。"),
    ]  # fmt: skip
    instructions = [
        "1. 每行填写一名党员一个月的党费，第一行是列名，请不要修改列名；红色列名为必填项。",
        "2. 找党员：填身份证号（推荐）；不填身份证号时，按“姓名”和“所在支部”（全称、简称或组织代码）查找。"
        "只能导入您管理范围内、党籍状态正常的党员。",
        "3. 金额不填表示交足该月应交的党费；该月还没有结算的，系统按党员当时的党费基数先入账。没有核定基数的党员请先导入工资表。",
        f"4. 补交一般不超过6个月、预交月数有上限（{_DOC}第十二条，RULES.md 1.11），超过的行会被指出。"
        "超过应交的部分属于自愿多交，请在台账中单独登记。",
        "5. 上传后系统按党费台账逐笔核对，只要有一处问题就一条也不导入；全部正确后确认导入。",
    ]

    def _column_for(self, message: str) -> str:
        if "交纳日期" in message:
            return self.header_for("paid_on")
        if "金额" in message or "超出" in message or "已交足" in message:
            return self.header_for("amount")
        if "交纳方式" in message:
            return self.header_for("method")
        if "党籍状态" in message:
            return self.header_for("id_number")
        return self.header_for("month")

    def validate(self, rows, *, actor, context, errors: ErrorList) -> Checked:
        checked = Checked(errors=errors)
        finder = self.finder(actor, rows)
        month_header = self.header_for("month")
        amount_header = self.header_for("amount")
        seen: dict[tuple[int, date], int] = {}
        good: list[tuple[int, Member, dict]] = []
        total = len(rows)
        for i, (number, raw) in enumerate(rows):
            if i % 200 == 0:
                report_progress(context, i, f"正在检查第{number}行（共{total}行）…")
            member = finder.find(number, raw, errors, checked.warnings)
            month = raw.get("month")
            if month is None:  # a no-op when the cell already has a problem (one per cell)
                errors.add(number, month_header, "所属月份不能为空。")
            if raw.get("paid_on") is None:
                errors.add(number, self.header_for("paid_on"), "交纳日期不能为空。")
            amount = raw.get("amount")
            if amount is not None and amount == 0:
                errors.add(number, amount_header, "金额应大于0；没有交纳的月份请不要填在表中。")
            method = Method.CASH.value
            if raw.get("method"):
                method = method_value(raw["method"])
                if method is None:
                    errors.add(
                        number,
                        self.header_for("method"),
                        f"交纳方式“{raw['method']}”无法识别，可填：现金、转账、代缴、其他。",
                    )
            if member is None or number in errors.rows:
                continue
            reason = paying(member)
            if reason:
                errors.add(
                    number,
                    self.header_for("id_number")
                    if raw.get("id_number")
                    else self.header_for("name"),
                    reason,
                )
                continue
            first = seen.setdefault((member.pk, month), number)
            if first != number:
                errors.add(
                    number, month_header, f"与第{first}行是同一名党员、同一月份，请合并为一行。"
                )
                continue
            good.append(
                (
                    number,
                    member,
                    {"month": month, "amount": amount, "paid_on": raw["paid_on"],
                     "method": method, "note": (raw.get("note") or "")[:500]},
                )
            )  # fmt: skip
        report_progress(context, total, "正在按党费台账逐笔核对…")
        amounts = self._dry_run(actor, good, errors, context)
        counts: dict[int, int] = {}
        orgs: dict[int, Organization] = {}
        preview: list[list[str]] = []
        methods = dict(Method.choices)
        for number, member, line in good:
            paid = amounts.get(number)
            if paid is None or number in errors.rows:
                continue
            checked.rows.append(
                {
                    "row": number,
                    "member_id": member.pk,
                    "month": line["month"].isoformat(),
                    "amount": str(paid),
                    "paid_on": line["paid_on"].isoformat(),
                    "method": line["method"],
                    "note": line["note"],
                }
            )
            counts[member.org_id] = counts.get(member.org_id, 0) + 1
            orgs[member.org_id] = member.org
            if len(preview) < PREVIEW_ROWS:
                preview.append(
                    [
                        str(number),
                        member_label(member),
                        month_label(line["month"]),
                        f"{paid:,.2f}" + ("（应交金额）" if line["amount"] is None else ""),
                        f"{line['paid_on']:%Y年%-m月%-d日}",
                        str(methods[line["method"]]),
                        str(member.org),
                    ]
                )
        report_progress(context, total, "检查完成。")
        checked.summary = _summary(counts, orgs)
        total_paid = sum((Decimal(r["amount"]) for r in checked.rows), Decimal(0))
        checked.preview = {
            "title": "交纳记录预览",
            "columns": ["行", "党员", "所属月份", "金额（元）", "交纳日期", "交纳方式", "所在支部"],
            "rows": preview,
            "more": max(0, len(checked.rows) - len(preview)),
            "notes": [f"共{len(checked.rows)}笔，合计{total_paid:,.2f}元。"]
            if checked.rows
            else [],
        }
        return checked

    @staticmethod
    def groups(
        items: list[tuple[int, Member, dict]],
    ) -> dict[tuple, list[tuple[int, Member, dict]]]:
        """record_payment takes one member, one date and one method: rows grouped that way."""
        out: dict[tuple, list] = {}
        for item in items:
            _, member, line = item
            key = (member.pk, line["paid_on"], line["method"], line["note"])
            out.setdefault(key, []).append(item)
        return out

    def _dry_run(self, actor, good, errors: ErrorList, context) -> dict[int, Decimal]:
        """Each member's payments through record_payment itself, rolled back: every check of the
        ledger (补交/预交 window, amount owing, base in force) answers here, and nothing stays."""
        amounts: dict[int, Decimal] = {}
        done = 0
        for group in self.groups(good).values():
            done += len(group)
            if done % 200 < len(group):
                report_progress(context, done, f"正在按党费台账逐笔核对（{done}/{len(good)}）…")
            try:
                paid = self._simulate(actor, group)
            except ValidationError as exc:
                amounts.update(self._locate(actor, group, exc, errors))
                continue
            except Http404:
                for number, _, _ in group:
                    errors.add(number, self.header_for("id_number"), NOT_FOUND_ID)
                continue
            amounts.update(paid)
        return amounts

    @staticmethod
    def _simulate(actor, group) -> dict[int, Decimal]:
        _, member, first = group[0]
        with transaction.atomic():
            entries = record_payment(
                actor=actor,
                member=member,
                lines=[PaymentLine(line["month"], line["amount"]) for _, _, line in group],
                paid_on=first["paid_on"],
                method=first["method"],
                note=first["note"],
            )
            transaction.set_rollback(True)
        return {number: e.amount for (number, _, _), e in zip(group, entries, strict=True)}

    def _locate(self, actor, group, exc: ValidationError, errors: ErrorList) -> dict[int, Decimal]:
        """Which row(s) of a member's group the service refused; the amounts of the others."""
        amounts: dict[int, Decimal] = {}
        found = False
        if len(group) > 1:
            for item in group:
                try:
                    amounts.update(self._simulate(actor, [item]))
                except ValidationError as one:
                    message = one.messages[0]
                    errors.add(item[0], self._column_for(message), message)
                    found = True
                except Http404:
                    errors.add(item[0], self.header_for("id_number"), NOT_FOUND_ID)
                    found = True
        if not found:
            message = exc.messages[0]
            errors.add(group[0][0], self._column_for(message), message)
        return amounts

    def prepare(self, checked: Checked, *, progress, base: int) -> list[dict]:
        return list(checked.rows)

    def commit(self, prepared: list[dict], *, actor, job, progress, base: int) -> dict:
        n = len(prepared)
        t0 = time.monotonic()
        total = Decimal(0)
        with progress.write_phase("正在写入数据库（请稍候：全部成功，或一条也不写入）…"):
            with transaction.atomic():
                members = recheck_members(self, actor, prepared)
                items = [
                    (
                        row["row"],
                        members[row["member_id"]],
                        {"month": iso_date(row["month"]), "amount": row["amount"],
                         "paid_on": iso_date(row["paid_on"]), "method": row["method"],
                         "note": row["note"]},
                    )
                    for row in prepared
                ]  # fmt: skip
                errors = ErrorList()
                done = 0
                for group in self.groups(items).values():
                    _, member, first = group[0]
                    try:
                        entries = record_payment(
                            actor=actor,
                            member=member,
                            lines=[
                                PaymentLine(line["month"], line["amount"]) for _, _, line in group
                            ],
                            paid_on=first["paid_on"],
                            method=first["method"],
                            note=first["note"],
                        )
                    except ValidationError as exc:
                        message = exc.messages[0]
                        errors.add(group[0][0], self._column_for(message), message)
                        continue
                    except Http404 as exc:
                        raise JobFailed(SCOPE_CHANGED) from exc
                    total += sum((e.amount for e in entries), Decimal(0))
                    done += len(group)
                    progress.set(base + done, message=f"正在写入数据库（{done}/{n}笔）…")
                if errors:
                    raise JobFailed(
                        f"检查之后党费台账有了变化，发现{errors.count}处问题，没有导入任何数据。请核对后重新上传。",
                        errors=errors.sorted(self.headers),
                        error_count=errors.count,
                    )
                self.record_import(actor=actor, job=job, rows=n)
        return {
            "message": f"导入成功：已登记{len(members)}名党员的{n}笔党费，合计{total:,.2f}元。",
            "rows": n,
            "org_ids": sorted({m.org_id for m in members.values()})[:200],
            "timings": {"write": time.monotonic() - t0},
        }
