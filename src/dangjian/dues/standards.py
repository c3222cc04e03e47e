"""党费标准: versioned brackets and fixed amounts, and the calculator (RULES.md 1.3–1.6, 1.16).

The built-in version is the 2008 rule (《关于中国共产党党费收缴、使用和管理的规定》, 中组发〔2008〕3号,
in force 2008-04-01). It is not stored: it applies on any day before the first stored version, as
with `core/rulesets.py`. A stored `DuesStandard` holds a complete set of categories.

Categories are JSON, one entry per code:
  {"kind": "brackets", "brackets": [{"upto": "3000", "rate": "0.005"}, …, {"upto": null, "rate": "0.02"}],
   "source": "…"}
  {"kind": "fixed", "amount": "0.2" | null, "source": "…"}
A bracket's `upto` is inclusive; the rate applies to the whole base (not marginal, RULES.md 1.3).
"""

from __future__ import annotations

import copy
import decimal
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from dangjian.dues.models import ROUNDING_MODES, DuesStandard


class Category(models.TextChoices):
    SALARIED = "salaried", _("按月领取工资")
    ANNUAL_SALARY = "annual_salary", _("年薪制")
    SELF_EMPLOYED = "self_employed", _("个体经营")
    RETIRED = "retired", _("离退休")
    FARMER = "farmer", _("农民")
    LOW_INCOME = "low_income", _("学生、下岗失业、依靠抚恤或救济、领取最低生活保障金")


# What the base is, per bracket category, for the page ("月工资 3000元以下（含）：0.5%").
BASE_LABELS = {
    "salaried": "月工资",
    "annual_salary": "当月实际领取的工资",
    "self_employed": "上季度月平均纯收入",
    "retired": "月离退休费",
}

# The official ranges of the fixed amounts (RULES.md 1.6, 第六条); a stored version must lie within.
FIXED_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "farmer": (Decimal("0.2"), Decimal("1")),
    "low_income": (Decimal("0.2"), Decimal("0.2")),
}

BUILTIN_FROM = date(2008, 4, 1)
BUILTIN_NAME = "《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）"
_DOC = "《关于中国共产党党费收缴、使用和管理的规定》"
BUILTIN_SOURCE = (
    f"{_DOC}（中组发〔2008〕3号），2008年4月1日起施行（RULES.md 1.3–1.6）。"
    "舍入方式没有统一规定，为本系统设置，默认按0.01元四舍五入（RULES.md 1.16）。"
)
FARMER_UNSET = "农民党员的党费金额由各省规定，请先在党费标准中设置"

_IN_SERVICE = [
    {"upto": "3000", "rate": "0.005"},
    {"upto": "5000", "rate": "0.01"},
    {"upto": "10000", "rate": "0.015"},
    {"upto": None, "rate": "0.02"},
]
BUILTIN_CATEGORIES: dict[str, dict] = {
    "salaried": {
        "kind": "brackets",
        "brackets": _IN_SERVICE,
        "source": f"{_DOC}第二条（RULES.md 1.3）",
    },
    "annual_salary": {
        "kind": "brackets",
        "brackets": _IN_SERVICE,
        "source": f"{_DOC}第三条：以当月实际领取的工资为基数（RULES.md 1.4）",
    },
    "self_employed": {
        "kind": "brackets",
        "brackets": _IN_SERVICE,
        "source": f"{_DOC}第四条：以上季度月平均纯收入为基数（RULES.md 1.4）",
    },
    "retired": {
        "kind": "brackets",
        "brackets": [{"upto": "5000", "rate": "0.005"}, {"upto": None, "rate": "0.01"}],
        "source": f"{_DOC}第五条（RULES.md 1.5）",
    },
    "farmer": {
        "kind": "fixed",
        "amount": None,
        "source": f"{_DOC}第六条：每月0.2元至1元，具体金额由各省规定（RULES.md 1.6）",
    },
    "low_income": {
        "kind": "fixed",
        "amount": "0.2",
        "source": f"{_DOC}第六条：每月0.2元（RULES.md 1.6）",
    },
}

MODES = {code for code, _label in ROUNDING_MODES}


@dataclass(frozen=True)
class Standard:
    name: str
    effective_from: date
    source: str
    rounding_step: str
    rounding_mode: str
    categories: dict = field(hash=False)
    pk: int | None = None

    @property
    def builtin(self) -> bool:
        return self.pk is None


@dataclass(frozen=True)
class DuesAmount:
    amount: Decimal
    rate: Decimal | None  # None for a fixed amount
    standard: Standard


BUILTIN = Standard(
    name=BUILTIN_NAME,
    effective_from=BUILTIN_FROM,
    source=BUILTIN_SOURCE,
    rounding_step="0.01",
    rounding_mode="ROUND_HALF_UP",
    categories=BUILTIN_CATEGORIES,
)


def _from_row(row: DuesStandard) -> Standard:
    return Standard(
        name=row.name,
        effective_from=row.effective_from,
        source=row.source,
        rounding_step=row.rounding_step,
        rounding_mode=row.rounding_mode,
        categories=row.categories,
        pk=row.pk,
    )


def standard_on(day: date) -> Standard:
    """The standard in force on `day`: the latest stored version from on or before it, else built-in."""
    row = DuesStandard.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    return BUILTIN if row is None else _from_row(row)


def versions() -> list[Standard]:
    """Every version, newest first, the built-in one last."""
    return [_from_row(r) for r in DuesStandard.objects.order_by("-effective_from")] + [BUILTIN]


def _round(value: Decimal, step: str, mode: str) -> Decimal:
    unit = Decimal(step)
    rounded = (value / unit).quantize(Decimal(1), rounding=getattr(decimal, mode)) * unit
    return rounded.quantize(Decimal("0.01"))


def parse_base(raw) -> Decimal:
    """A money amount in 元: not negative, at most two decimals; a Chinese error otherwise."""
    try:
        base = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError("计算基数应为金额数字，例如 3000.00。") from None
    if not base.is_finite():
        raise ValidationError("计算基数应为金额数字，例如 3000.00。")
    if base < 0:
        raise ValidationError("计算基数不能为负数。")
    if base.as_tuple().exponent < -2:
        raise ValidationError("计算基数最多保留两位小数（分）。")
    return base


def amount_for(category: str, base, on: date) -> DuesAmount:
    """The monthly dues of a member of `category` with `base`, under the standard in force `on`."""
    category = getattr(category, "value", category)
    if category not in Category.values:
        raise ValidationError("未知的党员类别。")
    if on < BUILTIN_FROM:
        raise ValidationError("2008年4月1日以前的党费标准不在本系统内，请选择之后的日期。")
    base = parse_base(base)
    standard = standard_on(on)
    entry = standard.categories.get(category) or BUILTIN_CATEGORIES[category]
    if entry["kind"] == "fixed":
        if entry.get("amount") in (None, ""):
            raise ValidationError(
                FARMER_UNSET if category == "farmer" else "该类党员的党费金额尚未设置。"
            )
        return DuesAmount(Decimal(entry["amount"]).quantize(Decimal("0.01")), None, standard)
    rate = None
    for bracket in entry["brackets"]:
        if bracket["upto"] is None or base <= Decimal(bracket["upto"]):
            rate = Decimal(bracket["rate"])
            break
    if rate is None:  # a stored version always ends on an open bracket; guard anyway
        raise ValidationError("党费标准的档次不完整，请检查党费标准。")
    amount = _round(base * rate, standard.rounding_step, standard.rounding_mode)
    return DuesAmount(amount, rate, standard)


# --- display ------------------------------------------------------------------------------------


def _num(value) -> str:
    d = Decimal(str(value))
    text = format(d.normalize(), "f") if d == d.to_integral() else format(d, "f").rstrip("0")
    return text.rstrip(".")


def percent(rate) -> str:
    return f"{_num(Decimal(str(rate)) * 100)}%"


def bracket_rows(code: str, entry: dict) -> list[str]:
    """["月工资 3000元以下（含）：0.5%", "月工资 3000元以上至5000元（含）：1%", …]."""
    label = BASE_LABELS.get(code, "计算基数")
    rows, lower = [], None
    for bracket in entry["brackets"]:
        upto = bracket["upto"]
        if lower is None and upto is not None:
            span = f"{_num(upto)}元以下（含）"
        elif upto is None:
            span = f"{_num(lower)}元以上" if lower is not None else "全部"
        else:
            span = f"{_num(lower)}元以上至{_num(upto)}元（含）"
        rows.append(f"{label} {span}：{percent(bracket['rate'])}")
        lower = upto
    return rows


def rounding_text(standard: Standard) -> str:
    modes = dict(ROUNDING_MODES)
    return f"按{_num(standard.rounding_step)}元{modes.get(standard.rounding_mode, standard.rounding_mode)}"


# --- validation and the write service -------------------------------------------------------------


def _dec(raw, what: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{what}应为数字。") from None
    if not value.is_finite():
        raise ValidationError(f"{what}应为数字。")
    return value


def clean_categories(categories: dict | None) -> dict:
    """Every category, each checked; a category left out keeps the built-in entry."""
    categories = categories or {}
    unknown = set(categories) - set(Category.values)
    if unknown:
        raise ValidationError({"categories": f"未知的党员类别：{'、'.join(sorted(unknown))}。"})
    cleaned, errors = {}, {}
    for code in Category.values:
        builtin = BUILTIN_CATEGORIES[code]
        label = str(Category(code).label)
        entry = categories.get(code)
        if entry is None:
            cleaned[code] = copy.deepcopy(builtin)
            continue
        try:
            cleaned[code] = _clean_entry(code, label, builtin, entry)
        except ValidationError as exc:
            errors[code] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_entry(code: str, label: str, builtin: dict, entry: dict) -> dict:
    source = str(entry.get("source") or builtin["source"]).strip()
    if builtin["kind"] == "fixed":
        raw = entry.get("amount")
        if raw in (None, ""):
            if code == "farmer":
                return {"kind": "fixed", "amount": None, "source": source}
            raise ValidationError(f"请填写“{label}”的党费金额。")
        amount = _dec(raw, f"“{label}”的党费金额")
        low, high = FIXED_RANGES[code]
        if not low <= amount <= high:
            span = f"{_num(low)}元" if low == high else f"{_num(low)}元至{_num(high)}元"
            raise ValidationError(f"“{label}”的党费金额应为每月{span}（第六条）。")
        return {"kind": "fixed", "amount": _num(amount), "source": source}
    brackets = entry.get("brackets") or []
    if not brackets:
        raise ValidationError(f"请填写“{label}”的党费档次。")
    out, previous = [], None
    for i, bracket in enumerate(brackets):
        last = i == len(brackets) - 1
        upto = bracket.get("upto")
        if last:
            if upto not in (None, ""):
                raise ValidationError(f"“{label}”的最后一档应不设上限。")
            upto_value = None
        else:
            if upto in (None, ""):
                raise ValidationError(f"“{label}”只有最后一档可以不设上限。")
            upto_value = _dec(upto, f"“{label}”的档次上限")
            if upto_value <= 0 or (previous is not None and upto_value <= previous):
                raise ValidationError(f"“{label}”的档次上限应从小到大排列。")
            previous = upto_value
        rate = _dec(bracket.get("rate"), f"“{label}”的比例")
        if not Decimal(0) <= rate <= Decimal(1):
            raise ValidationError(f"“{label}”的比例应在0%至100%之间。")
        out.append({"upto": None if upto_value is None else _num(upto_value), "rate": _num(rate)})
    return {"kind": "brackets", "brackets": out, "source": source}


@transaction.atomic
def add_standard(
    *,
    actor,
    name: str,
    effective_from: date,
    categories: dict | None,
    rounding_step: str = "0.01",
    rounding_mode: str = "ROUND_HALF_UP",
    source: str = "",
) -> DuesStandard:
    """A new version of the dues standard. Only roles with `add` on rule sets; audited by auditlog."""
    from dangjian.accounts.roles import RULESET
    from dangjian.core.scope import has_any

    if not has_any(actor, "add", RULESET):
        raise ValidationError("您没有维护党费标准的权限。")
    errors: dict = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写版本名称，例如文件名称和文号。"
    if effective_from is None:
        errors["effective_from"] = "请填写生效日期。"
    elif effective_from <= BUILTIN_FROM:
        errors["effective_from"] = "生效日期应晚于内置版本的生效日期（2008年4月1日）。"
    elif DuesStandard.objects.filter(effective_from=effective_from).exists():
        errors["effective_from"] = "该日期已有一个党费标准版本，请换一个生效日期。"
    step_text = str(rounding_step or "").strip()
    try:
        step = Decimal(step_text)
        if not step.is_finite() or step <= 0 or step.as_tuple().exponent < -2:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["rounding_step"] = "舍入单位应为大于0的金额，最小0.01元，例如 0.01 或 0.1。"
    if rounding_mode not in MODES:
        errors["rounding_mode"] = "未知的舍入方式。"
    try:
        cleaned = clean_categories(categories)
    except ValidationError as exc:
        errors.update(
            exc.message_dict if hasattr(exc, "error_dict") else {"categories": exc.messages}
        )
    if errors:
        raise ValidationError(errors)
    return DuesStandard.objects.create(
        name=name,
        effective_from=effective_from,
        source=(source or "").strip(),
        rounding_step=step_text,
        rounding_mode=rounding_mode,
        categories=cleaned,
        created_by=actor,
    )
