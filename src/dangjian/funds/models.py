"""The funds ledger (经费账目): one append-only table for every kind of money an organisation holds.

党费 is the first fund (RULES.md 1.14 remittance, 1.15 uses); the 党建经费 module adds its sources
(财政专项, a share of the county 党建经费, 党费 allocations, other income) and budgets as further
`fund` and `kind` values of the same entries — no new table. What an organisation holds is never
typed: it is derived from these entries (and, for dues, from the dues ledger's collections).

An entry is never edited or deleted. A mistake is corrected by a reversing entry that names it in
`corrects` (the same kind with the opposite amount, so every sum nets it out), optionally followed
by the right entry, which names the original in `replaces`. The two sides of a remittance or an
allocation share one `batch` and are corrected together.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import DUES


class Fund(models.TextChoices):
    """资金性质 — the sources of the 党建经费 (the article's 经费 paragraph): 财政专项 (the county
    budget's annual allocation), a share of the county 党建经费 at a set percentage, 党费 (dues,
    including the 党费 allocations from the 组织部) and other income. Each is its own balance."""

    DUES = "dues", _("党费")
    BUDGET = "budget", _("财政专项")
    PARTY_BUILDING = "party_building", _("党建工作经费")
    OTHER = "other", _("其他资金")


class Direction(models.TextChoices):
    INCOME = "income", _("收入")
    EXPENSE = "expense", _("支出")


class Kind(models.TextChoices):
    REMIT_OUT = "remit_out", _("上缴")
    REMIT_IN = "remit_in", _("收到下级上缴")
    ALLOCATION_IN = "allocation_in", _("上级下拨")
    ALLOCATION_OUT = "allocation_out", _("下拨下级")
    EXPENSE = "expense", _("支出")
    INCOME = "income", _("其他收入")
    # 拨入经费: money for the non-dues funds (财政专项, the county 党建经费 share, other income)
    FUNDING = "funding", _("经费拨入")


KIND_DIRECTION = {
    Kind.REMIT_OUT: Direction.EXPENSE,
    Kind.REMIT_IN: Direction.INCOME,
    Kind.ALLOCATION_IN: Direction.INCOME,
    Kind.ALLOCATION_OUT: Direction.EXPENSE,
    Kind.EXPENSE: Direction.EXPENSE,
    Kind.INCOME: Direction.INCOME,
    Kind.FUNDING: Direction.INCOME,
}


class Purpose(models.TextChoices):
    """用途. The first six are the uses of 党费 the regulation permits (第十八条; RULES.md 1.15);
    the others are for the other funds only."""

    TRAINING = "training", _("培训党员")
    EDUCATION_MATERIALS = (
        "education_materials",
        _("订阅或购买用于开展党员教育的报刊、资料、音像制品和设备"),
    )
    COMMENDATION = "commendation", _("表彰先进基层党组织、优秀共产党员和优秀党务工作者")
    HARDSHIP = "hardship", _("补助生活困难的党员")
    DISASTER = "disaster", _("党员受到严重自然灾害或其他突发事件造成较大损失时的补助")
    FACILITIES = "facilities", _("修缮党员教育设施")
    ACTIVITIES = "activities", _("开展党建活动")
    OFFICE = "office", _("办公及其他")


DUES_PURPOSES = (
    Purpose.TRAINING,
    Purpose.EDUCATION_MATERIALS,
    Purpose.COMMENDATION,
    Purpose.HARDSHIP,
    Purpose.DISASTER,
    Purpose.FACILITIES,
)
# The other sources carry no national list of uses: they serve 党建工作 generally (the article: the
# 工委 "统管用于全县性机关党建工作经费"), so every purpose is open to them; only 党费 is limited.
FUND_PURPOSES = {
    Fund.DUES: DUES_PURPOSES,
    Fund.BUDGET: tuple(Purpose),
    Fund.PARTY_BUILDING: tuple(Purpose),
    Fund.OTHER: tuple(Purpose),
}
# The article (the seed's report on 三明 agency Party building, 宁化县 "三、经费的落实"): local practice.
COUNTY_SHARE_SOURCE = (
    "本地做法，可设置：宁化县委常委会研究确定，由工委统管的机关党建工作经费"
    "“从全县党建经费中，按20%比例划拨”"
)
DUES_USES_SOURCE = (
    "《关于中国共产党党费收缴、使用和管理的规定》第十七至二十一条：党费主要用于党员教育、"
    "表彰、补助生活困难党员和受灾党员、修缮党员教育设施；量入为出，使用须经集体讨论"
    "（RULES.md 1.15）"
)


def _document_path(instance, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    return f"funds/{instance.org_id}/{uuid.uuid4().hex}{suffix}"


class FundEntry(models.Model):
    """One entry of an organisation's funds ledger (经费账目)."""

    resource = DUES  # the 党建经费 module may give its funds a resource of their own
    scope_path_field = "org_path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="fund_entries",
        verbose_name=_("党组织"),
    )
    org_path = models.CharField(max_length=255, editable=False)
    fund = models.CharField(_("资金性质"), max_length=20, choices=Fund.choices, default=Fund.DUES)
    direction = models.CharField(_("收支"), max_length=10, choices=Direction.choices)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    # > 0; only a reversing entry (with `corrects`) is negative — see the constraint below.
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    occurred_on = models.DateField(_("发生日期"))
    counterparty = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("对方党组织"),
    )
    counterparty_name = models.CharField(_("对方"), max_length=200, blank=True)
    # RULES.md 1.10: a voluntary payment of 1000 元 or more goes wholly to the Centre; passing it up
    # is kept apart from the organisation's own dues.
    centre_voluntary = models.BooleanField(_("代转中央的自愿多交党费"), default=False)
    period_start = models.DateField(_("所属期间起"), null=True, blank=True)
    period_end = models.DateField(_("所属期间止"), null=True, blank=True)
    purpose = models.CharField(_("用途"), max_length=30, choices=Purpose.choices, blank=True)
    # 集体讨论 (RULES.md 1.15): required for every use of 党费.
    decision_body = models.CharField(_("集体讨论的会议"), max_length=100, blank=True)
    decision_on = models.DateField(_("集体讨论日期"), null=True, blank=True)
    decision_summary = models.TextField(_("集体讨论意见"), blank=True)
    document = models.FileField(_("凭证材料"), upload_to=_document_path, blank=True)
    document_name = models.CharField(_("凭证文件名"), max_length=200, blank=True)
    document_size = models.PositiveIntegerField(_("凭证大小"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    note = models.CharField(_("摘要"), max_length=500, blank=True)
    # 凭证号或文号 (a budget allocation's 文件, an invoice number …)
    document_no = models.CharField(_("凭证号或文号"), max_length=100, blank=True)
    # A share of the county 党建经费: the base it was computed from and the percentage in force;
    # `amount` = base × percent ÷ 100 (to 0.01 元, half up). Both kept, so the figure can be checked.
    base_amount = models.DecimalField(
        _("计提基数（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    percent = models.DecimalField(
        _("划拨比例（%）"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    batch = models.CharField(max_length=36, blank=True, db_index=True)
    corrects = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
        verbose_name=_("冲销的记录"),
    )
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("替代的记录"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("经费账目")
        verbose_name_plural = _("经费账目")
        ordering = ["occurred_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, corrects__isnull=True)
                | Q(amount__lt=0, corrects__isnull=False),
                name="fund_entry_amount_sign",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "fund", "occurred_on"], name="fund_entry_org"),
            models.Index(fields=["org_path", "fund"], name="fund_entry_path"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on:%Y-%m-%d} {self.amount}元"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}

    @property
    def is_reversal(self) -> bool:
        return self.corrects_id is not None

    @property
    def counterparty_label(self) -> str:
        return self.counterparty_name or (str(self.counterparty) if self.counterparty_id else "")


class BudgetLine(models.Model):
    """年度预算 of one organisation for one fund and purpose. A budget is planned, so it is the
    one figure that is typed; the actual beside it is always derived from the ledger. Changing a
    budget writes a new line; the latest line of (org, year, fund, purpose) is the budget in force
    and the earlier ones stay as its history."""

    resource = DUES
    scope_path_field = "org_path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="budget_lines",
        verbose_name=_("党组织"),
    )
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveIntegerField(_("年度"))
    fund = models.CharField(_("资金性质"), max_length=20, choices=Fund.choices)
    purpose = models.CharField(_("用途"), max_length=30, choices=Purpose.choices)
    amount = models.DecimalField(_("预算金额（元）"), max_digits=14, decimal_places=2)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("年度预算")
        verbose_name_plural = _("年度预算")
        ordering = ["org", "year", "fund", "purpose", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_amount"),
        ]
        indexes = [models.Index(fields=["org", "year"], name="budget_line_org_year")]

    def __str__(self) -> str:
        return (
            f"{self.year}年 {self.get_fund_display()} {self.get_purpose_display()} {self.amount}元"
        )

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}
