"""党费标准 versions (RULES.md 1.3–1.6, 1.16). The built-in version lives in `standards.py`."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import DUES, RULESET

ROUNDING_MODES = (
    ("ROUND_HALF_UP", _("四舍五入")),
    ("ROUND_HALF_EVEN", _("四舍六入五成双")),
    ("ROUND_UP", _("进位")),
    ("ROUND_DOWN", _("舍去")),
)


class DuesStandard(models.Model):
    """One version of the dues standard, in force from `effective_from` until the next one."""

    resource = RULESET  # rule data is a rule set: the same roles view and add it

    name = models.CharField(_("版本名称"), max_length=200)
    effective_from = models.DateField(_("生效日期"), unique=True)
    source = models.TextField(_("依据"), blank=True)
    # RULES.md 1.16: no source fixes the rounding, so it is a setting of each version.
    rounding_step = models.CharField(_("舍入单位（元）"), max_length=10, default="0.01")
    rounding_mode = models.CharField(
        _("舍入方式"), max_length=20, choices=ROUNDING_MODES, default="ROUND_HALF_UP"
    )
    categories = models.JSONField(_("各类党员的标准"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党费标准")
        verbose_name_plural = _("党费标准")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from:%Y-%m-%d}起）"


# --- the member side: bases, the monthly ledger, its journal, hardship relief ----------------------


class Method(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("转账")
    PROXY = "proxy", _("代缴")
    OTHER = "other", _("其他")


class BaseSource(models.TextChoices):
    MANUAL = "manual", _("逐人核定")
    IMPORT = "import", _("工资表导入")
    REPRICE = "reprice", _("按新标准重算")


class DuesBase(models.Model):
    """A member's category, monthly base and amount from `from_month` on (RULES.md 1.9, 1.14).

    Never edited: a new base is a new row; the one in force for a month is the latest row whose
    `from_month` is on or before it. The amount is fixed when the base is set, under the standard in
    force in `from_month`, so the month close only copies it (RULES.md 1.14: fixed for the year).
    """

    resource = DUES
    scope_path_field = "member__org_path"

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="dues_bases"
    )
    category = models.CharField(_("交纳类别"), max_length=20)
    base = models.DecimalField(
        _("计算基数（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(_("每月应交（元）"), max_digits=10, decimal_places=2)
    rate = models.DecimalField(_("比例"), max_digits=6, decimal_places=4, null=True, blank=True)
    standard_name = models.CharField(_("党费标准"), max_length=200)
    from_month = models.DateField(_("起始月份"))
    source = models.CharField(
        _("来源"), max_length=10, choices=BaseSource.choices, default=BaseSource.MANUAL
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党费基数")
        verbose_name_plural = _("党费基数")
        indexes = [
            models.Index(fields=["member", "from_month", "id"], name="dues_base_member_month")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.from_month:%Y-%m}起 {self.amount}元"


class ReliefState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class DuesRelief(models.Model):
    """困难党员少交或免交 (RULES.md 1.7): the branch proposes, the 上一级党委 approves."""

    resource = DUES
    scope_path_field = ("org_path", "member__org_path")

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="dues_reliefs"
    )
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    from_month = models.DateField(_("起始月份"))
    to_month = models.DateField(_("截止月份"))
    amount = models.DecimalField(
        _("每月交纳（元，0为免交）"), max_digits=10, decimal_places=2, default=0
    )
    reason = models.TextField(_("困难情况及支部研究意见"))
    state = models.CharField(
        _("状态"), max_length=10, choices=ReliefState.choices, default=ReliefState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("党费减免")
        verbose_name_plural = _("党费减免")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"党费减免 {self.member_id} {self.from_month:%Y-%m}至{self.to_month:%Y-%m}"


class DuesMonth(models.Model):
    """One member, one month: what was due and what has been paid (the 党费收缴台账 row).

    Posted by the month close (set-based) or early by a prepayment. `assessed` is the amount posted
    and never changes; `due` and `paid` are sums kept by the services from the append-only journal
    (`DuesEntry`) in the same transaction, so the page and the reports read one row.
    """

    resource = DUES
    scope_path_field = ("org_path", "member__org_path")

    # No database foreign-key constraints here, and no index beyond the unique (member, month) and
    # (org, month): every reference points at rows that are never deleted (members and
    # organisations are archived, not removed), the month close is the main writer and copies them
    # from those very rows, and a deferred constraint check per posted row doubled the close
    # (bench/bench_dues.py: 1,000,000 members, plain insert 24 s → 12 s, close 34.5 s → 25.3 s).
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.DO_NOTHING,
        related_name="dues_months",
        db_index=False,
        db_constraint=False,
    )
    month = models.DateField(_("月份"))
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    org_path = models.CharField(max_length=255, editable=False)
    category = models.CharField(_("交纳类别"), max_length=20)
    base = models.DecimalField(_("计算基数"), max_digits=12, decimal_places=2, null=True)
    assessed = models.DecimalField(_("核定应交"), max_digits=10, decimal_places=2)
    due = models.DecimalField(_("应交"), max_digits=10, decimal_places=2)
    paid = models.DecimalField(_("实交"), max_digits=10, decimal_places=2, default=0)
    paid_on = models.DateField(_("交纳日期"), null=True)
    method = models.CharField(_("交纳方式"), max_length=10, choices=Method.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    relief = models.ForeignKey(
        DuesRelief,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    base_row = models.ForeignKey(
        DuesBase,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    posted_at = models.DateTimeField(_("入账时间"))

    class Meta:
        verbose_name = _("党费月台账")
        verbose_name_plural = _("党费月台账")
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_month_once"),
        ]
        indexes = [
            models.Index(fields=["org", "month"], name="dues_month_org"),
            models.Index(fields=["month", "org_path"], name="dues_month_path"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%Y-%m} 应交{self.due} 实交{self.paid}"

    @property
    def owing(self):
        return max(self.due - self.paid, 0)


class EntryKind(models.TextChoices):
    PAYMENT = "payment", _("交纳")
    VOLUNTARY = "voluntary", _("自愿多交")
    DUE_ADJUST = "due_adjust", _("应交更正")


class DuesEntry(models.Model):
    """The append-only journal behind `DuesMonth`: payments, voluntary payments, due corrections.

    A mistaken entry is never edited: a correction is a new entry with the opposite amount that
    names the old one in `corrects` (at most once), followed by the right entry if there is one.
    """

    resource = DUES
    scope_path_field = ("org_path", "member__org_path")

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="dues_entries"
    )
    month = models.DateField(_("所属月份"))
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField(_("类型"), max_length=12, choices=EntryKind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("交纳日期"), null=True, blank=True)
    method = models.CharField(_("交纳方式"), max_length=10, choices=Method.choices, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    # RULES.md 1.10: a single voluntary payment at or above the threshold goes wholly to the Centre.
    to_centre = models.BooleanField(_("全额上缴中央"), default=False)
    batch = models.CharField(max_length=36, blank=True, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党费收缴记录")
        verbose_name_plural = _("党费收缴记录")
        ordering = ["month", "id"]
        indexes = [models.Index(fields=["member", "month"], name="dues_entry_member_month")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.member_id} {self.month:%Y-%m} {self.amount}元"


class DuesOrgMonth(models.Model):
    """Per organisation and month: the sums of its `DuesMonth` rows, rebuilt whenever they change.

    Reports over a subtree and a year read these (one row per organisation per month), not the
    member rows; every figure still drills down to the members behind it.
    """

    resource = DUES
    scope_path_field = "org_path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    month = models.DateField(_("月份"))
    members = models.IntegerField(_("应交人数"), default=0)
    due = models.DecimalField(_("应交"), max_digits=14, decimal_places=2, default=0)
    paid = models.DecimalField(_("实交"), max_digits=14, decimal_places=2, default=0)
    unpaid = models.IntegerField(_("未交足人数"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "month"], name="dues_org_month_once"),
        ]
        indexes = [models.Index(fields=["month", "org_path"], name="dues_org_month_path")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m}"
