"""Forms of the branch-facing dues pages. They only collect input; the services decide and check.

Amounts are taken as text and handed to the services unchanged, so a wrong amount gets the
service's own Chinese message (and nothing is written).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import ChineseForm
from dangjian.dues.models import Method
from dangjian.dues.services import parse_month
from dangjian.dues.standards import Category

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_MONEY = {"inputmode": "decimal", "autocomplete": "off", "class": "money"}


def _today() -> date:
    return timezone.localdate()


def as_decimal(raw) -> Decimal | None:
    """The amount typed, or None when it is not a number (the service then explains why)."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


class MonthField(forms.CharField):
    """A month typed as "2026-05" (the browser's month picker) or "2026年5月"; the first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-05"})

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_month(value)
        except ValidationError:
            raise ValidationError(_("月份格式应为“2026-05”或“2026年5月”。")) from None

    def prepare_value(self, value):
        if isinstance(value, date):
            return f"{value.year:04d}-{value.month:02d}"
        return value


class PaidOnMethodMixin(forms.Form):
    paid_on = forms.DateField(label=_("交纳日期"), widget=_DATE, initial=_today)
    method = forms.ChoiceField(label=_("交纳方式"), choices=Method.choices, initial=Method.CASH)


class BranchMonthForm(PaidOnMethodMixin, ChineseForm):
    """The month sheet: everyone owing pays in full unless unticked (未交) or given another amount.

    One checkbox ``pay_<member id>`` (ticked by default) and one amount box ``amount_<member id>``
    (defaulting to what is still owing) per member row that still owes something.
    """

    def __init__(self, *args, rows=(), ticked=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = [r for r in rows if r.paid < r.due]
        for row in self.rows:
            self.fields[f"pay_{row.member_id}"] = forms.BooleanField(
                required=False,
                initial=ticked,
                label=row.member.name,
                widget=forms.CheckboxInput(
                    attrs={"aria-label": _("%(name)s收到") % {"name": row.member.name}}
                ),
            )
            self.fields[f"amount_{row.member_id}"] = forms.CharField(
                required=False,
                initial=str(row.due - row.paid),
                max_length=20,
                label=_("本次交纳（元）"),
                widget=forms.TextInput(attrs=_MONEY),
            )

    def pay_field(self, row):
        return self[f"pay_{row.member_id}"]

    def amount_field(self, row):
        return self[f"amount_{row.member_id}"]

    def exceptions(self) -> dict[int, str]:
        """member id → the amount paid, for the members not paying exactly what they owe."""
        out: dict[int, str] = {}
        for row in self.rows:
            if not self.cleaned_data.get(f"pay_{row.member_id}"):
                out[row.member_id] = "0"
                continue
            raw = (self.cleaned_data.get(f"amount_{row.member_id}") or "").strip()
            if raw == "":
                continue
            value = as_decimal(raw)
            if value is None or value != row.due - row.paid:
                out[row.member_id] = raw
        return out


class CloseForm(ChineseForm):
    org = forms.ModelChoiceField(label=_("党组织"), queryset=None, empty_label=_("请选择党组织"))
    month = MonthField(label=_("月份"))

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs
        top = min((o.depth for o in orgs), default=1)
        # indent by depth so the tree shows in the list ("\u3000" is a full-width space)
        self.fields["org"].label_from_instance = lambda o: "\u3000" * (o.depth - top) + o.name


class BaseForm(ChineseForm):
    category = forms.ChoiceField(
        label=_("交纳类别"), choices=[("", _("请选择交纳类别"))] + list(Category.choices)
    )
    base = forms.CharField(
        label=_("计算基数（元/月）"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs=_MONEY),
        help_text=_(
            "按月领取工资的填税后的月工资（不含住房公积金、通讯交通等改革性补贴）；"
            "离退休的填月离退休费；农民、学生等固定金额的类别可不填。"
        ),
    )
    from_month = MonthField(label=_("起始月份"), help_text=_("从发放新工资的当月起按新基数交纳。"))
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class PayForm(PaidOnMethodMixin, ChineseForm):
    """One member pays for several months: a checkbox and an amount per offered month."""

    note = forms.CharField(label=_("说明"), required=False, max_length=500)

    def __init__(self, *args, offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = list(offers)
        for offer in self.offers:
            key = offer.key
            self.fields[f"m_{key}"] = forms.BooleanField(
                required=False, initial=offer.ticked, label=offer.label
            )
            self.fields[f"a_{key}"] = forms.CharField(
                required=False,
                initial="" if offer.amount is None else str(offer.amount),
                max_length=20,
                label=_("金额（元）"),
                widget=forms.TextInput(attrs=_MONEY),
            )

    def month_field(self, offer):
        return self[f"m_{offer.key}"]

    def amount_field(self, offer):
        return self[f"a_{offer.key}"]

    def chosen(self) -> list[tuple[date, str | None]]:
        """(month, amount or None for "what is owing") for each ticked month, oldest first."""
        out = []
        for offer in self.offers:
            if not self.cleaned_data.get(f"m_{offer.key}"):
                continue
            raw = (self.cleaned_data.get(f"a_{offer.key}") or "").strip()
            same = offer.amount is not None and as_decimal(raw) == offer.amount
            out.append((offer.month, None if raw == "" or same else raw))
        return out


class VoluntaryForm(PaidOnMethodMixin, ChineseForm):
    amount = forms.CharField(
        label=_("自愿多交金额（元）"), max_length=20, widget=forms.TextInput(attrs=_MONEY)
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=500)

    field_order = ["amount", "paid_on", "method", "note"]


class CorrectForm(ChineseForm):
    reason = forms.CharField(
        label=_("更正原因"), max_length=400, widget=forms.Textarea(attrs={"rows": 2})
    )
    amount = forms.CharField(
        label=_("正确的金额（元）"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs=_MONEY),
        help_text=_(
            "不填：只冲销这条记录（例如登记错了人或月份）；填写：冲销后按正确金额重新登记。"
        ),
    )
    paid_on = forms.DateField(
        label=_("正确的交纳日期"),
        required=False,
        widget=_DATE,
        help_text=_("不填则沿用原记录的日期。"),
    )
    method = forms.ChoiceField(
        label=_("正确的交纳方式"),
        required=False,
        choices=[("", _("沿用原记录"))] + list(Method.choices),
    )


class AdjustForm(ChineseForm):
    due = forms.CharField(
        label=_("更正后的应交金额（元）"), max_length=20, widget=forms.TextInput(attrs=_MONEY)
    )
    reason = forms.CharField(
        label=_("更正原因"), max_length=400, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReliefForm(ChineseForm):
    from_month = MonthField(label=_("起始月份"))
    to_month = MonthField(label=_("截止月份"))
    amount = forms.CharField(
        label=_("减免期间每月交纳（元）"),
        required=False,
        initial="0",
        max_length=20,
        widget=forms.TextInput(attrs=_MONEY),
        help_text=_("填0为免交。"),
    )
    reason = forms.CharField(
        label=_("困难情况及支部研究意见"), widget=forms.Textarea(attrs={"rows": 4})
    )


class DecideForm(ChineseForm):
    decision = forms.ChoiceField(
        label=_("审批结果"),
        choices=[("approve", _("批准")), ("reject", _("不批准"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("审批意见"), required=False, max_length=500)
