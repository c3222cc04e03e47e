from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from dangjian.accounts.roles import ORG, ORG_REQUEST, POST


class OrgType(models.TextChoices):
    COUNTY_COMMITTEE = "county_committee", _("县委")
    WORK_COMMITTEE = "work_committee", _("工委")
    PARTY_COMMITTEE = "party_committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    TEMPORARY_BRANCH = "temporary_branch", _("临时党支部")
    GROUP = "group", _("党小组")


BRANCH_TYPES = frozenset({OrgType.BRANCH, OrgType.JOINT_BRANCH, OrgType.TEMPORARY_BRANCH})


class Sector(models.TextChoices):
    """The bulletin's sectors of basic-level organisations (RULES.md 6.5)."""

    ORGAN = "organ", _("机关")
    INSTITUTION = "institution", _("事业单位")
    ENTERPRISE = "enterprise", _("企业")
    SOCIAL = "social", _("社会组织")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    DISSOLVED = "dissolved", _("已撤销")


class Organization(MP_Node):
    """党组织. The materialized path is the scope: a subtree is one indexed prefix query."""

    resource = ORG
    scope_path_field = "path"

    name = models.CharField(_("全称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    code = models.CharField(_("组织代码"), max_length=32, unique=True)
    org_type = models.CharField(_("组织类别"), max_length=32, choices=OrgType.choices)
    sector = models.CharField(_("所在单位类别"), max_length=16, choices=Sector.choices, blank=True)
    unit_name = models.CharField(_("所在单位"), max_length=200, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=OrgStatus.choices, default=OrgStatus.ACTIVE
    )
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    dissolved_reason = models.CharField(_("撤销原因"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from",
        verbose_name=_("并入"),
    )

    steplen = 4

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        indexes = [
            models.Index(fields=["path"], name="orgs_org_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def is_branch(self) -> bool:
        return self.org_type in BRANCH_TYPES

    @property
    def is_active(self) -> bool:
        return self.status == OrgStatus.ACTIVE

    def get_additional_data(self) -> dict:
        return {"org_path": self.path}


class PostKind(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY = "deputy", _("副书记")
    MEMBER = "member", _("委员")


class Portfolio(models.TextChoices):
    NONE = "", _("—")
    ORGANISATION = "organisation", _("组织委员")
    PROPAGANDA = "propaganda", _("宣传委员")
    DISCIPLINE = "discipline", _("纪检委员")


class Post(models.Model):
    """A leadership post held by a member for a term."""

    resource = POST
    scope_path_field = "org__path"

    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="posts", verbose_name=_("组织"))
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="posts", verbose_name=_("党员")
    )
    kind = models.CharField(_("职务"), max_length=16, choices=PostKind.choices)
    portfolio = models.CharField(_("分工"), max_length=16, choices=Portfolio.choices, blank=True)
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期届满"), null=True, blank=True)
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    ended_reason = models.CharField(_("离任原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("职务")
        verbose_name_plural = _("职务")
        ordering = ["org", "kind", "term_start"]

    def __str__(self) -> str:
        label = self.get_portfolio_display() if self.portfolio else self.get_kind_display()
        return f"{self.org} {label} {self.member}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    def get_additional_data(self) -> dict:
        return {"org_path": self.org.path}


class RequestKind(models.TextChoices):
    CREATE = "create", _("设立")
    MOVE = "move", _("调整隶属关系")
    MERGE = "merge", _("合并")
    DISSOLVE = "dissolve", _("撤销")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    WITHDRAWN = "withdrawn", _("已撤回")


class OrgChangeRequest(models.Model):
    """设置/隶属关系 changes are requests the 工委 approves; nothing in the tree changes before that."""

    resource = ORG_REQUEST
    scope_path_field = "org__path"

    kind = models.CharField(_("事项"), max_length=16, choices=RequestKind.choices)
    # The organisation concerned; for CREATE it is the parent the new one goes under.
    org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="change_requests", verbose_name=_("组织")
    )
    # MOVE: the new parent. MERGE: the organisation it merges into.
    target = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("目标组织"),
    )
    # CREATE: the new organisation's fields.
    payload = models.JSONField(_("内容"), default=dict, blank=True)
    reason = models.TextField(_("理由"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    result_org = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("结果组织"),
    )

    class Meta:
        verbose_name = _("组织设置申请")
        verbose_name_plural = _("组织设置申请")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.org}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org.path}
