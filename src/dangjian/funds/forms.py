"""Field shapes only; the rules live in funds.services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.models import Grant, User
from dangjian.core.forms import ChineseForm
from dangjian.funds.models import Fund, Kind, Purpose
from dangjian.orgs.models import Organization, OrgType

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CENTRE = "centre"


def year_choices(today=None) -> list[tuple[int, str]]:
    year = (today or timezone.localdate()).year
    return [(y, _("%(y)s年") % {"y": y}) for y in range(year, year - 6, -1)]


def remit_target_choices(org: Organization) -> list[tuple[str, str]]:
    """The organisations above `org` in our tree (not the county committee), nearest first; the
    work committee remits to the Centre (RULES.md 1.14)."""
    choices = [
        (str(o.pk), o.name)
        for o in Organization.objects.get_ancestors(org).order_by("-depth")
        if o.org_type != OrgType.COUNTY_COMMITTEE
    ]
    if org.org_type in (OrgType.WORK_COMMITTEE, OrgType.COUNTY_COMMITTEE):
        choices.append((CENTRE, _("党中央")))
    return choices


class RemitForm(ChineseForm):
    # chosen on the page first (the suggestion depends on them), then carried along
    to = forms.ChoiceField(label=_("上缴给"), widget=forms.HiddenInput)
    period_year = forms.TypedChoiceField(label=_("所属年度"), coerce=int, widget=forms.HiddenInput)
    amount = forms.DecimalField(
        label=_("上缴金额（元）"),
        min_value=0,
        decimal_places=2,
        max_digits=14,
        help_text=_("已按规定比例算出建议金额，可按实际上缴金额修改。"),
    )
    centre_amount = forms.DecimalField(
        label=_("代转中央的自愿多交党费（元）"),
        min_value=0,
        decimal_places=2,
        max_digits=14,
        required=False,
        help_text=_("一次自愿多交达到规定数额的党费全额上缴中央，与本级党费分开代转。"),
    )
    occurred_on = forms.DateField(label=_("上缴日期"), widget=_DATE)
    note = forms.CharField(
        label=_("摘要"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = remit_target_choices(org)
        self.fields["period_year"].choices = year_choices()
        self.fields["occurred_on"].initial = timezone.localdate()


def approver_choices(org: Organization):
    """People holding a grant at the organisation or above it: those who can approve its spending."""
    prefixes = [org.path[:i] for i in range(Organization.steplen, len(org.path) + 1, 4)]
    ids = Grant.objects.filter(org__path__in=prefixes).exclude(
        role__in=("member", "system_admin", "auditor")
    )
    return User.objects.filter(pk__in=ids.values("user_id"), is_active=True).order_by("username")


class ApproverChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name or obj.username


class ExpenseForm(ChineseForm):
    fund = forms.ChoiceField(label=_("资金性质"), choices=Fund.choices)
    purpose = forms.ChoiceField(
        label=_("用途"),
        choices=[("", _("请选择用途"))] + [(p, Purpose(p).label) for p in Purpose.values],
        help_text=_(
            "党费只能用于规定的用途（《关于中国共产党党费收缴、使用和管理的规定》第十八条）；"
            "财政专项、党建工作经费和其他资金可用于各项党建工作。"
        ),
    )
    amount = forms.DecimalField(
        label=_("支出金额（元）"), min_value=0, decimal_places=2, max_digits=14
    )
    occurred_on = forms.DateField(label=_("支出日期"), widget=_DATE)
    counterparty_name = forms.CharField(label=_("收款单位或个人"), max_length=200, required=False)
    decision_body = forms.CharField(
        label=_("集体讨论的会议"),
        max_length=100,
        required=False,
        help_text=_("例如：党委会、支委会、支部党员大会。党费的使用须经集体讨论决定。"),
    )
    decision_on = forms.DateField(label=_("集体讨论日期"), widget=_DATE, required=False)
    decision_summary = forms.CharField(
        label=_("集体讨论意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    document_no = forms.CharField(label=_("凭证号或文号"), max_length=100, required=False)
    approved_by = ApproverChoice(
        label=_("审批人"), queryset=User.objects.none(), required=False, empty_label=_("（不指定）")
    )
    document = forms.FileField(
        label=_("凭证材料"),
        required=False,
        help_text=_("会议记录、发票或清单（PDF、图片、Word、Excel、OFD，10MB以内）。"),
    )
    note = forms.CharField(
        label=_("摘要"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approved_by"].queryset = approver_choices(org)
        self.fields["occurred_on"].initial = timezone.localdate()


class CorrectForm(ChineseForm):
    reason = forms.CharField(
        label=_("更正原因"), max_length=400, widget=forms.Textarea(attrs={"rows": 2})
    )
    amount = forms.DecimalField(
        label=_("正确金额（元）"),
        min_value=0,
        decimal_places=2,
        max_digits=14,
        required=False,
        help_text=_("留空表示只冲销原记录；填写则在冲销后按正确金额重新登记。"),
    )
    occurred_on = forms.DateField(
        label=_("正确的发生日期"), widget=_DATE, required=False, help_text=_("留空沿用原日期。")
    )


class LedgerFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False, empty_value=None)
    fund = forms.ChoiceField(label=_("资金性质"), required=False)
    kind = forms.ChoiceField(label=_("类型"), required=False)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("全部年度"))] + [
            (y, _("%(y)s年") % {"y": y}) for y in years
        ]
        self.fields["fund"].choices = [("", _("全部"))] + list(Fund.choices)
        self.fields["kind"].choices = [("", _("全部"))] + list(Kind.choices)


class IncomeForm(ChineseForm):
    """经费拨入: 财政专项, the county 党建经费 share (computed from its base) or other income."""

    fund = forms.ChoiceField(
        label=_("经费来源"),
        choices=[
            (Fund.BUDGET, _("财政专项（县财政预算每年拨付）")),
            (Fund.PARTY_BUILDING, _("党建工作经费（从全县党建经费中按比例划拨）")),
            (Fund.OTHER, _("其他收入")),
        ],
    )
    amount = forms.DecimalField(
        label=_("到账金额（元）"),
        min_value=0,
        decimal_places=2,
        max_digits=14,
        required=False,
        help_text=_("财政专项和其他收入填写到账金额。"),
    )
    base_amount = forms.DecimalField(
        label=_("全县党建经费总额（元）"),
        min_value=0,
        decimal_places=2,
        max_digits=14,
        required=False,
        help_text=_("按比例划拨时填写：系统按规定比例算出划拨金额，基数和比例一并记录。"),
    )
    occurred_on = forms.DateField(label=_("到账日期"), widget=_DATE)
    period_year = forms.TypedChoiceField(label=_("所属年度"), coerce=int, required=False)
    counterparty_name = forms.CharField(label=_("拨款单位或来源"), max_length=200)
    document_no = forms.CharField(label=_("凭证号或文号"), max_length=100, required=False)
    approved_by = ApproverChoice(
        label=_("审批人"), queryset=User.objects.none(), required=False, empty_label=_("（不指定）")
    )
    document = forms.FileField(
        label=_("凭证材料"),
        required=False,
        help_text=_("拨款文件、到账通知（PDF、图片、Word、Excel、OFD，10MB以内）。"),
    )
    note = forms.CharField(
        label=_("摘要"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approved_by"].queryset = approver_choices(org)
        self.fields["occurred_on"].initial = timezone.localdate()
        self.fields["period_year"].choices = [("", _("（不指定）"))] + year_choices()
        self.fields["period_year"].initial = timezone.localdate().year

    def clean(self):
        data = super().clean()
        fund = data.get("fund")
        if fund == Fund.PARTY_BUILDING and data.get("base_amount") in (None, ""):
            self.add_error("base_amount", _("按比例划拨时请填写全县党建经费总额。"))
        if fund in (Fund.BUDGET, Fund.OTHER) and data.get("amount") in (None, ""):
            self.add_error("amount", _("请填写到账金额。"))
        return data


class BudgetForm(ChineseForm):
    fund = forms.ChoiceField(label=_("资金性质"), choices=Fund.choices)
    purpose = forms.ChoiceField(
        label=_("用途"), choices=[("", _("请选择用途"))] + list(Purpose.choices)
    )
    amount = forms.DecimalField(
        label=_("预算金额（元）"), min_value=0, decimal_places=2, max_digits=14
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False)
