"""联建共创: agency party organisations paired with villages, communities and enterprises (the
article's 联建共创 section), their yearly tasks under 四联四共, the activities that carry them out,
and the 挂点联系 and 党建助理/党建指导员 records of 梅列区直工委.

Every record sits at an organisation of our tree and carries a copy of its path (`org_path`, kept in
step by `orgs.services.copied_path_fields()`). Outside organisations (a village, an enterprise …)
are a registry kept at an organisation and usable by it and everything below it.

Nothing here holds a typed total: figures are counted from activities and pairings
(`outreach.selectors.figures`). A task is done when an activity that completes it is recorded.
Records are permanent: a pairing is ended, not deleted; an activity is corrected through
`outreach.services.correct_activity`, which keeps the reason beside the audit log's before/after.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import OUTREACH


class PartnerKind(models.TextChoices):
    VILLAGE = "village", _("行政村")
    COMMUNITY = "community", _("社区")
    ENTERPRISE = "enterprise", _("企业")
    NON_PUBLIC = "non_public", _("非公有制企业（两新组织）")
    SOCIAL = "social", _("社会组织（两新组织）")
    OTHER = "other", _("其他")


# 两新组织: 新经济组织 and 新社会组织 (挂点联系 is with these).
TWO_NEW_KINDS = (PartnerKind.NON_PUBLIC, PartnerKind.SOCIAL)
# 党建助理 go to enterprises, 党建指导员 to communities (梅列区直工委).
DISPATCH_KINDS = (PartnerKind.ENTERPRISE, PartnerKind.NON_PUBLIC, PartnerKind.COMMUNITY)

# A partner in our own tree: its kind follows the sector of its unit.
SECTOR_KIND = {
    "village": PartnerKind.VILLAGE,
    "community": PartnerKind.COMMUNITY,
    "enterprise": PartnerKind.ENTERPRISE,
    "social": PartnerKind.SOCIAL,
}


class Category(models.TextChoices):
    """四联四共."""

    PARTY_WORK = "party_work", _("党建工作联创")
    PROJECTS = "projects", _("发展项目联抓")
    INFRASTRUCTURE = "infrastructure", _("基础设施联建")
    SOCIAL = "social", _("社会活动联谊")


class DispatchRole(models.TextChoices):
    ASSISTANT = "assistant", _("党建助理")
    INSTRUCTOR = "instructor", _("党建指导员")


def _upload_path(instance, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    return f"outreach/{uuid.uuid4().hex}{suffix}"


class Partner(models.Model):
    """An outside organisation (not in our tree) that agency organisations pair with or visit."""

    resource = OUTREACH
    scope_path_field = "org_path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记的党组织"),
    )
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=PartnerKind.choices)
    place = models.CharField(_("所在地"), max_length=200, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联建单位")
        verbose_name_plural = _("联建单位")
        ordering = ["kind", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class Pairing(models.Model):
    """联建共创结对: one agency party organisation and one grassroots partner."""

    resource = OUTREACH
    scope_path_field = "org_path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("机关党组织"),
    )
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("联建单位"),
    )
    partner_org = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="paired_as_partner",
        verbose_name=_("联建党组织"),
    )
    partner_kind = models.CharField(_("联建单位类型"), max_length=16, choices=PartnerKind.choices)
    started_on = models.DateField(_("结对日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=300, blank=True)
    leader = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分管领导"),
    )
    coordinator = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("具体协调人"),
    )
    agreement_text = models.TextField(_("共建协议"), blank=True)
    agreement = models.FileField(_("协议文件"), upload_to=_upload_path, blank=True)
    agreement_name = models.CharField(_("协议文件名"), max_length=200, blank=True)
    agreement_size = models.PositiveIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联建共创结对")
        verbose_name_plural = _("联建共创结对")
        ordering = ["org_path", "started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(partner__isnull=False, partner_org__isnull=True)
                | Q(partner__isnull=True, partner_org__isnull=False),
                name="outreach_pairing_one_partner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org} ↔ {self.partner_label}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}

    @property
    def partner_label(self) -> str:
        if self.partner_id:
            return self.partner.name
        return self.partner_org.name if self.partner_org_id else ""

    @property
    def partner_key(self) -> str:
        return f"p{self.partner_id}" if self.partner_id else f"o{self.partner_org_id}"

    @property
    def active(self) -> bool:
        return self.ended_on is None


class PairingTask(models.Model):
    """One item of a pairing's yearly task list. Done only through an activity that completes it."""

    resource = OUTREACH
    scope_path_field = "pairing__org_path"

    pairing = models.ForeignKey(Pairing, on_delete=models.PROTECT, related_name="tasks")
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    title = models.CharField(_("任务"), max_length=300)
    # A task entered by mistake is withdrawn, not deleted: it stays listed and leaves the counts.
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("年度任务")
        verbose_name_plural = _("年度任务")
        ordering = ["year", "category", "id"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.pairing.org_path}

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class Activity(models.Model):
    """One 联建共创 activity carried out under a pairing."""

    resource = OUTREACH
    scope_path_field = "org_path"

    pairing = models.ForeignKey(Pairing, on_delete=models.PROTECT, related_name="activities")
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("机关党组织"),
    )
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    held_on = models.DateField(_("活动日期"))
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    summary = models.TextField(_("活动内容"))
    participants = models.ManyToManyField(
        "members.Member", related_name="outreach_activities", verbose_name=_("参加党员")
    )
    problems_solved = models.PositiveIntegerField(_("解决实际问题（个）"), default=0)
    services_delivered = models.PositiveIntegerField(_("提供便民服务（件）"), default=0)
    funds_raised = models.DecimalField(
        _("筹措项目资金（元）"), max_digits=14, decimal_places=2, default=0
    )
    deeds_done = models.PositiveIntegerField(_("办实事好事（件）"), default=0)
    completes = models.ManyToManyField(
        PairingTask, blank=True, related_name="done_by", verbose_name=_("完成的年度任务")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联建共创活动")
        verbose_name_plural = _("联建共创活动")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["org_path", "held_on"], name="outreach_activity_path")]
        constraints = [
            models.CheckConstraint(condition=Q(funds_raised__gte=0), name="outreach_funds_nonneg")
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.get_category_display()}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class ActivityPhoto(models.Model):
    resource = OUTREACH
    scope_path_field = "activity__org_path"

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to=_upload_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动照片和材料")
        verbose_name_plural = _("活动照片和材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class ActivityCorrection(models.Model):
    """Why an activity was corrected; the audit log keeps what it said before."""

    resource = OUTREACH
    scope_path_field = "activity__org_path"

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="corrections")
    reason = models.CharField(_("更正原因"), max_length=300)
    fields = models.CharField(_("更正的项目"), max_length=300)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField(_("更正时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动更正")
        verbose_name_plural = _("活动更正")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.reason}"


class Liaison(models.Model):
    """挂点联系: a 委员 of an organisation (the 工委) keeps in touch with one 两新组织."""

    resource = OUTREACH
    scope_path_field = "org_path"

    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("党组织")
    )
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("联系委员")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="liaisons", verbose_name=_("联系的两新组织")
    )
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("挂点联系")
        verbose_name_plural = _("挂点联系")
        ordering = ["-started_on", "id"]

    def __str__(self) -> str:
        return f"{self.member} → {self.partner}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class Dispatch(models.Model):
    """党建助理/党建指导员 sent by an organisation to an enterprise or a community."""

    resource = OUTREACH
    scope_path_field = "org_path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("派出党组织"),
    )
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    role = models.CharField(_("身份"), max_length=16, choices=DispatchRole.choices)
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("派出人员")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="dispatches", verbose_name=_("派驻单位")
    )
    started_on = models.DateField(_("派驻开始"))
    ended_on = models.DateField(_("派驻结束"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("党建指导员派驻")
        verbose_name_plural = _("党建指导员派驻")
        ordering = ["-started_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.member} → {self.partner}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class Contact(models.Model):
    """A dated record under a 挂点联系 (联系记录) or a 派驻 (工作报告)."""

    resource = OUTREACH
    scope_path_field = "org_path"

    liaison = models.ForeignKey(
        Liaison, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    dispatch = models.ForeignKey(
        Dispatch, null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    happened_on = models.DateField(_("日期"))
    text = models.TextField(_("内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        ordering = ["-happened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(liaison__isnull=False, dispatch__isnull=True)
                | Q(liaison__isnull=True, dispatch__isnull=False),
                name="outreach_contact_one_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.happened_on:%Y-%m-%d} {self.text[:30]}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class RevisionKind(models.TextChoices):
    EDIT = "edit", _("更正")
    END = "end", _("结束")
    WITHDRAW = "withdraw", _("撤回")


class Revision(models.Model):
    """Why a record was corrected, ended or withdrawn, and what each field said before and after.

    One row per change made through `outreach.services`, beside the audit log's own entry (which
    is written by the same save in the same transaction). `changes` is a list of
    [field label, before, after] as shown to the user at the time.
    """

    resource = OUTREACH
    scope_path_field = "org_path"

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("操作"), max_length=16, choices=RevisionKind.choices)
    reason = models.CharField(_("原因"), max_length=300)
    changes = models.JSONField(_("改动"), default=list)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("更正记录")
        verbose_name_plural = _("更正记录")
        ordering = ["-made_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="outreach_revision_obj"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reason[:30]}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}
