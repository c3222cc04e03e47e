from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import MEMBER
from dangjian.members.choices import (
    ETHNICITY_CHOICES,
    Education,
    Gender,
    MemberCategory,
    MemberStatus,
    Occupation,
)

# The member fields that may be shown, exported and logged: masked forms only, never the
# ciphertexts or the blind index. Export and import-audit lists are built from this one list.
SHOWN_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number_masked",
    "education",
    "occupation",
    "phone_masked",
    "joined_on",
    "confirmed_on",
    "category",
)


class Member(models.Model):
    """党员. Never deleted: leaving, death and suspension are statuses with a date and reason.

    The ID number and phone are stored only encrypted (SM4-GCM) with an HMAC-SM3 blind index for the
    ID number; lists show the masked form kept beside it.
    """

    resource = MEMBER
    scope_path_field = "org_path"

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=16, choices=ETHNICITY_CHOICES, default="汉族")
    birth_date = models.DateField(_("出生日期"))
    id_number_enc = models.TextField(_("身份证号（密文）"), blank=True)
    id_number_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, blank=True)
    education = models.CharField(_("学历"), max_length=24, choices=Education.choices)
    occupation = models.CharField(_("职业"), max_length=16, choices=Occupation.choices)
    phone_enc = models.TextField(_("联系电话（密文）"), blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    joined_on = models.DateField(_("入党日期"))
    confirmed_on = models.DateField(_("转正日期"), null=True, blank=True)
    category = models.CharField(
        _("党员类别"), max_length=16, choices=MemberCategory.choices, default=MemberCategory.FULL
    )
    status = models.CharField(
        _("党籍状态"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.NORMAL
    )
    status_date = models.DateField(_("状态变更日期"), null=True, blank=True)
    status_reason = models.CharField(_("状态变更原因"), max_length=500, blank=True)
    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="members", verbose_name=_("所在党组织")
    )
    # The organisation's path, kept here so that a subtree's members are one indexed prefix scan.
    org_path = models.CharField(max_length=255, editable=False, db_index=False)
    stroke_key = models.CharField(max_length=128, editable=False)
    pinyin = models.CharField(max_length=200, editable=False, blank=True)
    pinyin_initials = models.CharField(max_length=30, editable=False, blank=True)
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        indexes = [
            models.Index(
                fields=["org_path", "stroke_key"],
                name="members_scope_stroke",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["stroke_key", "id"], name="members_stroke_id"),
            models.Index(fields=["pinyin_initials"], name="members_initials"),
            models.Index(fields=["org", "status"], name="members_org_status"),
            # The list's other orders (filtersets.ORDERINGS): the first page of a large subtree is
            # read in index order instead of sorting the subtree (bench/bench_member_list.py).
            models.Index(fields=["joined_on", "id"], name="members_joined_id"),
            models.Index(fields=["birth_date", "id"], name="members_birth_id"),
            models.Index(fields=["pinyin", "id"], name="members_pinyin_id"),
            # 预备党员 are the latest to join, so "正式党员 by joining date, latest first" would skip
            # all of them in members_joined_id; with the category first it starts at the right row.
            models.Index(fields=["category", "joined_on", "id"], name="members_cat_joined_id"),
            # Category or status filter within a subtree: the list's count is an index-only scan.
            models.Index(
                fields=["category", "org_path"],
                name="members_cat_scope",
                opclasses=["varchar_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["status", "org_path"],
                name="members_status_scope",
                opclasses=["varchar_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.NORMAL

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class StatusChangeKind(models.TextChoices):
    """The kinds of 党籍 change (RULES.md 1.17–1.19); each ends in one member status (KIND_RESULT)."""

    SUSPEND_LOST = "suspend_lost", _("停止党籍（失去联系）")
    SUSPEND_SETTLED = "suspend_settled", _("停止党籍（因私出国（境）定居）")
    SUSPEND_STUDY = "suspend_study", _("停止党籍（出国（境）学习研究逾期未归）")
    RESTORE = "restore", _("恢复党籍")
    STRIKE_LAPSED = "strike_lapsed", _("除名（自行脱党）")
    STRIKE_UNQUALIFIED = "strike_unqualified", _("除名（不合格党员）")
    WITHDRAW = "withdraw", _("退党")
    EXPEL = "expel", _("开除党籍")
    CANCEL_PROBATION = "cancel_probation", _("取消预备党员资格")
    DEATH = "death", _("死亡")
    RECORD = "record", _("直接登记")


class StatusChangeState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class MemberStatusChange(models.Model):
    """One 党籍 change, requested, decided and applied: the member's permanent status history.

    Rows are never deleted or edited after the decision; an approved row has set the member's
    status, date and reason in the same transaction.
    """

    resource = MEMBER
    scope_path_field = "member__org_path"

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="status_changes", verbose_name=_("党员")
    )
    kind = models.CharField(_("变更事项"), max_length=24, choices=StatusChangeKind.choices)
    from_status = models.CharField(_("原状态"), max_length=16, choices=MemberStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=MemberStatus.choices)
    effective_on = models.DateField(_("生效日期"))
    reason = models.CharField(_("事由"), max_length=500)
    basis = models.CharField(_("依据（文件、会议）"), max_length=500, blank=True)
    # The facts the kind's rule needs, as ISO dates or text: lost_since, abroad_since, lapse_since,
    # applied_on, advised_on …  (status.FACTS lists them per kind).
    facts = models.JSONField(_("事实"), default=dict, blank=True)
    state = models.CharField(
        _("审批状态"), max_length=12, choices=StatusChangeState.choices, default=StatusChangeState.PENDING
    )
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)
    # The rule-set version the checks used, named as Rules.version (e.g. the built-in 条例 2019).
    rules_version = models.CharField(_("适用规则版本"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("党籍变更")
        verbose_name_plural = _("党籍变更")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["state", "requested_at"], name="members_stchg_state"),
            models.Index(fields=["member", "state"], name="members_stchg_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member}：{self.get_kind_display()}"

    @property
    def is_pending(self) -> bool:
        return self.state == StatusChangeState.PENDING

    def get_additional_data(self) -> dict:
        return {"org_path": self.member.org_path}
