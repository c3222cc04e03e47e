"""组织关系接转 (transfers with their three-part letter) and 流动党员 (floating members).

A transfer sits between two organisations and is in the scope of either end (from_path, to_path);
the outside end of a transfer that leaves or enters our tree has a blank path and a name instead.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import TRANSFER


class TransferKind(models.TextChoices):
    WITHIN = "within", _("系统内转接")
    OUT = "out", _("转出")
    IN = "in", _("转入")


class TransferState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已开具")
    REPORTED = "reported", _("已报到")
    RECEIPT_RETURNED = "receipt_returned", _("回执已返回")
    COMPLETED = "completed", _("完成")
    EXPIRED = "expired", _("过期")
    RETURNED = "returned", _("退回")
    CANCELLED = "cancelled", _("撤销")


OPEN_STATES = (
    TransferState.DRAFT,
    TransferState.ISSUED,
    TransferState.REPORTED,
    TransferState.RECEIPT_RETURNED,
)
CLOSED_STATES = (TransferState.EXPIRED, TransferState.RETURNED, TransferState.CANCELLED)


class Transfer(models.Model):
    """One transfer of a member's organisational relation, with its letter (介绍信)."""

    resource = TRANSFER
    scope_path_field = ("from_path", "to_path")

    kind = models.CharField(_("类别"), max_length=8, choices=TransferKind.choices)
    state = models.CharField(
        _("状态"), max_length=20, choices=TransferState.choices, default=TransferState.DRAFT
    )
    # Our letters: 〔year〕第NNNN号, unique per year; an incoming paper letter keeps its own number.
    letter_number = models.CharField(_("介绍信编号"), max_length=60, blank=True)
    letter_year = models.PositiveIntegerField(null=True, blank=True, editable=False)
    letter_seq = models.PositiveIntegerField(null=True, blank=True, editable=False)

    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
        verbose_name=_("党员"),
    )
    # 转入: the person's data travels with the transfer until 报到 creates the member record.
    person_name = models.CharField(_("姓名"), max_length=50)
    incoming_data = models.JSONField(_("转入人员信息"), default=dict, blank=True)
    incoming_id_enc = models.TextField(_("身份证号（密文）"), blank=True)
    incoming_phone_enc = models.TextField(_("联系电话（密文）"), blank=True)
    incoming_id_masked = models.CharField(_("身份证号"), max_length=18, blank=True)

    from_org = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_out",
        verbose_name=_("转出党组织"),
    )
    from_name = models.CharField(_("转出党组织名称"), max_length=200, blank=True)
    from_path = models.CharField(max_length=255, blank=True, editable=False)
    to_org = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
        verbose_name=_("转入党组织"),
    )
    to_name = models.CharField(_("转入党组织名称"), max_length=200, blank=True)
    to_address = models.CharField(_("转入党组织地址"), max_length=200, blank=True)
    to_path = models.CharField(max_length=255, blank=True, editable=False)

    reason = models.CharField(_("转接原因"), max_length=200)
    dues_year = models.PositiveIntegerField(_("党费交至（年）"))
    dues_month = models.PositiveSmallIntegerField(_("党费交至（月）"))
    contact_phone = models.CharField(_("发信党组织联系电话"), max_length=30, blank=True)
    validity_days = models.PositiveSmallIntegerField(_("有效期（天）"), null=True, blank=True)
    rules_version = models.CharField(_("依据规则版本"), max_length=200, blank=True)
    issued_on = models.DateField(_("开具日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    reported_on = models.DateField(_("报到日期"), null=True, blank=True)
    receipt_due = models.DateField(_("回执应返回日期"), null=True, blank=True)
    receipt_returned_on = models.DateField(_("回执返回日期"), null=True, blank=True)
    completed_on = models.DateField(_("办结日期"), null=True, blank=True)
    closed_on = models.DateField(_("终止日期"), null=True, blank=True)
    closed_reason = models.CharField(_("终止原因"), max_length=500, blank=True)
    # SET_NULL only so that wiping a demo database can delete transfers; nothing deletes them otherwise.
    reissue_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reissues",
        verbose_name=_("重新开具自"),
    )
    created_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter_year", "letter_seq"], name="transfers_letter_number_unique"
            ),
            # A member has at most one open transfer.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(state__in=[s.value for s in OPEN_STATES]),
                name="transfers_one_open_per_member",
            ),
        ]
        indexes = [
            models.Index(
                fields=["from_path"], name="transfers_from_path", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["to_path"], name="transfers_to_path", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["state", "valid_until"], name="transfers_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.person_name} {self.letter_number or self.get_state_display()}"

    @property
    def from_label(self) -> str:
        return self.from_org.name if self.from_org_id else self.from_name

    @property
    def to_label(self) -> str:
        return self.to_org.name if self.to_org_id else self.to_name

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_expired_on(self, day) -> bool:
        """Past its validity without 报到 (shown as 过期 even before expire_letters runs)."""
        if self.state == TransferState.EXPIRED:
            return True
        return (
            self.state == TransferState.ISSUED
            and self.valid_until is not None
            and self.valid_until < day
        )

    def shown_state(self, day) -> str:
        return (
            str(TransferState.EXPIRED.label)
            if self.is_expired_on(day)
            else self.get_state_display()
        )

    def get_additional_data(self) -> dict:
        return {"org_path": self.from_path or self.to_path, "to_path": self.to_path}


class TransferEvent(models.Model):
    """The history of a transfer: who moved it from which state to which, when, and why."""

    resource = TRANSFER
    scope_path_field = ("transfer__from_path", "transfer__to_path")

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    on = models.DateField(_("日期"))
    from_state = models.CharField(
        _("原状态"), max_length=20, choices=TransferState.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=20, choices=TransferState.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("转接记录")
        verbose_name_plural = _("转接记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.transfer.person_name} {self.get_from_state_display()}→{self.get_to_state_display()}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.transfer.from_path or self.transfer.to_path}


class FloatingDirection(models.TextChoices):
    OUT = "out", _("外出")
    IN = "in", _("流入")


class FloatingStatus(models.TextChoices):
    ACTIVE = "active", _("流动中")
    RETURNED = "returned", _("已返回")
    CONVERTED = "converted", _("已转接组织关系")


class FloatingRecord(models.Model):
    """流动党员: a member of ours away from the branch (外出), or a guest in one of our branches (流入).

    `org` is our branch: the home branch for 外出, the host branch for 流入. A 外出 member hosted by
    another branch of our tree is also in that branch's scope (host_path).
    """

    resource = TRANSFER
    scope_path_field = ("org_path", "host_path")

    direction = models.CharField(_("流动方向"), max_length=8, choices=FloatingDirection.choices)
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="floating_records",
        verbose_name=_("党员"),
    )
    person_name = models.CharField(_("姓名"), max_length=50)
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="floating_records",
        verbose_name=_("本方党支部"),
    )
    org_path = models.CharField(max_length=255, editable=False)
    place = models.CharField(_("流动地点"), max_length=200)
    host_org = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_floating",
        verbose_name=_("流入地党组织"),
    )
    host_name = models.CharField(_("流入地党组织名称"), max_length=200, blank=True)
    host_path = models.CharField(max_length=255, blank=True, editable=False)
    home_name = models.CharField(_("原所在党组织"), max_length=200, blank=True)
    started_on = models.DateField(_("外出（流入）日期"))
    expected_return = models.DateField(_("预计返回日期"), null=True, blank=True)
    reason = models.CharField(_("流动原因"), max_length=200)
    # Contact details are personal information: stored SM4-encrypted, shown masked.
    contact_enc = models.TextField(_("联系方式（密文）"), blank=True)
    contact_masked = models.CharField(_("联系方式"), max_length=100, blank=True)
    card_number = models.CharField(_("流动党员活动证编号"), max_length=60, blank=True)
    card_issued_on = models.DateField(_("活动证发放日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=FloatingStatus.choices, default=FloatingStatus.ACTIVE
    )
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    transfer = models.ForeignKey(
        Transfer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="floating_records",
        verbose_name=_("转接"),
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("流动党员")
        verbose_name_plural = _("流动党员")
        ordering = ["-started_on", "-id"]
        indexes = [
            models.Index(
                fields=["org_path"], name="floating_org_path", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["host_path"], name="floating_host_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_name}（{self.get_direction_display()}）"

    @property
    def host_label(self) -> str:
        return self.host_org.name if self.host_org_id else self.host_name

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class ReportMethod(models.TextChoices):
    IN_PERSON = "in_person", _("当面汇报")
    PHONE = "phone", _("电话汇报")
    WRITTEN = "written", _("书面汇报")
    ONLINE = "online", _("网络汇报")


class FloatingReport(models.Model):
    """流动党员 report to the home branch (at least once a year, RULES.md 3.7)."""

    resource = TRANSFER
    scope_path_field = ("record__org_path", "record__host_path")

    record = models.ForeignKey(FloatingRecord, on_delete=models.PROTECT, related_name="reports")
    reported_on = models.DateField(_("汇报日期"))
    method = models.CharField(_("汇报方式"), max_length=12, choices=ReportMethod.choices)
    content = models.TextField(_("汇报内容"))
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("流动党员汇报")
        verbose_name_plural = _("流动党员汇报")
        ordering = ["-reported_on", "-id"]

    def __str__(self) -> str:
        return f"{self.record.person_name} {self.reported_on:%Y-%m-%d} {self.get_method_display()}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.record.org_path}
